"""The hotspots page's ranked list: the hottest segments (Gi*) and the largest clusters (DBSCAN), each
with its figures and the bounds the map zooms to when it is chosen."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import shapely
from shapely.geometry import shape

LIMIT = 10


def _bounds(geometry: dict[str, Any]) -> list[list[float]]:
    """Return [[south, west], [north, east]] of a GeoJSON geometry (Leaflet's order)."""
    west, south, east, north = shapely.bounds(shape(geometry)).tolist()
    return [[round(south, 6), round(west, 6)], [round(north, 6), round(east, 6)]]


def hot_segments(fc: dict[str, Any], limit: int = LIMIT) -> list[dict[str, Any]]:
    """Return the hot segments of a hot_cold_segments answer, strongest z first, with their bounds."""
    hot = [f for f in _features(fc) if str(f["properties"].get("class", "")).startswith("hot_")]
    hot.sort(key=lambda f: -(f["properties"].get("z") or 0))
    return [
        {
            **{k: f["properties"].get(k) for k in ("segment_id", "code", "street_name", "count", "z", "p", "p_fdr")},
            "level": f["properties"]["class"],
            "bounds": _bounds(f["geometry"]),
        }
        for f in hot[:limit]
    ]


def largest_clusters(fc: dict[str, Any], limit: int = LIMIT) -> list[dict[str, Any]]:
    """Return the clusters of a density_clusters answer, most issues first, with their bounds."""
    clusters = sorted(_features(fc), key=lambda f: -(f["properties"].get("count") or 0))
    return [
        {
            **{k: f["properties"].get(k) for k in ("cluster_id", "count", "categories", "first", "last", "area_m2")},
            "bounds": _bounds(f["geometry"]),
        }
        for f in clusters[:limit]
    ]


def _features(fc: dict[str, Any]) -> Iterable[dict[str, Any]]:
    return [f for f in fc.get("features", []) if isinstance(f, dict) and f.get("geometry") and f.get("properties")]
