"""The five maps in real headless Chromium: they load offline with no console errors, draw their
features, escape user text in tile popups, and the public map never receives personal data.
Screenshots (desk and 360 px phone) go to var/screenshots/maps_*.png to be looked at."""

from __future__ import annotations

import re
import uuid

import pytest

from geo_app.testing import RUN, connect, create_database, drop_database, make_app, serving
from tests.browser.conftest import login, screenshot
from tests.browser.conftest import open_page as _open

NAME, PHONE = "隐私测试人赵六", "13987654321"
SEEDED: dict = {}
XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>'
# (path, user, what must be drawn): GeoMaps.drawn counts features as the page draws them (communities and
# water are the offline base map's: tests/browser/test_basemap_search.py)
MAPS = [
    ("/maps/chief", "chief", ("teams", "segments", "issues", "lanes", "halls")),
    ("/maps/hotspots", "planner", ("heat", "segments")),
    ("/maps/fire-lanes", "chief", ("lanes", "issues", "segments")),
    ("/maps/coverage", "admin", ("teams", "uncovered", "overlaps", "segments")),
    ("/maps/public", None, ("public", "segments")),
]


@pytest.fixture(scope="module")
def live_server(template_db):
    """The app on a copy of the demo whose open chief-team issue has a script in its description and
    whose issues carry a recognisable reporter name and phone."""
    name = f"geo_app_test_{RUN}_maps_{uuid.uuid4().hex[:6]}"
    url = create_database(name, template=template_db)
    with connect(name, autocommit=True) as conn:
        conn.execute("UPDATE issues SET reporter_name = %s, reporter_phone = %s, address = %s", (NAME, PHONE, NAME))
        SEEDED["xss"] = conn.execute(
            """UPDATE issues SET description = %s WHERE ref = (
            SELECT i.ref FROM issues i JOIN teams t ON t.id = i.team_id
            WHERE t.code = 'T-YHNL' AND i.status = 'reported' ORDER BY i.ref LIMIT 1)
            RETURNING ref, ST_X(geom), ST_Y(geom)""",
            (XSS,),
        ).fetchone()
    try:
        with serving(make_app(url)) as base:
            yield base
    finally:
        drop_database(name)


@pytest.mark.parametrize("width", [1280, 360])
@pytest.mark.parametrize("path, user, kinds", MAPS, ids=[m[0].rsplit("/", 1)[1] for m in MAPS])
def test_map_loads_offline_and_draws_its_features(page_factory, live_server, path, user, kinds, width):
    page = _open(page_factory, live_server, path, user, width)
    page.wait_for_function("ks => ks.every(k => (GeoMaps.drawn[k] || 0) > 0)", arg=list(kinds))
    drawn = page.evaluate("() => GeoMaps.drawn")
    screenshot(page, f"maps_{path.rsplit('/', 1)[1]}_{width}")
    assert all(drawn[k] > 0 for k in kinds), drawn
    assert page.locator(".leaflet-control-layers").count() == 1
    assert page.locator(".geoapp-legend").first.is_visible()
    assert page.console_errors == [] and page.outside_requests == []
    box = page.locator(".folium-map").bounding_box()
    side = page.locator(".map-side")  # the hotspots page's ranked list sits beside the map on a desk
    beside = side.bounding_box()["width"] if side.count() and side.is_visible() else 0
    assert box["width"] + beside >= width - 2 and box["height"] > 300


def test_tile_popup_links_to_the_issue_and_escapes_its_description(page_factory, live_server):
    page = _open(page_factory, live_server, "/maps/chief", "chief", 1280)
    ref, lon, lat = SEEDED["xss"]
    # count only what is drawn at the new view: tiles of the first view must not satisfy the wait
    page.evaluate(
        "([lat, lon]) => { GeoMaps.drawn.issues = 0; GeoMaps.map.setView([lat, lon], 19, {animate: false}); }",
        [lat, lon],
    )
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => (GeoMaps.drawn.issues || 0) > 0")
    point = page.evaluate("([lat, lon]) => GeoMaps.map.latLngToContainerPoint([lat, lon])", [lat, lon])
    box = page.locator(".folium-map").bounding_box()
    popup = page.locator(".leaflet-popup-content")
    for _ in range(5):  # a tile can still be painting when the first click lands
        page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
        if popup.count():
            break
        page.wait_for_timeout(300)
    popup.wait_for()
    html = popup.inner_html()
    screenshot(page, "maps_chief_popup_1280")
    assert "&lt;script&gt;" in html and "&lt;img" in html
    assert popup.locator("script, img").count() == 0
    assert page.evaluate("() => window.__xss") is None
    assert popup.locator("a.issue-link").get_attribute("href") == f"/issues/{ref}"
    assert page.console_errors == [] and page.outside_requests == []


