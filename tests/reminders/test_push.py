"""Push reminders end to end: the outbox plans one row per device, the dispatcher sends it
once through the real pywebpush over HTTP to a local push service (tests/reminders/
fake_push.py) that checks VAPID and decrypts the payload with the device's own key; the
same quiet hours, pause, consent and suppression rules as texts; 404 and 410 remove the
device; 429 and 5xx are tried again."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client, override_settings

from programs.models import Patient, Program
from reminders.channels import PermanentFailure, TemporaryFailure, backend_for
from reminders.channels.memory import MemorySms
from reminders.channels.webpush import VapidKeys
from reminders.messages import render
from reminders.models import Channel, Consent, Contact, PushSubscription, Reminder, Suppression
from reminders.services import (
    consent_withdraw,
    contact_preferences_update,
    outbox_sync_program,
    push_subscribe,
    push_unsubscribe,
    verification_start,
)
from reminders.services.optout import suppression_add
from tests.programs.factories import active_program
from tests.programs.factories import guardian as make_guardian
from tests.programs.factories import patient as make_patient
from tests.reminders.factories import contact_row, due_reminder, pending, ready_contact
from tests.reminders.fake_push import HEALTH_WORDS, FakePushService, b64url_decode

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock", "memory_sms")]

Status = Reminder.Status

# Thursday 5 March 2026, 15:00 in New York (EST, UTC-5).
NOW = datetime(2026, 3, 5, 20, 0, tzinfo=UTC)


def push_contact(**fields: Any) -> Contact:
    """A patient's own contact (the patient has an account) with consent to push only."""
    child = make_patient(with_user=True, first_name="Maya")
    return contact_row(patient=child, consent_to=[Channel.PUSH], **fields)


def push_reminder(subscription: PushSubscription, **options: Any) -> Reminder:
    """A push session reminder to the device, due now, its session an hour later (4 PM)."""
    options.setdefault("due_at", NOW)
    return due_reminder(
        subscription.contact,
        channel=Channel.PUSH,
        push_subscription=subscription,
        **options,
    )


# -- The channel on its own ------------------------------------------------------------------


def test_a_due_push_reminder_arrives_once_and_says_nothing_of_health(
    push: FakePushService, dispatch: Callable[[], None]
) -> None:
    device, subscription = push.subscribe(push_contact())
    reminder = push_reminder(subscription)

    dispatch()
    dispatch()

    (arrived,) = push.delivered_to(device)
    assert arrived.payload is not None
    body = arrived.payload["body"]
    assert body == "Reminder from gradus: your session is today at 4 PM."
    assert not HEALTH_WORDS.search(body) and not HEALTH_WORDS.search(arrived.payload["title"])
    assert arrived.payload["tag"] == reminder.idempotency_key
    assert arrived.payload["url"] == f"/p/{subscription.contact.patient_id}/today/"
    assert arrived.headers["content-encoding"] == "aes128gcm"
    # Kept by the push service no longer than until the session starts (an hour).
    assert arrived.ttl is not None and 0 < int(arrived.ttl) <= 3600
    reminder.refresh_from_db()
    subscription.refresh_from_db()
    assert reminder.status == Status.SENT and reminder.attempts == 1
    assert reminder.provider_message_id
    assert subscription.last_success_at is not None


def test_the_fake_service_refuses_a_message_signed_with_another_key(
    push: FakePushService,
) -> None:
    device, subscription = push.subscribe(push_contact())
    reminder = push_reminder(subscription)
    other = FakePushService()
    with other.settings(), pytest.raises(TemporaryFailure) as failure:
        backend_for(Channel.PUSH).send(render(reminder))

    assert failure.value.code == "403"
    assert push.pushes[0].problem == "the key is not the one the subscription was made with"
    assert push.delivered_to(device) == []


