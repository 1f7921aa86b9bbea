"""The offline base map on a folium map: labelled vector tiles drawn by static/js/basemap.js (GeoBase).

Leaflet draws the shapes through VectorGrid (already on every map page); GeoBase writes the names on one
canvas over the map with a font the app serves. No database, no Flask: the URLs come from the caller.
"""

from __future__ import annotations

from typing import Any

import folium
from folium.elements import JSCSSMixin
from folium.template import Template

from .base import _LOCAL_FILES, DEFAULT_ASSET_PREFIX
from .tiles import _URL


class BaseMap(JSCSSMixin):
    """Adds the base layer of `tiles` (a /tiles/base/{z}/{x}/{y}.pbf template) with its labels."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        GeoBase.add({{ this._parent.get_name() }}, {{ this.config|tojson }});
        {% endmacro %}
        """
    )

    def __init__(
        self, tiles: str, script: str, font: str | None = None, asset_prefix: str = DEFAULT_ASSET_PREFIX
    ) -> None:
        super().__init__()
        self._name = "BaseMap"
        for value in (tiles, script, font):
            if value is not None and not _URL.fullmatch(value):
                raise ValueError(f"not a local URL: {value!r}")
        if "{z}" not in tiles:
            raise ValueError(f"not a tile URL template: {tiles!r}")
        # the instance's own list: the class's is shared by every map of the process
        self.default_js = [
            ("vectorGrid", f"{asset_prefix.rstrip('/')}/{_LOCAL_FILES['vectorGrid']}"),
            ("geobase_js", script),
        ]
        self.config: dict[str, Any] = {"tiles": tiles, "font": font}


def add_base_map(m: folium.Map, tiles: str, script: str, font: str | None = None) -> BaseMap:
    """Add the labelled offline base map to `m` and return it."""
    base = BaseMap(tiles, script, font)
    base.add_to(m)
    return base
