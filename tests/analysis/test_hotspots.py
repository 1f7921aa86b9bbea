"""Hotspots checked against independent computations on the same inputs (scikit-learn, esda, shapely)."""

from datetime import date

import esda
import geopandas as gpd
import numpy as np
import pytest
import shapely
from libpysal.weights import W
from sklearn.cluster import DBSCAN
from sqlalchemy import text

from geo_app.domain.analysis.hotspots import query
from geo_app.domain.analysis.hotspots.dbscan import dbscan_labels
from geo_app.domain.analysis.hotspots.gistar import benjamini_hochberg
from geo_app.domain.errors import ValidationError
from tests.factories import new_issue


def _demo_points(session):
    rows = session.execute(
        text("""SELECT id, ST_X(geom_m), ST_Y(geom_m), category FROM issues
                                   WHERE status <> 'duplicate' ORDER BY id""")
    ).all()
    return np.array([[r[1], r[2]] for r in rows]), [r[3] for r in rows]


@pytest.mark.parametrize("radius,min_size", [(150.0, 5), (80.0, 3), (300.0, 12), (40.0, 2)])
def test_clusters_equal_scikit_learn_on_the_demo(session, radius, min_size):
    xy, cats = _demo_points(session)
    expected = DBSCAN(eps=radius, min_samples=min_size).fit_predict(xy)
    assert (dbscan_labels(xy, radius, min_size) == expected).all()
    fc = query.density_clusters(session, radius, min_size)
    assert [f["properties"]["count"] for f in fc["features"]] == np.bincount(expected[expected >= 0]).tolist()
    for f in fc["features"]:
        members = np.flatnonzero(expected == f["properties"]["cluster_id"] - 1)
        values, counts = np.unique(np.array(cats)[members], return_counts=True)
        top = sorted(zip(values, counts, strict=False), key=lambda vc: (-vc[1], vc[0]))[:3]
        assert [(c["code"], c["count"]) for c in f["properties"]["categories"]] == [(v, int(n)) for v, n in top]
        area = shapely.geometry.shape(f["geometry"])
        assert area.geom_type == "Polygon" and area.is_valid


@pytest.mark.parametrize("seed", range(12))
def test_clusters_equal_scikit_learn_with_ties_and_borders(seed):
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0, 2000, size=(8, 2))
    xy = np.vstack(
        [centres[rng.integers(0, 8, 600)] + rng.normal(size=(600, 2)) * 60, rng.uniform(0, 2000, size=(400, 2))]
    )
    xy = np.round(xy / 5) * 5  # a 5 m lattice: many points exactly eps apart, many shared borders
    eps, min_size = float(rng.choice([25.0, 50.0, 100.0])), int(rng.integers(2, 12))
    assert (dbscan_labels(xy, eps, min_size) == DBSCAN(eps=eps, min_samples=min_size).fit_predict(xy)).all()


def test_gi_star_z_scores_equal_a_direct_esda_call(session):
    segs = gpd.read_postgis(
        "SELECT id, geom FROM street_segments WHERE retired_at IS NULL ORDER BY id",
        session.connection(),
        geom_col="geom",
    )
    counts = dict(
        session.execute(
            text("""SELECT segment_id, count(*) FROM issues
        WHERE segment_id IS NOT NULL AND status <> 'duplicate' GROUP BY segment_id""")
        ).all()
    )
    y = np.array([counts.get(i, 0) for i in segs["id"]], dtype=float)
    # weights straight from the geometry: shapely's "touches", and the segment itself (Gi*)
    tree = shapely.STRtree(segs.geometry.values)
    left, right = tree.query(segs.geometry.values, predicate="touches")
    ids = segs["id"].tolist()
    neighbours = {i: [i] for i in ids}
    for a, b in zip(left, right, strict=False):
        neighbours[ids[a]].append(ids[b])
    w = W(neighbours, silence_warnings=True)
    expected = esda.G_Local(y, w, transform="B", permutations=0, star=True)
    fc = query.hot_cold_segments(session)
    got = {f["properties"]["segment_id"]: f["properties"] for f in fc["features"]}
    assert len(got) == len(ids)
    assert np.allclose([got[i]["z"] for i in ids], expected.Zs, atol=1e-4)
    assert [got[i]["count"] for i in ids] == y.astype(int).tolist()
    # classes follow ArcGIS's bins on the FDR-adjusted two-sided p-values
    for i, z in zip(ids, expected.Zs, strict=False):
        p = got[i]
        assert p["p"] == pytest.approx(2 * (1 - __import__("scipy").stats.norm.cdf(abs(z))), abs=1e-5)
        level = next((lv for lv in (99, 95, 90) if p["p_fdr"] < 1 - lv / 100), None)
        assert p["class"] == ("none" if level is None else f"{'hot' if z > 0 else 'cold'}_{level}")
    assert any(p["class"].startswith("hot") for p in got.values())
    hot = {got[i]["code"] for i in ids if got[i]["class"] == "hot_99"}
    assert hot and all(code.startswith("YHNL") for code in hot)  # the food street