def test_a_guardian_is_told_of_the_child_by_first_name_only(
    push: FakePushService, dispatch: Callable[[], None]
) -> None:
    child = make_patient(with_user=True, first_name="Maya", last_name="Lopez")
    mum = make_guardian(patient=child)
    contact = contact_row(patient=child, guardian=mum, consent_to=[Channel.PUSH])
    device, subscription = push.subscribe(contact)
    push_reminder(subscription)

    dispatch()

    (arrived,) = push.delivered_to(device)
    assert arrived.payload is not None
    assert arrived.payload["body"] == "Reminder from gradus: Maya's session is today at 4 PM."
    assert "Lopez" not in arrived.payload["body"]


@pytest.mark.parametrize("gone", [410, 404])
def test_a_device_the_push_service_no_longer_knows_is_removed_and_not_retried(
    push: FakePushService, dispatch: Callable[[], None], gone: int
) -> None:
    device, subscription = push.subscribe(push_contact())
    reminder = push_reminder(subscription)
    if gone == 410:
        push.forget(device)
    else:
        push.answer_next(device, 404)

    dispatch()
    dispatch()

    reminder.refresh_from_db()
    assert reminder.status == Status.FAILED and reminder.attempts == 1
    assert reminder.last_error.startswith(f"{gone}:")
    assert not PushSubscription.objects.filter(pk=subscription.pk).exists()
    assert len(push.pushes) == 1 and push.delivered == []
    # Removed, not suppressed: the browser may subscribe again.
    assert not Suppression.objects.filter(channel=Channel.PUSH).exists()


@pytest.mark.parametrize("busy", [429, 500, 503])
def test_a_busy_push_service_is_tried_again_later_and_the_reminder_arrives_once(
    push: FakePushService, dispatch: Callable[[], None], busy: int
) -> None:
    device, subscription = push.subscribe(push_contact())
    reminder = push_reminder(subscription)
    push.answer_next(device, busy)

    dispatch()

    reminder.refresh_from_db()
    assert reminder.status == Status.PENDING and reminder.last_error.startswith(str(busy))
    assert reminder.due_at == NOW + timedelta(seconds=60)
    with time_machine.travel(NOW + timedelta(minutes=2), tick=False):
        dispatch()
        dispatch()

    assert len(push.delivered_to(device)) == 1
    reminder.refresh_from_db()
    assert reminder.status == Status.SENT and reminder.attempts == 2
    assert PushSubscription.objects.filter(pk=subscription.pk).exists()


def test_a_push_service_that_cannot_be_reached_is_tried_again(push: FakePushService) -> None:
    _device, subscription = push.subscribe(push_contact())
    message = render(push_reminder(subscription))
    closed = replace(message, to="http://127.0.0.1:9/push/x")  # the discard port: no one there

    with pytest.raises(TemporaryFailure) as failure:
        backend_for(Channel.PUSH).send(closed)

    assert failure.value.code == "unreachable"


def test_a_subscription_with_keys_that_are_not_keys_fails_permanently(
    push: FakePushService,
) -> None:
    _device, subscription = push.subscribe(push_contact())
    message = render(push_reminder(subscription))
    broken = replace(message, keys={"p256dh": "AAAA", "auth": "AAAA"})

    with pytest.raises(PermanentFailure):
        backend_for(Channel.PUSH).send(broken)


# -- The same rules as texts -----------------------------------------------------------------


def test_no_push_goes_out_in_the_contacts_quiet_hours(
    push: FakePushService, dispatch: Callable[[], None]
) -> None:
    # 15:00 in New York: inside quiet hours of 14:00 to 16:00.
    _device, subscription = push.subscribe(push_contact(quiet_start=time(14), quiet_end=time(16)))
    reminder = push_reminder(subscription)

    dispatch()

    reminder.refresh_from_db()
    assert reminder.status == Status.EXPIRED and "quiet hours" in reminder.last_error
    assert push.pushes == []


