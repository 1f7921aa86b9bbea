"""Real headless Chromium (Debian's, driven by playwright) against the app served on a throwaway clone
of the demo database. Never downloads a browser. Screenshots go to var/screenshots/ to be looked at.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from geo_app.testing import CHROMIUM, CHROMIUM_FLAGS

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield b
        b.close()


@pytest.fixture()
def page_factory(browser, live_server):
    """Return a function that opens a new page (phone or desk size) which records console errors and
    refuses every request that is not to the live server."""
    contexts = []

    def make(width: int = 1280, height: int = 800, locale: str = "zh-CN"):
        context = browser.new_context(viewport={"width": width, "height": height}, locale=locale, has_touch=width < 600)
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.outside_requests = []
        page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
        page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))

        def route(r):
            if r.request.url.startswith(live_server):
                return r.continue_()
            page.outside_requests.append(r.request.url)
            return r.abort()

        page.route("**/*", route)
        return page

    yield make
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under var/screenshots/ and return its path."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def login(page, base: str, username: str, password: str = "demo-password") -> None:
    """Log in through the login form."""
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def open_page(page_factory, base: str, path: str, user: str | None = None, width: int = 1280):
    """Open `path` on the live server (logged in as `user` if given) at desk or phone size; wait for it."""
    page = page_factory(width, 800 if width > 600 else 740)
    if user:
        login(page, base, user)
    page.goto(base + path)
    page.wait_for_load_state("networkidle")
    return page
