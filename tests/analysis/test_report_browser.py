"""The report page in real headless Chromium: figures, charts from the app's own Chart.js, phone and desk."""

import re

from tests.browser.conftest import login, screenshot

DEMO = "start=2020-05-01&end=2020-11-06"


def test_report_page_on_desk_and_phone(page_factory, live_server):
    for width, height, name in ((1280, 900, "reports_desk"), (360, 740, "reports_phone")):
        page = page_factory(width, height)
        login(page, live_server, "planner")
        page.goto(f"{live_server}/reports?{DEMO}")
        page.wait_for_load_state("networkidle")
        assert page.locator('[data-key="issues_collected"] .value').inner_text() == "265"
        assert page.locator('[data-key="solved_on_site"] .value').inner_text() == "89"
        assert page.locator('[data-key="solved_by_team"] .value').inner_text() == "151"
        assert page.locator('[data-key="fire_lanes_opened"] .value').inner_text() == "5"
        # Chart.js drew into every canvas (a chart instance is attached to each)
        drawn = page.evaluate("""() => ['chart-category', 'chart-team', 'chart-department']
            .map(id => !!Chart.getChart(document.getElementById(id)))""")
        assert drawn == [True, True, True]
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1  # no sideways scrolling
        screenshot(page, name)
        assert page.console_errors == [] and page.outside_requests == []


def test_report_page_in_english(page_factory, live_server):
    page = page_factory(1280, 900, locale="en-US")
    login(page, live_server, "secretary")
    page.goto(f"{live_server}/reports?{DEMO}&lang=en&area=team:T-YHNL")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Datang Subdistrict · District report"  # the deployment names the report
    screenshot(page, "reports_team_en")
    assert page.console_errors == [] and page.outside_requests == []


def test_the_monthly_report_prints_on_a4_with_the_place_period_charts_and_tables(page_factory, live_server):
    page = page_factory(1280, 900)
    login(page, live_server, "secretary")
    page.goto(f"{live_server}/reports?start=2020-06-01&end=2020-06-30")
    page.wait_for_load_state("networkidle")
    assert page.locator('link[rel=stylesheet][media=print][href*="/css/reports-print."]').count() == 1
    assert page.locator(".topbar").is_visible() and not page.locator(".print-foot").is_visible()
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi, as the print layout sees it
    page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
    # the print stylesheet applies: no menu, filter or links; the place, the period, charts and tables stay
    assert not page.locator(".topbar").is_visible() and not page.locator("form.report-filter").is_visible()
    assert not page.locator("#download-csv").is_visible()
    assert page.locator("h1").inner_text().startswith("大塘街道")
    assert "2020-06-01 – 2020-06-30" in page.locator("#report-period").inner_text()
    assert page.locator(".print-foot").is_visible()
    for selector in ("#chart-category", "#chart-team", "#chart-department", "#table-category", "#table-compare"):
        assert page.locator(selector).is_visible(), selector
    # redrawn for the page, not the desk's width (Chart.js resizes on its next frame)
    page.wait_for_function(
        "() => ['chart-category', 'chart-department'].every(id => Chart.getChart(id).width <= 794)", timeout=5000
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 794 + 1
    screenshot(page, "reports_print")
    pdf = page.pdf(format="A4", print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pdf.startswith(b"%PDF") and 1 <= pages <= 6, pages  # a month's report on a few A4 sheets
    assert page.console_errors == [] and page.outside_requests == []


def test_a_reversed_period_is_shown_at_its_field_in_chinese(page_factory, live_server):
    page = page_factory(360, 740)
    login(page, live_server, "planner")
    page.goto(f"{live_server}/reports?start=2020-11-06&end=2020-05-01")
    page.wait_for_load_state("networkidle")
    end = page.locator("input[name=end]")
    assert end.get_attribute("aria-invalid") == "true"
    message = page.locator("form.report-filter .field-message")
    assert message.is_visible() and "结束日期早于开始日期" in message.inner_text()
    assert page.locator(".presets button").first.bounding_box()["height"] >= 44  # touch targets
    screenshot(page, "reports_error_phone")
    assert all("400" in e for e in page.console_errors) and page.outside_requests == []  # the page's own 400
