"""The offline base map's tiles: water, areas, compounds, streets by name, halls and label points, for
anyone, with names only (nothing personal), and each label point in one tile only."""

from __future__ import annotations

import io
import re
from collections import Counter

from fontTools.ttLib import TTFont
from sqlalchemy import text

from tests.maps.helpers import PERSONAL_NAME, decode, demo_extent, seed_personal, tiles_over

LAYERS = ("water", "areas", "compounds", "streets", "halls", "labels")


def _layers(client, z, bounds):
    out: dict[str, list] = {name: [] for name in LAYERS}
    for x, y in tiles_over(bounds, z):
        r = client.get(f"/tiles/base/{z}/{x}/{y}.pbf")
        assert r.status_code == 200 and r.content_type == "application/vnd.mapbox-vector-tile"
        assert "public" in r.headers["Cache-Control"]
        for name in LAYERS:
            out[name].extend(decode(r.data, name))
    return out


def test_base_tiles_hold_every_named_thing_of_the_demo(client, session):
    found = _layers(client, 15, demo_extent(session))
    streets = {f["properties"]["name"] for f in found["streets"]}
    assert streets == set(session.execute(text("SELECT DISTINCT street_name FROM street_segments")).scalars())
    assert {f["properties"]["name"] for f in found["halls"]} == set(
        session.execute(text("SELECT name FROM reception_halls")).scalars()
    )
    compounds = set(session.execute(text("SELECT name FROM compounds")).scalars())
    labels = Counter((f["properties"]["kind"], f["properties"]["name"]) for f in found["labels"])
    assert {name for kind, name in labels if kind == "compound"} == compounds
    # a label point is written in one tile only, whatever the tile buffers
    assert max(labels.values()) == 1
    assert {f["properties"]["name"] for f in found["compounds"]} == compounds
    assert found["areas"] and found["water"]


def test_streets_are_merged_per_name_and_carry_only_their_name(client, session):
    found = _layers(client, 16, demo_extent(session))
    for f in found["streets"]:
        assert set(f["properties"]) == {"name"}
    # a street of several segments crossing a tile is one feature there, not one a segment
    yhnl = session.execute(text("SELECT count(*) FROM street_segments WHERE street_name = '银湖南路'")).scalar_one()
    in_tiles = [f for f in found["streets"] if f["properties"]["name"] == "银湖南路"]
    assert 0 < len(in_tiles) < yhnl


def test_base_tiles_hold_nothing_personal(client, session):
    seed_personal(session)  # names and addresses of reporters: never in a base tile
    body = b"".join(client.get(f"/tiles/base/15/{x}/{y}.pbf").data for x, y in tiles_over(demo_extent(session), 15))
    assert PERSONAL_NAME.encode() not in body


def test_base_layer_takes_no_filters_and_checks_coordinates(client):
    assert client.get("/tiles/base/16/1/1.pbf?category=nonsense").status_code == 200
    r = client.get("/tiles/base/25/1/1.pbf")
    assert r.status_code == 400 and r.get_json()["error"]["field"] == "z"


def test_the_map_page_links_a_label_font_cut_to_the_place_names(client):
    body = client.get("/maps/public").get_data(as_text=True)
    url = re.search(r'"font": "(/basemap/font/[0-9a-f]+\.woff2)"', body).group(1)
    r = client.get(url)
    assert r.status_code == 200 and r.mimetype == "font/woff2"
    assert "immutable" in r.headers["Cache-Control"]
    assert 1000 < len(r.data) < 200_000  # the names' glyphs, not a whole CJK font (megabytes)
    font = TTFont(io.BytesIO(r.data))
    cmap = font.getBestCmap()
    assert all(ord(c) in cmap for c in "银湖南路丰业社区")
    assert client.get("/basemap/font/0123456789abcdef0123.woff2").status_code == 404


def test_a_configured_tile_url_replaces_the_offline_base_map(app, client):
    app.config["TILE_URL"], app.config["TILE_ATTRIBUTION"] = "/tiles-mirror/{z}/{x}/{y}.png", "mirror"
    try:
        body = client.get("/maps/public").get_data(as_text=True)
    finally:
        app.config["TILE_URL"] = app.config["TILE_ATTRIBUTION"] = None
    assert "/tiles-mirror/{z}/{x}/{y}.png" in body and "GeoBase.add(" not in body
    assert "GeoBase.add(" in client.get("/maps/public").get_data(as_text=True)
