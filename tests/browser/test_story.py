"""The 银湖南路 fumes story in real headless Chromium: each user logs in and clicks through the pages.

Desk (1280 px) and phone (360 px, touch) sizes; screenshots go to var/screenshots/story-*.png.
"""

from __future__ import annotations

import re

from tests.browser.conftest import login, screenshot

DESK, PHONE = (1280, 860), (360, 740)


def _clean(page):
    assert page.console_errors == [], page.console_errors
    assert page.outside_requests == [], page.outside_requests


def _click(page, selector):
    with page.expect_navigation():
        page.click(selector)
    flash = page.locator(".flash-error")
    assert flash.count() == 0, flash.first.inner_text()


def _as(page_factory, base, username, size=DESK, locale="zh-CN"):
    page = page_factory(*size, locale=locale)
    login(page, base, username)
    return page


def _departments_answer(page_factory, base, username, ref, name):
    page = _as(page_factory, base, username, PHONE)
    page.goto(f"{base}/dispatches")
    card = page.locator("li.card", has_text=ref)
    for step in ("acknowledge", "arrive", "done"):
        button = card.locator(f"button[data-act^={step}-]")
        if step == "acknowledge":
            screenshot(page, f"story-{name}-dispatches-phone")
        _click(page, f"li.card:has-text('{ref}') button[data-act^={step}-]")
        assert button.count() == 0 or step != "done"
    assert page.locator("li.card", has_text=ref).count() == 0  # done: off the open list
    _clean(page)


def test_fumes_story_in_chromium(page_factory, live_server):
    base = live_server

    # clerk: log a visit, click the map (fills the point), then pick the 银湖南路 segment instead
    clerk = _as(page_factory, base, "clerk")
    clerk.goto(f"{base}/intake")
    clerk.fill("input[name=people]", "3")
    clerk.fill("textarea[name=topics]", "银湖南路美食街油烟扰民")
    _click(clerk, "button[data-act=log-visit]")
    clerk.wait_for_selector("#pick-map .leaflet-interactive")  # streets drawn from /intake/segments.json
    box = clerk.locator("#pick-map").bounding_box()
    clerk.mouse.click(box["x"] + box["width"] / 2 + 7, box["y"] + box["height"] / 2 + 5)
    assert re.fullmatch(r"1\d\d\.\d{6}", clerk.input_value("#lon"))
    clerk.select_option("select[name=category]", "cooking_fumes")
    clerk.fill("textarea[name=description]", "餐馆油烟直排，飘进居民楼")
    clerk.select_option("#segment", "YHNL-03")
    assert clerk.input_value("#lon") == ""
    clerk.fill("input[name=reporter_name]", "张女士")
    clerk.fill("input[name=reporter_phone]", "138-0000-0001")
    screenshot(clerk, "story-clerk-intake-desk")
    _click(clerk, "button[data-act=file-issue]")
    if "/duplicates" in clerk.url:
        screenshot(clerk, "story-clerk-duplicates-desk")
        ref = clerk.url.rstrip("/").split("/")[-2]
        _click(clerk, "a.button")
    ref = clerk.locator(".inline-list a").last.inner_text()
    assert re.fullmatch(r"DT-\d{4}-\d{5}", ref)
    _clean(clerk)

    # chief at the desk: the work list, accept, acceptance date, whistle to two departments
    chief = _as(page_factory, base, "chief")
    chief.goto(f"{base}/work")
    screenshot(chief, "story-chief-worklist-desk")
    _click(chief, f"a:text('{ref}')")
    _click(chief, "button[data-act=accept]")
    chief.fill("input[name=due_at]", "2031-06-30")
    _click(chief, "button[data-act=set_due]")
    chief.check("input[name=departments][value=market_reg]")
    chief.check("input[name=departments][value=environment]")
    chief.fill("form.whistle input[name=reason]", "油烟扰民，请市场监管、生态环境到场")
    _click(chief, "button[data-act=dispatch]")
    assert chief.locator(".badge.status-dispatched").count() == 1
    _clean(chief)

    _departments_answer(page_factory, base, "staff", ref, "staff")
    _departments_answer(page_factory, base, "staff_environment", ref, "environment")

    # chief on a phone: start, resolve by the team, the acceptance check fails, whistle again
    chief = _as(page_factory, base, "chief", PHONE)
    chief.goto(f"{base}/issues/{ref}")
    _click(chief, "button[data-act=start]")
    chief.fill("form:has(button[data-act=resolve-team]) input[name=note]", "加装油烟净化器")
    _click(chief, "button[data-act=resolve-team]")
    chief.fill("form:has(button[data-act=verify-fail]) input[name=note]", "油烟仍超标")
    _click(chief, "button[data-act=verify-fail]")
    assert chief.locator(".badge.status-in_progress").count() == 1
    chief.check("input[name=departments][value=market_reg]")
    _click(chief, "button[data-act=dispatch]")
    _clean(chief)

    _departments_answer(page_factory, base, "staff", ref, "staff-round2")

    chief = _as(page_factory, base, "chief", PHONE)
    chief.goto(f"{base}/issues/{ref}")
    _click(chief, "button[data-act=resolve-team]")
    _click(chief, "button[data-act=verify-pass-close]")
    assert chief.locator(".badge.status-closed").inner_text() == "已办结"
    timeline = chief.locator("ol.timeline li")
    assert timeline.count() == 20
    assert "油烟仍超标" in chief.locator("ol.timeline").inner_text()
    chief.wait_for_timeout(300)  # the map iframe
    screenshot(chief, "story-chief-issue-phone")
    _clean(chief)

    # the same issue page at the desk, in English; the escalation page for the secretary
    chief = _as(page_factory, base, "chief", DESK, locale="en-US")
    chief.goto(f"{base}/issues/{ref}")
    assert chief.locator("h2", has_text="Timeline").count() == 1
    assert chief.locator(".badge.status-closed").inner_text() == "Closed"
    frame = chief.frame_locator("iframe.smallmap")
    frame.locator(".leaflet-overlay-pane canvas").first.wait_for()
    screenshot(chief, "story-chief-issue-desk-en")
    _clean(chief)

    secretary = _as(page_factory, base, "secretary", PHONE)
    secretary.goto(f"{base}/escalation")
    assert secretary.locator("tr.is-overdue").count() >= 1
    screenshot(secretary, "story-secretary-escalation-phone")
    secretary.click("label.nav-toggle-label")
    screenshot(secretary, "story-secretary-menu-phone")
    _clean(secretary)
