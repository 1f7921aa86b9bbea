"""Analysis on a synthetic city (100,000 segments, 1,000,000 issues over 2025): Gi*, DBSCAN, the year's report.

Run: .venv/bin/python -m bench analysis   (BENCH_SEGMENTS / BENCH_ISSUES override the sizes.)
Prints Gi* next to esda called directly on the same counts and weights, our DBSCAN next to PostGIS
ST_ClusterDBSCAN and scikit-learn on the same points, and the report for the whole year.
Works in a throwaway database that it drops at the end.
"""

from __future__ import annotations

import os
import time
from datetime import date

import numpy as np
from sqlalchemy import text

SEGMENTS = int(os.environ.get("BENCH_SEGMENTS", "100000"))
ISSUES = int(os.environ.get("BENCH_ISSUES", "1000000"))
SKLEARN_MAX_NEIGHBOURS = 150_000_000  # above this scikit-learn's neighbourhoods need > ~1.2 GB: subsample


def _timed(label: str, fn, *args, **kw):
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    print(f"  {label:<58} {time.perf_counter() - t0:8.2f} s", flush=True)
    return out


def _best_of(label: str, repeats: int, fn, *args, **kw) -> float:
    """Run fn `repeats` times; print and return the best time (tens of ms vary too much to time once)."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(*args, **kw)
        times.append(time.perf_counter() - t0)
    print(
        f"  {label:<58} {min(times) * 1000:8.1f} ms (best of {repeats}, median {np.median(times) * 1000:.1f})",
        flush=True,
    )
    return min(times)


def main() -> None:
    from geo_app.domain.analysis import cache
    from geo_app.domain.analysis.hotspots import gistar, query
    from geo_app.domain.analysis.reports import report as reports
    from geo_app.domain.datasets.synth import synth_city
    from geo_app.extensions import db
    from geo_app.testing import create_database, database_exists, db_url, drop_database, make_app, migrate_and_load

    # BENCH_KEEP_DB=name keeps (or reuses) the synthetic database under that name instead of a throwaway one.
    keep = os.environ.get("BENCH_KEEP_DB")
    name = keep or f"geo_app_bench_analysis_{os.getpid()}"
    reuse = bool(keep) and database_exists(name)
    url = db_url(name) if reuse else create_database(name)
    try:
        if not reuse:
            migrate_and_load(url, demo=False)
        app = make_app(url)
        with app.app_context():
            s = db.session
            if not reuse:
                _timed(f"synth city: {SEGMENTS} segments, {ISSUES} issues", synth_city, s, SEGMENTS, ISSUES, 5, 2025)
                s.commit()
                # what autovacuum does soon after a bulk load: statistics, and the visibility map that lets the
                # report read its covering index without visiting the table
                _vacuum(name)
            cache.clear()
            print("Getis-Ord Gi* (all issues of the year, junction weights)")
            net = _timed("segment weights from the network (cached after)", gistar.segment_graph, s)
            print(f"    {len(net.ids)} segments, {int(net.graph.adjacency.shape[0])} weights incl. self")
            where, params = query.issue_filter(s, None, None, None)
            scores = _timed("Gi* of the app: counts query + esda + FDR", query.gistar_scores, s, where, params)
            from esda.getisord import G_Local

            esda = _timed(
                "esda.G_Local alone on the same counts and weights",
                G_Local,
                scores["count"],
                net.graph,
                transform="B",
                permutations=0,
                star=True,
            )
            print(f"    z-scores equal: {np.allclose(esda.Zs, scores['z'], equal_nan=True)}")
            _timed("  of which the counts query (SQL)", gistar.segment_counts, s, net.ids, where, params)
            ours = _best_of(
                "  of which Gi* on those counts (esda + p-values + FDR)",
                7,
                gistar.gi_star,
                np.asarray(scores["count"], dtype=float),
                net.graph,
            )
            alone = _best_of(
                "esda.G_Local alone", 7, G_Local, scores["count"], net.graph, transform="B", permutations=0, star=True
            )
            print(f"    ratio (target within 1.5x): {ours / alone:.2f}x")
            fc = _timed("hot_cold_segments (GeoJSON of every segment)", query.hot_cold_segments, s)
            print(
                f"    {len(fc['features'])} features, "
                f"{sum(f['properties']['class'].startswith('hot') for f in fc['features'])} hot, "
                f"{sum(f['properties']['class'].startswith('cold') for f in fc['features'])} cold"
            )
            _timed("hot_cold_segments again (cached)", query.hot_cold_segments, s)

            print("DBSCAN on the issues' metric points")
            points = _timed("fetch points (COPY)", query.issue_points, s, where, params)
            xy = points[["x", "y"]].to_numpy()
            for radius, min_size in ((150.0, 5), (50.0, 20)):
                _dbscan_round(s, xy, radius, min_size, where, params)
            print("Report")
            _timed("report for 2025 (first run)", reports.figures, s, date(2025, 1, 1), date(2025, 12, 31))
            r = _timed("report for 2025", reports.figures, s, date(2025, 1, 1), date(2025, 12, 31))
            print(
                f"    collected {r['issues_collected']}, on site {r['solved_on_site']}, team {r['solved_by_team']}, "
                f"open {r['open']}"
            )
            _timed("report for March 2025", reports.figures, s, date(2025, 3, 1), date(2025, 3, 31))
            _timed(
                "report for 10 Feb - 20 May 2025 (edge days counted live)",
                reports.figures,
                s,
                date(2025, 2, 10),
                date(2025, 5, 20),
            )
            live = _timed(
                "report for 2025 from the live query alone (no rollups)",
                reports.figures,
                s,
                date(2025, 1, 1),
                date(2025, 12, 31),
                live=True,
            )
            print(f"    equal to the rollup report: {live == reports.figures(s, date(2025, 1, 1), date(2025, 12, 31))}")
            s.remove()
            db.engine.dispose()
    finally:
        if not keep:
            drop_database(name)


def _connect(dbname: str):
    """An autocommit connection to `dbname` on the test server (VACUUM cannot run in a transaction)."""
    from geo_app.testing import connect

    return connect(dbname, autocommit=True)


def _vacuum(name: str) -> None:
    with _connect(name) as conn:
        conn.execute("VACUUM ANALYZE")


def _dbscan_round(s, xy, radius, min_size, where, params) -> None:
    from sklearn.cluster import DBSCAN

    from geo_app.domain.analysis import cache
    from geo_app.domain.analysis.hotspots import query
    from geo_app.domain.analysis.hotspots.dbscan import dbscan_labels

    print(f"  radius {radius:g} m, min_size {min_size}")
    ours = _timed("grid DBSCAN of the app (points in memory)", dbscan_labels, xy, radius, min_size)
    print(f"    {ours.max() + 1} clusters, {(ours < 0).sum()} noise")
    cache.clear()
    fc = _timed("density_clusters (fetch + DBSCAN + hulls)", query.density_clusters, s, radius, min_size)
    print(f"    {len(fc['features'])} cluster areas")
    pg = _timed(
        "PostGIS ST_ClusterDBSCAN",
        lambda: s.execute(
            text(f"""
        SELECT count(DISTINCT cid), count(*) FILTER (WHERE cid IS NULL) FROM (
            SELECT ST_ClusterDBSCAN(i.geom_m, eps := :eps, minpoints := :m) OVER () AS cid
            FROM issues i WHERE {where}) q"""),
            {"eps": radius, "m": min_size, **params},
        ).one(),
    )
    print(f"    {pg[0]} clusters, {pg[1]} noise")
    from scipy.spatial import cKDTree

    sample = np.random.default_rng(0).choice(len(xy), size=min(len(xy), 20_000), replace=False)
    neighbours = cKDTree(xy).query_ball_point(xy[sample], radius, return_length=True).mean() * len(xy)
    if neighbours <= SKLEARN_MAX_NEIGHBOURS:
        sk = _timed("scikit-learn DBSCAN on the same points", DBSCAN(eps=radius, min_samples=min_size).fit_predict, xy)
        print(f"    labels equal to ours: {bool((sk == ours).all())}")
    else:
        n = 100_000
        print(f"    scikit-learn skipped at full size: ~{neighbours / 1e6:.0f} M neighbour pairs to hold in memory")
        sub = xy[np.random.default_rng(1).choice(len(xy), size=n, replace=False)]
        sk = _timed(
            f"scikit-learn DBSCAN on a {n} point sample", DBSCAN(eps=radius, min_samples=min_size).fit_predict, sub
        )
        mine = _timed(f"grid DBSCAN on the same {n} point sample", dbscan_labels, sub, radius, min_size)
        print(f"    labels equal: {bool((sk == mine).all())}")
