"""Vector tiles from PostGIS: coordinates and filters checked, staff layers scoped, features as in the data."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.maps.helpers import (
    PERSONAL_NAME,
    PERSONAL_PHONE,
    all_features,
    decode,
    demo_extent,
    login,
    seed_personal,
    tiles_over,
)

OPEN = "('reported', 'accepted', 'dispatched', 'in_progress')"


@pytest.mark.parametrize(
    "path, field",
    [
        ("/tiles/segments/25/1/1.pbf", "z"),
        ("/tiles/segments/11/1/1.pbf", "z"),
        ("/tiles/segments/abc/1/1.pbf", "z"),
        ("/tiles/segments/14/16384/1.pbf", "x"),
        ("/tiles/segments/14/1/-1.pbf", "y"),
        ("/tiles/segments/14/1/1e3.pbf", "y"),
        ("/tiles/public/14/1/99999999.pbf", "y"),
        ("/tiles/public/14/1/1.pbf?category=nope", "category"),
        ("/tiles/public/14/1/1.pbf?start=2020-13-01", "start"),
        ("/tiles/public/14/1/1.pbf?start=2020-06-01&end=2020-05-01", "end"),
        ("/tiles/segments/14/1/1.pbf?team=NO-SUCH", "team"),
    ],
)
def test_bad_coordinates_and_filters_are_400_naming_the_field(client, path, field):
    r = client.get(path)
    assert r.status_code == 400
    assert r.get_json()["error"]["field"] == field
    assert r.get_json()["error"]["message"]


def test_unknown_layer_is_404_json(client):
    r = client.get("/tiles/secrets/14/1/1.pbf")
    assert r.status_code == 404 and r.get_json()["error"]["field"] == "layer"


def test_staff_tiles_need_a_login_and_the_right_role(client):
    assert client.get("/tiles/issues/15/1/1.pbf").status_code == 401
    assert client.get("/tiles/heat/15/1/1.pbf").status_code == 401
    r = client.get("/tiles/issues/15/1/1.pbf", headers={"Authorization": "Bearer forged"})
    assert r.status_code == 401
    login(client, "staff")
    assert client.get("/tiles/issues/15/1/1.pbf").status_code == 403
    assert client.get("/tiles/heat/15/1/1.pbf").status_code == 403


def test_bad_staff_filters_are_400(client):
    login(client, "planner")
    for query, field in (("?status=bogus", "status"), ("?blockage=yes", "blockage"), ("?category=a,b'", "category")):
        r = client.get("/tiles/issues/15/1/1.pbf" + query)
        assert r.status_code == 400 and r.get_json()["error"]["field"] == field


def test_chief_tiles_hold_exactly_the_team_open_issues(client, session):
    login(client, "chief")
    expected = set(
        session.execute(
            text(f"""
        SELECT i.ref FROM issues i JOIN users u ON u.username = 'chief'
        WHERE i.status IN {OPEN} AND (i.team_id = u.team_id OR i.segment_id IN
              (SELECT segment_id FROM team_segments WHERE team_id = u.team_id))""")
        ).scalars()
    )
    assert expected
    feats = all_features(client, "issues", 16, demo_extent(session))
    assert {f["properties"]["ref"] for f in feats} == expected
    assert {f["properties"]["s"] for f in feats} <= {"reported", "accepted", "dispatched", "in_progress"}
    # another team's issues are refused outright, not silently emptied
    assert client.get("/tiles/issues/16/1/1.pbf?team=T-LG").status_code == 403


def test_planner_tiles_filter_by_team_status_and_category(client, session):
    login(client, "planner")
    bounds = demo_extent(session)
    expected = set(
        session.execute(
            text("""
        SELECT i.ref FROM issues i JOIN teams t ON t.id = i.team_id
        WHERE t.code = 'T-YHNL' AND i.status = 'in_progress' AND i.category = 'cooking_fumes'""")
        ).scalars()
    )
    feats = all_features(client, "issues", 17, bounds, "?team=T-YHNL&status=in_progress&category=cooking_fumes")
    assert {f["properties"]["ref"] for f in feats} == expected
    all_open = session.execute(text(f"SELECT count(*) FROM issues WHERE status IN {OPEN}")).scalar()
    assert len({f["properties"]["ref"] for f in all_features(client, "issues", 16, bounds)}) == all_open


def test_low_zoom_issue_tiles_are_clusters_with_counts(client, session):
    login(client, "admin")
    feats = all_features(client, "issues", 13, demo_extent(session))
    assert feats and all(set(f["properties"]) == {"n"} for f in feats)
    open_count = session.execute(text(f"SELECT count(*) FROM issues WHERE status IN {OPEN}")).scalar()
    # tiles overlap by their buffer, so a cluster near an edge may be in two tiles: at least every issue
    assert sum(f["properties"]["n"] for f in feats) >= open_count


def test_bearer_token_opens_staff_tiles(client, session):
    token = client.post("/api/token", json={"username": "planner", "password": "demo-password"}).get_json()["token"]
    feats = all_features(client, "issues", 16, demo_extent(session), headers={"Authorization": f"Bearer {token}"})
    assert feats


def test_public_tiles_hold_solved_issues_per_segment_and_nothing_personal(client, session):
    seed_personal(session)
    bounds = demo_extent(session)
    rows = dict(
        session.execute(
            text("""
        SELECT s.code, count(*) FROM issues i JOIN street_segments s ON s.id = i.segment_id
        WHERE i.status IN ('resolved', 'verified', 'closed') GROUP BY s.code""")
        ).all()
    )
    feats = all_features(client, "public", 16, bounds)
    got = {}
    for f in feats:
        got[f["properties"]["segment"]] = f["properties"]["n"]
        assert set(f["properties"]) == {"segment", "street", "n", "cats", "last"}
        assert sum(int(c.split(":")[1]) for c in f["properties"]["cats"].split(",")) == f["properties"]["n"]
    assert got == rows
    raw = b"".join(
        client.get(f"/tiles/public/{z}/{x}/{y}.pbf").data for z in (13, 15) for x, y in tiles_over(bounds, z)
    )
    for secret in (PERSONAL_NAME, PERSONAL_PHONE, "<script"):
        assert secret.encode() not in raw


def test_public_tiles_place_issues_at_the_segment_midpoint(client, session):
    """A public feature sits at its segment's midpoint (to the tile's 1/4096 grid), not at a reported point."""
    z = 18
    mx, my, lon, lat = session.execute(
        text("""
        SELECT ST_X(ST_Transform(m, 3857)), ST_Y(ST_Transform(m, 3857)), ST_X(m), ST_Y(m)
        FROM (SELECT ST_LineInterpolatePoint(geom, 0.5) AS m FROM street_segments WHERE code = 'YHNL-03') q""")
    ).one()
    ((x, y),) = tiles_over((lon, lat, lon, lat), z)
    size = 2 * 20037508.342789244 / 2**z
    west, south = -20037508.342789244 + x * size, 20037508.342789244 - (y + 1) * size
    feats = [
        f
        for f in decode(client.get(f"/tiles/public/{z}/{x}/{y}.pbf").data, "public")
        if f["properties"]["segment"] == "YHNL-03"
    ]
    assert len(feats) == 1
    px, py = feats[0]["geometry"]["coordinates"]
    assert abs(px - (mx - west) / size * 4096) <= 1 and abs(py - (my - south) / size * 4096) <= 1


def test_segments_tile_marks_the_team_streets(client, session):
    feats = all_features(client, "segments", 15, demo_extent(session), "?team=T-YHNL")
    mine = {f["properties"]["code"] for f in feats if f["properties"]["mine"]}
    expected = set(
        session.execute(
            text("""SELECT s.code FROM team_segments ts JOIN teams t ON t.id = ts.team_id
        JOIN street_segments s ON s.id = ts.segment_id WHERE t.code = 'T-YHNL'""")
        ).scalars()
    )
    assert mine == expected
    codes = {f["properties"]["code"] for f in feats}
    assert codes == set(session.execute(text("SELECT code FROM street_segments")).scalars())
    uncovered = {f["properties"]["code"] for f in feats if f["properties"]["teams"] == 0}
    assert uncovered == {"LJX-01"}
    low = all_features(client, "segments", 12, demo_extent(session))
    assert low and all("code" not in f["properties"] for f in low)


def test_heat_tiles_count_every_issue_once_per_cell(client, session):
    login(client, "planner")
    bounds = demo_extent(session)
    total = session.execute(text("SELECT count(*) FROM issues")).scalar()
    # a cell is one issue count whatever tile draws it: the largest count cannot exceed the total,
    # and the cells of the z12 tiles (few, large) add up to at least every issue
    feats = all_features(client, "heat", 12, bounds)
    assert feats and max(f["properties"]["n"] for f in feats) <= total
    assert sum(f["properties"]["n"] for f in feats) >= total
    assert all(f["properties"]["d"] > 0 for f in feats)
    noise = all_features(client, "heat", 15, bounds, "?category=noise")
    n_noise = session.execute(text("SELECT count(*) FROM issues WHERE category = 'noise'")).scalar()
    assert 0 < max(f["properties"]["n"] for f in noise) <= n_noise


def _own(feats: list[dict]) -> list[dict]:
    """The cluster points a tile draws inside itself (not the neighbours' cells in its buffer)."""
    return [f for f in feats if all(0 <= c < 4096 for c in f["geometry"]["coordinates"])]


def _drawn(client, layer: str, z: int, bounds, query: str) -> list[tuple[int, str]]:
    """Every feature of the layer's tiles over `bounds`: its count and its geometry."""
    return sorted((f["properties"]["n"], repr(f["geometry"])) for f in all_features(client, layer, z, bounds, query))


@pytest.mark.parametrize(
    "layer, zooms", [("public", (12, 13, 14)), ("heat", (12, 13, 14, 15)), ("issues", (12, 13, 14))]
)
def test_a_period_spanning_everything_draws_the_tiles_of_no_period(client, session, layer, zooms):
    """Period tiles take other queries (and indexes) than the rollups: on all time they must agree."""
    login(client, "planner")
    bounds = demo_extent(session)
    for z in zooms:
        every = _drawn(client, layer, z, bounds, "")
        assert every, (layer, z)
        assert _drawn(client, layer, z, bounds, "?start=2000-01-01&end=2099-12-31") == every, (layer, z)


@pytest.mark.parametrize(
    "layer, statuses, column",
    [
        ("public", "('resolved', 'verified', 'closed')", "resolved_at"),  # solved, by when (on a segment)
        ("issues", OPEN, "reported_at"),  # staff default: open, by when reported
    ],
)
def test_a_period_counts_exactly_its_issues_at_low_zoom(client, session, layer, statuses, column):
    login(client, "planner")
    bounds = demo_extent(session)
    on_map = f"status IN {statuses}" + (" AND segment_id IS NOT NULL" if layer == "public" else "")
    local_day = f"({column} AT TIME ZONE 'Asia/Shanghai')::date"
    start = session.execute(
        text(f"""SELECT date_trunc('month', {local_day})::date FROM issues WHERE {on_map}
                                      GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1""")
    ).scalar()
    end = session.execute(text("SELECT (:m + interval '1 month - 1 day')::date"), {"m": start}).scalar()
    expected, everything = session.execute(
        text(f"""
        SELECT count(*) FILTER (WHERE {local_day} BETWEEN :s AND :e), count(*) FROM issues WHERE {on_map}"""),
        {"s": start, "e": end},
    ).one()
    assert 0 < expected < everything
    for z in (12, 13, 14):
        feats = _own(all_features(client, layer, z, bounds, f"?start={start}&end={end}"))
        assert sum(f["properties"]["n"] for f in feats) == expected, z
