"""The in-memory nearest line (bulk imports) picks what PostGIS picks: same line, same distance, same ties."""

import numpy as np
import shapely
from sqlalchemy import text

from geo_app.domain.core.nearest_line import nearest_ids

MAX_M = 60.0


def _postgis(session, lines, ids, x, y):
    """Nearest line per point by PostGIS itself: ST_Distance, ties to the lowest id (as snapping.py)."""
    rows = session.execute(
        text("""
        WITH l AS (SELECT id, ST_GeomFromWKB(w, 32649) g
                   FROM unnest(CAST(:ids AS int[]), CAST(:wkb AS bytea[])) AS t(id, w)),
             p AS (SELECT k, ST_SetSRID(ST_MakePoint(px, py), 32649) g
                   FROM unnest(CAST(:x AS float8[]), CAST(:y AS float8[])) WITH ORDINALITY AS t(px, py, k))
        SELECT p.k, n.id, n.d FROM p LEFT JOIN LATERAL (
            SELECT l.id, ST_Distance(l.g, p.g) d FROM l WHERE ST_DWithin(l.g, p.g, :m)
            ORDER BY d, l.id LIMIT 1) n ON true ORDER BY p.k"""),
        {
            "ids": [int(i) for i in ids],
            "wkb": [shapely.to_wkb(g) for g in lines],
            "x": x.tolist(),
            "y": y.tolist(),
            "m": MAX_M,
        },
    ).all()
    return (
        np.array([r.id if r.id is not None else -1 for r in rows]),
        np.array([r.d if r.d is not None else np.nan for r in rows]),
    )


def test_same_line_and_distance_as_postgis_with_ties_and_bends(session):
    rng = np.random.default_rng(3)
    x0, y0 = 500_000.0, 2_600_000.0
    lines, ids = [], []
    # a grid whose streets meet at shared vertices (equal distances: the tie goes to the lowest id)
    for k in range(6):
        lines.append(shapely.LineString([(x0, y0 + 100 * k), (x0 + 250, y0 + 100 * k), (x0 + 500, y0 + 100 * k)]))
        lines.append(shapely.LineString([(x0 + 100 * k, y0), (x0 + 100 * k, y0 + 500)]))
    # bent and diagonal lines with many vertices, one degenerate piece, one very long line
    for _ in range(12):
        pts = np.cumsum(rng.normal(0, 40, size=(8, 2)), axis=0) + [x0 + rng.uniform(0, 500), y0 + rng.uniform(0, 500)]
        lines.append(shapely.LineString(pts))
    lines.append(shapely.LineString([(x0 + 10, y0 + 10), (x0 + 10, y0 + 10), (x0 + 60, y0 + 40)]))
    lines.append(shapely.LineString([(x0 - 3000, y0 - 2000), (x0 + 4000, y0 + 3000)]))
    ids = rng.permutation(np.arange(100, 100 + len(lines)))
    # random points, points on vertices and on lines, points beyond the snap distance
    x = np.r_[rng.uniform(x0 - 120, x0 + 620, 3000), x0 + 100 * rng.integers(0, 6, 50), x0 + 37.5]
    y = np.r_[rng.uniform(y0 - 120, y0 + 620, 3000), y0 + 100 * rng.integers(0, 6, 50), y0 + 200.0]
    got_ids, got_d = nearest_ids(np.array(lines), ids, x, y, MAX_M)
    want_ids, want_d = _postgis(session, lines, ids, x, y)
    assert (got_ids == want_ids).all()
    assert np.array_equal(got_d, want_d, equal_nan=True)
    assert (got_ids == -1).sum() > 20 and (got_d == 0).sum() >= 50


def test_no_lines_or_no_points():
    seg, d = nearest_ids(
        np.array([], dtype=object), np.array([], dtype=np.int64), np.array([1.0]), np.array([2.0]), MAX_M
    )
    assert seg.tolist() == [-1] and np.isnan(d).all()
    seg, d = nearest_ids(
        np.array([shapely.LineString([(0, 0), (1, 1)])]), np.array([7]), np.array([]), np.array([]), MAX_M
    )
    assert len(seg) == 0
