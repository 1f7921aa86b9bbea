"""Map benchmark: synthetic cities of 1k, 100k and 1M issues in throwaway databases; for each, the five
map pages' HTML bytes and load time in headless Chromium, each page's first view (requests and bytes
over the wire, phone and desk; target ≤ 15 requests and ≤ 250 KB), and tile latency at z12-18 through Flask next
to the raw ST_AsMVT query time and the tile bytes, with the path each took (rollup or live), and the
live tiles the rollups cannot answer (one team's issues, public and heat tiles of a month and of six
months: their whole months from the month rollups, path `months`). Targets at 1M issues: pages < 300 KB and
loaded in < 1.5 s; tiles p95 < 100 ms and < 256 KB.
Run: `.venv/bin/python -m bench maps` (BENCH_MAPS_SIZES=1000,...; BENCH_MAPS_PARTS=pages,weight,tiles,periods).
"""

from __future__ import annotations

import math
import os
import statistics
import threading
import time

from sqlalchemy import text
from werkzeug.serving import make_server

from geo_app.testing import CHROMIUM, CHROMIUM_FLAGS

SIZES = [(1_000, 1_000), (100_000, 20_000), (1_000_000, 100_000)]  # (issues, segments)
PAGES = ("/maps/chief", "/maps/hotspots", "/maps/fire-lanes", "/maps/coverage", "/maps/public")
LAYERS = ("issues", "public", "segments", "heat")
ZOOMS = range(12, 19)


def _pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(math.ceil(q * len(values))) - 1)]


def _tile_of(lon, lat, z):
    n = 2**z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def build_city(issues: int, segments: int):
    """Create, migrate and fill a throwaway database; return (name, app)."""
    from geo_app.domain.core.accounts import create_user
    from geo_app.domain.datasets.synth import synth_city
    from geo_app.extensions import db
    from geo_app.testing import create_database, make_app, migrate_and_load

    name = f"geo_app_bench_maps_{issues}"
    url = create_database(name)
    migrate_and_load(url, demo=False)
    app = make_app(url)
    with app.app_context():
        t0 = time.perf_counter()
        synth_city(db.session, segments, issues, seed=4)
        create_user(db.session, "bench", "bench-password", "admin", "bench", None, None, None)
        db.session.commit()
    with app.app_context(), db.engine.connect() as conn:
        # what autovacuum does within a minute of a bulk load: statistics, and the visibility map that
        # lets the period tiles read their covering indexes alone
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        print(f"  city: {issues} issues, {segments} segments built in {time.perf_counter() - t0:.1f} s", flush=True)
    return name, app


def hotspot(app):
    """Return lon/lat of the densest 500 m cell (where tiles are heaviest)."""
    from geo_app.extensions import db

    with app.app_context():
        return db.session.execute(
            text("""
            SELECT avg(ST_X(geom)), avg(ST_Y(geom)) FROM issues
            GROUP BY floor(ST_X(geom_m) / 500), floor(ST_Y(geom_m) / 500) ORDER BY count(*) DESC LIMIT 1""")
        ).one()


def bench_pages(base: str) -> list[tuple]:
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(base + "/login")
        page.fill("input[name=username]", "bench")
        page.fill("input[name=password]", "bench-password")
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        page.set_default_timeout(180_000)
        for path in PAGES:
            page.goto(base + path, wait_until="load")  # warm-up (imports, caches)
            # let the warm-up's tiles finish: the server would still be computing them during the timed load
            page.wait_for_load_state("networkidle")
            t0 = time.perf_counter()
            response = page.goto(base + path, wait_until="load")
            loaded = time.perf_counter() - t0
            page.wait_for_load_state("networkidle")
            idle = time.perf_counter() - t0
            rows.append((path, len(response.body()), loaded, idle))
        browser.close()
    return rows


VIEWPORTS = (("phone", 360, 740, 2), ("desk", 1280, 800, 1))
WEIGHT_TARGET = (15, 250_000)  # a map page's first view: requests, bytes transferred


