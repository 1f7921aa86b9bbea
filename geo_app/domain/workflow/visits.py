"""Reception-hall visits (民意接待厅): a clerk logs who came, when and about what, then files issues."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from geo_app.domain.core.deployment import metric_srid
from geo_app.domain.core.validation import clean_text, parse_datetime, parse_int
from geo_app.domain.errors import Forbidden, NotFound, ValidationError
from geo_app.models import ReceptionHall, User, Visit

TOPICS_MAX = 1000
PEOPLE_MAX = 500
# a visit may be logged after the fact, but not for a time that has not come yet
FUTURE_SLACK = timedelta(minutes=10)


def halls(session: Session) -> list[dict[str, Any]]:
    """Return every reception hall with its location."""
    return [
        dict(r)
        for r in session.execute(
            text(
                "SELECT id, code, name, address, ST_X(geom) AS lon, ST_Y(geom) AS lat "
                "FROM reception_halls ORDER BY code"
            )
        ).mappings()
    ]


def _people(value: object) -> int:
    return parse_int(value, "people", 1, PEOPLE_MAX)


def log_visit(session: Session, clerk: User, data: dict[str, Any], now: datetime | None = None) -> Visit:
    """Validate and store one visit; the hall defaults to the clerk's own."""
    now = now or datetime.now(UTC)
    hall_code = data.get("hall") or None
    if hall_code is not None:
        if not isinstance(hall_code, str):
            raise ValidationError("hall: a hall code is required", "hall")
        hall_id = session.execute(select(ReceptionHall.id).where(ReceptionHall.code == hall_code)).scalar()
        if hall_id is None:
            raise ValidationError(f"hall: unknown hall {hall_code[:40]!r}", "hall")
    else:
        hall_id = clerk.hall_id
        if hall_id is None:
            raise ValidationError("hall: is required", "hall")
    if clerk.role == "clerk" and clerk.hall_id is not None and hall_id != clerk.hall_id:
        raise Forbidden("hall: clerks log visits at their own hall", "hall")
    visited_at = parse_datetime(data["visited_at"], "visited_at") if data.get("visited_at") else now
    if visited_at > now + FUTURE_SLACK:
        raise ValidationError("visited_at: cannot be in the future", "visited_at")
    visit = Visit(
        hall_id=hall_id,
        visited_at=visited_at,
        people=_people(data.get("people", 1)),
        topics=clean_text(data.get("topics"), "topics", TOPICS_MAX),
        clerk_id=clerk.id,
    )
    session.add(visit)
    session.flush()
    return visit


def visit_detail(session: Session, visit_id: int, user: User) -> dict[str, Any]:
    """Return a visit with its hall and the issues filed from it; clerks see their own hall's only."""
    row = (
        session.execute(
            text("""
        SELECT v.id, v.code, v.visited_at, v.people, v.topics, h.id AS hall_id, h.code AS hall, h.name AS hall_name,
               ST_X(h.geom) AS lon, ST_Y(h.geom) AS lat, u.display_name AS clerk
        FROM visits v JOIN reception_halls h ON h.id = v.hall_id LEFT JOIN users u ON u.id = v.clerk_id
        WHERE v.id = :id"""),
            {"id": visit_id},
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"no visit {visit_id}", "visit_id")
    if user.role == "clerk" and user.hall_id is not None and user.hall_id != row["hall_id"]:
        raise Forbidden("this visit was logged at another hall", "visit_id")
    visit = dict(row)
    visit["issues"] = [
        dict(r)
        for r in session.execute(
            text("""
        SELECT i.ref, i.category, c.name_zh AS category_zh, c.name_en AS category_en, i.status, i.reported_at
        FROM issues i JOIN categories c ON c.code = i.category WHERE i.visit_id = :id ORDER BY i.id"""),
            {"id": visit_id},
        ).mappings()
    ]
    return visit


def recent_visits(session: Session, user: User, limit: int = 15) -> list[dict[str, Any]]:
    """Return the latest visits of the user's hall (every hall for users without one)."""
    cond = "v.hall_id = :hall" if user.hall_id is not None else "TRUE"
    return [
        dict(r)
        for r in session.execute(
            text(f"""
        SELECT v.id, v.code, v.visited_at, v.people, left(v.topics, 60) AS topics, h.name AS hall_name,
               (SELECT count(*) FROM issues i WHERE i.visit_id = v.id) AS issues
        FROM visits v JOIN reception_halls h ON h.id = v.hall_id WHERE {cond}
        ORDER BY v.visited_at DESC, v.id DESC LIMIT :n"""),
            {"hall": user.hall_id, "n": limit},
        ).mappings()
    ]


def segments_near(session: Session, lon: float, lat: float, radius_m: float, limit: int = 300) -> list[dict[str, Any]]:
    """Return the live segments within `radius_m` metres of a point (the intake picker), by street."""
    return [
        dict(r)
        for r in session.execute(
            text("""
        SELECT code, street_name FROM street_segments
        WHERE retired_at IS NULL
          AND ST_DWithin(geom_m, ST_Transform(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :srid), :r)
        ORDER BY street_name, code LIMIT :n"""),
            {"lon": lon, "lat": lat, "r": radius_m, "n": limit, "srid": metric_srid()},
        ).mappings()
    ]
