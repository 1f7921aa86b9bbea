"""Vector-tile layers (Leaflet.VectorGrid over /tiles/...) and the page's map script configuration.

Styling and popups of tile features run in the browser (static/js/maps.js, `GeoMaps`): the tile carries
plain properties and the popup builder escapes every one of them before it reaches the DOM.
"""

from __future__ import annotations

import re
from typing import Any

import folium
import folium.plugins as plugins
from branca.element import Element, MacroElement
from folium.template import Template

TILE_LAYERS = ("issues", "public", "segments", "heat")
# Only what url_for + urlencode of validated filters produce: no quote, backslash or space can reach the JS.
_URL = re.compile(r"/[A-Za-z0-9/_\-.{}?&=,%:+]*")
MIN_ZOOM, MAX_NATIVE_ZOOM = 12, 20


class MapConfig(MacroElement):
    """Registers the map with GeoMaps (maps.js) and gives it the page's labels and colours."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        GeoMaps.init({{ this._parent.get_name() }}, {{ this.config|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__()
        self._name = "MapConfig"
        if not isinstance(config, dict):
            raise ValueError("config must be a dict")
        self.config = config


class TilePopups(MacroElement):
    """Opens an escaped popup, built by GeoMaps.popup[kind], when a tile feature is clicked."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        GeoMaps.bindTilePopups({{ this.layer.get_name() }}, {{ this.kind|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, layer: Element, kind: str) -> None:
        super().__init__()
        self._name = "TilePopups"
        self.layer, self.kind = layer, kind


def tile_layer(
    m: folium.Map, url: str, layer: str, name: str, show: bool = True, popups: bool = True, min_zoom: int = MIN_ZOOM
) -> plugins.VectorGridProtobuf:
    """Add a VectorGrid layer of tile layer `layer` from `url` (a /tiles/... template) and return it."""
    if layer not in TILE_LAYERS:
        raise ValueError(f"unknown tile layer {layer!r}")
    if not isinstance(url, str) or not _URL.fullmatch(url) or "{z}" not in url:
        raise ValueError(f"not a local tile URL template: {url!r}")
    # points above the embedded areas (pane 450 > overlayPane 400), streets and heat below them (350)
    pane, z_index = ("geoPoints", 450) if layer in ("issues", "public") else ("geoBase", 350)
    # clicks are hit-tested by GeoMaps (maps.js); getFeatureId makes VectorGrid keep each tile's features
    options = (
        f'{{"vectorTileLayerStyles": {{"{layer}": GeoMaps.style.{layer}}}, "interactive": false, '
        f'"getFeatureId": GeoMaps.featureId, "pane": GeoMaps.pane("{pane}", {z_index:d}), '
        f'"rendererFactory": GeoMaps.tileRenderer, "minZoom": {min_zoom:d}, '
        f'"maxNativeZoom": {MAX_NATIVE_ZOOM:d}, "maxZoom": 21}}'
    )
    vg = plugins.VectorGridProtobuf(url, name, options, show=show)
    vg.add_to(m)
    if popups:
        TilePopups(vg, layer).add_to(m)
    return vg
