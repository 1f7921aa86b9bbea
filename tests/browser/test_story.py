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


def _open(page, selector):
    """Unfold the <details> around `selector`: the issue page folds every action but the next step."""
    page.locator(selector).first.evaluate(
        "el => { for (let d = el.closest('details'); d; d = d.parentElement && d.parentElement.closest('details'))"
        " d.open = true; }"
    )


def _click(page, selector):
    _open(page, selector)
    with page.expect_navigation():
        page.click(selector)
    flash = page.locator(".flash-error")
    assert flash.count() == 0, flash.first.inner_text()


def _as(page_factory, base, username, size=DESK, locale="zh-CN"):
    page = page_factory(*size, locale=locale)
    login(page, base, username)
    return page


def _refused(page, selector, words):
    _open(page, selector)
    with page.expect_navigation():
        page.click(selector)
    assert words in page.locator(".flash-error").inner_text()
    # the refusal answers 403/422 on purpose; Chromium logs that status as a console error
    page.console_errors[:] = [e for e in page.console_errors if "status of 403" not in e and "status of 422" not in e]


def _departments_answer(page_factory, base, username, ref, name):
    page = _as(page_factory, base, username, PHONE)
    page.goto(f"{base}/dispatches")
    card = page.locator("li.card", has_text=ref)
    for step in ("acknowledge", "arrive", "done"):
        button = card.locator(f"button[data-act^={step}-]")
        if step == "acknowledge":
            assert button.inner_text() == "报到"  # a verb, not the state it leads to
            screenshot(page, f"story-{name}-dispatches-phone")
        if step == "done":
            page.fill(f"li.card:has-text('{ref}') textarea[name=note]", f"{name}：已到场整改")
            screenshot(page, f"story-{name}-done-phone")
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
    clerk.wait_for_selector("#snap-preview:not(:empty)")  # a selector, not a JS predicate: the CSP forbids eval
    preview = clerk.locator("#snap-preview").inner_text()
    assert ("将归入" in preview and "米" in preview) or "米内没有街段" in preview, preview
    screenshot(clerk, "story-clerk-snap-preview-desk")
    clerk.select_option("select[name=category]", "cooking_fumes")
    clerk.fill("textarea[name=description]", "餐馆油烟直排，飘进居民楼")
    clerk.select_option("#segment", "YHNL-03")
    assert clerk.input_value("#lon") == ""
    clerk.fill("input[name=reporter_name]", "张女士")
    clerk.fill("input[name=reporter_phone]", "138-0000-0001")
    screenshot(clerk, "story-clerk-intake-desk")
    _click(clerk, "button[data-act=file-issue]")
    assert "银湖南路 YHNL-03" in clerk.locator(".flash-ok").first.inner_text()  # says where it went
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
    _open(chief, "form:has(button[data-act=set_due]) input[name=due_at]")
    chief.fill("form:has(button[data-act=set_due]) input[name=due_at]", "2031-06-30")
    _click(chief, "button[data-act=set_due]")
    _open(chief, "input[name=departments][value=market_reg]")
    # the whistle pre-selects the category's default departments (油烟: 生态环境, 市场监管)
    assert chief.is_checked("input[name=departments][value=environment]")
    assert chief.is_checked("input[name=departments][value=market_reg]")
    assert not chief.is_checked("input[name=departments][value=police]")
    chief.check("input[name=departments][value=market_reg]")
    _open(chief, "input[name=departments][value=environment]")
    chief.check("input[name=departments][value=environment]")
    _open(chief, "input[name=departments][value=urban_mgmt]")
    chief.check("input[name=departments][value=urban_mgmt]")
    _open(chief, "form.whistle input[name=reason]")
    chief.fill("form.whistle input[name=reason]", "油烟扰民，请市场监管、生态环境到场")
    _click(chief, "button[data-act=dispatch]")
    assert chief.locator(".badge.status-dispatched").count() == 1
    _clean(chief)

    # urban management returns its dispatch (退单) with a reason
    urban = _as(page_factory, base, "staff_urban_mgmt", PHONE)
    urban.goto(f"{base}/dispatches")
    urban.click(f"li.card:has-text('{ref}') details.return-form summary")
    _open(urban, f"li.card:has-text('{ref}') details.return-form input[name=reason]")
    urban.fill(f"li.card:has-text('{ref}') details.return-form input[name=reason]", "油烟属市场监管、生态环境职责")
    screenshot(urban, "story-urban-return-phone")
    _click(urban, f"li.card:has-text('{ref}') button[data-act^=return-]")
    assert urban.locator("li.card", has_text=ref).count() == 0
    _clean(urban)

    _departments_answer(page_factory, base, "staff", ref, "staff")
    _departments_answer(page_factory, base, "staff_environment", ref, "environment")

    # chief on a phone: every department done, so 待验收; start, resolve; his own acceptance is refused
    chief = _as(page_factory, base, "chief", PHONE)
    chief.goto(f"{base}/work")
    assert chief.locator("[data-count=awaiting]").inner_text().strip().endswith(tuple("123456789"))
    screenshot(chief, "story-chief-awaiting-phone")
    chief.goto(f"{base}/issues/{ref}")
    assert "待验收" in chief.locator(".awaiting-banner").inner_text()
    assert "油烟属市场监管" in chief.locator("body").inner_text()  # the return is shown to the chief
    _click(chief, "button[data-act=start]")
    _open(chief, "form:has(button[data-act=resolve-team]) input[name=note]")
    chief.fill("form:has(button[data-act=resolve-team]) input[name=note]", "加装油烟净化器")
    _click(chief, "button[data-act=resolve-team]")
    _refused(chief, "button[data-act=verify-pass-close]", "须由团队中的其他人验收")
    screenshot(chief, "story-chief-self-verify-refused-phone")
    _clean(chief)

    # the secretary checks it: it fails, back to work
    secretary = _as(page_factory, base, "secretary", PHONE)
    secretary.goto(f"{base}/issues/{ref}")
    _open(secretary, "form:has(button[data-act=verify-fail]) input[name=note]")
    secretary.fill("form:has(button[data-act=verify-fail]) input[name=note]", "油烟仍超标")
    _click(secretary, "button[data-act=verify-fail]")
    assert "验收未通过" in secretary.locator(".flash-ok").first.inner_text()
    assert secretary.locator(".awaiting-banner").count() == 0  # back at work, no longer awaiting acceptance
    _clean(secretary)

    chief = _as(page_factory, base, "chief", PHONE)
    chief.goto(f"{base}/issues/{ref}")
    assert chief.locator(".badge.status-in_progress").count() == 1
    _open(chief, "input[name=departments][value=market_reg]")
    chief.check("input[name=departments][value=market_reg]")
    chief.uncheck("input[name=departments][value=environment]")  # pre-selected; only 市场监管 this time
    _click(chief, "button[data-act=dispatch]")
    _clean(chief)

    _departments_answer(page_factory, base, "staff", ref, "staff-round2")

    chief = _as(page_factory, base, "chief", PHONE)
    chief.goto(f"{base}/issues/{ref}")
    _click(chief, "button[data-act=resolve-team]")
    _clean(chief)

    # 回访: the resident is not satisfied (reopens); resolved again on site; the second 回访 lets it close
    secretary = _as(page_factory, base, "secretary", PHONE)
    secretary.goto(f"{base}/issues/{ref}")
    _refused(secretary, "button[data-act=verify-pass-close]", "请先记录回访")
    _open(secretary, "form.follow-up input[name=satisfaction][value=unsatisfied]")
    secretary.check("form.follow-up input[name=satisfaction][value=unsatisfied]")
    _open(secretary, "form.follow-up select[name=method]")
    secretary.select_option("form.follow-up select[name=method]", "phone")
    _open(secretary, "form.follow-up input[name=note]")
    secretary.fill("form.follow-up input[name=note]", "晚上仍有油烟味")
    screenshot(secretary, "story-secretary-follow-up-phone")
    _click(secretary, "button[data-act=follow_up]")
    assert secretary.locator(".badge.status-in_progress").count() == 1
    _clean(secretary)
    chief = _as(page_factory, base, "chief", PHONE)
    chief.goto(f"{base}/issues/{ref}")
    _click(chief, "button[data-act=resolve-on_site]")
    _clean(chief)
    secretary = _as(page_factory, base, "secretary", PHONE)
    secretary.goto(f"{base}/issues/{ref}")
    _open(secretary, "form.follow-up input[name=satisfaction][value=satisfied]")
    secretary.check("form.follow-up input[name=satisfaction][value=satisfied]")
    _open(secretary, "form.follow-up select[name=method]")
    secretary.select_option("form.follow-up select[name=method]", "visit")
    _click(secretary, "button[data-act=follow_up]")
    _click(secretary, "button[data-act=verify-pass-close]")
    _clean(secretary)

    chief = _as(page_factory, base, "chief", PHONE)
    chief.goto(f"{base}/issues/{ref}")
    assert chief.locator(".badge.status-closed").inner_text() == "已办结"
    timeline = chief.locator("ol.timeline li")
    assert timeline.count() == 24
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
    overdue_ref = secretary.locator("tr.is-overdue a").first.inner_text()
    screenshot(secretary, "story-secretary-escalation-phone")
    # 督办 on the most overdue issue; the chief cannot move its date, requests an extension; approved
    secretary.goto(f"{base}/issues/{overdue_ref}")
    _open(secretary, "form:has(button[data-act=escalate]) input[name=note]")
    secretary.fill("form:has(button[data-act=escalate]) input[name=note]", "请三日内处理")
    _click(secretary, "button[data-act=escalate]")
    _clean(secretary)
    chief = _as(page_factory, base, "chief", PHONE)
    chief.goto(f"{base}/issues/{overdue_ref}")
    assert chief.locator("button[data-act=set_due]").count() == 0
    _open(chief, "form:has(button[data-act=request_extension]) input[name=due_at]")
    chief.fill("form:has(button[data-act=request_extension]) input[name=due_at]", "2031-07-31")
    _open(chief, "form:has(button[data-act=request_extension]) input[name=reason]")
    chief.fill("form:has(button[data-act=request_extension]) input[name=reason]", "需等待管道材料")
    screenshot(chief, "story-chief-extension-request-phone")
    _click(chief, "button[data-act=request_extension]")
    _clean(chief)
    secretary.goto(f"{base}/issues/{overdue_ref}")
    assert "需等待管道材料" in secretary.locator("[data-pending-extension]").inner_text()
    _click(secretary, "button[data-act=extension-approve]")
    assert "已批准延期" in secretary.locator(".flash-ok").first.inner_text()
    secretary.goto(f"{base}/escalation")
    secretary.click("label.nav-toggle-label")
    screenshot(secretary, "story-secretary-menu-phone")
    _clean(secretary)