def test_no_push_goes_to_a_contact_who_paused_reminders(
    push: FakePushService, dispatch: Callable[[], None]
) -> None:
    contact = push_contact()
    _device, subscription = push.subscribe(contact)
    reminder = push_reminder(subscription)
    Contact.objects.filter(pk=contact.pk).update(paused=True)

    dispatch()

    reminder.refresh_from_db()
    assert reminder.status == Status.CANCELLED and "paused" in reminder.last_error
    assert push.pushes == []


def test_no_push_goes_to_a_suppressed_endpoint(
    push: FakePushService, dispatch: Callable[[], None]
) -> None:
    device, subscription = push.subscribe(push_contact())
    reminder = push_reminder(subscription)
    Suppression.objects.create(
        channel=Channel.PUSH, address=device.endpoint, reason=Suppression.Reason.MANUAL
    )

    dispatch()

    reminder.refresh_from_db()
    assert reminder.status == Status.SUPPRESSED
    assert push.pushes == []


def test_suppressing_an_endpoint_stops_that_devices_reminders_only(
    push: FakePushService,
) -> None:
    contact = push_contact()
    phone, phone_row = push.subscribe(contact)
    _laptop, laptop_row = push.subscribe(contact)
    to_phone = push_reminder(phone_row)
    to_laptop = push_reminder(laptop_row)
    by_text = due_reminder(contact)

    stopped = suppression_add(
        channel=Channel.PUSH, address=phone.endpoint, reason=Suppression.Reason.MANUAL
    )

    assert stopped == 1
    statuses = dict(Reminder.objects.values_list("id", "status"))
    assert statuses == {
        to_phone.id: Status.SUPPRESSED,
        to_laptop.id: Status.PENDING,
        by_text.id: Status.PENDING,
    }


def test_a_device_needs_no_verifying_and_cannot_be_sent_a_code(push: FakePushService) -> None:
    contact = push_contact()

    with pytest.raises(ValidationError) as refused:
        verification_start(contact=contact, channel=Channel.PUSH)

    assert "channel" in refused.value.message_dict


def test_no_push_goes_out_once_consent_is_withdrawn(
    push: FakePushService, dispatch: Callable[[], None]
) -> None:
    contact = push_contact()
    _device, subscription = push.subscribe(contact)
    reminder = push_reminder(subscription)
    consent_withdraw(contact=contact, channel=Channel.PUSH)

    dispatch()

    reminder.refresh_from_db()
    assert reminder.status in {Status.CANCELLED}
    assert push.pushes == []


def test_a_device_turned_off_before_its_reminder_gets_nothing(
    push: FakePushService, dispatch: Callable[[], None]
) -> None:
    contact = push_contact()
    _device, subscription = push.subscribe(contact)
    reminder = push_reminder(subscription)
    assert push_unsubscribe(contact=contact, subscription_id=subscription.pk)

    dispatch()

    reminder.refresh_from_db()
    assert reminder.status == Status.CANCELLED and reminder.push_subscription is None
    assert push.pushes == []


# -- The outbox plans push per device ----------------------------------------------------------


@pytest.fixture
def child() -> Patient:
    return make_patient(with_user=True, first_name="Maya", time_zone="America/New_York")


@pytest.fixture
def program(child: Patient) -> Program:
    """Walking every day from today, sessions at 16:30 local."""
    return active_program(patient=child)


def test_the_outbox_plans_one_push_reminder_per_device_and_lead(
    push: FakePushService, child: Patient, program: Program
) -> None:
    contact = ready_contact(patient=child, channels=[Channel.EMAIL])
    phone, _phone_row = push.subscribe(contact)
    laptop, _laptop_row = push.subscribe(contact)

    outbox_sync_program(program.id)

    rows = pending(program, channel=Channel.PUSH)
    email_rows = pending(program, channel=Channel.EMAIL)
    assert rows.count() == 2 * email_rows.count() > 0
    assert {row.address for row in rows} == {phone.endpoint, laptop.endpoint}
    consent = Consent.objects.get(contact=contact, channel=Channel.PUSH)
    assert consent.method == Consent.Method.WEB_FORM and consent.withdrawn_at is None
    # Again: nothing new.
    outbox_sync_program(program.id)
    assert pending(program, channel=Channel.PUSH).count() == rows.count()


