"""Hot and cold street segments: Getis-Ord Gi* (esda) on issue counts per segment.

Spatial weights: a segment's neighbours are the segments that touch it — share a junction, i.e. an end
point — with the segment itself included (Gi*), binary. Why not a distance band in metres: issues are
reported along streets, and a band would tie together parallel streets across a block that no one walks
between, give dense downtown segments dozens of neighbours and outlying ones none, and make the result
depend on a distance nobody can justify; junction contiguity is the street network itself, the demo's
network is connected under it, and segments are cut at intersections, so end points are the junctions.
End points are matched on their stored lon/lat rounded to 1e-7° (about 1 cm).

Inference: z-scores from esda's analytical moments; p-values two-sided from the normal approximation
(ArcGIS's Gi_Bin ±1/±2/±3 = |z| beyond 1.645/1.96/2.576); a Benjamini–Hochberg false-discovery-rate
correction over all segments gives p_fdr; a segment is hot (z > 0) or cold (z < 0) at the highest of
99/95/90 % confidence whose alpha p_fdr (or p, without the correction) is below.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from esda.getisord import G_Local
from libpysal.graph import Graph
from scipy.stats import norm
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo_app.domain.analysis import cache
from geo_app.domain.maps import tile_rollups

LEVELS = (99, 95, 90)


@dataclass(frozen=True)
class SegmentGraph:
    """Live segments (ids ascending), their lengths and their Gi* weights (touching + self, binary)."""

    ids: np.ndarray
    length_m: np.ndarray
    graph: Graph


def segment_graph(session: Session) -> SegmentGraph:
    """Return the weights of the live street network (cached until segments change)."""
    key = ("segment_graph", cache.segments_signature(session))
    return cache.cached(key, lambda: _build_graph(session))


def _build_graph(session: Session) -> SegmentGraph:
    rows = session.execute(
        text("""
        SELECT id, length_m,
               round(ST_X(ST_StartPoint(geom)) * 1e7)::bigint, round(ST_Y(ST_StartPoint(geom)) * 1e7)::bigint,
               round(ST_X(ST_EndPoint(geom)) * 1e7)::bigint, round(ST_Y(ST_EndPoint(geom)) * 1e7)::bigint
        FROM street_segments WHERE retired_at IS NULL ORDER BY id""")
    ).all()
    arr = np.array(rows, dtype=np.float64).reshape(-1, 6)
    ids = arr[:, 0].astype(np.int64)
    ends = np.concatenate([arr[:, 2:4], arr[:, 4:6]]).astype(np.int64)
    _, node = np.unique(ends, axis=0, return_inverse=True)
    n = len(ids)
    incidence = sp.csr_matrix(
        (np.ones(2 * n), (np.tile(np.arange(n), 2), node.ravel())), shape=(n, int(node.max()) + 1 if n else 0)
    )
    adjacency = (incidence @ incidence.T).tocsr()
    adjacency.data[:] = 1.0  # binary; the diagonal (self) stays: Gi* counts the segment itself
    return SegmentGraph(ids, arr[:, 1], Graph.from_sparse(adjacency, ids=ids))


def within(net: SegmentGraph, ids: np.ndarray) -> SegmentGraph:
    """Return the part of the network made of the segments `ids`: their weights among themselves only."""
    keep = np.flatnonzero(np.isin(net.ids, ids))
    sub = net.graph.sparse.tocsr()[keep][:, keep]
    return SegmentGraph(net.ids[keep], net.length_m[keep], Graph.from_sparse(sub, ids=net.ids[keep]))


def segment_counts(session: Session, ids: np.ndarray, where: str, params: dict[str, Any]) -> np.ndarray:
    """Return the number of linked issues per segment of `ids` that match the SQL condition on `i`.

    Over every issue (no category, no period) the counts come from the issue_segment_counts rollup;
    any other condition counts the matching issues live.
    """
    cache.no_jit(session)
    rows = tile_rollups.gistar_counts(session, where, params)
    if rows is None:
        rows = tile_rollups.rows_array(
            session.execute(
                text(f"""
            SELECT i.segment_id, count(*) FROM issues i
            WHERE i.segment_id IS NOT NULL AND {where} GROUP BY i.segment_id"""),
                params,
            )
        )
    y = np.zeros(len(ids))
    if len(rows):
        seg, cnt = rows.T
        pos = np.searchsorted(ids, seg)
        ok = (pos < len(ids)) & (ids[np.minimum(pos, len(ids) - 1)] == seg)  # retired segments drop out
        y[pos[ok]] = cnt[ok]
    return y


def gi_star(y: np.ndarray, graph: Graph) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return Gi* z-scores, two-sided p-values and Benjamini–Hochberg adjusted p-values for `y`."""
    with np.errstate(invalid="ignore", divide="ignore"):
        z = G_Local(y, graph, transform="B", permutations=0, star=True).Zs
    p = 2 * norm.sf(np.abs(z))
    return z, p, benjamini_hochberg(p)


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Return Benjamini–Hochberg adjusted p-values (NaN stays NaN and is not counted)."""
    out = np.full(len(p), np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    if ok.size:
        order = ok[np.argsort(p[ok], kind="stable")]
        ranked = p[order] * ok.size / np.arange(1, ok.size + 1)
        out[order] = np.minimum(np.minimum.accumulate(ranked[::-1])[::-1], 1.0)
    return out


def classify(z: np.ndarray, p: np.ndarray, confidence: int = 90) -> list[str]:
    """Return hot_99 … cold_90 or none per segment, at `confidence` or above (p already FDR-adjusted)."""
    classes = np.full(len(z), "none", dtype=object)
    for level in sorted(lv for lv in LEVELS if lv >= confidence):
        sig = np.isfinite(z) & (p < 1 - level / 100)
        classes[sig & (z > 0)] = f"hot_{level}"
        classes[sig & (z < 0)] = f"cold_{level}"
    return classes.tolist()


def segment_features(session: Session, ids: np.ndarray, props: Mapping[str, Sequence[Any]]) -> dict[str, Any]:
    """Return a FeatureCollection of the segments `ids` with per-segment property arrays `props`."""
    if len(ids) == 0:
        return {"type": "FeatureCollection", "features": []}
    rows = session.execute(
        text("""
        SELECT id, code, street_name, ST_AsGeoJSON(geom, 6) AS g FROM street_segments
        WHERE id = ANY(:ids) ORDER BY id"""),
        {"ids": [int(i) for i in ids]},
    ).all()
    pos = {int(i): k for k, i in enumerate(ids)}
    features: list[dict[str, Any]] = []
    for row in rows:
        k = pos[row.id]
        properties: dict[str, Any] = {"segment_id": row.id, "code": row.code, "street_name": row.street_name}
        properties.update({name: values[k] for name, values in props.items()})
        features.append({"type": "Feature", "geometry": json.loads(row.g), "properties": properties})
    return {"type": "FeatureCollection", "features": features}


def rounded(values: np.ndarray, digits: int) -> list[float | None]:
    """Return floats rounded for JSON, with NaN as None."""
    return [None if not np.isfinite(v) else round(float(v), digits) for v in values]