def bench_weight(base: str, user: str = "bench", password: str = "bench-password") -> list[tuple]:
    """Return (page, viewport, requests, bytes, static requests, static bytes, tile requests) per map page.

    The first view of a map page right after logging in, in a fresh browser profile: the login page has
    put app.css and fields.js in the cache, as it does for every user. Bytes are what went over the wire
    (compressed), counted by Chromium (CDP `encodedDataLength`) until the network is idle.
    """
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        for view, width, height, dpr in VIEWPORTS:
            for path in PAGES:
                context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=dpr)
                page = context.new_page()
                page.set_default_timeout(180_000)
                page.goto(base + "/login")
                page.fill("input[name=username]", user)
                page.fill("input[name=password]", password)
                page.click("button[type=submit]")
                page.wait_for_load_state("networkidle")
                seen = _record(context.new_cdp_session(page))
                page.goto(base + path)
                # the first tile drawn, then quiet: networkidle alone may come before the tiles are asked for
                page.wait_for_function("() => window.GeoMaps && Object.keys(GeoMaps.drawn).length > 0")
                page.wait_for_load_state("networkidle")
                context.close()
                static = [r for r in seen.values() if "/static/" in r["url"]]
                tiles = [r for r in seen.values() if "/tiles/" in r["url"]]
                rows.append(
                    (
                        path,
                        view,
                        len(seen),
                        sum(r["n"] for r in seen.values()),
                        len(static),
                        sum(r["n"] for r in static),
                        len(tiles),
                    )
                )
        browser.close()
    return rows


def _record(cdp) -> dict[str, dict]:
    """Return a dict that fills with {request id: {url, n = bytes over the wire}} as the page loads."""
    seen: dict[str, dict] = {}
    cdp.send("Network.enable")
    cdp.on("Network.requestWillBeSent", lambda e: seen.setdefault(e["requestId"], {"url": e["request"]["url"], "n": 0}))
    cdp.on("Network.loadingFinished", lambda e: seen.get(e["requestId"], {}).update(n=e["encodedDataLength"]))
    return seen


def print_weight(base: str) -> None:
    """Print bench_weight's table, flagging pages over the first-view target."""
    print(
        f"  first view after login: {'page':<18}{'view':>6}{'requests':>10}{'KB':>8}{'static':>8}{'KB':>7}{'tiles':>7}"
    )
    for path, view, n, size, sn, ssize, tn in bench_weight(base):
        flag = "" if n <= WEIGHT_TARGET[0] and size <= WEIGHT_TARGET[1] else "  (over target)"
        print(
            f"  {'':<24}{path:<18}{view:>6}{n:>10}{size / 1000:>8.1f}{sn:>8}{ssize / 1000:>7.1f}{tn:>7}{flag}",
            flush=True,
        )


def _time_tiles(app, auth, layer, z, coords, query="", filters=None) -> tuple:
    """Return (flask p50, p95, raw p50, p95, max bytes, mean bytes) of `coords` at zoom z."""
    from geo_app.domain.maps.filters import TileFilters
    from geo_app.domain.maps.tiles import BUILDERS, TileCoord
    from geo_app.extensions import db

    client = app.test_client()
    flask_ms, raw_ms, sizes = [], [], []
    for x, y in coords:
        t0 = time.perf_counter()
        r = client.get(f"/tiles/{layer}/{z}/{x}/{y}.pbf{query}", headers=auth)
        flask_ms.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, r.data[:200]
        sizes.append(len(r.data))
    live_ms = []
    with app.app_context():
        for x, y in coords:
            t0 = time.perf_counter()
            BUILDERS[layer](db.session, TileCoord(z, x, y), filters or TileFilters())
            raw_ms.append((time.perf_counter() - t0) * 1000)
            if layer in ("heat", "public", "issues") and (filters or TileFilters()).start:
                # the same tile counted live (the path before the month rollups), on the same machine and moment
                t0 = time.perf_counter()
                BUILDERS[layer](db.session, TileCoord(z, x, y), filters, live=True)
                live_ms.append((time.perf_counter() - t0) * 1000)
        db.session.rollback()
    if live_ms:
        print(
            f"    ({layer} z{z} with a period counted live: raw p50 {_pct(live_ms, 0.5):.1f} ms, "
            f"p95 {_pct(live_ms, 0.95):.1f} ms)",
            flush=True,
        )
    return (
        _pct(flask_ms, 0.5),
        _pct(flask_ms, 0.95),
        _pct(raw_ms, 0.5),
        _pct(raw_ms, 0.95),
        max(sizes),
        statistics.mean(sizes),
    )


