"""Read organisation records back as plain dicts: what the API lists, the files export and the audit keeps.

One SQL query per kind, with the codes of what a record points at (never database ids) and geometry as
GeoJSON, so that a record read here can be written back by `store.upsert` unchanged (round trip).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo_app.domain.organisation.fields import Kind

# a chief's or secretary's own membership comes with their account, not with the team's member list
AUTO_MEMBER = """m.user_id IS NOT NULL AND EXISTS (SELECT 1 FROM users au WHERE au.id = m.user_id
    AND au.team_id = m.team_id AND au.role = m.role)"""
_GEO = "ST_AsGeoJSON({col}, 6)::text AS geometry"
SQL = {
    "channel": "SELECT code, name_zh, name_en, position, active FROM channels t",
    "department": "SELECT code, name_zh, name_en, active FROM departments t",
    "category": """
        SELECT code, name_zh, name_en, sla_days, blocks_access,
               ARRAY(SELECT d.code FROM category_departments cd JOIN departments d ON d.id = cd.department_id
                     WHERE cd.category_code = t.code ORDER BY cd.position, d.code) AS departments,
               group_name AS "group", keywords, service_code, service_description, service_keywords,
               service_group, service_type, active
        FROM categories t""",
    "area": f"""
        SELECT t.code, t.name AS name_zh, t.name_en, t.level, p.code AS parent, t.active, {_GEO.format(col="t.geom")}
        FROM admin_areas t LEFT JOIN admin_areas p ON p.id = t.parent_id""",
    "hall": f"""
        SELECT t.code, t.name AS name_zh, t.name_en, t.address, a.code AS community, t.active,
               {_GEO.format(col="t.geom")}
        FROM reception_halls t LEFT JOIN admin_areas a ON a.id = t.community_id""",
    "compound": f"""
        SELECT t.code, t.name AS name_zh, t.name_en, a.code AS community, t.households, t.residents, t.active,
               {_GEO.format(col="t.geom")}
        FROM compounds t LEFT JOIN admin_areas a ON a.id = t.community_id""",
    "team": f"""
        SELECT t.code, t.name AS name_zh, t.name_en, a.code AS community,
               ARRAY(SELECT s.code FROM team_segments ts JOIN street_segments s ON s.id = ts.segment_id
                     WHERE ts.team_id = t.id ORDER BY s.code) AS segments,
               COALESCE((SELECT json_agg(json_build_object('name', m.name, 'role', m.role,
                                  'department', d.code, 'user', u.username) ORDER BY m.id)
                         FROM team_members m LEFT JOIN departments d ON d.id = m.department_id
                         LEFT JOIN users u ON u.id = m.user_id
                         WHERE m.team_id = t.id AND NOT ({AUTO_MEMBER}))::text, '[]') AS members,
               t.active, {_GEO.format(col="t.drawn_area")}
        FROM teams t LEFT JOIN admin_areas a ON a.id = t.community_id""",
    "user": """
        SELECT t.username AS code, t.display_name AS name_zh, NULL AS name_en, t.role, tm.code AS team,
               d.code AS department, h.code AS hall, t.active
        FROM users t LEFT JOIN teams tm ON tm.id = t.team_id LEFT JOIN departments d ON d.id = t.department_id
        LEFT JOIN reception_halls h ON h.id = t.hall_id""",
}
ORDER_BY = {"area": "t.id", "user": "t.id", "channel": "t.position, t.code", "team": "t.id", "department": "t.id"}


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    row = dict(row)
    if row.get("geometry") is not None:
        row["geometry"] = json.loads(row["geometry"])
    if "members" in row:
        row["members"] = json.loads(row["members"])
    if "departments" in row:
        row["departments"] = list(row["departments"])
    if "segments" in row:
        row["segments"] = list(row["segments"])
    return row


def records(session: Session, kind: Kind, query: str | None = None, active: bool | None = None) -> list[dict[str, Any]]:
    """Return every record of `kind` (matching `query` in code or names, and `active` when given)."""
    key = "t.username" if kind.name == "user" else "t.code"
    names = [f"t.{c}" for c in kind.name_columns if c]
    where: list[str] = ["TRUE"]
    params: dict[str, Any] = {}
    if query:
        where.append("(" + " OR ".join(f"{c} ILIKE :q" for c in [key, *names]) + ")")
        params["q"] = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    if active is not None:
        where.append("t.active = :active")
        params["active"] = active
    order = ORDER_BY.get(kind.name, key)
    sql = f"SELECT * FROM ({SQL[kind.name]} WHERE {' AND '.join(where)} ORDER BY {order}) AS r"
    return [_clean(dict(r)) for r in session.execute(text(sql), params).mappings()]


def record(session: Session, kind: Kind, code: str) -> dict[str, Any] | None:
    """Return the record of `kind` with this code, or None."""
    key = "t.username" if kind.name == "user" else "t.code"
    row = session.execute(text(f"{SQL[kind.name]} WHERE {key} = :code"), {"code": code}).mappings().first()
    return _clean(dict(row)) if row else None
