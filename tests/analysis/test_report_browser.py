"""The report page in real headless Chromium: figures, charts from the app's own Chart.js, phone and desk."""

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
