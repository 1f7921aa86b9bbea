"""The organisation API of SPEC 6: `GET`/`POST /api/<kind>`, `GET`/`PATCH /api/<kind>/<code>`.

Staff read, admins write (bearer tokens, so no CSRF); `active: false` in a PATCH retires. Every change is
audited by the domain; refusals come in the API's error shape with the offending field.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, request
from flask.typing import ResponseReturnValue

from geo_app.domain.errors import NotFound, ValidationError
from geo_app.domain.organisation import snapshots, store
from geo_app.domain.organisation.audit import Actor
from geo_app.domain.organisation.fields import BY_PLURAL
from geo_app.extensions import csrf, db, db_session
from geo_app.vocab import STAFF_ROLES
from geo_app.web import params
from geo_app.web.admin import schemas as S
from geo_app.web.auth import api_route

bp = Blueprint("org_api", __name__, url_prefix="/api")
csrf.exempt(bp)
KINDS = "any(categories, departments, channels, teams, areas, halls, compounds, users)"


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationError("body: a JSON object is required", "body")
    return body


def _active_filter() -> bool | None:
    value = request.args.get("active")
    if value in (None, ""):
        return None
    if value not in ("true", "false"):
        raise ValidationError("active: true or false", "active")
    return value == "true"


@bp.get(f"/<{KINDS}:kind>")
@api_route(*STAFF_ROLES)
@params.declare(query=S.OrgListQuery)
def list_records(kind: str) -> ResponseReturnValue:
    """List the records of a kind (`q` searches code and names; `active=true|false` filters)."""
    q = request.args.get("q", "")[:80] or None
    return jsonify(snapshots.records(db_session(), BY_PLURAL[kind], q, _active_filter()))


@bp.get(f"/<{KINDS}:kind>/<code>")
@api_route(*STAFF_ROLES)
@params.declare()
def get_record(kind: str, code: str) -> ResponseReturnValue:
    """Return one record."""
    found = snapshots.record(db_session(), BY_PLURAL[kind], code[:60])
    if found is None:
        raise NotFound(f"code: no {BY_PLURAL[kind].name} {code[:60]!r}", "code")
    return jsonify(found)


@bp.post(f"/<{KINDS}:kind>")
@api_route("admin")
@params.declare(json=S.RecordBody)
def create_record(kind: str) -> ResponseReturnValue:
    """Create a record; 201 with it, 409 when the code exists."""
    saved = store.upsert(db_session(), BY_PLURAL[kind], _body(), Actor(g.user.id, g.user.username), mode="create")
    db.session.commit()
    return jsonify(saved), 201


@bp.patch(f"/<{KINDS}:kind>/<code>")
@api_route("admin")
@params.declare(json=S.RecordBody)
def update_record(kind: str, code: str) -> ResponseReturnValue:
    """Change the fields given (`active: false` retires); 200 with the record."""
    body = _body()
    if "code" in body and body["code"] != code:
        raise ValidationError("code: a record's code cannot change", "code")
    actor = Actor(g.user.id, g.user.username)
    saved = store.upsert(db_session(), BY_PLURAL[kind], {**body, "code": code}, actor, mode="update")
    db.session.commit()
    return jsonify(saved or snapshots.record(db_session(), BY_PLURAL[kind], code))
