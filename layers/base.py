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
from branca.element import Element, MacroElement
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

LEAN_ASSETS = ("leaflet", "leaflet_css")

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
    lean: bool = True,
    **kw: Any,
) -> folium.Map:
    """Return a responsive canvas-rendered folium.Map with local assets and an optional tile layer.

    A lean map loads Leaflet alone: folium's jQuery, Bootstrap, Font Awesome and awesome-markers (about
    480 KB, a third of a map page's requests) serve only `folium.Icon` markers and Bootstrap-styled
    popups, which the project's maps do not use. `lean=False` keeps folium's full set.
    """
    if not min_zoom <= zoom_start <= max_zoom:
        raise ValueError(f"zoom_start {zoom_start} outside [{min_zoom}, {max_zoom}]")
    if tile_url is not None and not attribution:
        raise ValueError("a tile_url needs an attribution")
    localise_assets(asset_prefix)
    for key, value in (("prefer_canvas", True), ("control_scale", True), ("width", "100%"), ("height", "100%")):
        kw.setdefault(key, value)
    m = folium.Map(location=location, zoom_start=zoom_start, tiles=None, **kw)
    if lean:  # instance lists: the class's (localised) lists stay whole for other maps
        m.default_js = [(name, url) for name, url in folium.Map.default_js if name in LEAN_ASSETS]
        m.default_css = [(name, url) for name, url in folium.Map.default_css if name in LEAN_ASSETS]
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


SWATCHES = ("fill", "line", "outline")


class Legend(MacroElement):
    """A foldable legend box in the bottom-left corner of a map (a Leaflet control), shown while `layer` is on.

    Styles live in static/css/maps.css; folding and following the layer control are GeoMaps.legend's job
    (static/js/maps.js): a phone starts with every legend folded to its title.
    """

    _template = Template(
        """
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
            if (window.GeoMaps) {
                GeoMaps.legend(el, {{ this.layer.get_name() if this.layer else "null" }});
            }
        })();
        {% endmacro %}
        """
    )

    def __init__(self, title: str, items: Sequence[Sequence[str]], layer: Element | None = None) -> None:
        super().__init__()
        self._name = "Legend"
        self.layer = layer
        rows = []
        for item in items:
            if not isinstance(item, (tuple, list)) or len(item) not in (2, 3):
                raise ValueError(f"legend item must be (colour, label) or (colour, label, swatch), got {item!r}")
            colour, label = item[0], item[1]
            swatch = item[2] if len(item) == 3 else "fill"
            if not isinstance(colour, str) or not _COLOUR.fullmatch(colour.strip()):
                raise ValueError(f"invalid legend colour {colour!r}")
            if swatch not in SWATCHES:
                raise ValueError(f"legend swatch must be one of {SWATCHES}, got {swatch!r}")
            prop = "border-color" if swatch == "outline" else "background"
            rows.append(
                Markup('<div><span class="geoapp-legend-swatch is-{}" style="{}:{}"></span>{}</div>').format(
                    swatch, prop, colour.strip(), escape_text(label, 80)
                )
            )
        # hidden until Leaflet moves it into the map's control corner
        self.html_content = Markup(
            '<div id="{0}" class="geoapp-legend" style="display:none">'
            '<button type="button" class="geoapp-legend-title" aria-expanded="true" aria-controls="{0}-body">'
            "{1}</button>"
            '<div class="geoapp-legend-body" id="{0}-body">{2}</div></div>'
        ).format(self.get_name(), escape_text(title, 80), Markup("").join(rows))


def add_legend(m: folium.Map, title: str, items: Sequence[Sequence[str]], layer: Element | None = None) -> Legend:
    """Add an escaped legend of (colour, label[, swatch]) items to the map's bottom-left corner and return it.

    With `layer`, the legend shows only while that layer is on (it follows the layer control).
    """
    legend = Legend(title, items, layer)
    m.add_child(legend)
    return legend
