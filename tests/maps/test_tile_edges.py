"""Symbols near a tile's edge are also in the neighbour tile (its buffer), so that both canvases draw
their part of a circle and none is clipped at the edge (issue 16)."""

from __future__ import annotations

import math

from sqlalchemy import text

from geo_app.vocab import OPEN_STATUSES, sql_in
from tests.maps.helpers import decode, login


def _pixel(lon: float, lat: float, z: int) -> tuple[float, float]:
    n = 2**z * 256
    return (lon + 180) / 360 * n, (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n


def test_a_point_near_a_tile_edge_is_in_the_neighbour_tile_too(client, session):
    login(client, "planner")
    rows = session.execute(
        text(f"SELECT ref, ST_X(geom), ST_Y(geom) FROM issues WHERE {sql_in('status', OPEN_STATUSES)} ORDER BY ref")
    ).all()
    checked = 0
    for ref, lon, lat in rows:
        for z in (16, 17, 18, 19):
            px, py = _pixel(lon, lat, z)
            x, y, offset = int(px // 256), int(py // 256), px % 256
            # 6-22 px from the left edge: outside the old 4 px buffer, inside a 22 px circle's reach
            if not 6 < offset < 22:
                continue
            own = decode(client.get(f"/tiles/issues/{z}/{x}/{y}.pbf").data, "issues")
            left = decode(client.get(f"/tiles/issues/{z}/{x - 1}/{y}.pbf").data, "issues")
            assert ref in {f["properties"]["ref"] for f in own}
            assert ref in {f["properties"]["ref"] for f in left}, (ref, z, offset)
            checked += 1
            break
        if checked >= 3:
            break
    assert checked >= 3
