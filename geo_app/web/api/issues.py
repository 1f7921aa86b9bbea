"""The JSON API of SPEC 6 (bearer tokens only, so no CSRF): reference lists, segments, issues, actions."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue

from geo_app.config import intake_settings, workflow_policy
from geo_app.domain.errors import ValidationError
from geo_app.domain.workflow import actions, intake, issue_view, worklists
from geo_app.extensions import csrf, db, db_session
from geo_app.vocab import INTAKE_ROLES, STAFF_ROLES
from geo_app.web import params
from geo_app.web.api import issue_schemas as S
from geo_app.web.auth import api_route

bp = Blueprint("api", __name__, url_prefix="/api")
csrf.exempt(bp)


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationError("body: a JSON object is required", "body")
    return body


@bp.get("/segments")
@api_route(*STAFF_ROLES)
@params.declare(query=S.BboxQuery)
def segments() -> ResponseReturnValue:
    """Return the street segments in `bbox` (required) as GeoJSON."""
    return jsonify(worklists.segments_in_bbox(db_session(), worklists.parse_bbox(request.args.get("bbox"), True)))


@bp.post("/issues")
@api_route(*INTAKE_ROLES)
@params.declare(json=S.NewIssueBody)
def create_issue() -> ResponseReturnValue:
    """Create an issue; 201 with its ref, segment, team, status, version and possible duplicates."""
    data = _body()
    for name in ("lon", "lat"):
        # JSON numbers only: a string, a boolean or null is a wrong type, not a coordinate
        if isinstance(data.get(name), bool) or not isinstance(data.get(name), (int, float)):
            raise ValidationError(f"{name}: a number is required", name)
    issue = intake.create_issue(db_session(), data, g.user, intake_settings())
    body = issue_view.api_issue(db_session(), issue, g.user, new=True)
    body["possible_duplicates"] = intake.duplicate_refs(db_session(), issue, duplicate_radius())
    db.session.commit()
    # from the answer: the issue's attributes are expired by the commit, and reading one would query again
    return jsonify(body), 201, {"Location": f"/api/issues/{body['ref']}"}


def duplicate_radius() -> float:
    """Return the distance within which open issues of the same category are offered as duplicates."""
    return float(current_app.config.get("DUPLICATE_RADIUS_M", 50.0))


@bp.get("/issues")
@api_route(*STAFF_ROLES)
@params.declare(query=S.IssueFilterQuery)
def list_issues() -> ResponseReturnValue:
    """Return the caller's issues matching the filters as a paged FeatureCollection."""
    f = worklists.parse_filter(db_session(), request.args)
    return jsonify(worklists.issues_geojson(worklists.list_issues(db_session(), g.user, f)))


@bp.get("/issues/<ref>")
@api_route(*STAFF_ROLES)
@params.declare()
def get_issue(ref: str) -> ResponseReturnValue:
    """Return one issue as a Feature with its events and dispatches."""
    issue = issue_view.readable_issue(db_session(), ref, g.user)
    return jsonify(issue_view.api_issue(db_session(), issue, g.user))


@bp.post("/issues/<ref>/actions")
@api_route(*STAFF_ROLES)
@params.declare(json=S.ActionBody)
def act(ref: str) -> ResponseReturnValue:
    """Apply {action, version, ...} to the issue; 409 stale, 422 illegal, 403 out of scope."""
    data = _body()
    params = {k: v for k, v in data.items() if k not in ("action", "version")}
    issue = actions.apply_checked(
        db_session(), ref, data.get("action"), g.user, params, data.get("version"), workflow_policy()
    )
    body = issue_view.api_issue(db_session(), issue, g.user)
    db.session.commit()
    return jsonify(body)