def test_public_map_receives_no_personal_data(page_factory, live_server):
    page = page_factory(360, 740)
    bodies = []
    # every answer of the app itself (the vendored libraries under /static/ hold no data)
    page.on(
        "response",
        lambda r: (
            bodies.append(r.body()) if r.url.startswith(live_server) and r.ok and "/static/" not in r.url else None
        ),
    )
    page.goto(live_server + "/maps/public")
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => (GeoMaps.drawn.public || 0) > 0")
    page.evaluate("() => GeoMaps.map.setZoom(17, {animate: false})")
    page.wait_for_load_state("networkidle")
    api = page.request.get(live_server + "/api/public/issues?limit=5000")
    bodies.append(api.body())
    assert len(bodies) > 10  # the page, and its public and segment tiles at two zooms
    for secret in (NAME, PHONE, "window.__xss", "onerror"):
        assert not any(secret.encode() in b for b in bodies), secret


# what a finger must be able to hit on a phone (WCAG 2.5.5: 44 × 44 CSS px)
TARGETS = (
    ".panel-button, .leaflet-control-zoom a, .leaflet-control-layers-toggle, .geoapp-legend-title, .nav-toggle-label"
)


@pytest.mark.parametrize("path, user, kinds", MAPS, ids=[m[0].rsplit("/", 1)[1] for m in MAPS])
def test_phone_page_is_the_screen_with_folded_panels_and_big_targets(page_factory, live_server, path, user, kinds):
    page = _open(page_factory, live_server, path, user, 360)
    size = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    assert size[0] <= 360 and size[1] <= 740, size  # no page scroll: the map is the rest of the screen
    box = page.locator(".folium-map").bounding_box()
    assert box["height"] > 740 * 0.75, box  # header and head take under a quarter
    small = page.evaluate(
        """sel => [...document.querySelectorAll(sel)].filter(e => e.offsetParent !== null).map(e => {
             const r = e.getBoundingClientRect(); return [e.className || e.tagName, r.width, r.height]; })
           .filter(([, w, h]) => w < 44 || h < 44)""",
        TARGETS,
    )
    assert small == []
    # legends start folded to their titles; filters are behind their button
    assert page.locator(".geoapp-legend.is-folded").count() == page.locator(".geoapp-legend:visible").count() >= 1
    if page.locator("[data-panel=map-filters]").count():
        assert not page.locator("#map-filters").is_visible()
        page.click("[data-panel=map-filters]")
        assert page.locator("#map-filters button[type=submit]").is_visible()
        assert page.evaluate("document.documentElement.scrollHeight") <= 740
    screenshot(page, f"maps_{path.rsplit('/', 1)[1]}_360_panel")
    assert page.console_errors == []


def test_tiles_are_drawn_at_the_screens_pixel_density(browser, live_server):
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2)
    page = context.new_page()
    page.goto(live_server + "/maps/public")
    page.wait_for_load_state("networkidle")
    sizes = page.evaluate(
        "[...document.querySelectorAll('.leaflet-tile-container canvas')].map(c => [c.width, c.style.width])"
    )
    context.close()
    assert sizes and all(w == 512 and css == "256px" for w, css in sizes), sizes[:3]


def test_hotspots_page_ranks_explains_and_legends_follow_layers(page_factory, live_server):
    page = _open(page_factory, live_server, "/maps/hotspots", "planner", 1280)
    items = page.locator(".map-side .rank-item")
    assert items.count() >= 2
    first = items.first.inner_text()
    assert " z " in first and " q " in first  # count, z, p and the FDR-adjusted q
    assert page.locator(".explain summary").is_visible()
    assert page.locator("input[name=radius]").get_attribute("placeholder")
    zoom = page.evaluate("GeoMaps.map.getZoom()")
    items.first.click()
    page.wait_for_function("z => GeoMaps.map.getZoom() > z", arg=zoom)
    bounds = items.first.get_attribute("data-bounds")
    assert page.evaluate(f"GeoMaps.map.getBounds().intersects({bounds})")
    # three legends, one per layer; switching a layer off hides its legend
    assert page.locator(".geoapp-legend:visible").count() == 3
    page.hover(".leaflet-control-layers")
    page.locator(".leaflet-control-layers-overlays label", has_text="冷热点街段").locator("input").uncheck()
    assert page.locator(".geoapp-legend:visible").count() == 2
    screenshot(page, "maps_hotspots_1280_ranked")
    assert page.console_errors == []


def test_map_pages_load_only_what_they_use_compressed_and_cached(page_factory, live_server):
    page = page_factory(1280, 800)
    login(page, live_server, "planner")
    responses = []
    page.on("response", lambda r: responses.append(r))
    page.goto(live_server + "/maps/hotspots")
    page.wait_for_load_state("networkidle")
    static = [r for r in responses if "/static/" in r.url]
    names = " ".join(r.url for r in static)
    assert "jquery" not in names and "bootstrap" not in names and "fontawesome" not in names
    leaflet = next(r for r in static if "/leaflet/leaflet." in r.url and r.url.endswith(".js"))
    headers = leaflet.all_headers()
    assert "immutable" in headers["cache-control"] and headers.get("content-encoding") == "gzip"
    assert all(re.search(r"\.[0-9a-f]{12}\.\w+$", r.url) for r in static if r.url.endswith((".js", ".css"))), names
