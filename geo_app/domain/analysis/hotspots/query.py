"""Hotspots: density clusters (DBSCAN in metres) and hot/cold street segments (Getis-Ord Gi*).

CONTRACT (used by the hotspots map and GET /api/hotspots):
- density_clusters(session, radius_m=None, min_size=None, category=None, start=None, end=None, area=None)
  -> GeoJSON FeatureCollection of Polygons, properties: cluster_id, count, categories [{code, count}]
  (top 3), first, last (ISO dates), area_m2; and a member `parameters` {radius, min_size, derived}: the
  radius and min_size used, derived from the period's points (dbscan.default_params) where not given.
- hot_cold_segments(session, category=None, start=None, end=None, area=None) -> GeoJSON FeatureCollection of
  LineStrings, properties: segment_id, street_name, count, z, p, p_fdr, class in
  {hot_99, hot_95, hot_90, cold_99, cold_95, cold_90, none} (plus code, value).

Both count the issues reported in [start, end] (local days; either may be open) of one category or all,
within an area (an administrative area's code, or team:CODE: that team's issues and segments; Gi* then
weighs the area's segments among themselves), merged duplicates left out; results are cached per filter
until issues (or segments) change.
Clusters: DBSCAN on the issues' metric-CRS points (dbscan: exact, scikit-learn's labels); a
cluster's area is the convex hull of its issues buffered by half the radius, so that a cluster along one
street still has an area. Gi*: see gistar.
"""

from __future__ import annotations

import io
import json
import re
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo_app.domain.analysis import cache
from geo_app.domain.analysis.hotspots import gistar
from geo_app.domain.analysis.hotspots.area import area_condition
from geo_app.domain.analysis.hotspots.dbscan import dbscan_labels, default_params
from geo_app.domain.core.deployment import metric_srid
from geo_app.domain.core.localtime import zone as local_zone
from geo_app.domain.core.validation import period_bounds
from geo_app.domain.errors import ValidationError

if TYPE_CHECKING:
    import psycopg

METHODS = ("gistar", "dbscan")
CONFIDENCES = (90, 95, 99)
RADIUS_MAX_M = 5000.0
EMPTY = {"type": "FeatureCollection", "features": []}


def issue_filter(
    session: Session, category: str | None, start: date | None, end: date | None, area: str | None = None
) -> tuple[str, dict[str, Any]]:
    """Return the SQL condition on issues `i` (and its parameters) for a category, period and area; check them."""
    cond: list[str]
    params: dict[str, Any]
    cond, params = ["i.status <> 'duplicate'"], {}
    if area:
        on_issues, _on_segments, area_params = area_condition(session, area)
        cond.append(on_issues)
        params.update(area_params)
    if category:
        if not session.execute(text("SELECT 1 FROM categories WHERE code = :c"), {"c": category}).first():
            raise ValidationError(f"category: unknown category {category[:40]!r}", "category")
        cond.append("i.category = :category")
        params["category"] = category
    if start or end:
        lo, hi = period_bounds(start or date(1900, 1, 1), end or date(2999, 12, 31))
        cond.append("i.reported_at >= :lo AND i.reported_at < :hi")
        params.update(lo=lo, hi=hi)
    return " AND ".join(cond), params


def check_cluster_params(radius_m: Any, min_size: object) -> tuple[float | None, int | None]:
    """Return (radius_m, min_size) as numbers (None: derived from the data), refusing radius ≤ 0 and min_size < 2."""
    if radius_m is None and min_size is None:
        return None, None
    if radius_m is None or min_size is None:
        return (None if radius_m is None else check_cluster_params(radius_m, 2)[0]), (
            None if min_size is None else check_cluster_params(1.0, min_size)[1]
        )
    try:
        radius = float(radius_m)
    except (TypeError, ValueError):
        raise ValidationError("radius: must be a number of metres", "radius") from None
    if not 0 < radius <= RADIUS_MAX_M:
        raise ValidationError(f"radius: must be more than 0 and at most {RADIUS_MAX_M:g} metres", "radius")
    if isinstance(min_size, bool) or not isinstance(min_size, (int, np.integer)) or min_size < 2:
        raise ValidationError("min_size: must be a whole number of at least 2", "min_size")
    return radius, int(min_size)


