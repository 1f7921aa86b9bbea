"""In Chromium: no Content-Security-Policy violation on any page (folium's maps included), and a login
whose `next` points off-site stays on the site."""

from __future__ import annotations

import contextlib

import pytest

from geo_app.testing import url_map_app
from tests.browser.conftest import login

LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
    e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sourceFile || '') + ':' + e.lineNumber));
"""
# Pages that need an argument, with one from the demo.
WITH_ARGS = ["/issues/DT-2020-00001", "/issues/DT-2020-00001/map", "/p/DT-2020-00001"]
NOT_PAGES = ("/api/", "/tiles/", "/open311/", "/static/", "/healthz", "/logout", "/p/")


def _pages() -> list[str]:
    """Every page of the app's URL map reachable by GET without arguments, and WITH_ARGS."""
    app = url_map_app()
    paths = sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith(NOT_PAGES)
    )
    return [p for p in paths if not p.endswith(".json")] + WITH_ARGS


PAGES = _pages()


def _violations(page) -> list[str]:
    found = []
    for frame in page.frames:
        with contextlib.suppress(Exception):  # a frame gone by now (navigated away) has nothing to report
            found += frame.evaluate("window.__csp || []")
    return found


@pytest.fixture()
def admin_page(page_factory, live_server):
    page = page_factory()
    page.add_init_script(LISTEN)
    login(page, live_server, "admin")
    return page


def test_pages_list_is_generated_from_the_url_map():
    assert "/maps/chief" in PAGES and "/maps/public" in PAGES and "/work" in PAGES and "/login" in PAGES


@pytest.mark.parametrize("path", PAGES)
def test_no_csp_violation(admin_page, live_server, path):
    res = admin_page.goto(live_server + path)
    assert res is not None and res.status < 500
    assert "script-src" in res.headers["content-security-policy"]
    admin_page.wait_for_load_state("networkidle")
    assert _violations(admin_page) == []
    refused = [e for e in admin_page.console_errors if "Content Security Policy" in e]
    assert refused == []


def test_public_map_anonymous_has_no_csp_violation(page_factory, live_server):
    page = page_factory()
    page.add_init_script(LISTEN)
    page.goto(live_server + "/maps/public")
    page.wait_for_load_state("networkidle")
    assert page.locator(".leaflet-container").count() == 1  # the map really ran under the policy
    assert _violations(page) == []


def test_an_inline_script_without_the_nonce_is_blocked(page_factory, live_server):
    """The policy is live, not decorative: a script injected without the nonce reports a violation."""
    page = page_factory()
    page.add_init_script(LISTEN)
    page.goto(live_server + "/login")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1'; "
        "document.body.appendChild(s); }"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.ran") is None
    assert any("script-src" in v for v in _violations(page))


@pytest.mark.parametrize("target", ["/%09/evil.example/", "/%0A/evil.example/", "//evil.example/"])
def test_login_with_a_hostile_next_stays_on_the_site(page_factory, live_server, target):
    page = page_factory()
    page.goto(f"{live_server}/login?next={target}")
    page.fill("input[name=username]", "chief")
    page.fill("input[name=password]", "demo-password")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.url.startswith(live_server + "/")
    assert not [u for u in page.outside_requests if "evil.example" in u]
