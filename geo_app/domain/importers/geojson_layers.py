"""Read GeoJSON layers strictly: every problem names the file, the feature and the field."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shapely.geometry import MultiPolygon, shape
from shapely.geometry.base import BaseGeometry

from geo_app.domain.errors import ValidationError

WGS84_NAMES = {"EPSG:4326", "urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:EPSG::4326", "OGC:CRS84"}


class ImportFailed(ValidationError):
    """A file could not be imported; nothing from it was stored."""

    code = "import_failed"


@dataclass(frozen=True)
class Feature:
    index: int
    props: dict[str, Any]
    geom: BaseGeometry


def _fail(path: Path, index: int | None, field: str, message: str, label: str = "") -> ImportFailed:
    where = f"{path.name}" + (f": feature {index}{label}" if index is not None else "")
    return ImportFailed(f"{where}: {field}: {message}", field, details={"file": path.name, "feature": index})


def read_layer(
    path: Path, geom_types: tuple[str, ...], required: tuple[str, ...], key: str | None = None
) -> list[Feature]:
    """Return the features of a GeoJSON file, refusing wrong CRS, types, invalid geometry or missing fields."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise _fail(Path(path), None, "file", f"not readable GeoJSON ({exc})") from None
    path = Path(path)
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise _fail(path, None, "type", "expected a GeoJSON FeatureCollection")
    crs = (doc.get("crs") or {}).get("properties", {}).get("name")
    if crs and crs not in WGS84_NAMES:
        raise _fail(path, None, "crs", f"must be WGS 84 lon/lat (EPSG:4326), got {crs}")
    features = []
    for i, feat in enumerate(doc["features"]):
        props = (feat or {}).get("properties") or {}
        label = f" ({key}={props.get(key)})" if key and props.get(key) else ""
        for name in required:
            value = props.get(name)
            if value is None or (isinstance(value, str) and not value.strip()):
                raise _fail(path, i, name, "is missing", label)
        try:
            geom = shape(feat["geometry"])
        except Exception as exc:  # shapely raises several types for malformed input
            raise _fail(path, i, "geometry", f"malformed ({exc})", label) from None
        if geom.is_empty:
            raise _fail(path, i, "geometry", "is empty", label)
        if geom.geom_type not in geom_types:
            raise _fail(path, i, "geometry", f"expected {' or '.join(geom_types)}, got {geom.geom_type}", label)
        minx, miny, maxx, maxy = geom.bounds
        if not all(math.isfinite(v) for v in geom.bounds) or minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
            raise _fail(path, i, "geometry", "coordinates are not lon/lat degrees (wrong CRS?)", label)
        if not geom.is_valid:
            from shapely.validation import explain_validity

            raise _fail(path, i, "geometry", f"invalid ({explain_validity(geom)})", label)
        features.append(Feature(i, props, geom))
    return features


def as_multipolygon(geom: BaseGeometry) -> MultiPolygon:
    """Return polygons as a MultiPolygon (the stored type)."""
    return geom if isinstance(geom, MultiPolygon) else MultiPolygon([geom])