def density_clusters(
    session: Session,
    radius_m: float | None = None,
    min_size: int | None = None,
    category: str | None = None,
    start: date | None = None,
    end: date | None = None,
    area: str | None = None,
) -> dict[str, Any]:
    """Return density clusters of issues as areas with count, top 3 categories and period (and the parameters)."""
    radius, size = check_cluster_params(radius_m, min_size)
    where, params = issue_filter(session, category, start, end, area)
    key = ("dbscan", radius, size, category, start, end, area, cache.issues_signature(session))
    return cache.cached(key, lambda: _clusters(session, where, params, radius, size))


def issue_points(session: Session, where: str, params: dict[str, Any]) -> pd.DataFrame:
    """Return id, x, y (metric CRS), category and reported_at (epoch s) of matching issues, by id."""
    cache.no_jit(session)
    raw = cast("psycopg.Connection[Any]", session.connection().connection.driver_connection)
    buf = io.BytesIO()
    sql = f"""COPY (SELECT i.id, ST_X(i.geom_m), ST_Y(i.geom_m), i.category, extract(epoch FROM i.reported_at)
                   FROM issues i WHERE {where} ORDER BY i.id) TO STDOUT"""
    # psycopg names parameters %(name)s; the shared SQL filters use SQLAlchemy's :name
    sql = re.sub(r"(?<!:):(\w+)", r"%(\1)s", sql)
    with raw.cursor() as cur, cur.copy(sql, params) as copy:
        for block in copy:
            buf.write(block)
    buf.seek(0)
    return pd.read_csv(
        buf,
        sep="\t",
        header=None,
        names=["id", "x", "y", "category", "epoch"],
        dtype={"id": np.int64, "x": float, "y": float, "category": "category", "epoch": float},
    )


