"""Build GeoJSON FeatureCollections from SQL rows whose `geometry` column is ST_AsGeoJSON text."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import RowMapping


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def feature_collection(rows: Iterable[RowMapping], geometry_key: str = "geometry") -> dict[str, Any]:
    """Return a FeatureCollection; every other column of each row becomes a property."""
    features: list[dict[str, Any]] = []
    for row in rows:
        props = {k: _plain(v) for k, v in dict(row).items() if k != geometry_key}
        geometry = row[geometry_key]
        features.append(
            {"type": "Feature", "geometry": json.loads(geometry) if geometry else None, "properties": props}
        )
    return {"type": "FeatureCollection", "features": features}
