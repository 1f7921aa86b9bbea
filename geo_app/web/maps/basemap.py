"""The offline base map's web side: its label font (GET /basemap/font/<digest>.woff2) and what a page
needs to draw it (tile URL template, script, font URL), for the folium map pages and the intake map."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, send_file, url_for
from flask.typing import ResponseReturnValue
from folium import Map

from geo_app.domain.maps import basemap_font
from geo_app.extensions import db_session
from geo_app.localdb import PROJECT_ROOT
from geo_app.web import params
from geo_app.web.memo import remembered
from layers.basemap import add_base_map

bp = Blueprint("basemap", __name__)
YEAR = 365 * 24 * 3600


def _cache_dir() -> Any:
    return current_app.config.get("BASEMAP_FONT_DIR") or PROJECT_ROOT / "var" / "fonts"


def font_url() -> str | None:
    """Return the URL of the label font for the current names, or None when no CJK font is installed."""
    source = basemap_font.source_font(current_app.config.get("BASEMAP_FONT"))
    if source is None:
        return None
    chars = remembered("label_chars", lambda: basemap_font.label_chars(db_session()))
    return url_for("basemap.font", digest=basemap_font.digest(chars, source))


def config() -> dict[str, Any]:
    """Return what a page's script needs to draw the base map: tile template, script and font URLs."""
    tiles = url_for("tiles.tile", layer="base", z="Z", x="X", y="Y").replace("/Z/X/Y.pbf", "/{z}/{x}/{y}.pbf")
    return {"tiles": tiles, "script": url_for("static", filename="js/basemap.js"), "font": font_url()}


def add_to(m: Map) -> None:
    """Add the labelled base map to a folium map page."""
    cfg = config()
    add_base_map(m, cfg["tiles"], cfg["script"], cfg["font"])


@bp.get("/basemap/font/<digest>.woff2")
@params.declare()
def font(digest: str) -> ResponseReturnValue:
    """Return the label font subset for today's names; 404 for any other digest or without a CJK font."""
    source = basemap_font.source_font(current_app.config.get("BASEMAP_FONT"))
    if source is None:
        abort(404)
    chars = remembered("label_chars", lambda: basemap_font.label_chars(db_session()))
    if digest != basemap_font.digest(chars, source):
        abort(404)  # an old page's font: the names changed since; its labels fall back to the system font
    path = basemap_font.subset_file(source, chars, _cache_dir())
    response = send_file(path, mimetype="font/woff2", max_age=YEAR)
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    return response
