"""Small embedded GeoJSON layers (areas, lanes, halls, analysis results) with escaped popups.

Each builder gets a FeatureCollection (as the domain returns it) and functions that turn a feature's
properties into a style and into popup/tooltip Markup; only those leave for the page, so a layer's
HTML carries no property it does not show.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import folium
from branca.element import Element, MacroElement
from folium.template import Template
from markupsafe import Markup

Props = dict[str, Any]  # a feature's properties
StyleFn = Callable[[Props], dict[str, Any]]
HtmlFn = Callable[[Props], Markup]


class HtmlPopups(MacroElement):
    """Binds each feature's pre-escaped `_popup`/`_tip` Markup and counts the features drawn."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        GeoMaps.bindHtmlPopups({{ this.layer.get_name() }}, {{ this.kind|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, layer: Element, kind: str) -> None:
        super().__init__()
        self._name = "HtmlPopups"
        self.layer, self.kind = layer, kind


def _check(fc: object) -> list[dict[str, Any]]:
    if not isinstance(fc, dict) or fc.get("type") != "FeatureCollection" or not isinstance(fc.get("features"), list):
        raise ValueError("a GeoJSON FeatureCollection is required")
    return [f for f in fc["features"] if isinstance(f, dict) and f.get("geometry")]


def geojson_layer(
    parent: Element,
    fc: dict[str, Any],
    name: str,
    kind: str,
    style: StyleFn,
    popup: HtmlFn | None = None,
    tooltip: HtmlFn | None = None,
    show: bool = True,
    marker: folium.Circle | folium.CircleMarker | folium.Marker | None = None,
    simplify: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> folium.GeoJson:
    """Add a GeoJSON layer whose features keep only their style and escaped popup/tooltip."""
    features: list[dict[str, Any]] = []
    for feature in _check(fc):
        props = feature.get("properties") or {}
        slim: dict[str, Any] = {"_style": style(props)}
        if popup is not None:
            slim["_popup"] = str(popup(props))
        if tooltip is not None:
            slim["_tip"] = str(tooltip(props))
        geometry = simplify(feature["geometry"]) if simplify else feature["geometry"]
        # an id lets folium key its style map on it rather than on a (long) unique property
        features.append({"type": "Feature", "id": len(features), "geometry": geometry, "properties": slim})
    data = {"type": "FeatureCollection", "features": features}
    layer = folium.GeoJson(
        data,
        name=name,
        show=show,
        marker=marker,
        zoom_on_click=False,
        style_function=lambda f: f["properties"]["_style"],
    )
    layer.add_to(parent)
    HtmlPopups(layer, kind).add_to(parent)
    return layer
