"""Exact DBSCAN on projected points (metres), on a grid of cells, giving scikit-learn's labels.

Why not scikit-learn or ST_ClusterDBSCAN directly (both measured in bench/analysis.py): scikit-learn keeps
every point's whole neighbourhood in memory, so its time grows with density (a city's year of issues at
150 m has thousands of neighbours per point), and ST_ClusterDBSCAN does not keep up at a million points.
Here the plane is cut into cells eps/√2 wide, whose diagonal is eps:
- every point of a cell holding at least `min_size` points is a core point, with no distance computed;
- only points of sparser cells ask a KD-tree for their neighbours;
- two cells' core points join when some pair of them is within eps; a cheap bound settles almost every
  pair of cells, and the rest are checked point by point;
- clusters are numbered by their lowest-index core point and a border point joins the lowest-numbered
  cluster within reach — the order in which scikit-learn's expansion labels them, so labels match exactly.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

# Neighbouring cells that can hold a point within eps: the 5×5 block without its corners (and itself).
OFFSETS = [
    (dx, dy) for dx in range(-2, 3) for dy in range(-2, 3) if (dx, dy) != (0, 0) and not (abs(dx) == 2 and abs(dy) == 2)
]
HALF = [(dx, dy) for dx, dy in OFFSETS if dx > 0 or (dx == 0 and dy > 0)]


def dbscan_labels(xy: np.ndarray, eps: float, min_size: int) -> np.ndarray:
    """Return a cluster label per point (-1 = noise), equal to sklearn's DBSCAN(eps, min_samples=min_size)."""
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    n = len(xy)
    labels = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return labels
    side = eps / math.sqrt(2)
    origin = xy.min(axis=0)
    cell_xy = np.floor((xy - origin) / side).astype(np.int64)
    cell_xy[:, 1] += 2  # room for dy = -2 in the key
    width = int(cell_xy[:, 1].max()) + 5
    key = cell_xy[:, 0] * width + cell_xy[:, 1]
    order = np.argsort(key, kind="stable")
    ukeys, counts = np.unique(key[order], return_counts=True)
    cell_of = np.empty(n, dtype=np.int64)
    cell_of[order] = np.repeat(np.arange(len(ukeys)), counts)

    core = (counts >= min_size)[cell_of]
    tree = cKDTree(xy)
    sparse = np.flatnonzero(~core)
    # A point whose whole 21-cell window holds fewer than min_size points cannot be core: skip the tree.
    window = counts.copy()
    for dx, dy in OFFSETS:
        pos = np.searchsorted(ukeys, ukeys + dx * width + dy)
        pos[pos >= len(ukeys)] = 0
        window += np.where(ukeys[pos] == ukeys + dx * width + dy, counts[pos], 0)
    ask = sparse[window[cell_of[sparse]] >= min_size]
    step = max(1, 4_000_000 // min_size)
    for lo in range(0, len(ask), step):
        chunk = ask[lo : lo + step]
        dist, _ = tree.query(xy[chunk], k=[min_size], distance_upper_bound=np.nextafter(eps, np.inf))
        core[chunk[np.isfinite(dist[:, 0])]] = True
    if not core.any():
        return labels

    # Core points grouped by cell (stable: index order inside a cell).
    corder = order[core[order]]
    pts = xy[corder]
    ccell_of_pt = cell_of[corder]
    ccells, cstart = np.unique(ccell_of_pt, return_index=True)
    cgroup = np.repeat(np.arange(len(ccells)), np.diff(np.append(cstart, len(corder))))
    ckeys = ukeys[ccells]
    cxy = np.column_stack([ckeys // width, ckeys % width - 2]).astype(float)
    lower = origin + cxy[cgroup] * side  # each core point's own cell corner

    rep, near = {}, {}
    for dx, dy in OFFSETS:
        # distance from each core point to the rectangle of the cell at (dx, dy) from its own
        x0, y0 = lower[:, 0] + dx * side, lower[:, 1] + dy * side
        ddx = np.maximum(np.maximum(x0 - pts[:, 0], pts[:, 0] - (x0 + side)), 0)
        ddy = np.maximum(np.maximum(y0 - pts[:, 1], pts[:, 1] - (y0 + side)), 0)
        d = np.hypot(ddx, ddy)
        best = np.minimum.reduceat(d, cstart)
        first = np.flatnonzero(d == best[cgroup])
        _, at = np.unique(cgroup[first], return_index=True)
        rep[(dx, dy)], near[(dx, dy)] = first[at], best

    edges_a, edges_b = [], []
    for dx, dy in HALF:
        target = ckeys + dx * width + dy
        pos = np.searchsorted(ckeys, target)
        pos[pos >= len(ckeys)] = 0
        a = np.flatnonzero(ckeys[pos] == target)
        b = pos[a]
        maybe = (near[(dx, dy)][a] <= eps) & (near[(-dx, -dy)][b] <= eps)
        a, b = a[maybe], b[maybe]
        gap = np.hypot(*(pts[rep[(dx, dy)][a]] - pts[rep[(-dx, -dy)][b]]).T)
        sure = gap <= eps
        edges_a.append(a[sure])
        edges_b.append(b[sure])
        unsure = np.flatnonzero(~sure)
        if unsure.size:
            bounds = np.append(cstart, len(corder))
            hit = [
                _any_within(pts[bounds[i] : bounds[i + 1]], pts[bounds[j] : bounds[j + 1]], eps)
                for i, j in zip(a[unsure], b[unsure], strict=False)
            ]
            keep = unsure[np.array(hit, dtype=bool)]
            edges_a.append(a[keep])
            edges_b.append(b[keep])
    ea, eb = np.concatenate(edges_a), np.concatenate(edges_b)
    graph = coo_matrix((np.ones(len(ea)), (ea, eb)), shape=(len(ckeys), len(ckeys)))
    _, comp = connected_components(graph, directed=False)

    # Number clusters by their lowest-index core point, as scikit-learn's expansion does.
    comp_of_pt = comp[cgroup]
    lowest = np.full(comp.max() + 1, n, dtype=np.int64)
    np.minimum.at(lowest, comp_of_pt, corder)
    rank = np.empty_like(lowest)
    rank[np.argsort(lowest, kind="stable")] = np.arange(len(lowest))
    labels[corder] = rank[comp_of_pt]

    _label_borders(xy, labels, corder, sparse[~core[sparse]], eps, min_size)
    return labels


def _label_borders(
    xy: npt.NDArray[np.float64],
    labels: npt.NDArray[np.int64],
    corder: npt.NDArray[np.int64],
    others: npt.NDArray[np.int64],
    eps: float,
    min_size: int,
) -> None:
    """Give each non-core point with a core point within eps the lowest label among those core points."""
    if not others.size:
        return
    # A non-core point has fewer than min_size points within eps, itself included: k covers them all.
    k = max(min_size - 1, 1)
    core_tree = cKDTree(xy[corder])
    core_labels = np.append(labels[corder], np.iinfo(np.int64).max)  # index len(corder) = "none"
    step = max(1, 4_000_000 // k)
    for lo in range(0, len(others), step):
        chunk = others[lo : lo + step]
        # query() keeps distances strictly below its bound; the next float up keeps "within eps" inclusive
        _, idx = core_tree.query(xy[chunk], k=k, distance_upper_bound=np.nextafter(eps, np.inf))
        best = core_labels[np.asarray(idx).reshape(len(chunk), k)].min(axis=1)
        found = best < np.iinfo(np.int64).max
        labels[chunk[found]] = best[found]


def _any_within(a: np.ndarray, b: np.ndarray, eps: float) -> bool:
    """Return True when some point of `a` lies within eps of some point of `b`."""
    if len(a) * len(b) <= 250_000:
        d2 = ((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2)
        return bool((d2 <= eps * eps).any())
    dist, _ = cKDTree(b).query(a, k=1, distance_upper_bound=eps)
    return bool(np.isfinite(dist).any())


# Derived defaults: a cluster is where reports are denser than almost everywhere else in the period.
DENSE_SHARE = 0.10  # the densest tenth of the reports make the clusters' cores
MIN_SIZE_FLOOR, MIN_SIZE_CEILING = 5, 50
RADIUS_FLOOR_M, RADIUS_STEP_M, FALLBACK_RADIUS_M = 10.0, 5.0, 150.0


def default_params(xy: np.ndarray, radius_max_m: float) -> tuple[float, int]:
    """Return (radius in metres, min_size) derived from the points' own density (the k-distance).

    min_size grows with the number of points (√n / 4, between 5 and 50), so that a cluster of a year's
    reports in a city means more than five neighbours; the radius is the distance within which the densest
    tenth of the points have min_size points (themselves included), rounded up to 5 m. Fixed defaults
    (150 m, 5) put every report of a dense neighbourhood in one cluster; these give its dense spots.
    """
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    n = len(xy)
    min_size = int(np.clip(round(math.sqrt(n) / 4), MIN_SIZE_FLOOR, MIN_SIZE_CEILING))
    if n <= min_size:  # no cluster can form: the old fixed radius, for the page to show
        return min(FALLBACK_RADIUS_M, radius_max_m), min_size
    dist, _ = cKDTree(xy).query(xy, k=[min_size])
    k_dist = float(np.quantile(dist[:, 0], DENSE_SHARE))
    radius = math.ceil(max(k_dist, RADIUS_FLOOR_M) / RADIUS_STEP_M) * RADIUS_STEP_M
    return min(radius, radius_max_m), min_size
