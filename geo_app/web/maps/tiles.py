"""Vector tiles: GET /tiles/<layer>/<z>/<x>/<y>.pbf (Mapbox Vector Tile from PostGIS ST_AsMVT).

Staff layers accept the login session (the map pages fetch their tiles with it) or a Bearer token.
"""

from __future__ import annotations

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from geo_app.domain.maps.tiles import STAFF_LAYERS, render_tile
from geo_app.extensions import db_session
from geo_app.models import User
from geo_app.web import param_schemas as S
from geo_app.web import params
from geo_app.web.auth import token_user
from geo_app.web.public_cache import cached_public

bp = Blueprint("tiles", __name__)
MVT = "application/vnd.mapbox-vector-tile"


def _viewer() -> User | None:
    """Return the Bearer token's user, else the session's, else None."""
    user = token_user()
    if user is None and current_user.is_authenticated:
        user = current_user._get_current_object()
    return user


@bp.get("/tiles/<layer>/<z>/<x>/<y>.pbf")
@params.declare(query=S.TileQuery)
def tile(layer: str, z: str, x: str, y: str) -> ResponseReturnValue:
    """Return one vector tile; 400 naming the field for bad coordinates or filters."""
    if layer not in STAFF_LAYERS:  # the same for everyone: served from the public cache, with ETag and 304
        return cached_public(lambda: render_tile(db_session(), layer, z, x, y, request.args, None), MVT)
    data = render_tile(db_session(), layer, z, x, y, request.args, _viewer())
    response = Response(data, mimetype=MVT)
    response.headers["Cache-Control"] = "private, max-age=30"
    response.vary.add("Cookie")
    response.vary.add("Authorization")
    return response
