"""Base map factory: folium maps whose JavaScript and CSS are served by the app itself, plus a legend.

Maps must work on an intranet with no internet (SPEC section 4), so every asset folium would load from a
CDN is re-pointed at the copies that ``scripts/install_assets.sh`` puts in ``static/vendor/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import folium
import folium.plugins as plugins
from branca.element import MacroElement
from folium.template import Template
from markupsafe import Markup, escape

DEFAULT_ASSET_PREFIX = "/static/vendor"

# folium's resource name -> file under static/vendor/ (names are kept: folium de-duplicates links by name).
_LOCAL_FILES = {
    # folium.Map
    "leaflet": "leaflet/leaflet.js",
    "jquery": "jquery/jquery.min.js",
    "bootstrap": "bootstrap/js/bootstrap.bundle.min.js",
    "awesome_markers": "awesome-markers/leaflet.awesome-markers.js",
    "leaflet_css": "leaflet/leaflet.css",
    "bootstrap_css": "bootstrap/css/bootstrap.min.css",
    "glyphicons_css": "glyphicons/css/bootstrap-glyphicons.min.css",
    "awesome_markers_font_css": "fontawesome/css/all.min.css",
    "awesome_markers_css": "awesome-markers/leaflet.awesome-markers.css",
    # not on npm nor in the folium wheel: install_assets.sh writes an equivalent
    "awesome_rotate_css": "folium/leaflet.awesome.rotate.min.css",
    # plugins
    "markerclusterjs": "markercluster/leaflet.markercluster.js",
    "markerclustercss": "markercluster/MarkerCluster.css",
    "markerclusterdefaultcss": "markercluster/MarkerCluster.Default.css",
    "leaflet-heat.js": "folium/leaflet_heat.min.js",
    "vectorGrid": "vectorgrid/Leaflet.VectorGrid.bundled.js",
    "Control.Fullscreen.js": "fullscreen/Control.FullScreen.js",
    "Control.FullScreen.css": "fullscreen/Control.FullScreen.css",
    "Control_MousePosition_js": "mouseposition/L.Control.MousePosition.js",
    "Control_MousePosition_css": "mouseposition/L.Control.MousePosition.css",
    "Control_locate_min_js": "locatecontrol/L.Control.Locate.min.js",
    "Control_locate_min_css": "locatecontrol/L.Control.Locate.min.css",
}

# Classes that put script or style links on a page. GeoJson, Marker, Icon, Popup, Tooltip, LayerControl,
# FeatureGroup and the vector layers need nothing beyond what folium.Map already loads.
_CLASSES = (
    folium.Map,
    plugins.MarkerCluster,
    plugins.HeatMap,
    plugins.VectorGridProtobuf,
    plugins.Fullscreen,
    plugins.MousePosition,
    plugins.LocateControl,
)

_localised_prefix: str | None = None


def _local(links: Iterable[tuple[str, str]], prefix: str, owner: str) -> list[tuple[str, str]]:
    out = []
    for name, _url in links:
        if name not in _LOCAL_FILES:
            raise RuntimeError(f"no local copy of {owner} asset {name!r}: update layers/base.py")
        out.append((name, f"{prefix}/{_LOCAL_FILES[name]}"))
    return out


def localise_assets(prefix: str = DEFAULT_ASSET_PREFIX) -> None:
    """Point the JS/CSS links of the folium classes the project uses at files under ``prefix``."""
    global _localised_prefix
    prefix = prefix.rstrip("/")
    if _localised_prefix == prefix:
        return
    for cls in _CLASSES:
        # new lists on the class itself: never mutate folium's shared module-level lists
        cls.default_js = _local(cls.default_js, prefix, cls.__name__)
        cls.default_css = _local(cls.default_css, prefix, cls.__name__)
    _localised_prefix = prefix


def make_map(
    location: Sequence[float],
    zoom_start: int = 15,
    tile_url: str | None = None,
    attribution: str | None = None,
    max_zoom: int = 19,
    min_zoom: int = 10,
    asset_prefix: str = DEFAULT_ASSET_PREFIX,
    **kw: Any,
) -> folium.Map:
    """Return a responsive canvas-rendered folium.Map with local assets and an optional tile layer."""
    if not min_zoom <= zoom_start <= max_zoom:
        raise ValueError(f"zoom_start {zoom_start} outside [{min_zoom}, {max_zoom}]")
    if tile_url is not None and not attribution:
        raise ValueError("a tile_url needs an attribution")
    localise_assets(asset_prefix)
    for key, value in (("prefer_canvas", True), ("control_scale", True), ("width", "100%"), ("height", "100%")):
        kw.setdefault(key, value)
    m = folium.Map(location=location, zoom_start=zoom_start, tiles=None, **kw)
    # without a tile layer Leaflet has no maxZoom, which breaks MarkerCluster: set it on the map itself
    m.options["max_zoom"] = max_zoom
    m.options["min_zoom"] = min_zoom
    if tile_url is not None:
        # attribution is operator configuration (it may hold a link), not user text: not escaped
        folium.TileLayer(tiles=tile_url, attr=attribution, name="basemap", max_zoom=max_zoom, min_zoom=min_zoom).add_to(
            m
        )
    return m


def escape_text(s: object, max_len: int | None = None) -> Markup:
    """Return ``s`` as HTML-escaped Markup, cut to ``max_len`` characters (with an ellipsis) first."""
    text = "" if s is None else str(s)
    if max_len is not None:
        if max_len < 1:
            raise ValueError("max_len must be positive")
        if len(text) > max_len:
            text = text[: max_len - 1] + "…"
    return escape(text)


# hex, a CSS colour name, or rgb()/rgba()/hsl()/hsla() with plain numbers
_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,30}|(rgb|hsl)a?\([0-9.,%\s]{5,40}\)")


class Legend(MacroElement):
    """A small legend box in the bottom-left corner of a map (a Leaflet control)."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
        .geoapp-legend { background: rgba(255,255,255,.92); padding: 6px 8px; border-radius: 4px;
          box-shadow: 0 1px 4px rgba(0,0,0,.3); font: 12px/1.4 sans-serif; color: #222;
          max-width: min(60vw, 260px); max-height: 40vh; overflow-y: auto; }
        .geoapp-legend .geoapp-legend-title { font-weight: bold; margin-bottom: 3px; }
        .geoapp-legend .geoapp-legend-swatch { display: inline-block; width: 12px; height: 12px;
          margin-right: 6px; vertical-align: middle; border: 1px solid rgba(0,0,0,.35); }
        </style>
        {% endmacro %}
        {% macro html(this, kwargs) %}{{ this.html_content }}{% endmacro %}
        {% macro script(this, kwargs) %}
        (function () {
            var el = document.getElementById({{ this.get_name()|tojson }});
            var ctl = L.control({position: "bottomleft"});
            ctl.onAdd = function () {
                el.style.display = "";
                L.DomEvent.disableClickPropagation(el);
                L.DomEvent.disableScrollPropagation(el);
                return el;
            };
            ctl.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, title: str, items: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self._name = "Legend"
        rows = []
        for item in items:
            if not isinstance(item, (tuple, list)) or len(item) != 2:
                raise ValueError(f"legend item must be (colour, label), got {item!r}")
            colour, label = item
            if not isinstance(colour, str) or not _COLOUR.fullmatch(colour.strip()):
                raise ValueError(f"invalid legend colour {colour!r}")
            rows.append(
                Markup('<div><span class="geoapp-legend-swatch" style="background:{}"></span>{}</div>').format(
                    colour.strip(), escape_text(label, 80)
                )
            )
        # hidden until Leaflet moves it into the map's control corner
        self.html_content = Markup(
            '<div id="{}" class="geoapp-legend" style="display:none"><div class="geoapp-legend-title">{}</div>{}</div>'
        ).format(self.get_name(), escape_text(title, 80), Markup("").join(rows))


def add_legend(m: folium.Map, title: str, items: Sequence[tuple[str, str]]) -> Legend:
    """Add an escaped legend of (colour, label) items to the map's bottom-left corner and return it."""
    legend = Legend(title, items)
    m.add_child(legend)
    return legend
