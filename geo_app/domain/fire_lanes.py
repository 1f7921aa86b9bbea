"""Fire lanes: link blocked-access issues to the lane they block, and count lanes opened."""
from __future__ import annotations

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session


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
    params = {"m": max_m}
    if issue_ids is not None:
        sql = sql.bindparams(bindparam("ids", expanding=True))
        params["ids"] = issue_ids
    return session.execute(sql, params).rowcount


def lanes(session: Session, status: str | None = None) -> dict:
    """Return fire lanes as GeoJSON with status, households and residents served, and open blockages."""
    from .geojson import feature_collection

    rows = session.execute(text("""
        SELECT f.id, f.code, f.name, f.status, f.households, f.residents, c.name AS compound,
               (SELECT count(*) FROM issues i WHERE i.fire_lane_id = f.id
                  AND i.status IN ('reported', 'accepted', 'dispatched', 'in_progress')) AS open_blockages,
               (SELECT max(e.at) FROM fire_lane_status_events e WHERE e.fire_lane_id = f.id) AS status_since,
               ST_AsGeoJSON(f.geom, 6) AS geometry
        FROM fire_lanes f LEFT JOIN compounds c ON c.id = f.compound_id
        WHERE (CAST(:status AS text) IS NULL OR f.status = :status)
        ORDER BY f.code"""), {"status": status}).mappings()
    return feature_collection(rows)