def test_quiet_hours_move_a_push_reminder_as_they_move_a_text(
    push: FakePushService, child: Patient, program: Program
) -> None:
    contact = ready_contact(
        patient=child,
        channels=[Channel.SMS],
        lead_times=[{"kind": "evening_before", "at": "21:00"}],
        quiet_start="20:00",
        quiet_end="09:00",
    )
    push.subscribe(contact)

    outbox_sync_program(program.id)

    texts = {row.session_date: row.local_time for row in pending(program, channel=Channel.SMS)}
    pushes = {row.session_date: row.local_time for row in pending(program, channel=Channel.PUSH)}
    assert pushes == texts and set(pushes.values()) == {time(9, 0)}


def test_turning_a_device_off_or_pausing_cancels_its_planned_reminders(
    push: FakePushService, child: Patient, program: Program
) -> None:
    contact = ready_contact(patient=child, channels=[Channel.EMAIL])
    _phone, phone_row = push.subscribe(contact)
    _laptop, laptop_row = push.subscribe(contact)
    outbox_sync_program(program.id)

    push_unsubscribe(contact=contact, subscription_id=phone_row.pk)
    outbox_sync_program(program.id)
    assert {row.push_subscription_id for row in pending(program, channel=Channel.PUSH)} == {
        laptop_row.pk
    }

    contact_preferences_update(contact=contact, paused=True)
    outbox_sync_program(program.id)
    assert not pending(program).exists()


# -- Subscribing -------------------------------------------------------------------------------


def test_a_subscription_is_checked_before_it_is_kept(push: FakePushService) -> None:
    contact = push_contact()
    device = push.device()
    user = contact.patient.user
    assert user is not None
    good = {"endpoint": device.endpoint, "p256dh": device.p256dh, "auth": device.auth}
    for field, value in (
        ("endpoint", "http://example.org/push/1"),  # http to another machine
        ("endpoint", "ftp://127.0.0.1/push/1"),
        ("endpoint", ""),
        ("p256dh", "not-a-key"),
        ("auth", device.p256dh),
    ):
        with pytest.raises(ValidationError) as refused:
            push_subscribe(contact=contact, user=user, **{**good, field: value})
        assert field in refused.value.message_dict
    assert not PushSubscription.objects.exists()


def test_the_same_browser_subscribing_again_keeps_one_subscription(push: FakePushService) -> None:
    contact = push_contact()
    device, first = push.subscribe(contact)
    user = contact.patient.user
    assert user is not None
    again = push_subscribe(
        contact=contact, endpoint=device.endpoint, p256dh=device.p256dh, auth=device.auth, user=user
    )

    assert again.pk == first.pk and PushSubscription.objects.count() == 1
    assert Consent.objects.filter(contact=contact, channel=Channel.PUSH).count() == 1


def test_memory_sms_is_untouched_by_push(
    push: FakePushService, dispatch: Callable[[], None]
) -> None:
    device, subscription = push.subscribe(push_contact())
    push_reminder(subscription)

    dispatch()

    assert MemorySms.sent == [] and len(push.delivered_to(device)) == 1


# -- The settings page ---------------------------------------------------------------------------


def _signed_in(client: Client) -> Contact:
    contact = push_contact()
    assert contact.patient.user is not None
    client.force_login(contact.patient.user)
    return contact


def _push_url(contact: Contact, tail: str = "") -> str:
    return f"/p/{contact.patient_id}/reminders/{contact.pk}/push/{tail}"


