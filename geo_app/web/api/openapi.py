"""GET /api/openapi.json: the OpenAPI document of the JSON API and Open311."""

from __future__ import annotations

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from geo_app.web import params
from geo_app.web.api.openapi_doc import document

bp = Blueprint("openapi", __name__)


@bp.get("/api/openapi.json")
@params.declare()
def openapi_json() -> ResponseReturnValue:
    """Return the OpenAPI document, with this server as its base URL."""
    return document(request.url_root.rstrip("/") or "/")