def _clusters(
    session: Session, where: str, params: dict[str, Any], radius: float | None, size: int | None
) -> dict[str, Any]:
    df = issue_points(session, where, params)
    xy = df[["x", "y"]].to_numpy()
    auto_radius, auto_size = default_params(xy, RADIUS_MAX_M)
    radius_m, min_size = radius or auto_radius, size or auto_size
    used = {"radius": radius_m, "min_size": min_size, "derived": radius is None or size is None}
    if df.empty:
        return dict(EMPTY, features=[], parameters=used)
    labels = dbscan_labels(xy, radius_m, min_size)
    keep = labels >= 0
    if not keep.any():
        return dict(EMPTY, features=[], parameters=used)
    order = np.argsort(labels[keep], kind="stable")
    lab = labels[keep][order]
    pts, epochs = xy[keep][order], df["epoch"].to_numpy()[keep][order]
    names = np.array(df["category"].cat.categories, dtype=object)
    codes = df["category"].cat.codes.to_numpy()[keep][order]
    cluster_ids, starts, counts = np.unique(lab, return_index=True, return_counts=True)
    group = np.repeat(np.arange(len(cluster_ids)), counts)
    areas = shapely.buffer(shapely.convex_hull(shapely.multipoints(pts, indices=group)), radius_m / 2, quad_segs=4)
    area_m2 = shapely.area(areas)
    to_lonlat = Transformer.from_crs(metric_srid(), 4326, always_xy=True)
    areas = shapely.transform(areas, lambda c: np.round(np.column_stack(to_lonlat.transform(c[:, 0], c[:, 1])), 6))
    first, last = np.minimum.reduceat(epochs, starts), np.maximum.reduceat(epochs, starts)
    per_cat = np.bincount(group * len(names) + codes, minlength=len(cluster_ids) * len(names))
    per_cat = per_cat.reshape(len(cluster_ids), len(names))
    alpha = np.argsort(names)  # ties between categories go alphabetically
    features: list[dict[str, Any]] = []
    for k, cid in enumerate(cluster_ids):
        top = alpha[np.argsort(-per_cat[k][alpha], kind="stable")[:3]]
        features.append(
            {
                "type": "Feature",
                "geometry": json.loads(shapely.to_geojson(areas[k])),
                "properties": {
                    "cluster_id": int(cid) + 1,
                    "count": int(counts[k]),
                    "categories": [{"code": names[c], "count": int(per_cat[k][c])} for c in top if per_cat[k][c] > 0],
                    "first": _local_day(first[k]),
                    "last": _local_day(last[k]),
                    "area_m2": round(float(area_m2[k])),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features, "parameters": used}


def _local_day(epoch: float) -> str:
    return datetime.fromtimestamp(float(epoch), local_zone()).date().isoformat()


def hot_cold_segments(
    session: Session,
    category: str | None = None,
    start: date | None = None,
    end: date | None = None,
    confidence: int = 90,
    per_100m: bool = False,
    fdr: bool = True,
    area: str | None = None,
) -> dict[str, Any]:
    """Return street segments classed hot/cold by Gi* on issue counts (per 100 m of street if asked)."""
    if confidence not in CONFIDENCES:
        raise ValidationError("confidence: must be 90, 95 or 99", "confidence")
    where, params = issue_filter(session, category, start, end, area)
    key = (
        "gistar",
        category,
        start,
        end,
        area,
        confidence,
        per_100m,
        fdr,
        cache.issues_signature(session),
        cache.segments_signature(session),
    )
    return cache.cached(key, lambda: _hot_cold(session, where, params, confidence, per_100m, fdr, area))


def gistar_scores(
    session: Session, where: str, params: dict[str, Any], per_100m: bool = False, area: str | None = None
) -> dict[str, np.ndarray]:
    """Return the arrays behind hot_cold_segments: ids, count, value, z, p, p_fdr (no geometry)."""
    net = gistar.segment_graph(session)
    if area:
        net = gistar.within(net, _area_segment_ids(session, area))
    count = gistar.segment_counts(session, net.ids, where, params)
    value = count / (net.length_m / 100.0) if per_100m else count
    if len(count) == 0 or count.sum() == 0:
        return {
            "ids": net.ids[:0],
            "count": count[:0],
            "value": value[:0],
            "z": count[:0],
            "p": count[:0],
            "p_fdr": count[:0],
        }
    z, p, p_fdr = gistar.gi_star(value, net.graph)
    return {"ids": net.ids, "count": count, "value": value, "z": z, "p": p, "p_fdr": p_fdr}


def _area_segment_ids(session: Session, area: str) -> np.ndarray:
    _on_issues, on_segments, params = area_condition(session, area)
    ids = session.execute(text(f"SELECT s.id FROM street_segments s WHERE {on_segments} ORDER BY s.id"), params)
    return np.array(ids.scalars().all(), dtype=np.int64)


def _hot_cold(
    session: Session,
    where: str,
    params: dict[str, Any],
    confidence: int,
    per_100m: bool,
    fdr: bool,
    area: str | None = None,
) -> dict[str, Any]:
    s = gistar_scores(session, where, params, per_100m, area)
    if len(s["ids"]) == 0:
        return dict(EMPTY, features=[])
    classes = gistar.classify(s["z"], s["p_fdr"] if fdr else s["p"], confidence)
    return gistar.segment_features(
        session,
        s["ids"],
        {
            "count": [int(c) for c in s["count"]],
            "value": gistar.rounded(s["value"], 3),
            "z": gistar.rounded(s["z"], 4),
            "p": gistar.rounded(s["p"], 6),
            "p_fdr": gistar.rounded(s["p_fdr"], 6),
            "class": classes,
        },
    )


def hotspots(session: Session, method: str, **params: Any) -> dict[str, Any]:
    """Return the hotspots of `method` (gistar or dbscan) for the filters in `params`."""
    if method == "dbscan":
        return density_clusters(session, **params)
    if method == "gistar":
        return hot_cold_segments(session, **params)
    raise ValidationError("method: must be gistar or dbscan", "method")
