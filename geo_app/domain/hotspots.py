"""Hotspots: density clusters (DBSCAN in metres) and hot/cold street segments (Getis-Ord Gi*).

CONTRACT (used by the hotspots map and GET /api/hotspots; the analysis issue fills it in):
- density_clusters(session, radius_m=150, min_size=5, category=None, start=None, end=None) -> GeoJSON
  FeatureCollection of Polygons, properties: cluster_id, count, categories [{code, count}] (top 3),
  first, last (ISO dates).
- hot_cold_segments(session, category=None, start=None, end=None) -> GeoJSON FeatureCollection of
  LineStrings, properties: segment_id, street_name, count, z, p, p_fdr, class in
  {hot_99, hot_95, hot_90, cold_99, cold_95, cold_90, none}.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

EMPTY = {"type": "FeatureCollection", "features": []}


def density_clusters(session: Session, radius_m: float = 150.0, min_size: int = 5, category: str | None = None,
                     start: date | None = None, end: date | None = None) -> dict:
    """Return density clusters as areas with counts (not implemented yet: empty)."""
    return dict(EMPTY, features=[])


def hot_cold_segments(session: Session, category: str | None = None, start: date | None = None,
                      end: date | None = None) -> dict:
    """Return street segments classed hot/cold by Gi* (not implemented yet: empty)."""
    return dict(EMPTY, features=[])
