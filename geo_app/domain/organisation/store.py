"""Create or update one organisation record, idempotent on its code, with its audit entry.

`upsert` checks every field first (naming it in the refusal), resolves the codes a record points at, writes
its row and links, and appends the change to the audit log — or nothing at all when the record is
unchanged, so that importing the same file twice changes nothing. Teams whose segments change re-link the
open issues on those segments (see relink).
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from geo_app.domain.core.accounts import USERNAME
from geo_app.domain.core.validation import clean_text
from geo_app.domain.errors import Conflict, NotFound, ValidationError
from geo_app.domain.organisation import audit, geometry, relink, snapshots
from geo_app.domain.organisation.audit import Actor
from geo_app.domain.organisation.fields import Kind, code, given
from geo_app.domain.organisation.snapshots import AUTO_MEMBER
from geo_app.vocab import AREA_LEVELS

MODES = ("upsert", "create", "update")
# columns whose default lives in the model (Python), not in the database: set on creation
CREATE_DEFAULTS: dict[str, dict[str, Any]] = {
    "category": {"blocks_access": False},
    "compound": {"households": 0, "residents": 0},
}


def parse_code(kind: Kind, value: Any) -> str:
    """Return the record's code (a user's is the username), or refuse it naming `code`."""
    if kind.name == "user":
        if not isinstance(value, str) or not USERNAME.match(value.strip()):
            raise ValidationError("code: a username of 2-60 lower-case letters, digits, _ . - is required", "code")
        return value.strip()
    return code(value, "code")


def _id(session: Session, table: str, value: str, f: str, key: str = "code", where: str = "") -> int:
    found = session.execute(text(f"SELECT id FROM {table} WHERE {key} = :v {where}"), {"v": value}).scalar()
    if found is None:
        raise ValidationError(f"{f}: unknown {f} {value!r}", f)
    return int(found)


def _values(kind: Kind, rec: dict[str, Any], creating: bool) -> dict[str, Any]:
    """Return {field name: parsed value} of the fields given in `rec`; required ones on creation."""
    values: dict[str, Any] = {}
    for name, limit in (("name_zh", 120), ("name_en", 120)):
        if given(rec.get(name)):
            values[name] = clean_text(rec[name], name, limit)
    if creating and "name_zh" not in values:
        raise ValidationError("name_zh: is required", "name_zh")
    for f in kind.fields:
        if given(rec.get(f.name)):
            values[f.name] = f.parse(rec[f.name], f.name)
        elif creating and f.required:
            raise ValidationError(f"{f.name}: is required", f.name)
    if kind.geometry and given(rec.get("geometry")):
        values["geometry"] = geometry.parse(rec["geometry"], kind.geometry)
    elif kind.geometry_required and creating:
        raise ValidationError("geometry: is required", "geometry")
    return values


def upsert(
    session: Session,
    kind: Kind,
    rec: dict[str, Any],
    actor: Actor,
    mode: str = "upsert",
    default_password: str | None = None,
) -> dict[str, Any] | None:
    """Create or update the record `rec` of `kind`; return its new snapshot, or None when nothing changed.

    All or nothing: a refusal (or a constraint of the database) leaves no part of the record written."""
    try:
        with session.begin_nested():
            return _upsert(session, kind, rec, actor, mode, default_password)
    except IntegrityError as exc:
        diag = getattr(exc.orig, "diag", None)
        column = getattr(diag, "column_name", None)
        if column:  # a NOT NULL column the record left empty
            raise ValidationError(f"{column}: is required", column) from None
        constraint = getattr(diag, "constraint_name", None) or ""
        field = next((c for c in ("name", "service_code", "code") if constraint.endswith(f"_{c}")), None)
        shown = {"name": "name_zh"}.get(field or "", field)
        raise Conflict(f"{shown or 'record'}: refused by the database ({constraint})", shown) from None


def _upsert(
    session: Session,
    kind: Kind,
    rec: dict[str, Any],
    actor: Actor,
    mode: str,
    default_password: str | None,
) -> dict[str, Any] | None:
    key = parse_code(kind, rec.get("code"))
    before = snapshots.record(session, kind, key)
    if mode == "create" and before is not None:
        raise Conflict(f"code: {kind.name} {key!r} exists already", "code")
    if mode == "update" and before is None:
        raise NotFound(f"code: no {kind.name} {key!r}", "code")
    values = _values(kind, rec, before is None)
    columns: dict[str, Any] = {}
    geom_column: str | None = None
    names = kind.name_columns
    if "name_zh" in values:
        columns[names[0]] = values["name_zh"]
    if "name_en" in values and names[1]:
        columns[names[1]] = values["name_en"]
    for f in kind.fields:
        if f.column and f.name in values:
            columns[f.column] = values[f.name]
    resolve = _RESOLVE.get(kind.name)
    if resolve:
        geom_column = resolve(session, key, values, columns, before)
    if kind.name == "user":
        _user_password(values, columns, before, default_password)
    if before is None:
        for column, value in CREATE_DEFAULTS.get(kind.name, {}).items():
            columns.setdefault(column, value)
    row_id = _write(session, kind, key, columns, values.get("geometry"), geom_column, before is None)
    segments_before = set(before.get("segments", [])) if before else set()
    _after_write(session, kind, key, row_id, values)
    after = snapshots.record(session, kind, key)
    assert after is not None
    if "password" in values:
        after = {**after, "password": "(set)"}  # the audit says a password was set, never which
    if after == before:
        return None
    audit.record(session, actor, kind.name, key, before, after)
    if kind.name == "team" and set(after.get("segments", [])) != segments_before:
        relink.open_issues(session, set(after["segments"]) | segments_before, actor)
    return after


def _write(
    session: Session,
    kind: Kind,
    key: str,
    columns: dict[str, Any],
    geom: Any,
    geom_column: str | None,
    creating: bool,
) -> int:
    params = {f"c_{k}": v for k, v in columns.items()}
    exprs = {k: f":c_{k}" for k in columns}
    if geom is not None and geom_column:
        exprs[geom_column] = "ST_GeomFromText(:geom, 4326)"
        params["geom"] = geometry.wkt(geom)
    params["key"] = key
    if creating:
        cols = [kind.key, *exprs]
        sql = f"INSERT INTO {kind.table} ({', '.join(cols)}) VALUES (:key, {', '.join(exprs.values())}) RETURNING id"
    elif exprs:
        sets = ", ".join(f"{k} = {v}" for k, v in exprs.items())
        sql = f"UPDATE {kind.table} SET {sets} WHERE {kind.key} = :key RETURNING id"
    else:
        sql = f"SELECT id FROM {kind.table} WHERE {kind.key} = :key"
    if kind.name == "category" or kind.name == "channel":  # keyed on code, no id column
        sql = sql.replace("RETURNING id", "RETURNING 0").replace("SELECT id", "SELECT 0")
    return int(session.execute(text(sql), params).scalar() or 0)


def _category(session: Session, key: str, values: dict[str, Any], columns: dict[str, Any], before: Any) -> None:
    for dep in values.get("departments", []):
        _id(session, "departments", dep, "departments")
    if "service_code" in values:
        other = session.execute(
            text("SELECT code FROM categories WHERE COALESCE(service_code, code) = :s AND code <> :k"),
            {"s": values["service_code"], "k": key},
        ).scalar()
        if other:
            raise Conflict(
                f"service_code: {values['service_code']!r} is already the service of {other!r}", "service_code"
            )
    return None


def _area(session: Session, key: str, values: dict[str, Any], columns: dict[str, Any], before: Any) -> str:
    level = values.get("level") or (before or {}).get("level")
    if "parent" in values:
        if values["parent"] == key:
            raise ValidationError("parent: an area cannot be its own parent", "parent")
        parent = session.execute(
            text("SELECT id, level FROM admin_areas WHERE code = :c"), {"c": values["parent"]}
        ).first()
        if parent is None:
            raise ValidationError(f"parent: unknown area {values['parent']!r}", "parent")
        if AREA_LEVELS.index(parent.level) >= AREA_LEVELS.index(level):
            raise ValidationError(f"parent: a {level} lies inside a larger area, not a {parent.level}", "parent")
        columns["parent_id"] = parent.id
    return "geom"


def _community(session: Session, values: dict[str, Any], columns: dict[str, Any], required_inside: bool) -> None:
    """Set community_id from the `community` code, or from the community area containing the geometry."""
    if "community" in values:
        columns["community_id"] = _id(session, "admin_areas", values["community"], "community")
    geom = values.get("geometry")
    if geom is None:
        return
    point = geom.representative_point().wkt
    inside = session.execute(
        text("""SELECT id, level FROM admin_areas WHERE ST_Intersects(geom, ST_GeomFromText(:p, 4326))
                ORDER BY array_position(ARRAY['community', 'subdistrict', 'district']::text[], level::text) LIMIT 1"""),
        {"p": point},
    ).first()
    if inside is None and required_inside:
        raise ValidationError("geometry: the point lies outside every administrative area", "geometry")
    if "community" not in values and inside is not None and inside.level == "community":
        columns["community_id"] = inside.id


def _hall(session: Session, key: str, values: dict[str, Any], columns: dict[str, Any], before: Any) -> str:
    _community(session, values, columns, required_inside=True)
    return "geom"


def _compound(session: Session, key: str, values: dict[str, Any], columns: dict[str, Any], before: Any) -> str:
    _community(session, values, columns, required_inside=False)
    return "geom"


def _team(session: Session, key: str, values: dict[str, Any], columns: dict[str, Any], before: Any) -> str:
    if "community" in values:
        columns["community_id"] = _id(session, "admin_areas", values["community"], "community")
    if "segments" in values:
        known: dict[str, int] = dict(
            session.execute(
                text("SELECT code, id FROM street_segments WHERE code = ANY(:c)"), {"c": values["segments"]}
            ).all()
        )
        missing = [c for c in values["segments"] if c not in known]
        if missing:
            raise ValidationError(f"segments: unknown segment {missing[0]!r} ({len(missing)} unknown)", "segments")
        values["segment_ids"] = list(known.values())
    elif "geometry" in values:
        # a drawn area selects the live segments whose middle lies inside it
        values["segment_ids"] = list(
            session.execute(
                text("""SELECT id FROM street_segments WHERE retired_at IS NULL
                        AND ST_Within(ST_LineInterpolatePoint(geom, 0.5), ST_GeomFromText(:g, 4326))"""),
                {"g": values["geometry"].wkt},
            ).scalars()
        )
    for i, m in enumerate(values.get("members", [])):
        if m["department"]:
            m["department_id"] = _id(session, "departments", m["department"], f"members[{i}].department")
        if m["user"]:
            m["user_id"] = _id(session, "users", m["user"], f"members[{i}].user", key="username")
    return "drawn_area"


def _user(session: Session, key: str, values: dict[str, Any], columns: dict[str, Any], before: Any) -> None:
    for name, table in (("team", "teams"), ("department", "departments"), ("hall", "reception_halls")):
        if name in values:
            columns[f"{name}_id"] = _id(session, table, values[name], name)
    role = values.get("role") or (before or {}).get("role")
    department = values.get("department") or (before or {}).get("department")
    if role == "staff" and not department:
        raise ValidationError("department: staff users belong to a department", "department")
    deactivated = "active" in values and before is not None and before.get("active") and not values["active"]
    if deactivated or ("password" in values and before is not None):
        # a deactivated account, or one whose password an admin reset: its sessions and tokens end now
        columns["auth_epoch"] = (
            int(session.execute(text("SELECT auth_epoch FROM users WHERE username = :u"), {"u": key}).scalar() or 0) + 1
        )
    return None


def _user_password(values: dict[str, Any], columns: dict[str, Any], before: Any, default_password: str | None) -> None:
    password = values.get("password")
    if password is not None and len(password) < 8:
        raise ValidationError("password: at least 8 characters", "password")
    if password is None and before is None:
        # no password given: the default (the demo's), or a random one nobody knows until an admin resets it
        password = default_password or secrets.token_urlsafe(24)
    if password is not None:
        columns["password_hash"] = generate_password_hash(password)
    if before is None and "display_name" not in columns:
        columns["display_name"] = values.get("name_zh")


_RESOLVE: dict[str, Any] = {
    "category": _category,
    "area": _area,
    "hall": _hall,
    "compound": _compound,
    "team": _team,
    "user": _user,
}


def _after_write(session: Session, kind: Kind, key: str, row_id: int, values: dict[str, Any]) -> None:
    """Write a record's links: a category's default departments, a team's segments and members."""
    if kind.name == "category" and "departments" in values:
        session.execute(text("DELETE FROM category_departments WHERE category_code = :c"), {"c": key})
        for position, dep in enumerate(values["departments"]):
            session.execute(
                text("""INSERT INTO category_departments (category_code, department_id, position)
                        SELECT :c, id, :p FROM departments WHERE code = :d"""),
                {"c": key, "p": position, "d": dep},
            )
    if kind.name == "team":
        if "segment_ids" in values:
            session.execute(text("DELETE FROM team_segments WHERE team_id = :t"), {"t": row_id})
            if values["segment_ids"]:
                session.execute(
                    text("INSERT INTO team_segments (team_id, segment_id) SELECT :t, unnest(CAST(:s AS int[]))"),
                    {"t": row_id, "s": values["segment_ids"]},
                )
        if "members" in values:
            # the listed members replace the team's liaisons; chiefs and secretaries come with their accounts
            session.execute(
                text(f"DELETE FROM team_members m WHERE m.team_id = :t AND NOT ({AUTO_MEMBER})"), {"t": row_id}
            )
            for m in values["members"]:
                session.execute(
                    text("""INSERT INTO team_members (team_id, user_id, department_id, name, role)
                            VALUES (:t, :u, :d, :n, :r)"""),
                    {"t": row_id, "u": m.get("user_id"), "d": m.get("department_id"), "n": m["name"], "r": m["role"]},
                )
    if kind.name == "user":
        _user_membership(session, row_id)


def _user_membership(session: Session, user_id: int) -> None:
    """A chief or secretary with a team is a member of it (the team's list shows them)."""
    session.execute(
        text("""
        INSERT INTO team_members (team_id, user_id, name, role)
        SELECT u.team_id, u.id, u.display_name, u.role FROM users u
        WHERE u.id = :u AND u.team_id IS NOT NULL AND u.role IN ('chief', 'secretary')
          AND NOT EXISTS (SELECT 1 FROM team_members m WHERE m.team_id = u.team_id AND m.user_id = u.id)"""),
        {"u": user_id},
    )
