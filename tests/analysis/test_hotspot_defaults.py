"""DBSCAN parameters derived from the data (issue 13): a dense neighbourhood gives its dense spots as
several clusters where the old fixed 150 m / 5 gave one; and hotspots filtered by area."""

from datetime import date

import numpy as np
from sqlalchemy import text

from geo_app.domain.analysis.hotspots import query
from geo_app.domain.analysis.hotspots.dbscan import dbscan_labels, default_params
from tests.analysis.test_analysis_web import _login, _token

BLOBS = ((200.0, 200.0), (800.0, 250.0), (500.0, 800.0))


def _dense_neighbourhood(seed: int = 7) -> tuple[np.ndarray, list[slice]]:
    """4,000 reports spread over one square kilometre, and three spots of 150 reports 40 m across."""
    rng = np.random.default_rng(seed)
    parts, spots, at = [rng.uniform(0, 1000, size=(4000, 2))], [], 4000
    for cx, cy in BLOBS:
        parts.append(rng.uniform(-20, 20, size=(150, 2)) + (cx, cy))
        spots.append(slice(at, at + 150))
        at += 150
    return np.vstack(parts), spots


def test_derived_parameters_split_a_dense_neighbourhood_into_its_dense_spots():
    xy, spots = _dense_neighbourhood()
    fixed = dbscan_labels(xy, 150.0, 5)
    assert set(fixed[fixed >= 0]) == {0}  # the old defaults: the whole neighbourhood is one cluster
    radius, min_size = default_params(xy, query.RADIUS_MAX_M)
    assert 10 <= radius < 150 and min_size > 5
    labels = dbscan_labels(xy, radius, min_size)
    spot_labels = [np.bincount(labels[s][labels[s] >= 0]).argmax() for s in spots]
    assert len(set(spot_labels)) == 3  # each dense spot is its own cluster
    for s, label in zip(spots, spot_labels, strict=True):
        assert (labels[s] == label).mean() > 0.8
    # the spread-out reports are mostly noise, not one giant cluster
    assert (labels[:4000] >= 0).mean() < 0.2


def test_density_clusters_derive_their_parameters_from_the_period(session):
    """The same neighbourhood stored as issues of one month: several clusters by default, one at 150 m / 5."""
    xy, _spots = _dense_neighbourhood()
    lon0, lat0 = session.execute(text("SELECT ST_X(geom), ST_Y(geom) FROM issues ORDER BY id LIMIT 1")).one()
    metres_per_deg = 111_320.0
    lons = lon0 + xy[:, 0] / (metres_per_deg * np.cos(np.radians(lat0)))
    lats = lat0 + xy[:, 1] / metres_per_deg
    session.execute(
        text("""
        INSERT INTO issues (ref, category, description, geom, channel, status, reported_at, updated_at, version,
                            priority)
        SELECT 'DENSE-' || n, 'noise', 'dense', ST_SetSRID(ST_MakePoint(lon, lat), 4326), 'web', 'reported',
               '2031-03-10 10:00+08', '2031-03-10 10:00+08', 1, 3
        FROM unnest(CAST(:lons AS float8[]), CAST(:lats AS float8[])) WITH ORDINALITY AS p(lon, lat, n)"""),
        {"lons": lons.tolist(), "lats": lats.tolist()},
    )
    month = {"start": date(2031, 3, 1), "end": date(2031, 3, 31)}
    fixed = query.density_clusters(session, 150, 5, **month)
    assert len(fixed["features"]) == 1 and fixed["parameters"]["derived"] is False
    derived = query.density_clusters(session, **month)
    assert derived["parameters"]["derived"] is True and derived["parameters"]["radius"] < 150
    assert len(derived["features"]) >= 3
    assert sorted(f["properties"]["count"] for f in derived["features"])[-3] >= 150


def test_hotspots_by_area_keep_to_the_area(client, session):
    h = _token(client)
    team = "T-YHNL"
    own = set(
        session.execute(
            text("SELECT ts.segment_id FROM team_segments ts JOIN teams t ON t.id = ts.team_id WHERE t.code = :c"),
            {"c": team},
        ).scalars()
    )
    segs = client.get(f"/api/hotspots?method=gistar&area=team:{team}", headers=h).get_json()
    assert segs["features"] and {f["properties"]["segment_id"] for f in segs["features"]} <= own
    everywhere = client.get("/api/hotspots?method=dbscan&radius=150&min_size=5", headers=h).get_json()
    inside = client.get(f"/api/hotspots?method=dbscan&radius=150&min_size=5&area=team:{team}", headers=h).get_json()
    team_issues = session.execute(
        text(
            "SELECT count(*) FROM issues i JOIN teams t ON t.id = i.team_id WHERE t.code = :c AND status <> 'duplicate'"
        ),
        {"c": team},
    ).scalar()
    assert sum(f["properties"]["count"] for f in inside["features"]) <= team_issues
    assert sum(f["properties"]["count"] for f in inside["features"]) < sum(
        f["properties"]["count"] for f in everywhere["features"]
    )
    bad = client.get("/api/hotspots?method=dbscan&area=nowhere", headers=h)
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "area"
    _login(client)
    page = client.get(f"/maps/hotspots?area=team:{team}")
    assert page.status_code == 200 and f'value="team:{team}" selected' in page.get_data(as_text=True)
    refused = client.get("/maps/hotspots?area=nowhere&lang=en")
    assert refused.status_code == 400 and "area" in refused.get_data(as_text=True)


def test_hotspot_parameters_are_documented_and_refused_by_name_on_the_page(client, session):
    spec = client.get("/api/openapi.json").get_json()
    names = {p["name"] for p in spec["paths"]["/api/hotspots"]["get"]["parameters"]}
    assert {"radius", "min_size", "area"} <= names
    _login(client)
    for args, field in (("radius=abc", "radius"), ("radius=0", "radius"), ("min_size=1", "min_size")):
        r = client.get(f"/maps/hotspots?{args}")
        assert r.status_code == 400 and field in r.get_data(as_text=True), args
    chosen = client.get("/maps/hotspots?radius=80&min_size=4").get_data(as_text=True)
    assert 'name="radius" min="1" max="5000" step="any" inputmode="decimal" value="80"' in chosen
    assert "80 m" in chosen or "80 米" in chosen
