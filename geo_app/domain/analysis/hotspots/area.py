"""The area a hotspot analysis covers: an administrative area by code, or a team's patch as team:CODE."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo_app.domain.errors import ValidationError

_AREA = "(SELECT geom FROM admin_areas WHERE code = :hot_area)"


def area_condition(session: Session, area: str) -> tuple[str, str, dict[str, Any]]:
    """Return (SQL condition on issues `i`, SQL condition on segments `s`, parameters) for `area`.

    An administrative area holds the issues inside it and the segments that cross it; a team (team:CODE)
    holds its issues and its assigned segments. An unknown area is a 400 naming the field.
    """
    if area.startswith("team:"):
        code = area[5:]
        team = session.execute(text("SELECT id FROM teams WHERE code = :c"), {"c": code}).scalar()
        if team is None:
            raise ValidationError(f"area: unknown team {code[:40]!r}", "area")
        return (
            "i.team_id = :hot_team",
            "s.id IN (SELECT segment_id FROM team_segments WHERE team_id = :hot_team)",
            {"hot_team": team},
        )
    if not session.execute(text("SELECT 1 FROM admin_areas WHERE code = :c"), {"c": area}).first():
        raise ValidationError(f"area: unknown area {area[:40]!r}", "area")
    return f"ST_Covers({_AREA}, i.geom)", f"ST_Intersects({_AREA}, s.geom)", {"hot_area": area}
