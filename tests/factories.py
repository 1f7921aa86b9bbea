"""Small builders for tests: issues at real demo places, actors, actions at given times."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, text

from geo_app.domain.core import localtime
from geo_app.domain.workflow.actions import apply_action
from geo_app.domain.workflow.intake import IntakeSettings, create_issue
from geo_app.models import User


def at(day: str, hour: int = 10) -> datetime:
    """Return a local (the deployment's zone) datetime for 'YYYY-MM-DD' at `hour`."""
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=localtime.zone())


def point_on(session, street: str = "银湖南路", fraction: float = 0.5) -> tuple[float, float]:
    """Return lon/lat a few metres off the first segment of `street`."""
    row = session.execute(
        text("""
        SELECT ST_X(p) AS lon, ST_Y(p) AS lat FROM (
            SELECT ST_LineInterpolatePoint(geom, :f) AS p FROM street_segments
            WHERE street_name = :s ORDER BY code LIMIT 1) q"""),
        {"s": street, "f": fraction},
    ).one()
    return row.lon + 0.00005, row.lat


def user(session, username: str) -> User:
    return session.execute(select(User).where(User.username == username)).scalar_one()


def new_issue(session, category="noise", when="2021-03-01", street="银湖南路", **extra):
    lon, lat = point_on(session, street)
    data = {
        "category": category,
        "description": "测试问题 test issue",
        "lon": lon,
        "lat": lat,
        "channel": "reception_hall",
        **extra,
    }
    return create_issue(session, data, user(session, "clerk"), IntakeSettings(), reported_at=at(when))


def act(session, issue, action, username, when, **params):
    return apply_action(session, issue.ref, action, user(session, username), params, None, at(when, 11))
