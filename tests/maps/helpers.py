"""Shared helpers of the maps tests: log in through the real form, list tiles over an extent, decode."""

from __future__ import annotations

import math
import re

import mapbox_vector_tile
from sqlalchemy import text

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PERSONAL_NAME, PERSONAL_PHONE = "隐私测试人王五", "13912345678"
XSS = "<script>alert('xss')</script>"


def login(client, username: str, password: str = "demo-password"):
    """Log the test client in with the login form and its real CSRF token."""
    page = client.get("/login")
    token = CSRF.search(page.get_data(as_text=True)).group(1)
    r = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert r.status_code == 302, r.get_data(as_text=True)[:300]


def tiles_over(bounds, z: int):
    """Yield (x, y) of the tiles at zoom z that cover (west, south, east, north)."""
    n = 2**z

    def tx(lon):
        return int((lon + 180) / 360 * n)

    def ty(lat):
        return int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)

    west, south, east, north = bounds
    for x in range(tx(west), tx(east) + 1):
        for y in range(ty(north), ty(south) + 1):
            yield x, y


def decode(data: bytes, layer: str) -> list[dict]:
    """Return the features of `layer` in an MVT (empty tile: no features)."""
    if not data:
        return []
    return mapbox_vector_tile.decode(data).get(layer, {}).get("features", [])


def all_features(client, layer: str, z: int, bounds, query: str = "", headers=None) -> list[dict]:
    """Fetch every tile of `layer` over `bounds` at zoom z and return all decoded features."""
    out = []
    for x, y in tiles_over(bounds, z):
        r = client.get(f"/tiles/{layer}/{z}/{x}/{y}.pbf{query}", headers=headers or {})
        assert r.status_code == 200, r.get_data(as_text=True)
        assert r.content_type == "application/vnd.mapbox-vector-tile"
        out.extend(decode(r.data, layer))
    return out


def demo_extent(session) -> tuple[float, float, float, float]:
    """Return the extent of every segment and issue of the demo, slightly enlarged."""
    row = session.execute(
        text("""SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM (
        SELECT ST_Extent(g) AS b FROM (SELECT geom AS g FROM street_segments UNION ALL SELECT geom FROM issues) q) e""")
    ).one()
    return row[0] - 0.001, row[1] - 0.001, row[2] + 0.001, row[3] + 0.001


def seed_personal(session) -> str:
    """Give solved and open issues a recognisable reporter name, phone and a script in the description."""
    session.execute(
        text("""UPDATE issues SET reporter_name = :n, reporter_phone = :p,
                                   description = description || :x, address = :n
                            WHERE id IN (SELECT id FROM issues ORDER BY id LIMIT 120)"""),
        {"n": PERSONAL_NAME, "p": PERSONAL_PHONE, "x": XSS},
    )
    return PERSONAL_NAME