def test_benjamini_hochberg_matches_its_definition():
    p = np.array([0.01, 0.04, 0.03, 0.2, 0.005, np.nan, 0.5])
    ok = p[np.isfinite(p)]
    n = len(ok)
    srt = np.sort(ok)
    expected = {v: min(1.0, min(srt[j] * n / (j + 1) for j in range(k, n))) for k, v in enumerate(srt)}
    q = benjamini_hochberg(p)
    assert np.isnan(q[5])
    assert all(q[i] == pytest.approx(expected[p[i]]) for i in range(len(p)) if np.isfinite(p[i]))


def test_filters_confidence_and_empty_periods(session):
    noise = query.hot_cold_segments(session, category="noise")
    assert (
        sum(f["properties"]["count"] for f in noise["features"])
        == session.execute(
            text("SELECT count(*) FROM issues WHERE category = 'noise' AND segment_id IS NOT NULL")
        ).scalar()
    )
    strict = query.hot_cold_segments(session, confidence=99)
    assert {f["properties"]["class"] for f in strict["features"]} <= {"hot_99", "cold_99", "none"}
    june = query.density_clusters(session, 150, 3, start=date(2020, 6, 1), end=date(2020, 6, 30))
    n_june = session.execute(
        text("""SELECT count(*) FROM issues WHERE reported_at >= '2020-06-01T00:00+08'
                                     AND reported_at < '2020-07-01T00:00+08'""")
    ).scalar()
    assert 0 < sum(f["properties"]["count"] for f in june["features"]) <= n_june
    assert all(
        "2020-06-01" <= f["properties"]["first"] <= f["properties"]["last"] <= "2020-06-30" for f in june["features"]
    )
    empty = (date(2019, 1, 1), date(2019, 1, 31))
    assert query.density_clusters(session, start=empty[0], end=empty[1])["features"] == []
    assert query.hot_cold_segments(session, start=empty[0], end=empty[1])["features"] == []


@pytest.mark.parametrize(
    "call,field",
    [
        (lambda s: query.density_clusters(s, radius_m=0), "radius"),
        (lambda s: query.density_clusters(s, radius_m=-5), "radius"),
        (lambda s: query.density_clusters(s, min_size=1), "min_size"),
        (lambda s: query.density_clusters(s, category="nope"), "category"),
        (lambda s: query.hot_cold_segments(s, confidence=80), "confidence"),
        (lambda s: query.hot_cold_segments(s, start=date(2020, 6, 1), end=date(2020, 5, 1)), "end"),
        (lambda s: query.hotspots(s, "kmeans"), "method"),
    ],
)
def test_bad_input_names_the_field(session, call, field):
    with pytest.raises(ValidationError) as err:
        call(session)
    assert err.value.field == field


def test_results_follow_new_issues(session):
    before = query.density_clusters(session, 150, 5, category="noise")
    again = query.density_clusters(session, 150, 5, category="noise")
    assert again is before  # cached
    for _ in range(6):
        new_issue(session, "noise", "2020-08-01", street="丰业路")
    after = query.density_clusters(session, 150, 5, category="noise")
    assert sum(f["properties"]["count"] for f in after["features"]) > sum(
        f["properties"]["count"] for f in before["features"]
    )
