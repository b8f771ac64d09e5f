"""End-to-end tests: a real headless Chromium (Debian's, at /usr/bin/chromium) against
pytest-django's live server, with axe-core run in the page.

Each xdist worker gets its own browser, live server and test database. The tests build their
data with tests.programs.factories and the services in the live server's database (a
transactional test database, emptied after each test), then drive the pages by role and label.

Playwright's sync API keeps an asyncio event loop running in this thread for as long as the
browser is open, and Django refuses ORM calls from a thread with a running loop. Nothing here
runs concurrently with the ORM, so the `browser` fixture sets DJANGO_ALLOW_ASYNC_UNSAFE before
it starts Playwright; the setting stays for the rest of the worker's session, as does the
browser.

The helpers the tests call (sign_in, check_page) are in tests/e2e/browser.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from pytest_django.live_server_helper import LiveServer

from tests.services import CHROMIUM

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
# Fail a step after this many milliseconds instead of Playwright's 30 seconds.
TIMEOUT_MS = 10_000
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    # Never let Playwright fetch a browser of its own: Debian's Chromium is the one.
    os.environ["PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD"] = "1"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Sign-in throttle counts and cached pages live in the (in-process) cache."""
    cache.clear()
    yield
    cache.clear()


def _context(browser: Browser, live_server: LiveServer, **options: Any) -> BrowserContext:
    context = browser.new_context(base_url=live_server.url, locale="en-GB", **options)
    context.set_default_timeout(TIMEOUT_MS)
    return context


@pytest.fixture
def phone_page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A phone-sized window (390 x 844, touch) at the live server."""
    context = _context(browser, live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()


@pytest.fixture
def desktop_page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A laptop-sized window (1280 x 800) at the live server."""
    context = _context(browser, live_server, viewport=DESKTOP)
    yield context.new_page()
    context.close()


@pytest.fixture(params=["phone", "desktop"])
def any_page(request: pytest.FixtureRequest) -> Page:
    """The test runs twice: in a phone-sized window and in a desktop one."""
    page: Page = request.getfixturevalue(f"{request.param}_page")
    return page
