"""GET /api/public/issues: solved issues for anyone, generalised to their segment, no personal data."""

from __future__ import annotations

from flask import Blueprint, request
from flask.typing import ResponseReturnValue
from flask_babel import get_locale

from geo_app.domain.maps.public_issues import public_issues
from geo_app.extensions import db_session
from geo_app.web import param_schemas as S
from geo_app.web import params
from geo_app.web.public_cache import cached_public

bp = Blueprint("public_api", __name__)


@bp.get("/api/public/issues")
@params.declare(query=S.PublicIssuesQuery)
def issues() -> ResponseReturnValue:
    """Return solved issues as GeoJSON (bbox, category, start, end, limit, offset); no login."""

    def build() -> bytes:
        return public_issues(db_session(), request.args, str(get_locale() or "zh")).encode()

    return cached_public(build, "application/json")
