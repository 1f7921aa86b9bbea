"""Build GeoJSON FeatureCollections from SQL rows whose `geometry` column is ST_AsGeoJSON text."""

from __future__ import annotations

import json
from datetime import date, datetime


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def feature_collection(rows, geometry_key: str = "geometry") -> dict:
    """Return a FeatureCollection; every other column of each row becomes a property."""
    features = []
    for row in rows:
        props = {k: _plain(v) for k, v in dict(row).items() if k != geometry_key}
        geometry = row[geometry_key]
        features.append(
            {"type": "Feature", "geometry": json.loads(geometry) if geometry else None, "properties": props}
        )
    return {"type": "FeatureCollection", "features": features}
