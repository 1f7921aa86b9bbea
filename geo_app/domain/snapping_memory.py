"""Nearest segment for many points at once, in memory with shapely's STR-tree (metric coordinates).

Agrees with the PostGIS search (same metric CRS, same tie-break on the lowest segment id); used where
millions of points are linked in one go (synthetic cities, bulk imports).
"""
from __future__ import annotations

import numpy as np
import shapely


def nearest_ids(lines_m: np.ndarray, line_ids: np.ndarray, x: np.ndarray, y: np.ndarray,
                max_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Return (segment id or -1, distance or NaN) for each point (x, y) in metres."""
    points = shapely.points(x, y)
    tree = shapely.STRtree(lines_m)
    (pt_idx, line_idx), dist = tree.query_nearest(points, max_distance=max_m, return_distance=True,
                                                  all_matches=True)
    seg = np.full(len(points), -1, dtype=np.int64)
    out_d = np.full(len(points), np.nan)
    if len(pt_idx):
        ids = line_ids[line_idx]
        # ties: several segments at the same distance; keep the lowest id (as the SQL search does)
        order = np.lexsort((ids, np.round(dist, 6), pt_idx))
        first = np.ones(len(order), dtype=bool)
        first[1:] = pt_idx[order][1:] != pt_idx[order][:-1]
        chosen = order[first]
        seg[pt_idx[chosen]] = ids[chosen]
        out_d[pt_idx[chosen]] = dist[chosen]
    return seg, out_d
