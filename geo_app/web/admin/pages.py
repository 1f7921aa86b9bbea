"""The admin pages (/admin/…, admin role only): list, search, create, edit and retire each kind of the
organisation, upload organisation files, and read the audit log. Forms post here (CSRF), the domain checks."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from geo_app.domain.errors import DomainError, ValidationError
from geo_app.domain.organisation import audit, batch, files, snapshots, store
from geo_app.domain.organisation.audit import Actor
from geo_app.domain.organisation.fields import BY_PLURAL, KINDS, ORDER, Kind
from geo_app.extensions import db_session
from geo_app.web import params
from geo_app.web.admin import schemas as S
from geo_app.web.auth import page_route
from geo_app.web.errors import committed

bp = Blueprint("admin", __name__, url_prefix="/admin")
KIND_PATH = "any(categories, departments, channels, teams, areas, halls, compounds, users)"
TITLES = {
    "category": _l("Categories"),
    "department": _l("Departments"),
    "channel": _l("Channels"),
    "area": _l("Administrative areas"),
    "hall": _l("Reception halls"),
    "compound": _l("Compounds"),
    "team": _l("Street-chief teams"),
    "user": _l("Users"),
}
FIELD_LABELS = {
    "code": _l("Code"),
    "name_zh": _l("Name (Chinese)"),
    "name_en": _l("Name (English)"),
    "sla_days": _l("Service level (days)"),
    "blocks_access": _l("Blocks access (fire lanes)"),
    "departments": _l("Default departments (codes, separated by ;)"),
    "group": _l("Group"),
    "keywords": _l("Keywords"),
    "service_code": _l("Open311 service code"),
    "service_description": _l("Open311 description"),
    "service_keywords": _l("Open311 keywords"),
    "service_group": _l("Open311 group"),
    "service_type": _l("Open311 type"),
    "active": _l("Active"),
    "position": _l("Position in lists"),
    "level": _l("Level"),
    "parent": _l("Parent area (code)"),
    "address": _l("Address"),
    "community": _l("Community (area code)"),
    "households": _l("Households"),
    "residents": _l("Residents"),
    "segments": _l("Street segments (codes, separated by ;)"),
    "members": _l("Members (JSON list of name, role, department, user)"),
    "role": _l("Role"),
    "team": _l("Team (code)"),
    "department": _l("Department (code)"),
    "hall": _l("Reception hall (code)"),
    "password": _l("New password (at least 8 characters)"),
}
MAX_UPLOAD = 20 * 1024 * 1024
CHANGE_LABELS = {
    "create": _l("created"),
    "update": _l("changed"),
    "retire": _l("retired"),
    "reactivate": _l("brought back"),
}


@bp.context_processor
def _audit_words() -> dict[str, Any]:
    """Words of the audit tables: the change's name and a stored value as shown (yes/no, lists joined)."""

    def shown(value: Any) -> str:
        if value is None or value == [] or value == "":
            return "—"
        if isinstance(value, bool):
            return str(_("yes") if value else _("no"))
        return _as_text(value)

    return {"change_label": lambda a: str(CHANGE_LABELS.get(a, a)), "shown": shown, "kind_titles": TITLES}


def _actor() -> Actor:
    return Actor(g.user.id, g.user.username)


def _kind(plural: str) -> Kind:
    return BY_PLURAL[plural]


@bp.get("")
@page_route("admin")
@params.declare()
def index() -> ResponseReturnValue:
    """The admin area's front page: every kind with its count, the file upload and the latest changes."""
    counts = {k: len(snapshots.records(db_session(), KINDS[k])) for k in ORDER}
    return render_template(
        "admin/index.html",
        kinds=[KINDS[k] for k in ORDER],
        counts=counts,
        titles=TITLES,
        changes=audit.history(db_session(), limit=10),
    )


@bp.get(f"/<{KIND_PATH}:kind>")
@page_route("admin")
@params.declare(query=S.ListingQuery)
def listing(kind: str) -> ResponseReturnValue:
    """List one kind, searched by `q` (code or name) and filtered by `active`."""
    k = _kind(kind)
    q = request.args.get("q", "")[:80]
    active = {"true": True, "false": False}.get(request.args.get("active", ""))
    return render_template(
        "admin/list.html",
        kind=k,
        title=TITLES[k.name],
        rows=snapshots.records(db_session(), k, q or None, active),
        labels=FIELD_LABELS,
        q=q,
        active=request.args.get("active", ""),
    )


def _form_record(k: Kind) -> dict[str, Any]:
    """Return the record a form posts: blank fields are "not given"; geometry from the text box or a file."""
    rec: dict[str, Any] = {}
    for name in k.columns:
        value = request.form.get(name, "")
        if value.strip():
            rec[name] = value
    upload = request.files.get("geometry_file")
    raw = ""
    if upload and upload.filename:
        data = upload.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            raise ValidationError("geometry: the file is larger than 20 MiB", "geometry")
        raw = data.decode("utf-8", "replace")
    elif request.form.get("geometry", "").strip():
        raw = request.form["geometry"]
    if raw and k.geometry:
        try:
            doc = json.loads(raw)
        except ValueError:
            raise ValidationError("geometry: not GeoJSON", "geometry") from None
        if isinstance(doc, dict) and doc.get("type") == "FeatureCollection" and doc.get("features"):
            doc = doc["features"][0]
        if isinstance(doc, dict) and doc.get("type") == "Feature":
            doc = doc.get("geometry")
        rec["geometry"] = doc
    return rec


