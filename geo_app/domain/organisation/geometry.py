"""Geometry of organisation records: GeoJSON in, checked (type, lon/lat range, validity) and out as WKT."""

from __future__ import annotations

import math
from typing import Any

from shapely.geometry import MultiPolygon, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from geo_app.domain.errors import ValidationError


def parse(value: Any, types: tuple[str, ...], f: str = "geometry") -> BaseGeometry:
    """Return the shapely geometry of a GeoJSON geometry object, refusing what could not be stored."""
    if not isinstance(value, dict):
        raise ValidationError(f"{f}: a GeoJSON geometry object is required", f)
    try:
        geom = shape(value)
    except Exception as exc:  # shapely raises several types for malformed input
        raise ValidationError(f"{f}: malformed GeoJSON ({str(exc)[:80]})", f) from None
    if geom.is_empty:
        raise ValidationError(f"{f}: is empty", f)
    if geom.geom_type not in types:
        raise ValidationError(f"{f}: expected {' or '.join(types)}, got {geom.geom_type}", f)
    minx, miny, maxx, maxy = geom.bounds
    if not all(math.isfinite(v) for v in geom.bounds) or minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise ValidationError(f"{f}: coordinates are not lon/lat degrees (EPSG:4326)", f)
    if not geom.is_valid:
        # e.g. "Self-intersection[111.27 23.48]": the reason and where
        raise ValidationError(f"{f}: invalid polygon ({explain_validity(geom)})", f)
    return geom


def wkt(geom: BaseGeometry) -> str:
    """Return the WKT to store: polygons as a MultiPolygon (the stored type), points as they are."""
    shown: str = MultiPolygon([geom]).wkt if geom.geom_type == "Polygon" else geom.wkt
    return shown
