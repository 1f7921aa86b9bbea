"""The browser fixtures (real headless Chromium) for this folder's page checks."""

from tests.browser.conftest import browser, page_factory  # noqa: F401  (fixtures re-exported)
