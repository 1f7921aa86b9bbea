"""The small map on an issue page: the issue's point and the street segment it is linked to."""

from __future__ import annotations

from typing import Any

import folium

from .base import escape_text, make_map


def issue_map(
    lon: float,
    lat: float,
    label: str,
    segment_geojson: dict[str, Any] | None = None,
    segment_label: str = "",
    streets: dict[str, Any] | None = None,
    tile_url: str | None = None,
    attribution: str | None = None,
    zoom: int = 17,
) -> folium.Map:
    """Return a folium map centred on the issue, its segment (if linked), nearby streets and escaped tooltips."""
    for name, value, low, high in (("lon", lon, -180, 180), ("lat", lat, -90, 90)):
        if not isinstance(value, (int, float)) or not low <= value <= high:
            raise ValueError(f"{name} out of range: {value!r}")
    m = make_map([lat, lon], zoom_start=zoom, tile_url=tile_url, attribution=attribution)
    if streets is not None:
        # without a tile server the nearby streets are the base map
        if streets.get("type") != "FeatureCollection":
            raise ValueError("streets must be a FeatureCollection")
        folium.GeoJson(
            streets, name="streets", style_function=lambda _f: {"color": "#9aa5b1", "weight": 4, "opacity": 0.7}
        ).add_to(m)
    if segment_geojson is not None:
        if segment_geojson.get("type") not in ("LineString", "MultiLineString"):
            raise ValueError("segment_geojson must be a LineString")
        folium.GeoJson(
            segment_geojson,
            style_function=lambda _f: {"color": "#1565c0", "weight": 6, "opacity": 0.8},
            tooltip=folium.Tooltip(escape_text(segment_label, 80)),
        ).add_to(m)
    folium.CircleMarker(
        [lat, lon],
        radius=9,
        color="#b71c1c",
        weight=3,
        fill=True,
        fill_color="#ef5350",
        fill_opacity=0.9,
        tooltip=folium.Tooltip(escape_text(label, 80)),
    ).add_to(m)
    return m
