"""The labelled offline base map and the search box in real headless Chromium: street names are written
at street zoom (the label canvas changes the picture), and the search finds 银湖南路 by 银湖, by yhnl and
by a segment code and zooms there. Screenshots: var/screenshots/basemap_*.png and search_*.png."""

from __future__ import annotations

import pytest

from tests.browser.conftest import SHOTS, screenshot
from tests.browser.conftest import open_page as _open

# the middle of 银湖南路 in the demo and its segment codes
STREET = "银湖南路"


def _street_bbox(page):
    return page.evaluate(
        "q => fetch('/api/search?q=' + encodeURIComponent(q)).then(r => r.json()).then(rs => rs[0].bbox)", STREET
    )


def _view(page):
    return page.evaluate("() => { const c = GeoMaps.map.getCenter(); return [c.lng, c.lat, GeoMaps.map.getZoom()]; }")


@pytest.mark.parametrize("width", [1280, 360])
def test_street_names_are_written_at_street_zoom(page_factory, live_server, width):
    page = _open(page_factory, live_server, "/maps/public", width=width)
    w, s, e, n = _street_bbox(page)
    page.evaluate("([lat, lon]) => GeoMaps.map.setView([lat, lon], 17, {animate: false})", [(s + n) / 2, (w + e) / 2])
    page.wait_for_function("name => GeoBase.placed.some(p => p.kind === 'street' && p.name === name)", arg=STREET)
    page.wait_for_function("() => GeoBase.fontLoaded")
    page.wait_for_load_state("networkidle")
    page.evaluate("() => GeoBase.labels.draw()")
    box = page.locator(".folium-map")
    with_labels = box.screenshot(path=str(SHOTS / f"basemap_labels_{width}.png"))
    page.evaluate("() => { document.querySelector('.geobase-labels').style.display = 'none'; }")
    without = box.screenshot(path=str(SHOTS / f"basemap_nolabels_{width}.png"))
    page.evaluate("() => { document.querySelector('.geobase-labels').style.display = ''; }")
    assert with_labels != without
    # the label canvas itself has ink where the street's name is written
    inked = page.evaluate(
        """name => { const p = GeoBase.placed.find(q => q.kind === 'street' && q.name === name);
                     const c = document.querySelector('.geobase-labels'), d = devicePixelRatio;
                     const img = c.getContext('2d').getImageData((p.x - 8) * d, (p.y - 8) * d, 16 * d, 16 * d).data;
                     let n = 0; for (let i = 3; i < img.length; i += 4) { if (img[i] > 0) { n++; } } return n; }""",
        STREET,
    )
    assert inked > 20
    kinds = page.evaluate("() => [...new Set(GeoBase.placed.map(p => p.kind))]")
    assert "street" in kinds and (width < 600 or "compound" in kinds)
    screenshot(page, f"basemap_public_{width}")
    # a reception hall's name is written next to its dot (centred on a hall found by the search)
    found = page.evaluate("() => fetch('/api/search?q=' + encodeURIComponent('民意接待厅')).then(r => r.json())")
    hw, hs, he, hn = next(f["bbox"] for f in found if f["kind"] == "hall")
    centre = [(hs + hn) / 2, (hw + he) / 2]
    page.evaluate("([lat, lon]) => GeoMaps.map.setView([lat, lon], 17, {animate: false})", centre)
    page.wait_for_function("() => GeoBase.placed.some(p => p.kind === 'hall')")
    assert page.console_errors == [] and page.outside_requests == []


def test_only_area_names_at_district_zoom(page_factory, live_server):
    page = _open(page_factory, live_server, "/maps/public")
    page.evaluate("() => GeoMaps.map.setZoom(13, {animate: false})")
    page.wait_for_function("() => GeoBase.placed.length > 0")
    kinds = page.evaluate("() => [...new Set(GeoBase.placed.map(p => p.kind))]")
    assert set(kinds) <= {"area", "water"}


def _search(page, text, pick=None):
    box = page.locator(".geo-search-input")
    box.fill("")
    box.type(text, delay=30)
    page.wait_for_selector(".geo-search-results li[data-kind]")
    if pick is None:
        box.press("Enter")
    else:
        page.locator(".geo-search-results li", has_text=pick).first.click()
    page.wait_for_function("() => !GeoMaps.map._animatingZoom")
    page.wait_for_timeout(400)  # let fitBounds settle; no assertion is timed


def _assert_on_street(page, bbox):
    lon, lat, zoom = _view(page)
    w, s, e, n = bbox
    assert w - 1e-4 <= lon <= e + 1e-4 and s - 1e-4 <= lat <= n + 1e-4, (lon, lat, bbox)
    assert zoom >= 14  # from 13: the whole street fits (z14 on a phone, z15-16 on a desk)


@pytest.mark.parametrize("width", [1280, 360])
def test_search_finds_the_street_by_chinese_and_by_initials_and_zooms_there(page_factory, live_server, width):
    page = _open(page_factory, live_server, "/maps/public", width=width)
    bbox = _street_bbox(page)
    page.evaluate("() => GeoMaps.map.setZoom(13, {animate: false})")
    _search(page, "银湖", pick=STREET)
    _assert_on_street(page, bbox)
    screenshot(page, f"search_yinhu_{width}")
    page.evaluate("() => GeoMaps.map.setView([23.47, 111.27], 13, {animate: false})")
    _search(page, "yhnl")
    assert page.locator(".geo-search-input").input_value() == STREET
    _assert_on_street(page, bbox)
    assert page.console_errors == [] and page.outside_requests == []


def test_staff_search_finds_a_segment_code_and_zooms_to_it(page_factory, live_server):
    page = _open(page_factory, live_server, "/maps/chief", user="chief")
    seg = page.evaluate("() => fetch('/api/search?q=YHNL-03').then(r => r.json()).then(rs => rs[0])")
    assert seg["kind"] == "segment" and seg["code"] == "YHNL-03"
    page.evaluate("() => GeoMaps.map.setZoom(13, {animate: false})")
    _search(page, "yhnl-03")
    _assert_on_street(page, seg["bbox"])
    screenshot(page, "search_segment_chief")
    assert page.console_errors == [] and page.outside_requests == []


def test_my_location_button_is_on_every_map(page_factory, live_server):
    page = _open(page_factory, live_server, "/maps/public", width=360)
    button = page.locator(".leaflet-control-locate a")
    assert button.count() == 1 and button.is_visible()
    size = button.bounding_box()
    assert size["width"] >= 30 and size["height"] >= 30
