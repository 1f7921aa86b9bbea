"""Fire lanes: link blocked-access issues to the lane they block, keep each lane's status history.

A lane's status changes only through set_status, which appends a fire_lane_status_events row (never a
no-change one); "clear" needs every linked blockage resolved first and someone on the street — a chief,
a secretary or an administrator — to confirm it. Reports count "opened" from that history.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, bindparam, select, text
from sqlalchemy.orm import Session

from geo_app.domain.core.geojson import feature_collection
from geo_app.domain.core.validation import clean_text
from geo_app.domain.errors import Forbidden, IllegalTransition, NotFound, ValidationError
from geo_app.models import FireLane, FireLaneStatusEvent, User
from geo_app.vocab import FIRE_LANE_ROLES, LANE_BLOCKED_STATUSES, LANE_STATUSES, OPEN_STATUSES, sql_in

OPEN = sql_in("i.status", OPEN_STATUSES)
OPENED_FROM = sql_in("e.from_status", LANE_BLOCKED_STATUSES)

NOTE_MAX = 1000


def link_issues(session: Session, max_m: float, issue_ids: list[int] | None = None) -> int:
    """Link blocked-access issues within `max_m` metres of a lane to the nearest lane, raising priority."""
    where = "AND i.id IN :ids" if issue_ids is not None else ""
    return _link(session, max_m, where, issue_ids)


def link_issues_in(session: Session, max_m: float, ids_sql: str) -> int:
    """Like link_issues, for the issues whose ids a subquery selects (bulk imports)."""
    return _link(session, max_m, f"AND i.id IN ({ids_sql})", None)


def _link(session: Session, max_m: float, where: str, issue_ids: list[int] | None) -> int:
    sql = text(f"""
        UPDATE issues i SET fire_lane_id = m.lane_id, priority = LEAST(i.priority, 1)
        FROM (
            SELECT src.id, n.id AS lane_id
            FROM issues src JOIN categories c ON c.code = src.category AND c.blocks_access
            CROSS JOIN LATERAL (
                SELECT f.id FROM fire_lanes f
                WHERE ST_DWithin(f.geom_m, src.geom_m, :m)
                ORDER BY f.geom_m <-> src.geom_m, f.id LIMIT 1) n
            WHERE src.fire_lane_id IS NULL {where.replace("i.id", "src.id")}
        ) m
        WHERE i.id = m.id""")
    params: dict[str, Any] = {"m": max_m}
    if issue_ids is not None:
        sql = sql.bindparams(bindparam("ids", expanding=True))
        params["ids"] = issue_ids
    return cast(CursorResult[Any], session.execute(sql, params)).rowcount


def lanes(session: Session, status: str | None = None, history: bool = False) -> dict[str, Any]:
    """Return fire lanes as GeoJSON with status, households and residents served, and open blockages."""
    if status is not None and status not in LANE_STATUSES:
        raise ValidationError(f"status: must be one of {', '.join(LANE_STATUSES)}", "status")
    rows = session.execute(
        text(f"""
        SELECT f.id, f.code, f.name, f.status, f.households, f.residents, c.name AS compound,
               (SELECT count(*) FROM issues i WHERE i.fire_lane_id = f.id
                  AND {OPEN}) AS open_blockages,
               (SELECT count(*) FROM issues i WHERE i.fire_lane_id = f.id AND i.status <> 'duplicate') AS blockages,
               (SELECT max(e.at) FROM fire_lane_status_events e WHERE e.fire_lane_id = f.id) AS status_since,
               (SELECT count(*) FROM fire_lane_status_events e WHERE e.fire_lane_id = f.id
                  AND e.to_status = 'clear' AND {OPENED_FROM}) AS times_opened,
               round(ST_Length(f.geom_m)::numeric, 1)::float AS length_m,
               ST_AsGeoJSON(f.geom, 6) AS geometry
        FROM fire_lanes f LEFT JOIN compounds c ON c.id = f.compound_id
        WHERE (CAST(:status AS text) IS NULL OR f.status = :status)
        ORDER BY f.code"""),
        {"status": status},
    ).mappings()
    result = feature_collection(rows)
    if history:
        events = lane_history(session)
        for feature in result["features"]:
            feature["properties"]["history"] = events.get(feature["properties"]["code"], [])
    return result


def lane_history(session: Session, code: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """Return each lane's status changes, oldest first: {code: [{at, from, to, actor, note}]}."""
    rows = session.execute(
        text("""
        SELECT f.code, e.at, e.from_status, e.to_status, u.username AS actor, e.note
        FROM fire_lane_status_events e JOIN fire_lanes f ON f.id = e.fire_lane_id
        LEFT JOIN users u ON u.id = e.actor_id
        WHERE (CAST(:code AS text) IS NULL OR f.code = :code)
        ORDER BY f.code, e.at, e.id"""),
        {"code": code},
    ).all()
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r.code, []).append(
            {"at": r.at.isoformat(), "from": r.from_status, "to": r.to_status, "actor": r.actor, "note": r.note}
        )
    return out


def set_status(
    session: Session, code: str, status: object, actor: User, note: object = None, at: datetime | None = None
) -> dict[str, Any]:
    """Change a lane's status as `actor` and record it; refuse "clear" while linked blockages are open.

    Returns {code, status, changed, open_blockages}; setting the status it already has records nothing.
    """
    if actor is None or actor.role not in FIRE_LANE_ROLES:
        raise Forbidden("only a chief, a secretary or an administrator may change a lane's status", "role")
    if not isinstance(status, str) or status not in LANE_STATUSES:
        raise ValidationError(f"status: must be one of {', '.join(LANE_STATUSES)}", "status")
    note = clean_text(note, "note", NOTE_MAX)
    lane = session.execute(
        select(FireLane).where(FireLane.code == code).with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if lane is None:
        raise NotFound(f"no fire lane {code[:40]}", "code")
    open_blockages = session.execute(
        text("SELECT count(*) FROM issues WHERE fire_lane_id = :f AND status IN :open").bindparams(
            bindparam("open", expanding=True)
        ),
        {"f": lane.id, "open": list(OPEN_STATUSES)},
    ).scalar()
    if status == lane.status:
        return {"code": lane.code, "status": lane.status, "changed": False, "open_blockages": open_blockages}
    if status == "clear" and open_blockages:
        raise IllegalTransition(
            f"status: {open_blockages} blockage issue(s) of lane {lane.code} are still open; "
            "resolve them before confirming the lane clear",
            "status",
            details={"open_blockages": open_blockages},
        )
    session.add(
        FireLaneStatusEvent(
            fire_lane_id=lane.id,
            at=at or datetime.now(UTC),
            from_status=lane.status,
            to_status=status,
            actor_id=actor.id,
            note=note,
        )
    )
    lane.status = status
    session.flush()
    return {"code": lane.code, "status": status, "changed": True, "open_blockages": open_blockages}
