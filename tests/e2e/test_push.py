"""Push reminders in Chromium on a phone: the settings page offers them (axe clean, and says
so without JavaScript), a reminder sent by the dispatcher arrives once at the local push
service, decrypted with the device's key, with no health detail, and the push worker shows
it as a notification.

Chromium cannot subscribe here (its push service is Google's, out of reach), so the device
is the fake push service's, and the payload it decrypted is handed to the browser's worker
through the DevTools protocol, as Chromium's push service would hand it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from programs.models import Patient
from reminders.models import Channel
from reminders.services.dispatch import reminders_dispatch, reminders_send
from tests.e2e.browser import check_page, sign_in
from tests.e2e.conftest import PHONE
from tests.reminders.factories import contact_row, due_reminder
from tests.reminders.fake_push import FakePushService

pytestmark = [pytest.mark.requires_browser, pytest.mark.django_db(transaction=True)]

HEALTH_WORDS = ("pain", "dose", "diagnos", "crps", "syndrome", "walk", "squat", "minutes", "reps")


@pytest.fixture
def push() -> Iterator[FakePushService]:
    with FakePushService() as service, service.settings():
        yield service


def _payload_reaches_the_worker(page: Page, origin: str, payload: dict[str, Any]) -> list[Any]:
    """Register the push worker, deliver ``payload`` to it as a push message, and return the
    notifications it shows (title and body)."""
    page.context.grant_permissions(["notifications"], origin=origin)
    session = page.context.new_cdp_session(page)
    registrations: dict[str, str] = {}
    session.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.update(
            {r["scopeURL"]: r["registrationId"] for r in event["registrations"]}
        ),
    )
    session.send("ServiceWorker.enable")
    scope: str = page.evaluate(
        """async () => {
            const button = document.querySelector("[data-push-subscribe]");
            const reg = await navigator.serviceWorker.register(button.dataset.worker);
            const worker = reg.installing || reg.waiting || reg.active;
            if (worker.state !== "activated") {
                await new Promise((done) => worker.addEventListener("statechange",
                    () => worker.state === "activated" && done()));
            }
            return reg.scope;
        }"""
    )
    for _ in range(150):  # up to 15 s on a loaded machine
        if scope in registrations:
            break
        page.wait_for_timeout(100)
    session.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": origin, "registrationId": registrations[scope], "data": json.dumps(payload)},
    )
    shown: list[Any] = []
    for _ in range(150):  # up to 15 s on a loaded machine
        shown = page.evaluate(
            """async (scope) => {
                const reg = await navigator.serviceWorker.getRegistration(scope);
                const found = await reg.getNotifications();
                return found.map((n) => ({title: n.title, body: n.body, tag: n.tag}));
            }""",
            scope,
        )
        if shown:
            break
        page.wait_for_timeout(100)
    return shown


def test_a_push_reminder_arrives_once_without_health_detail_and_is_shown(
    phone_page: Page, maya: Patient, push: FakePushService, live_server: LiveServer
) -> None:
    assert maya.user is not None
    contact = contact_row(patient=maya, consent_to=[Channel.PUSH])
    device, subscription = push.subscribe(contact)
    reminder = due_reminder(contact, channel=Channel.PUSH, push_subscription=subscription)

    for _ in range(2):
        reminders_dispatch(enqueue=lambda ids: reminders_send(reminder_ids=ids))

    # Maya's own session reminders (made when her device was added) may be due too, by the
    # time of day the test runs: only the test's reminder is counted.
    (arrived,) = [
        pushed
        for pushed in push.delivered_to(device)
        if pushed.payload is not None and pushed.payload["tag"] == reminder.idempotency_key
    ]
    assert arrived.payload is not None
    text = f"{arrived.payload['title']} {arrived.payload['body']}".lower()
    assert arrived.payload["body"].startswith("Reminder from")
    assert not [word for word in HEALTH_WORDS if word in text], text
    assert arrived.payload["tag"] == reminder.idempotency_key

    sign_in(phone_page, "maya")
    phone_page.goto(f"/p/{maya.pk}/reminders/")
    expect(
        phone_page.get_by_role("button", name="Get notifications on this device")
    ).to_be_visible()
    expect(phone_page.get_by_text("Device added")).to_be_visible()
    check_page(phone_page, "reminders-push")

    shown = _payload_reaches_the_worker(phone_page, live_server.url, arrived.payload)
    assert shown == [
        {
            "title": arrived.payload["title"],
            "body": arrived.payload["body"],
            "tag": reminder.idempotency_key,
        }
    ]


def test_without_javascript_the_page_says_what_push_needs(
    browser: Browser, maya: Patient, push: FakePushService, live_server: LiveServer
) -> None:
    contact_row(patient=maya, consent_to=[])
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": PHONE["width"], "height": PHONE["height"]},
        is_mobile=True,
        java_script_enabled=False,
    )
    page = context.new_page()
    try:
        sign_in(page, "maya")
        page.goto(f"/p/{maya.pk}/reminders/")
        expect(page.get_by_text("open this page in a browser that supports them")).to_be_visible()
        expect(page.get_by_role("button", name="Get notifications on this device")).to_be_hidden()
    finally:
        context.close()
