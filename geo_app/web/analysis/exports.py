"""Issue lists for QGIS: /exports/issues.gpkg and /exports/issues.geojson with the filters of GET /api/issues."""

from __future__ import annotations

from flask import Blueprint, Response, g, request
from flask.typing import ResponseReturnValue

from geo_app.domain.analysis import exports
from geo_app.domain.workflow import worklists
from geo_app.extensions import db_session
from geo_app.vocab import STAFF_ROLES
from geo_app.web import params
from geo_app.web.analysis import schemas as S
from geo_app.web.auth import page_route

bp = Blueprint("exports", __name__)


@bp.get("/exports/issues.gpkg", defaults={"fmt": "gpkg"})
@bp.get("/exports/issues.geojson", defaults={"fmt": "geojson"})
@page_route(*STAFF_ROLES)
@params.declare(query=S.ExportQuery)
def export_issues(fmt: str) -> ResponseReturnValue:
    """Download the caller's issues matching the filters (no personal data unless `personal=1` and allowed)."""
    f = worklists.parse_filter(db_session(), request.args)
    personal = request.args.get("personal", "") in ("1", "true")
    body = exports.encode(exports.issues_frame(db_session(), g.user, f, personal), fmt)
    return Response(
        body,
        content_type=exports.FORMATS[fmt],
        headers={"Content-Disposition": f'attachment; filename="issues.{fmt}"'},
    )
