"""Public tiles and the public API are cached, tagged and revalidated; a resolved issue shows within the
cache's bound (here the bound is set to 0 s so that the test needs no clock)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from sqlalchemy import create_engine, text

from geo_app.extensions import db
from geo_app.testing import make_app
from geo_app.web.public_cache import cache
from tests.maps.helpers import decode


def _tile(lon, lat, z):
    n = 2**z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def test_a_cached_public_tile_changes_once_an_issue_is_resolved(clone_db):
    url = clone_db()
    app = make_app(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        issue_id, lon, lat = conn.execute(
            text("""
            SELECT i.id, ST_X(ST_LineInterpolatePoint(s.geom, 0.5)), ST_Y(ST_LineInterpolatePoint(s.geom, 0.5))
            FROM issues i JOIN street_segments s ON s.id = i.segment_id
            WHERE i.status = 'in_progress' ORDER BY i.id LIMIT 1""")
        ).one()
    client = app.test_client()
    x, y = _tile(lon, lat, 17)
    tile_url = f"/tiles/public/17/{x}/{y}.pbf"
    api_url = f"/api/public/issues?bbox={lon - 0.0005},{lat - 0.0005},{lon + 0.0005},{lat + 0.0005}&limit=500"

    first, api_first = client.get(tile_url), client.get(api_url)
    assert first.status_code == api_first.status_code == 200
    assert first.headers["Cache-Control"] == "public, max-age=30" and first.headers["ETag"]
    with app.app_context():
        misses = cache().misses
    again = client.get(tile_url)
    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
    with app.app_context():
        assert cache().misses == misses and cache().hits >= 1  # served from the cache, not rendered again
    revalidated = client.get(tile_url, headers={"If-None-Match": first.headers["ETag"]})
    assert revalidated.status_code == 304 and revalidated.data == b""
    api_again = client.get(api_url, headers={"If-None-Match": api_first.headers["ETag"]})
    assert api_again.status_code == 304

    with engine.begin() as conn:  # the issue is resolved on site (the rollups' triggers see it)
        conn.execute(
            text("""UPDATE issues SET status = 'resolved', resolution = 'on_site', resolved_at = :t,
                    updated_at = :t, version = version + 1 WHERE id = :i"""),
            {"i": issue_id, "t": datetime.now(UTC)},
        )
    with app.app_context():
        cache().check = 0  # read the generation on every request: the bound is zero
    after = client.get(tile_url, headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != first.headers["ETag"]
    count = sum(f["properties"].get("n", 1) for f in decode(after.data, "public"))
    assert count == sum(f["properties"].get("n", 1) for f in decode(first.data, "public")) + 1
    api_after = client.get(api_url, headers={"If-None-Match": api_first.headers["ETag"]})
    assert api_after.status_code == 200
    assert len(api_after.get_json()["features"]) == len(api_first.get_json()["features"]) + 1
    engine.dispose()
    with app.app_context():
        db.engine.dispose()


def test_an_entry_lives_no_longer_than_the_bound_even_if_the_generation_is_not_read(clone_db):
    app = make_app(clone_db())
    client = app.test_client()
    client.get("/tiles/public/14/13463/7140.pbf")
    with app.app_context():
        cache().check = 10**9  # the generation is never read again
        cache().ttl = 0  # and the age bound alone ends every entry
        misses = cache().misses
    client.get("/tiles/public/14/13463/7140.pbf")
    with app.app_context():
        assert cache().misses == misses + 1
        db.engine.dispose()