def test_the_settings_page_offers_push_with_the_public_key(
    push: FakePushService, client: Client
) -> None:
    contact = _signed_in(client)

    body = client.get(f"/p/{contact.patient_id}/reminders/").content.decode()

    assert f'data-key="{push.keys.public_key}"' in body
    assert f'data-url="{_push_url(contact)}"' in body
    assert "web/push.js" in body and "Get notifications on this device" in body
    assert "No device gets notifications yet." in body


def test_a_browser_subscribes_and_turns_it_off_again(push: FakePushService, client: Client) -> None:
    contact = _signed_in(client)
    device = push.device()

    answer = client.post(_push_url(contact), device.as_json(), content_type="application/json")

    assert answer.status_code == 201
    subscription = PushSubscription.objects.get(contact=contact)
    assert subscription.endpoint == device.endpoint and subscription.auth == device.auth
    page = client.get(f"/p/{contact.patient_id}/reminders/").content.decode()
    assert "Notifications are on for this device." in page and "Device added" in page

    removed = client.post(_push_url(contact, f"{subscription.pk}/remove/"), follow=True)

    assert removed.status_code == 200
    assert "Notifications are off for that device." in removed.content.decode()
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ("not json", "subscription"),
        ({"endpoint": "https://push.example.org/1"}, "subscription"),
        (
            {"endpoint": "https://push.example.org/1", "keys": {"p256dh": "x", "auth": "y"}},
            "p256dh",
        ),
        ({"endpoint": "http://example.org/1", "keys": {}}, "endpoint"),
    ],
)
def test_a_bad_subscription_is_refused_naming_the_field(
    push: FakePushService, client: Client, data: Any, field: str
) -> None:
    contact = _signed_in(client)

    answer = client.post(_push_url(contact), data, content_type="application/json")

    assert answer.status_code == 400
    assert field in answer.json()["errors"]
    assert not PushSubscription.objects.exists()


def test_nobody_subscribes_for_someone_elses_contact(push: FakePushService, client: Client) -> None:
    contact = _signed_in(client)
    other = push_contact()
    device = push.device()

    answer = client.post(_push_url(other), device.as_json(), content_type="application/json")
    assert answer.status_code == 404
    _device, theirs = push.subscribe(other)
    removed = client.post(_push_url(contact, f"{theirs.pk}/remove/"))
    assert removed.status_code == 404
    assert PushSubscription.objects.filter(pk=theirs.pk).exists()


# -- Keys ------------------------------------------------------------------------------------


def test_make_run_writes_a_development_key_pair_once(tmp_path: Path) -> None:
    keys_file = tmp_path / "var" / "webpush-vapid.json"
    with override_settings(
        WEBPUSH_DEV_KEYS_FILE=keys_file, WEBPUSH_VAPID_PRIVATE_KEY="", WEBPUSH_VAPID_PUBLIC_KEY=""
    ):
        call_command("webpush_dev_keys", stdout=StringIO())
        first = json.loads(keys_file.read_text())
        call_command("webpush_dev_keys", stdout=StringIO())

    assert json.loads(keys_file.read_text()) == first
    assert keys_file.stat().st_mode & 0o077 == 0
    assert len(b64url_decode(first["public_key"])) == 65
    assert len(b64url_decode(first["private_key"])) == 32


def test_keys_from_the_environment_are_left_alone(tmp_path: Path) -> None:
    keys_file = tmp_path / "webpush-vapid.json"
    keys = VapidKeys.generate()
    with override_settings(
        WEBPUSH_DEV_KEYS_FILE=keys_file,
        WEBPUSH_VAPID_PRIVATE_KEY=keys.private_key,
        WEBPUSH_VAPID_PUBLIC_KEY=keys.public_key,
    ):
        call_command("webpush_dev_keys", stdout=StringIO())

    assert not keys_file.exists()


def test_the_development_key_pair_is_never_committed() -> None:
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "var/webpush-vapid.json"],
        cwd=settings.BASE_DIR,
        check=False,
    )
    assert ignored.returncode == 0
