"""Open issues near a point, before an issue is filed there: the intake map lists them beside the form so
that a clerk sees a duplicate before filing it (the merge offer after filing stays: intake.duplicate_offers).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from geo_app.domain.core import permissions
from geo_app.domain.core.deployment import metric_srid
from geo_app.models import User
from geo_app.vocab import OPEN_STATUSES

NEAR_FACTOR = 3  # the list reaches three duplicate radii: a clerk sees the neighbourhood, the likely ones first
LIMIT = 8


def open_issues_near(
    session: Session, user: User, lon: float, lat: float, radius_m: float, category: str | None = None
) -> list[dict[str, Any]]:
    """Return the caller's readable open issues within NEAR_FACTOR × `radius_m` of the point, likeliest first.

    Each: ref, category, status, distance_m, day (reported), a short description, and `likely` (same category
    within `radius_m`, the issues the clerk would be offered to merge into after filing)."""
    scope, params = permissions.scope_sql(user)
    point = f"ST_Transform(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), {int(metric_srid())})"
    rows = session.execute(
        text(f"""
        SELECT i.ref, i.category, c.name_zh, c.name_en, i.status, left(i.description, 80) AS description,
               i.reported_at, round(ST_Distance(i.geom_m, {point}))::int AS distance_m,
               (i.category = :cat AND ST_DWithin(i.geom_m, {point}, :r)) AS likely
        FROM issues i JOIN categories c ON c.code = i.category
        WHERE i.status IN :open AND ST_DWithin(i.geom_m, {point}, :far) AND {scope}
        ORDER BY likely DESC, i.geom_m <-> {point} LIMIT :n""").bindparams(bindparam("open", expanding=True)),
        {
            **params,
            "lon": lon,
            "lat": lat,
            "cat": category or "",
            "r": radius_m,
            "far": radius_m * NEAR_FACTOR,
            "open": list(OPEN_STATUSES),
            "n": LIMIT,
        },
    ).mappings()
    return [dict(r) for r in rows]
