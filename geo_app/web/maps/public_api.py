"""GET /api/public/issues: solved issues for anyone, generalised to their segment, no personal data."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import get_locale

from geo_app.domain.maps.public_issues import public_issues
from geo_app.extensions import db_session

bp = Blueprint("public_api", __name__)


@bp.get("/api/public/issues")
def issues() -> ResponseReturnValue:
    """Return solved issues as GeoJSON (bbox, category, start, end, limit, offset); no login."""
    response = jsonify(public_issues(db_session(), request.args, str(get_locale() or "zh")))
    response.headers["Cache-Control"] = "public, max-age=60"
    return response
