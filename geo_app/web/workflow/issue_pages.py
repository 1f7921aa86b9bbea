"""The issue page: facts, a small map, dispatches, the whole timeline, and the action forms."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from geo_app.config import workflow_policy
from geo_app.domain.core.validation import parse_int
from geo_app.domain.errors import DomainError
from geo_app.domain.workflow import acceptance, actions, issue_view, next_step, photos, worklists
from geo_app.extensions import db, db_session
from geo_app.models import Issue
from geo_app.vocab import STAFF_ROLES
from geo_app.web import params
from geo_app.web.auth import page_route
from geo_app.web.errors import committed
from geo_app.web.forms import action_form, label, register_template_helpers, safe_next
from geo_app.web.hardening import with_nonce
from geo_app.web.workflow import schemas as S
from geo_app.web.workflow.photos import form_uploads, photo_settings

bp = Blueprint("issues", __name__)
bp.record_once(lambda state: register_template_helpers(state.app))

MAP_HALF_SIZE = 0.004  # degrees around the issue whose streets are drawn on the small map (~400 m)


def render_issue(ref: str, error: DomainError | None = None, status: int = 200) -> tuple[str, int]:
    """Render the issue page, with the error of a refused form when there is one."""
    issue = issue_view.readable_issue(db_session(), ref, g.user)
    detail = issue_view.issue_detail(db_session(), issue, g.user)
    mine = [
        d
        for d in detail["dispatches"]
        if g.user.role == "admin" or (g.user.role == "staff" and d["department"] == _dept_code())
    ]
    primary, folded = next_step.page_actions(detail, detail["allowed_actions"])
    return render_template(
        "issues/show.html",
        issue=detail,
        primary=primary,
        folded=folded,
        error=error,
        my_dispatches=mine,
        departments=worklists.departments(db_session()),
        whistle_departments=worklists.departments(db_session(), active_only=True),
        default_departments=worklists.default_departments(db_session(), detail["category"]),
    ), status


def _dept_code() -> str | None:
    from geo_app.models import Department

    dep = db.session.get(Department, g.user.department_id) if g.user.department_id else None
    return dep.code if dep else None


@bp.get("/issues/<ref>")
@page_route(*STAFF_ROLES)
@params.declare()
def show(ref: str) -> ResponseReturnValue:
    """Render the issue page (403 outside the user's scope)."""
    return render_issue(ref)


@bp.post("/issues/<ref>/actions")
@page_route(*STAFF_ROLES)
@params.declare(query=S.NextQuery, form=S.ActionForm)
def act(ref: str) -> ResponseReturnValue:
    """Apply the posted action; on refusal show the page again with the reason and the error's status."""
    action, version, params = action_form(request.form)
    files = form_uploads() if action == "done" else []  # a department's result may bring photos

    def apply() -> Issue:
        images = photos.decode_all(files, photo_settings())  # every photo checked before anything is stored
        if action == "verify_close":
            return acceptance.verify_and_close(db_session(), ref, g.user, params, version, workflow_policy())
        issue = actions.apply_checked(db_session(), ref, action, g.user, params, version, workflow_policy())
        dispatch_id = parse_int(params.get("dispatch_id"), "dispatch_id") if images else None
        for image in images:
            photos.save(
                db_session(), image, photo_settings(), stage="after", issue=issue, dispatch_id=dispatch_id, actor=g.user
            )
        return issue

    err = committed(apply)
    if isinstance(err, DomainError):
        if err.code in ("forbidden", "not_found"):  # out of scope: the error page; a refused rule: this page again
            raise err
        return render_issue(ref, err, err.http_status)
    if action == "verify" and params.get("passed") is False:
        flash(_("%(ref)s: acceptance check failed, the issue goes back to work", ref=ref), "ok")
    elif action == "decide_extension":
        approved = params.get("approve") is True
        flash(_("%(ref)s: extension approved", ref=ref) if approved else _("%(ref)s: extension refused", ref=ref), "ok")
    elif action in ("acknowledge", "arrive", "done"):
        flash(_("%(ref)s: %(step)s recorded", ref=ref, step=label("button", action)), "ok")
    else:
        done = label("action", "verify" if action == "verify_close" else action)
        flash(_("%(ref)s: %(action)s done", ref=ref, action=done), "ok")
    return redirect(safe_next(url_for("issues.show", ref=ref)))


@bp.get("/issues/<ref>/map")
@page_route(*STAFF_ROLES)
@params.declare()
def issue_map(ref: str) -> ResponseReturnValue:
    """Return the small map of the issue (a Folium page with local assets, shown in an iframe)."""
    from layers.issue_map import issue_map as build

    issue = issue_view.readable_issue(db_session(), ref, g.user)
    detail = issue_view.issue_detail(db_session(), issue, g.user)
    lon, lat = detail["lon"], detail["lat"]
    near = worklists.segments_in_bbox(
        db_session(), (lon - MAP_HALF_SIZE, lat - MAP_HALF_SIZE, lon + MAP_HALF_SIZE, lat + MAP_HALF_SIZE), limit=400
    )
    streets = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "geometry": f["geometry"], "properties": {}} for f in near["features"]],
    }
    seg_label = f"{detail['street_name'] or ''} {detail['segment'] or ''}".strip()
    cfg = current_app.config
    m = build(
        lon,
        lat,
        detail["ref"],
        detail["segment_geometry"],
        seg_label,
        streets,
        tile_url=cfg.get("TILE_URL"),
        attribution=cfg.get("TILE_ATTRIBUTION") or None,
    )
    return with_nonce(m.get_root().render()), 200, {"Content-Type": "text/html; charset=utf-8"}
