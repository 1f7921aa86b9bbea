"""Filters of map requests (tiles, map pages, the public API): category, status, period and team scope,
each checked against the data with an error naming the field."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo_app.domain.core.validation import parse_date
from geo_app.domain.errors import Forbidden, ValidationError
from geo_app.models import User
from geo_app.vocab import STATUSES, TEAM_ROLES

_CODE = re.compile(r"[A-Za-z0-9_\-]{1,40}")


@dataclass(frozen=True)
class TileFilters:
    """Validated filters of a tile request; `team_ids` None means every team (no scope limit)."""

    categories: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    start: date | None = None
    end: date | None = None
    team_ids: tuple[int, ...] | None = None
    blockage: bool = False
    highlight_team: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _codes(raw: str | None, field_name: str) -> tuple[str, ...]:
    if raw is None or raw == "":
        return ()
    items = tuple(dict.fromkeys(p.strip() for p in raw.split(",") if p.strip()))
    if len(items) > 20 or any(not _CODE.fullmatch(p) for p in items):
        raise ValidationError(f"{field_name}: a comma-separated list of codes is expected", field_name)
    return items


def parse_categories(session: Session, raw: str | None) -> tuple[str, ...]:
    """Return the category codes of a comma-separated list, refusing unknown ones."""
    codes = _codes(raw, "category")
    if codes:
        known = set(session.execute(text("SELECT code FROM categories")).scalars())
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise ValidationError(f"category: unknown category {unknown[0]!r}", "category")
    return codes


def parse_statuses(raw: str | None, allowed: tuple[str, ...] = STATUSES) -> tuple[str, ...]:
    """Return the status codes of a comma-separated list, refusing any outside `allowed`."""
    codes = _codes(raw, "status")
    bad = [c for c in codes if c not in allowed]
    if bad:
        raise ValidationError(f"status: {bad[0]!r} is not one of {', '.join(allowed)}", "status")
    return codes


def parse_period(start: str | None, end: str | None) -> tuple[date | None, date | None]:
    """Return the optional (start, end) dates, refusing malformed dates and end before start."""
    lo = parse_date(start, "start") if start else None
    hi = parse_date(end, "end") if end else None
    if lo and hi and hi < lo:
        raise ValidationError("end: the period ends before it starts", "end")
    return lo, hi


def team_id(session: Session, code: str | None) -> int | None:
    """Return the id of the team with this code (None for no code); 400 when unknown."""
    if not code:
        return None
    if not _CODE.fullmatch(code):
        raise ValidationError("team: not a team code", "team")
    found: int | None = session.execute(text("SELECT id FROM teams WHERE code = :c"), {"c": code}).scalar()
    if found is None:
        raise ValidationError(f"team: unknown team {code!r}", "team")
    return found


def scope_team_ids(session: Session, user: User, team_code: str | None) -> tuple[int, ...] | None:
    """Return the teams whose issues `user` may see (None: all); chiefs see only their own team."""
    asked = team_id(session, team_code)
    if user.role in TEAM_ROLES:
        if asked is not None and asked != user.team_id:
            raise Forbidden("team: you may only see your own team's issues", "team")
        return (user.team_id,) if user.team_id else ()
    return (asked,) if asked is not None else None
