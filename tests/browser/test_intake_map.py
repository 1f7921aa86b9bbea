"""The intake map in real headless Chromium: a draggable pin whose segment and team are shown live while it
moves, the open issues near it listed before filing (likely duplicates first), and the search box that
moves the pin. Screenshots: var/screenshots/intake_map_*.png."""

from __future__ import annotations

import pytest

from geo_app.testing import connect
from tests.browser.conftest import open_page, screenshot


def _open_fumes_issue(template_db):
    """Return (segment code, lon, lat) of an open 油烟 issue on 银湖南路 in the demo."""
    with connect(template_db) as conn:
        return conn.execute(
            """SELECT s.code, ST_X(i.geom), ST_Y(i.geom) FROM issues i JOIN street_segments s ON s.id = i.segment_id
               WHERE s.street_name = '银湖南路' AND i.category = 'cooking_fumes'
                 AND i.status IN ('reported', 'accepted', 'dispatched', 'in_progress')
               ORDER BY i.ref LIMIT 1"""
        ).fetchone()


def _visit_page(page_factory, base, width):
    page = open_page(page_factory, base, "/intake", user="clerk", width=width)
    page.fill("input[name=people]", "2")
    page.fill("textarea[name=topics]", "油烟")
    page.click("button[data-act=log-visit]")
    page.wait_for_load_state("networkidle")
    page.wait_for_selector("#pick-map .leaflet-interactive")
    return page


def _drag_pin_to(page, lon, lat):
    """Drag the pin with the mouse so that its tip lands on (lon, lat), and keep the button down."""
    icon = page.locator("#pick-map .leaflet-marker-icon").bounding_box()
    tip = (icon["x"] + icon["width"] / 2, icon["y"] + icon["height"])
    target = page.evaluate(
        "([lat, lon]) => { const p = GeoIntake.map.latLngToContainerPoint([lat, lon]);"
        " const r = GeoIntake.map.getContainer().getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }",
        [lat, lon],
    )
    grab = (tip[0], tip[1] - 20)
    page.mouse.move(*grab)
    page.mouse.down()
    steps = 8
    for i in range(1, steps + 1):
        page.mouse.move(grab[0] + (target[0] - tip[0]) * i / steps, grab[1] + (target[1] - tip[1]) * i / steps)


@pytest.mark.parametrize("width", [1280, 360])
def test_dragging_the_pin_shows_its_segment_live_and_the_issues_near_it(page_factory, live_server, template_db, width):
    page = _visit_page(page_factory, live_server, width)
    page.select_option("select[name=category]", "cooking_fumes")
    code, lon, lat = _open_fumes_issue(template_db)
    page.evaluate("([lat, lon]) => GeoIntake.map.setView([lat, lon], 17, {animate: false})", [lat, lon])
    # the pin first goes well south of the street (about 100 m away), not at the edge (it would pan the map)
    page.locator("#pick-map").scroll_into_view_if_needed()
    box = page.locator("#pick-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.8)
    page.wait_for_selector("#pick-map .leaflet-marker-icon.leaflet-marker-draggable")
    page.wait_for_selector("#snap-preview:not(:empty)")
    assert code not in page.locator("#snap-preview").inner_text()
    # then onto the open 油烟 issue: while the button is still down, the preview names its segment
    _drag_pin_to(page, lon + 0.00003, lat)
    page.wait_for_selector(f"#snap-preview:has-text('{code}')")
    page.mouse.up()
    assert "银湖南路" in page.locator("#snap-preview").inner_text()
    assert abs(float(page.input_value("#lon")) - lon - 0.00003) < 3e-5
    assert abs(float(page.input_value("#lat")) - lat) < 3e-5
    page.wait_for_selector("#nearby:not([hidden]) .nearby-list li a")
    items = page.locator("#nearby .nearby-list li")
    assert items.count() >= 1
    assert page.locator("#nearby .nearby-list li.likely").count() >= 1  # the food street's fumes are open
    assert "可能是同一问题" in items.first.inner_text()
    screenshot(page, f"intake_map_drag_{width}")
    assert page.console_errors == [] and page.outside_requests == []


def test_search_on_the_intake_map_moves_the_pin_there(page_factory, live_server):
    page = _visit_page(page_factory, live_server, 1280)
    page.locator(".geo-search-input").type("yhnl", delay=30)
    page.wait_for_selector(".geo-search-results li[data-kind=street]")
    page.locator(".geo-search-input").press("Enter")
    page.wait_for_selector("#snap-preview:has-text('银湖南路')")
    assert page.input_value("#lon") != ""
    assert page.evaluate("() => GeoBase.placed.length") > 0  # the labelled base map under the pin
    screenshot(page, "intake_map_search")
    assert page.console_errors == [] and page.outside_requests == []
