"""End-to-end tests: a real headless Chromium (Debian's, at /usr/bin/chromium) against
pytest-django's live server, with axe-core run in the page.

Each xdist worker gets its own browser, live server and test database. The tests build their
data with tests.programs.factories and the services in the live server's database (a
transactional test database, emptied after each test), then drive the pages by role and label.

One browser serves all of a worker's end-to-end tests. Playwright's sync API keeps an asyncio
event loop running in this thread while it is open, and Django refuses ORM calls from a thread
with a running loop; nothing here runs concurrently with the ORM, so DJANGO_ALLOW_ASYNC_UNSAFE
is set while the browser is open. When the worker's next test is not an end-to-end one, the
browser is closed and the setting removed: the rest of the suite runs as it would without
these tests.

The helpers the tests call (sign_in, check_page) are in tests/e2e/browser.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    expect,
    sync_playwright,
)
from pytest_django.live_server_helper import LiveServer

from programs.models import Patient
from tests.e2e import data
from tests.service_probes import CHROMIUM

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
# Fail a step after this many milliseconds instead of Playwright's 30 seconds (and 5 for
# expect): enough for a first page on a busy two-core machine running the whole suite.
TIMEOUT_MS = 20_000
expect.set_options(timeout=TIMEOUT_MS)


class _Chromium:
    """The worker's browser, started on first use and stopped when its tests are over."""

    def __init__(self) -> None:
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None

    def get(self) -> Browser:
        if self._browser is None:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
            # Never let Playwright fetch a browser of its own: Debian's Chromium is the one.
            os.environ["PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD"] = "1"
            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True
            )
        return self._browser

    def stop(self) -> None:
        if self._browser is not None:
            self._browser.close()
            self._browser = None
        if self._playwright is not None:
            self._playwright.stop()
            self._playwright = None
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


_CHROMIUM = _Chromium()


@pytest.fixture
def browser() -> Browser:
    """The worker's browser (launched once, closed by pytest_runtest_teardown below)."""
    return _CHROMIUM.get()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """After the page fixtures are closed: stop the browser when the worker moves on to tests
    elsewhere (or to none)."""
    yield
    if nextitem is None or Path(__file__).parent not in nextitem.path.parents:
        _CHROMIUM.stop()


# Every page keeps a list of what its Content-Security-Policy blocked, for check_page to
# report: a script or style the policy refuses is a page that no longer works as written.
# Init scripts run through the DevTools protocol, which the policy does not govern.
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


def _context(browser: Browser, live_server: LiveServer, **options: Any) -> BrowserContext:
    # An English browser (Accept-Language en-GB) unless a test asks for another ``locale``.
    options.setdefault("locale", "en-GB")
    context = browser.new_context(base_url=live_server.url, **options)
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(RECORD_CSP_VIOLATIONS)
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


@pytest.fixture
def spanish_phone_page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A phone-sized window whose browser asks for Spanish (Accept-Language es-US)."""
    context = _context(
        browser, live_server, locale="es-US", viewport=PHONE, is_mobile=True, has_touch=True
    )
    yield context.new_page()
    context.close()


@pytest.fixture
def spanish_desktop_page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A laptop-sized window whose browser asks for Spanish (Accept-Language es-US)."""
    context = _context(browser, live_server, locale="es-US", viewport=DESKTOP)
    yield context.new_page()
    context.close()


@pytest.fixture(params=["phone", "desktop"])
def any_page(request: pytest.FixtureRequest) -> Page:
    """The test runs twice: in a phone-sized window and in a desktop one."""
    page: Page = request.getfixturevalue(f"{request.param}_page")
    return page


@pytest.fixture(params=["phone", "desktop"])
def dark_page(
    request: pytest.FixtureRequest, browser: Browser, live_server: LiveServer
) -> Iterator[Page]:
    """A window whose system asks for dark mode (prefers-color-scheme: dark), phone and desktop."""
    size = {"viewport": PHONE, "is_mobile": True, "has_touch": True}
    options: dict[str, Any] = size if request.param == "phone" else {"viewport": DESKTOP}
    context = _context(browser, live_server, color_scheme="dark", **options)
    yield context.new_page()
    context.close()


# -- The data most tests start from (see tests/e2e/data.py) ---------------------------------


@pytest.fixture
def place() -> data.Clinic_:
    """Riverside Clinic: the therapist jordan.lee and a template of walking and wall squats."""
    return data.clinic()


@pytest.fixture
def maya(place: data.Clinic_) -> Patient:
    """Maya Thompson (username maya), Jordan's patient, in the second week of her program:
    the first was logged (one session missed) and checked in."""
    patient = data.new_patient(place, first_name="Maya")
    data.program_for(place, patient, started_weeks_ago=1)
    return patient


@pytest.fixture
def flagged_maya(maya: Patient) -> Patient:
    """Maya after she reported a fever: her program is paused and Jordan alerted."""
    assert maya.user is not None
    data.red_flag(maya, actor=maya.user)
    return maya
