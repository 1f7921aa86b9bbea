"""The admin area in real headless Chromium at desk width and on a 360 px phone: an admin walks from the
index to each kind, creates a category, retires it, and sees the history; geometry is drawn on the map.
Screenshots go to var/screenshots/admin_*.png to be looked at."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login, screenshot


@pytest.mark.parametrize("width", [1280, 360])
def test_an_admin_walks_the_admin_area(page_factory, live_server, width):
    page = page_factory(width, 800 if width > 600 else 740)
    login(page, live_server, "admin")
    page.goto(live_server + "/admin")
    screenshot(page, f"admin_index_{width}")
    assert page.locator("h1").inner_text() == "系统管理"
    for kind in ("categories", "departments", "channels", "areas", "halls", "compounds", "teams", "users"):
        assert page.locator(f'a[data-kind="{kind}"]').count() == 1

    page.click('a[data-kind="categories"]')
    page.click("text=新建")
    page.fill('input[name="code"]', f"graffiti{width}")
    page.fill('input[name="name_zh"]', "乱涂乱画")
    page.fill('input[name="name_en"]', "Graffiti")
    page.fill('input[name="sla_days"]', "4")
    page.fill('input[name="departments"]', "urban_mgmt;community")
    page.click('button[type="submit"].primary')
    page.wait_for_load_state("networkidle")
    assert "已保存" in page.locator(".flash").first.inner_text()
    page.click("form.retire button")
    page.wait_for_load_state("networkidle")
    assert page.locator('tr[data-action="retire"]').count() == 1
    screenshot(page, f"admin_category_{width}")

    page.goto(live_server + "/admin/teams/T-YHNL")
    page.wait_for_load_state("networkidle")
    assert page.locator("#admin-map .leaflet-interactive").count() == 0  # segments listed, no drawn area
    page.goto(live_server + "/admin/areas/DT")
    page.wait_for_load_state("networkidle")
    assert page.locator("#admin-map .leaflet-interactive").count() >= 1
    screenshot(page, f"admin_area_{width}")
    page.goto(live_server + "/admin/users/chief?lang=en")
    assert page.locator("h1").inner_text().startswith("Users")
    screenshot(page, f"admin_user_{width}")
    page.goto(live_server + "/admin/audit")
    assert page.locator('tr[data-action="retire"]').count() >= 1
    screenshot(page, f"admin_audit_{width}")
    assert page.console_errors == [] and page.outside_requests == []
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, overflow  # nothing wider than the phone
