"""An issue as its pages and the API show it: facts, location, dispatches and the whole event log."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import RowMapping, select, text
from sqlalchemy.orm import Session

from geo_app.domain.core import permissions
from geo_app.domain.core.localtime import zone as local_zone
from geo_app.domain.errors import Forbidden, NotFound
from geo_app.domain.workflow import extension, follow_up, loop, photos, states
from geo_app.models import Issue, User
from geo_app.vocab import OPEN_STATUSES

PERSONAL = ("reporter_name", "reporter_phone", "reporter_email")

_FACTS = """
SELECT i.id, i.ref, i.category, c.name_zh AS category_zh, c.name_en AS category_en, i.description, i.address,
       i.status, i.resolution, i.reject_reason, i.priority, i.channel, i.reporter_name, i.reporter_phone,
       i.reporter_email, coalesce(i.public, (SELECT d.public_by_default FROM deployment d)) AS public,
       i.reported_at, i.due_at, i.acceptance_at, i.resolved_at, i.closed_at, i.updated_at, i.version,
       i.segment_id, s.code AS segment, s.street_name, i.snap_distance_m, t.code AS team, t.name AS team_name,
       dup.ref AS duplicate_of, fl.code AS fire_lane, v.id AS visit_id, h.name AS hall,
       ST_X(i.geom) AS lon, ST_Y(i.geom) AS lat, ST_AsGeoJSON(s.geom, 6) AS segment_geometry,
       (SELECT coalesce(json_agg(json_build_object(
                   'id', e.id, 'at', to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
                   'action', e.action, 'from_status', e.from_status, 'to_status', e.to_status, 'data', e.data,
                   'actor', u.username, 'actor_name', u.display_name)
                   ORDER BY e.at, e.id), '[]')
        FROM issue_events e LEFT JOIN users u ON u.id = e.actor_id WHERE e.issue_id = i.id) AS events
FROM issues i JOIN categories c ON c.code = i.category
LEFT JOIN street_segments s ON s.id = i.segment_id
LEFT JOIN teams t ON t.id = i.team_id
LEFT JOIN issues dup ON dup.id = i.duplicate_of_id
LEFT JOIN fire_lanes fl ON fl.id = i.fire_lane_id
LEFT JOIN visits v ON v.id = i.visit_id
LEFT JOIN reception_halls h ON h.id = v.hall_id
WHERE i.id = :id
"""


_DISPATCHES = """
SELECT d.id, dep.code AS department, dep.name_zh AS department_zh, dep.name_en AS department_en, d.reason,
       d.created_at, d.acknowledged_at, d.arrived_at, d.done_at, u.username AS created_by,
       d.result_note, d.returned_at, d.return_reason
FROM dispatches d JOIN departments dep ON dep.id = d.department_id LEFT JOIN users u ON u.id = d.created_by
WHERE d.issue_id = :id ORDER BY d.created_at, d.id
"""


def dispatch_state(row: RowMapping) -> str:
    """Return a dispatch's stage: sent, acknowledged, arrived, done or returned (退单)."""
    if row.get("returned_at"):
        return "returned"
    if row["done_at"]:
        return "done"
    if row["arrived_at"]:
        return "arrived"
    if row["acknowledged_at"]:
        return "acknowledged"
    return "sent"


def readable_issue(session: Session, ref: str, user: User) -> Issue:
    """Return the issue `ref` if the user may read it; 404 when unknown, 403 when out of scope."""
    issue = session.execute(select(Issue).where(Issue.ref == ref)).scalar_one_or_none()
    if issue is None:
        raise NotFound(f"no issue {ref}", "ref")
    if not permissions.can_read_issue(session, user, issue):
        raise Forbidden(f"issue {ref} is outside your scope", "ref")
    return issue


def issue_detail(
    session: Session, issue: Issue, user: User | None, now: datetime | None = None, new: bool = False
) -> dict[str, Any]:
    """Return every fact of the issue, its events and dispatches, and what this user may do next.

    `new`: the issue was filed in this transaction (intake's answer), so it has no dispatch, extension
    request, photo or follow-up yet: those are not queried."""
    now = now or datetime.now(UTC)
    facts = dict(session.execute(text(_FACTS), {"id": issue.id}).mappings().one())
    seg_geom = facts.pop("segment_geometry")
    facts["segment_geometry"] = json.loads(seg_geom) if seg_geom else None
    facts["overdue"] = bool(facts["status"] in OPEN_STATUSES and facts["due_at"] and facts["due_at"] < now)
    for event in facts["events"]:  # in the same round trip, as JSON: the time as UTC text to the microsecond
        event["at"] = datetime.fromisoformat(event["at"]).replace(tzinfo=UTC)
    dispatches: list[dict[str, Any]] = []
    for r in [] if new else session.execute(text(_DISPATCHES), {"id": issue.id}).mappings():
        d = dict(r)
        d["state"] = dispatch_state(r)
        dispatches.append(d)
    facts["dispatches"] = dispatches
    facts["awaiting_acceptance"] = False if new else loop.all_done(session, issue.id)
    facts["needs_follow_up"] = facts["status"] in ("resolved", "verified") and not follow_up.has_follow_up(
        session, issue.id
    )
    facts["pending_extension"] = None if new else extension.pending_request(session, issue.id)
    facts["escalations"] = sum(1 for e in facts["events"] if e["action"] == "escalate")
    facts["photos"] = [] if new else photos.photos_of(session, issue.id)
    facts["follow_ups"] = [
        {"at": e["at"], "actor": e["actor"], **{k: e["data"].get(k) for k in ("satisfaction", "method", "note")}}
        for e in facts["events"]
        if e["action"] == "follow_up"
    ]
    allowed = states.allowed_actions(facts["status"])
    facts["allowed_actions"] = [
        a for a in allowed if user is not None and permissions.can_act(session, user, issue, a, {})
    ]
    return facts


def _iso(value: Any) -> Any:
    # local time (the deployment's zone) with its offset: the same instant, readable by the people who use it
    return value.astimezone(local_zone()).isoformat() if isinstance(value, datetime) else value


def to_feature(detail: dict[str, Any], personal: bool = True) -> dict[str, Any]:
    """Return the API's GeoJSON Feature of an issue detail; `personal=False` drops reporter data."""
    skip = {"id", "lon", "lat", "segment_geometry"} | (set() if personal else set(PERSONAL))
    props: dict[str, Any] = {
        k: _iso(v) for k, v in detail.items() if k not in skip and k not in ("events", "dispatches")
    }
    props["events"] = [
        {
            "at": _iso(e["at"]),
            "actor": e["actor"],
            "action": e["action"],
            "from_status": e["from_status"],
            "to_status": e["to_status"],
            "data": e["data"],
        }
        for e in detail.get("events", [])
    ]
    props["dispatches"] = [{k: _iso(v) for k, v in d.items()} for d in detail.get("dispatches", [])]
    return {
        "type": "Feature",
        "id": detail["ref"],
        "geometry": {"type": "Point", "coordinates": [round(detail["lon"], 6), round(detail["lat"], 6)]},
        "properties": props,
    }


def api_issue(session: Session, issue: Issue, user: User, new: bool = False) -> dict[str, Any]:
    """Return the issue as the API answers it: a Feature whose key facts are also top-level members
    (`new`: just filed, see issue_detail)."""
    feature = to_feature(issue_detail(session, issue, user, new=new))
    p = feature["properties"]
    # top-level copies so that `POST /api/issues` answers {ref, segment_id, team, status, version} directly
    for key in ("ref", "segment_id", "segment", "team", "status", "version", "category", "due_at"):
        feature[key] = p[key]
    return feature
