"""The patient's pages as an installable app that works offline, in the real Chromium on a
phone-sized window: the manifest and service worker Chromium's install criteria ask for, today's
page and the week's opening with the network cut, and a log made offline arriving once after
the connection is back (web/installable.py, web/static/web/sw.js, offline.js)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urljoin

import pytest
from playwright.sync_api import Page, expect

from programs import selectors
from programs.models import Patient, SessionLog
from programs.services import program_discharge
from tests.e2e import data
from tests.e2e.browser import check_page, sign_in
from tests.e2e.conftest import TIMEOUT_MS
from tests.programs import factories

pytestmark = [pytest.mark.requires_browser, pytest.mark.django_db(transaction=True)]

KEPT = "Saved on this phone. It will send when you\u2019re back online."


def controlled(page: Page) -> None:
    """Wait until the service worker controls the page, then load it again so the worker
    keeps it (the first load came before the worker)."""
    page.evaluate("() => navigator.serviceWorker.ready")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.reload()
    page.wait_for_load_state()


def kept_logs(page: Page) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = page.evaluate("() => window.gradusQueue.all()")
    return result


def log_offline(page: Page) -> None:
    """Maya signs in, the worker keeps today's page, the network goes and she logs it all."""
    sign_in(page, "maya")
    controlled(page)
    page.context.set_offline(True)
    page.get_by_role("button", name="Save what I did").tap()
    expect(page.get_by_text(KEPT)).to_be_visible()


def wait_until_sent(page: Page) -> None:
    """Until the phone keeps no log (page.wait_for_function takes a promise for a true value,
    so the kept logs, read from IndexedDB, are polled here)."""
    for _attempt in range(TIMEOUT_MS // 100):
        if not kept_logs(page):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"still kept: {kept_logs(page)}")


def test_the_app_meets_chromium_s_install_criteria(phone_page: Page, maya: Patient) -> None:
    page = phone_page
    sign_in(page, "maya")
    scope = page.evaluate("async () => (await navigator.serviceWorker.ready).scope")
    assert scope == urljoin(page.url, "/")

    address = page.evaluate("() => document.querySelector('link[rel=manifest]').href")
    manifest = json.loads(page.evaluate(f"async () => (await fetch({address!r})).text()"))
    assert manifest["name"] == "gradus"
    assert manifest["display"] == "standalone"
    assert urljoin(address, manifest["start_url"]).startswith(urljoin(address, manifest["scope"]))
    large = [
        icon
        for icon in manifest["icons"]
        if icon["type"] == "image/png" and int(icon["sizes"].split("x")[0]) >= 192
    ]
    assert large
    for icon in large:
        size = page.evaluate(
            """async (src) => {
                const image = new Image();
                image.src = src;
                await image.decode();
                return [image.naturalWidth, image.naturalHeight];
            }""",
            icon["src"],
        )
        assert "x".join(map(str, size)) == icon["sizes"]

    # Chromium's own verdict, as its install prompt reads it.
    cdp = page.context.new_cdp_session(page)
    parsed = cdp.send("Page.getAppManifest")
    assert not parsed.get("errors"), parsed["errors"]
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert [error["errorId"] for error in errors if error["errorId"] != "in-incognito"] == []
    check_page(page, "today-installable")


def test_today_and_the_week_open_with_the_network_cut(phone_page: Page, maya: Patient) -> None:
    page = phone_page
    sign_in(page, "maya")
    controlled(page)
    page.get_by_role("link", name="This week").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("This week")

    page.context.set_offline(True)
    # Logged elsewhere meanwhile: a page from the network would say so, the kept copy cannot.
    session = selectors.today_session(maya)
    assert session is not None
    factories.log_session(session)
    response = page.goto(f"/p/{maya.pk}/today/")
    assert response is not None and response.from_service_worker
    expect(page.get_by_role("heading", level=1)).to_have_text("Today")
    expect(page.get_by_role("heading", name="Walking")).to_be_visible()
    expect(page.get_by_role("heading", name="Log what you did")).to_be_visible()
    check_page(page, "today-offline")
    page.goto(f"/p/{maya.pk}/week/")
    expect(page.get_by_role("heading", level=1)).to_have_text("This week")
    # The installed app opens at its start page: offline, that is the kept today page.
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Today")
    page.context.set_offline(False)


def test_a_log_made_offline_arrives_once_after_reloads(phone_page: Page, maya: Patient) -> None:
    page = phone_page
    session = selectors.today_session(maya)
    assert session is not None
    sign_in(page, "maya")
    controlled(page)
    key = page.locator("input[name=submission]").input_value()

    page.context.set_offline(True)
    page.get_by_role("button", name="Save what I did").tap()
    expect(page.get_by_role("status").filter(has_text=KEPT)).to_be_visible()
    check_page(page, "today-log-kept")
    assert not SessionLog.objects.filter(session=session).exists()

    # Reloaded twice before it can go: still kept, once.
    page.reload()
    page.reload()
    expect(page.get_by_text(KEPT)).to_have_count(1)
    assert [entry["key"] for entry in kept_logs(page)] == [key]

    page.context.set_offline(False)
    page.reload()
    page.reload()
    wait_until_sent(page)
    log = SessionLog.objects.get(session=session)
    assert (log.submission_key, log.status) == (key, "done")
    logged_at = log.logged_at

    page.reload()
    expect(page.get_by_text("Change what you logged")).to_be_visible()
    assert SessionLog.objects.filter(session=session).count() == 1
    assert SessionLog.objects.get(session=session).logged_at == logged_at


def test_a_log_kept_for_a_program_since_ended_says_why_until_dismissed(
    phone_page: Page, place: data.Clinic_, maya: Patient
) -> None:
    page = phone_page
    session = selectors.today_session(maya)
    log_offline(page)

    program_discharge(actor=place.therapist, program=maya.programs.get(), reason="Goal reached")
    page.context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")

    refused = page.get_by_role("status").filter(has_text="The program has ended")
    expect(refused).to_contain_text("still on this phone until you dismiss it")
    check_page(page, "today-log-refused")
    assert not SessionLog.objects.filter(session=session).exists()

    page.reload()
    expect(refused).to_be_visible()
    refused.get_by_role("button", name="Dismiss").tap()
    expect(refused).to_have_count(0)
    assert kept_logs(page) == []


def test_signing_out_leaves_nothing_of_the_person_on_the_phone(
    phone_page: Page, maya: Patient
) -> None:
    page = phone_page
    log_offline(page)
    assert page.evaluate("async () => (await (await caches.open('gradus-pages')).keys()).length")
    page.context.set_offline(False)
    # Sent on reconnecting; sign out before anything else is kept.
    wait_until_sent(page)

    page.get_by_role("button", name="Sign out").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert page.evaluate("() => caches.has('gradus-pages')") is False
    databases = page.evaluate("async () => (await indexedDB.databases()).map((d) => d.name)")
    assert "gradus-offline" not in databases


def test_a_log_kept_before_signing_in_again_still_arrives(phone_page: Page, maya: Patient) -> None:
    # The session ran out while the phone was offline: the same person signs in again (a new
    # CSRF secret), and the log kept with the old token is sent with the new one.
    page = phone_page
    session = selectors.today_session(maya)
    log_offline(page)

    page.context.clear_cookies()
    page.context.set_offline(False)
    # Tried at once, signed out: it waits.
    page.evaluate("() => window.gradusQueue.sendAll(null)")
    assert [entry["state"] for entry in kept_logs(page)] == ["waiting"]
    sign_in(page, "maya")
    wait_until_sent(page)
    assert SessionLog.objects.filter(session=session).count() == 1