def _edit_page(k: Kind, record: dict[str, Any] | None, error: DomainError | None, status: int = 200) -> Any:
    values = dict(record or {})
    if request.method == "POST":
        values.update({c: request.form.get(c, "") for c in k.columns if c in request.form})
        if request.form.get("geometry"):
            values["geometry_text"] = request.form["geometry"]
    history = audit.history(db_session(), k.name, record["code"]) if record else []
    return render_template(
        "admin/edit.html",
        kind=k,
        title=TITLES[k.name],
        record=record,
        values=values,
        history=history,
        error=error,
        as_text=_as_text,
        labels=FIELD_LABELS,
    ), status


def _as_text(value: Any) -> str:
    """Show a stored value in a form field (lists joined by ;, members and geometry as JSON)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list) and value and isinstance(value[0], dict) or isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)


@bp.route(f"/<{KIND_PATH}:kind>/new", methods=["GET", "POST"])
@page_route("admin")
@params.declare(form=S.RecordForm)
def create(kind: str) -> ResponseReturnValue:
    """Show the form of a new record, or create it."""
    k = _kind(kind)
    if request.method == "GET":
        return _edit_page(k, None, None)
    saved = committed(lambda: store.upsert(db_session(), k, _form_record(k), _actor(), mode="create"))
    if isinstance(saved, DomainError):
        return _edit_page(k, None, saved, saved.http_status)
    assert saved is not None
    flash(_("Saved %(code)s", code=saved["code"]), "ok")
    return redirect(url_for("admin.edit", kind=kind, code=saved["code"]))


@bp.route(f"/<{KIND_PATH}:kind>/<code>", methods=["GET", "POST"])
@page_route("admin")
@params.declare(form=S.RecordForm)
def edit(kind: str, code: str) -> ResponseReturnValue:
    """Show a record with its history, or save the changed fields."""
    k = _kind(kind)
    record = snapshots.record(db_session(), k, code[:60])
    if record is None:
        abort(404)
    if request.method == "GET":
        return _edit_page(k, record, None)
    rec = {**_form_record(k), "code": record["code"]}
    saved = committed(lambda: store.upsert(db_session(), k, rec, _actor(), mode="update"))
    if isinstance(saved, DomainError):
        return _edit_page(k, record, saved, saved.http_status)
    flash(_("Saved %(code)s", code=record["code"]) if saved else _("Nothing changed"), "ok")
    return redirect(url_for("admin.edit", kind=kind, code=record["code"]))


@bp.post(f"/<{KIND_PATH}:kind>/<code>/active")
@page_route("admin")
@params.declare(form=S.ActiveForm)
def set_active(kind: str, code: str) -> ResponseReturnValue:
    """Retire a record (kept for history) or bring it back."""
    k = _kind(kind)
    active = request.form.get("active") == "true"
    rec = {"code": code[:60], "active": active}
    done = committed(lambda: store.upsert(db_session(), k, rec, _actor(), mode="update"))
    if isinstance(done, DomainError):
        flash(done.message, "error")
    else:
        flash(_("Brought back") if active else _("Retired: kept for history, offered for nothing new"), "ok")
    return redirect(url_for("admin.edit", kind=kind, code=code[:60]))


@bp.post("/import")
@page_route("admin")
@params.declare()  # the file only: request.files, bounded by MAX_UPLOAD below
def import_file() -> ResponseReturnValue:
    """Apply an uploaded organisation file (CSV or GeoJSON), all or nothing; show every rejected row."""
    upload = request.files.get("file")
    if not upload or not upload.filename:
        flash(_("Choose a CSV or GeoJSON file"), "error")
        return redirect(url_for("admin.index"))
    data = upload.read(MAX_UPLOAD + 1)
    suffix = "." + upload.filename.rsplit(".", 1)[-1].lower() if "." in upload.filename else ""

    def work() -> batch.Outcome:
        if len(data) > MAX_UPLOAD:
            raise ValidationError("file: larger than 20 MiB", "file")
        return batch.apply(db_session(), files.parse(data.decode("utf-8-sig", "replace"), suffix), _actor())

    outcome = committed(work)
    if isinstance(outcome, DomainError):
        rejected = outcome.details.get("rejected", []) if outcome.details else []
        return render_template("admin/import.html", error=outcome, rejected=rejected), outcome.http_status
    flash(
        _(
            "File applied: %(changed)d changed, %(same)d unchanged",
            changed=sum(outcome.changed.values()),
            same=sum(outcome.unchanged.values()),
        ),
        "ok",
    )
    return redirect(url_for("admin.index"))


@bp.get("/audit")
@page_route("admin")
@params.declare(query=S.AuditQuery)
def audit_log() -> ResponseReturnValue:
    """The audit log: every change to the organisation, newest first (of one kind when `kind` is given)."""
    kind = request.args.get("kind") if request.args.get("kind") in KINDS else None
    return render_template(
        "admin/audit.html", changes=audit.history(db_session(), kind, limit=500), kinds=ORDER, titles=TITLES, kind=kind
    )