def _around(lon, lat, z, per_zoom):
    side = int(math.ceil(math.sqrt(per_zoom)))
    cx, cy = _tile_of(lon, lat, z)
    return [(cx + dx - side // 2, cy + dy - side // 2) for dx in range(side) for dy in range(side)][:per_zoom]


def _token(app) -> dict:
    client = app.test_client()
    token = client.post("/api/token", json={"username": "bench", "password": "bench-password"}).get_json()["token"]
    return {"Authorization": f"Bearer {token}"}


def bench_tiles(app, lon: float, lat: float, per_zoom: int = 12) -> list[tuple]:
    """Return (layer, z, path, flask p50, p95, raw p50, p95, max KB, mean KB) per layer and zoom."""
    from geo_app.domain.maps.filters import TileFilters
    from geo_app.domain.maps.tiles import tile_path

    auth = _token(app)
    return [
        (
            layer,
            z,
            tile_path(layer, z, TileFilters()),
            *_time_tiles(app, auth, layer, z, _around(lon, lat, z, per_zoom)),
        )
        for layer in LAYERS
        for z in ZOOMS
    ]


def bench_filtered_tiles(app, lon: float, lat: float, per_zoom: int = 12) -> list[tuple]:
    """The same figures for tiles the rollups cannot answer: one team's issues, public and heat over a period."""
    from datetime import date

    from geo_app.domain.maps.filters import TileFilters
    from geo_app.domain.maps.tiles import tile_path
    from geo_app.extensions import db

    with app.app_context():
        code, team = db.session.execute(
            text("""
            SELECT t.code, t.id FROM issues i JOIN teams t ON t.id = i.team_id
            ORDER BY i.geom <-> ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) LIMIT 1"""),
            {"lon": lon, "lat": lat},
        ).one()
    month = TileFilters(start=date(2025, 3, 1), end=date(2025, 3, 31))
    half = TileFilters(start=date(2025, 4, 1), end=date(2025, 9, 30))
    cases = [
        ("issues", f"team={code}", TileFilters(team_ids=(team,)), range(12, 16)),
        ("public", "start=2025-03-01&end=2025-03-31", month, range(12, 16)),
        ("heat", "start=2025-03-01&end=2025-03-31", month, range(12, 16)),
        ("public", "start=2025-04-01&end=2025-09-30", half, range(12, 16)),
        ("heat", "start=2025-04-01&end=2025-09-30", half, range(12, 16)),
    ]
    auth = _token(app)
    return [
        (
            f"{layer}?{query.split('=')[0]}" + ("6m" if f is half else ""),
            z,
            tile_path(layer, z, f),
            *_time_tiles(app, auth, layer, z, _around(lon, lat, z, per_zoom), "?" + query, f),
        )
        for layer, query, f, zooms in cases
        for z in zooms
    ]


def main() -> None:
    """Build each city, print its page and tile figures, drop it."""
    from geo_app.extensions import db
    from geo_app.testing import drop_database

    sizes = SIZES
    # BENCH_MAPS_PARTS=periods: only the filtered and period tiles (default: pages, tiles, periods)
    parts = set(os.environ.get("BENCH_MAPS_PARTS", "pages,weight,tiles,periods").split(","))
    if os.environ.get("BENCH_MAPS_SIZES"):
        wanted = {int(v) for v in os.environ["BENCH_MAPS_SIZES"].split(",")}
        sizes = [s for s in SIZES if s[0] in wanted]
    for issues, segments in sizes:
        print(f"== synthetic city: {issues:,} issues, {segments:,} segments", flush=True)
        name, app = build_city(issues, segments)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            if "pages" in parts:
                print(f"  {'page':<18}{'HTML bytes':>12}{'load s':>9}{'tiles idle s':>14}")
                for path, size, loaded, idle in bench_pages(f"http://127.0.0.1:{server.server_port}"):
                    flag = "" if size < 300_000 and loaded < 1.5 else "  (over target)"
                    print(f"  {path:<18}{size:>12,}{loaded:>9.2f}{idle:>14.2f}{flag}", flush=True)
            if "weight" in parts:
                print_weight(f"http://127.0.0.1:{server.server_port}")
            lon, lat = hotspot(app)
            print(f"  tiles around the densest cell ({lon:.4f}, {lat:.4f}); ms through Flask vs raw ST_AsMVT")
            print(
                f"  {'layer':<14}{'z':>3}{'path':>8}{'flask p50':>11}{'p95':>8}{'raw p50':>9}{'p95':>8}"
                f"{'max KB':>9}{'mean KB':>9}"
            )
            rows = bench_tiles(app, lon, lat) if "tiles" in parts else []
            rows += bench_filtered_tiles(app, lon, lat) if "periods" in parts else []
            for layer, z, path, fp50, fp95, rp50, rp95, big, mean in rows:
                flag = "" if fp95 < 100 and big < 256_000 else "  (over target)"
                print(
                    f"  {layer:<14}{z:>3}{path:>8}{fp50:>11.1f}{fp95:>8.1f}{rp50:>9.1f}{rp95:>8.1f}"
                    f"{big / 1000:>9.1f}{mean / 1000:>9.1f}{flag}",
                    flush=True,
                )
        finally:
            server.shutdown()
            with app.app_context():
                db.engine.dispose()
            drop_database(name)
