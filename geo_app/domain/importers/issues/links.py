"""Link imported rows in memory: nearest segment and its team, nearest fire lane for blocked access.

The same answers as the SQL of snapping.py and fire_lanes.py (nearest within the distance, ties to the
lowest id, in the metric CRS), computed for a whole file at once with core.nearest_line.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo_app.domain.core.deployment import metric_srid
from geo_app.domain.core.nearest_line import nearest_ids


def metric_xy(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return the rows' coordinates in the metric CRS."""
    x, y = Transformer.from_crs(4326, metric_srid(), always_xy=True).transform(
        rows["lon"].to_numpy(float), rows["lat"].to_numpy(float)
    )
    return np.asarray(x), np.asarray(y)


def _lines(session: Session, sql: str) -> tuple[np.ndarray, np.ndarray]:
    found = session.execute(text(sql)).all()
    ids = np.array([r[0] for r in found], dtype=np.int64)
    return shapely.from_wkb([bytes(r[1]) for r in found]), ids


def link_segments(session: Session, rows: pd.DataFrame, xy: tuple[np.ndarray, np.ndarray], max_m: float) -> None:
    """Set segment_id, snap_distance_m and team_id (the lowest team of the segment) on the rows."""
    lines, ids = _lines(session, "SELECT id, ST_AsBinary(geom_m) FROM street_segments WHERE retired_at IS NULL")
    seg, dist = nearest_ids(lines, ids, xy[0], xy[1], max_m)
    teams: dict[int, int] = dict(
        session.execute(text("SELECT segment_id, min(team_id) FROM team_segments GROUP BY 1")).all()
    )
    linked = seg >= 0
    rows["segment_id"] = _nullable(np.where(linked, seg, 0), linked, rows.index)
    rows["snap_distance_m"] = np.where(linked, dist, np.nan)
    team = pd.Series(seg, index=rows.index).map(teams)
    rows["team_id"] = _nullable(team.fillna(0).to_numpy(np.int64), linked & team.notna().to_numpy(), rows.index)


def link_fire_lanes(session: Session, rows: pd.DataFrame, xy: tuple[np.ndarray, np.ndarray], max_m: float) -> None:
    """Set fire_lane_id and priority: a blocked-access issue near a lane is linked to it at priority 1."""
    blocking = set(session.execute(text("SELECT code FROM categories WHERE blocks_access")).scalars())
    rows["fire_lane_id"] = _nullable(np.zeros(len(rows), dtype=np.int64), np.zeros(len(rows), dtype=bool), rows.index)
    rows["priority"] = np.full(len(rows), 3, dtype=np.int16)
    candidates = rows["category"].isin(blocking).to_numpy()
    if not candidates.any():
        return
    lines, ids = _lines(session, "SELECT id, ST_AsBinary(geom_m) FROM fire_lanes")
    lane, _ = nearest_ids(lines, ids, xy[0][candidates], xy[1][candidates], max_m)
    linked = np.zeros(len(rows), dtype=bool)
    linked[np.flatnonzero(candidates)[lane >= 0]] = True
    lanes = np.zeros(len(rows), dtype=np.int64)
    lanes[linked] = lane[lane >= 0]
    rows["fire_lane_id"] = _nullable(lanes, linked, rows.index)
    rows["priority"] = np.where(linked, 1, 3).astype(np.int16)


def _nullable(values: np.ndarray, present: np.ndarray, index: pd.Index) -> pd.Series:
    return pd.Series(pd.arrays.IntegerArray(values.astype(np.int64), ~present), index=index)
