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
        UPDATE issues i SET fire_lane_id = n.id, priority = LEAST(i.priority, 1)
        FROM categories c, LATERAL (
            SELECT f.id FROM fire_lanes f
            WHERE ST_DWithin(f.geom_m, i.geom_m, :m)
            ORDER BY f.geom_m <-> i.geom_m, f.id LIMIT 1) n
        WHERE c.code = i.category AND c.blocks_access AND i.fire_lane_id IS NULL {where}""")
    params = {"m": max_m}
    if issue_ids is not None:
        sql = sql.bindparams(bindparam("ids", expanding=True))
        params["ids"] = issue_ids
    return session.execute(sql, params).rowcount
