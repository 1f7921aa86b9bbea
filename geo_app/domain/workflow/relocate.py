"""Relocate (改位置): move an issue's point and link it again to its nearest segment and team, with an event.

The way out of the review queue: an issue filed beyond the snap distance is moved to where the problem
really is, and from then on its team sees it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geoalchemy2.elements import WKTElement
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo_app.domain.core import positions, snapping
from geo_app.domain.core.validation import clean_text
from geo_app.domain.errors import ValidationError
from geo_app.domain.workflow import intake
from geo_app.domain.workflow.policy import WorkflowPolicy
from geo_app.models import Issue, User


def _present(value: object, field: str) -> object:
    if isinstance(value, bool) or value is None:
        raise ValidationError(f"{field}: a number is required", field)
    return value


def relocate(
    session: Session, issue: Issue, actor: User | None, params: dict[str, Any], at: datetime
) -> dict[str, Any]:
    """Move the point to (`lon`, `lat`) and re-snap; beyond the snap distance only with `confirm_unlinked`."""
    policy: WorkflowPolicy = params["_policy"]
    # the same checks as intake: range, (0,0), the service area, a swapped pair said so
    lon, lat = positions.parse(session, _present(params.get("lon"), "lon"), _present(params.get("lat"), "lat"))
    old = session.execute(text("SELECT ST_X(geom), ST_Y(geom) FROM issues WHERE id = :i"), {"i": issue.id}).one()
    snap = snapping.nearest_segment(session, lon, lat, policy.snap_max_m)
    if not snap.linked and params.get("confirm_unlinked") not in (True, "true", "1", "on"):
        raise intake.no_segment_error(session, lon, lat, policy.snap_max_m)
    note = clean_text(params.get("note") or params.get("unlinked_reason"), "note", 1000, required=not snap.linked)
    issue.geom = WKTElement(f"POINT({lon} {lat})", srid=4326)  # type: ignore[assignment]  # stored as WKB
    issue.segment_id = snap.segment_id
    issue.snap_distance_m = snap.distance_m
    issue.team_id = snap.team_id
    if snap.linked:
        issue.unlinked_reason = None
        issue.review_owner_id = None
    else:
        issue.unlinked_reason = note
        issue.review_owner_id = issue.review_owner_id or intake.review_owner(session)
    segment = session.execute(
        text("SELECT code, street_name FROM street_segments WHERE id = :s"), {"s": snap.segment_id}
    ).first()
    team = session.execute(text("SELECT code FROM teams WHERE id = :t"), {"t": issue.team_id}).scalar()
    return {
        "from": [round(old[0], 7), round(old[1], 7)],
        "to": [round(lon, 7), round(lat, 7)],
        "linked": snap.linked,
        "segment": segment.code if segment else None,
        "street_name": segment.street_name if segment else None,
        "team": team,
        "distance_m": round(snap.distance_m, 1) if snap.distance_m is not None else None,
        "note": note,
    }


HANDLERS = {"relocate": relocate}
