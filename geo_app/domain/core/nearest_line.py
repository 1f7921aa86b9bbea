"""Nearest line for many points at once, in memory with numpy (metric coordinates).

A uniform grid buckets the lines' pieces (pairs of consecutive vertices) by their bounding box grown by
the search radius, so each point meets only the pieces of its own cell; distances use PostGIS's own
point-to-segment formula (lw_dist2d_pt_seg), operation for operation, so that the nearest line, and the
lowest id among lines at the same distance, is the one the SQL search (`ORDER BY d, id`) picks. Used where
millions of points are linked in one go (bulk imports, synthetic cities).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import shapely

_CHUNK = 200_000  # points per pass: bounds the memory of the candidate pairs (~10 per point)


class _Grid:
    """The pieces of the lines, bucketed by cell; a piece sits in every cell its grown box touches."""

    def __init__(self, lines_m: np.ndarray, line_ids: np.ndarray, max_m: float):
        coords, owner = shapely.get_coordinates(lines_m, return_index=True)
        piece = owner[1:] == owner[:-1]
        self.ax, self.ay = coords[:-1, 0][piece], coords[:-1, 1][piece]
        self.bx, self.by = coords[1:, 0][piece], coords[1:, 1][piece]
        self.ids = np.asarray(line_ids, dtype=np.int64)[owner[:-1][piece]]
        self.size = max(float(max_m), 1.0)
        self.x0 = min(self.ax.min(), self.bx.min()) - max_m
        self.y0 = min(self.ay.min(), self.by.min()) - max_m
        i0, i1 = (
            self._cell(np.minimum(self.ax, self.bx) - max_m, self.x0),
            self._cell(np.maximum(self.ax, self.bx) + max_m, self.x0),
        )
        j0, j1 = (
            self._cell(np.minimum(self.ay, self.by) - max_m, self.y0),
            self._cell(np.maximum(self.ay, self.by) + max_m, self.y0),
        )
        self.rows = int(j1.max()) + 2
        width, height = i1 - i0 + 1, j1 - j0 + 1
        count = width * height
        which = np.repeat(np.arange(len(count)), count)
        k = _ranks(count)
        keys = (i0[which] + k % width[which]) * self.rows + j0[which] + k // width[which]
        order = np.argsort(keys, kind="stable")
        self.entry = which[order]
        self.keys, self.start = np.unique(keys[order], return_index=True)
        self.end = np.append(self.start[1:], len(order))

    def _cell(self, v: np.ndarray, origin: float) -> np.ndarray:
        return np.floor((v - origin) / self.size).astype(np.int64)

    def candidates(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (point index, piece index) of every piece in the cell of each point."""
        i, j = self._cell(x, self.x0), self._cell(y, self.y0)
        inside = (i >= 0) & (j >= 0) & (j < self.rows)
        keys = np.where(inside, i * self.rows + j, -1)
        pos = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        hit = inside & (self.keys[pos] == keys)
        lo = np.where(hit, self.start[pos], 0)
        count = np.where(hit, self.end[pos] - self.start[pos], 0)
        point = np.repeat(np.arange(len(x)), count)
        return point, self.entry[np.repeat(lo, count) + _ranks(count)]


def _ranks(count: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Return 0, 1, …, count[i] - 1 for each i in turn: each repeated item's place within its group."""
    return np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)


def _distance(
    px: npt.NDArray[np.float64],
    py: npt.NDArray[np.float64],
    ax: npt.NDArray[np.float64],
    ay: npt.NDArray[np.float64],
    bx: npt.NDArray[np.float64],
    by: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Point-to-segment distance exactly as PostGIS's lw_dist2d_pt_seg computes it."""
    dx, dy = bx - ax, by - ay
    len2 = dx * dx + dy * dy
    with np.errstate(divide="ignore", invalid="ignore"):
        r = ((px - ax) * dx + (py - ay) * dy) / len2
    degenerate = (ax == bx) & (ay == by)
    cx = np.where(degenerate | (r < 0), ax, np.where(r >= 1, bx, ax + r * dx))
    cy = np.where(degenerate | (r < 0), ay, np.where(r >= 1, by, ay + r * dy))
    hside, vside = cx - px, cy - py
    d = np.sqrt(hside * hside + vside * vside)
    on_line = ~degenerate & (r >= 0) & (r < 1) & ((ay - py) * dx == (ax - px) * dy)
    return np.where(on_line, 0.0, d)


def nearest_ids(
    lines_m: np.ndarray, line_ids: np.ndarray, x: np.ndarray, y: np.ndarray, max_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """Return (line id or -1, distance or NaN) of the nearest line within max_m of each point (x, y)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    seg = np.full(len(x), -1, dtype=np.int64)
    out_d = np.full(len(x), np.nan)
    if len(x) == 0 or not shapely.get_num_coordinates(lines_m).sum():
        return seg, out_d
    grid = _Grid(lines_m, line_ids, max_m)
    for s in range(0, len(x), _CHUNK):
        px, py = x[s : s + _CHUNK], y[s : s + _CHUNK]
        point, piece = grid.candidates(px, py)
        d = _distance(px[point], py[point], grid.ax[piece], grid.ay[piece], grid.bx[piece], grid.by[piece])
        keep = d <= max_m
        point, d, ids = point[keep], d[keep], grid.ids[piece[keep]]
        if not len(point):
            continue
        # pairs come grouped by point: the nearest, then the lowest id among lines as near (SQL: ORDER BY d, id)
        starts = np.flatnonzero(np.r_[True, point[1:] != point[:-1]])
        nearest = np.minimum.reduceat(d, starts)
        group = np.cumsum(np.r_[False, point[1:] != point[:-1]])
        best = np.minimum.reduceat(np.where(d == nearest[group], ids, np.iinfo(np.int64).max), starts)
        seg[s + point[starts]] = best
        out_d[s + point[starts]] = nearest
    return seg, out_d
