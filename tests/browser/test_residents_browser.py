"""Chromium at desk width and 360 px: a resident reports a problem at /report (pin, category, photo) and
lands on the page of its reference; the issue page leads with one primary button; photos upload from it.
Screenshots go to var/screenshots/residents-*.png."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import login, screenshot

DESK, PHONE = (1280, 860), (360, 740)


def _jpeg(tmp_path, name="photo.jpg"):
    path = tmp_path / name
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (40, 120, 180)).save(out, "JPEG")
    path.write_bytes(out.getvalue())
    return path


def _clean(page):
    assert page.console_errors == [], page.console_errors
    assert page.outside_requests == [], page.outside_requests


@pytest.mark.parametrize(("size", "name"), [(DESK, "desk"), (PHONE, "phone")])
def test_a_resident_reports_with_a_pin_and_a_photo(page_factory, live_server, tmp_path, size, name):
    page = page_factory(*size)
    page.goto(f"{live_server}/report")
    page.wait_for_selector(".leaflet-overlay-pane path", state="attached")
    page.click("#pick-map")  # the pin at the middle of the map
    expect(page.locator("#lon")).not_to_have_value("")
    page.wait_for_timeout(300)  # the snap preview answers
    if page.locator("#unlinked-box").is_visible():
        page.check("input[name=not_on_street]")
    page.select_option("select[name=category]", "noise")
    page.fill("textarea[name=description]", "夜间施工噪声扰民")
    page.set_input_files("input[name=file]", str(_jpeg(tmp_path)))
    page.fill("input[name=reporter_phone]", "13900000000")
    screenshot(page, f"residents-report-{name}")
    with page.expect_navigation():
        page.click("button[data-act=report]")
    assert re.search(r"/p/[A-Z]+-\d{4}-\d+$", page.url), page.url
    assert "请记下这个编号" in page.locator(".flash-ok").inner_text()
    assert "13900000000" not in page.content()
    screenshot(page, f"residents-report-answer-{name}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= size[0] + 1  # nothing wider than the phone
    _clean(page)


@pytest.mark.parametrize(("size", "name"), [(DESK, "desk"), (PHONE, "phone")])
def test_the_issue_page_leads_with_the_next_step_and_takes_photos(page_factory, live_server, tmp_path, size, name):
    page = page_factory(*size)
    login(page, live_server, "chief")
    page.goto(f"{live_server}/work?status=reported")
    link = page.locator("table.issues a").first
    ref = link.inner_text()
    page.goto(f"{live_server}/issues/{ref}")
    primary = page.locator("#actions button.primary")
    assert primary.count() == 1 and primary.first.is_visible()
    assert page.locator("details.more-actions").get_attribute("open") is None
    assert not page.locator("button[data-act=reject]").is_visible()  # folded
    screenshot(page, f"residents-issue-next-step-{name}")
    page.click("#photos details > summary")
    page.set_input_files("form.photo-upload input[name=file]", str(_jpeg(tmp_path, "before.jpg")))
    with page.expect_navigation():
        page.click("button[data-act=photo-upload]")
    assert page.locator("#photos img.thumb").count() >= 1
    page.locator("#photos").scroll_into_view_if_needed()
    screenshot(page, f"residents-issue-photo-{name}")
    _clean(page)
