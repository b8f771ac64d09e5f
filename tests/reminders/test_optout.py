"""Opt-out: the suppression list, what lifts it, and the email one-click unsubscribe."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from reminders.models import Channel, Reminder, Suppression
from reminders.selectors import is_suppressed, suppressed_among
from reminders.services.optout import (
    email_unsubscribe,
    permanent_failure_suppress,
    sms_keyword,
    suppression_add,
    suppression_remove,
)
from reminders.unsubscribe import SALT, unsubscribe_token, unsubscribe_url
from tests.reminders.factories import contact_row, due_reminder, fresh_number

pytestmark = pytest.mark.django_db


# The list.


def test_an_address_is_suppressed_once_added() -> None:
    number = fresh_number()

    suppression_add(channel=Channel.SMS, address=number, reason=Suppression.Reason.MANUAL)

    assert is_suppressed(Channel.SMS, number)
    assert not is_suppressed(Channel.EMAIL, number)
    assert not is_suppressed(Channel.SMS, fresh_number())


def test_email_addresses_are_compared_without_case() -> None:
    suppression_add(
        channel=Channel.EMAIL, address=" Parent@Example.org", reason=Suppression.Reason.MANUAL
    )

    assert is_suppressed(Channel.EMAIL, "parent@example.ORG")
    assert Suppression.objects.get().address == "parent@example.org"


def test_a_batch_learns_its_suppressed_addresses_in_one_query(
    django_assert_num_queries: object,
) -> None:
    stopped, fine = fresh_number(), fresh_number()
    suppression_add(channel=Channel.SMS, address=stopped, reason=Suppression.Reason.STOP_KEYWORD)

    with django_assert_num_queries(1):  # type: ignore[operator]
        found = suppressed_among(Channel.SMS, [stopped, fine, ""])

    assert found == {stopped}


def test_suppressing_stops_unsent_reminders_but_not_one_being_sent() -> None:
    contact = contact_row()
    pending = due_reminder(contact)
    claimed = due_reminder(contact, status=Reminder.Status.CLAIMED)
    sending = due_reminder(contact, status=Reminder.Status.SENDING)
    sent = due_reminder(contact, status=Reminder.Status.SENT)

    stopped = suppression_add(
        channel=Channel.SMS, address=contact.phone, reason=Suppression.Reason.STOP_KEYWORD
    )

    statuses = dict(Reminder.objects.values_list("pk", "status"))
    assert stopped == 2
    assert statuses[pending.pk] == statuses[claimed.pk] == Reminder.Status.SUPPRESSED
    assert (statuses[sending.pk], statuses[sent.pk]) == (
        Reminder.Status.SENDING,
        Reminder.Status.SENT,
    )


def test_suppressing_twice_keeps_the_first_reason() -> None:
    number = fresh_number()
    suppression_add(channel=Channel.SMS, address=number, reason=Suppression.Reason.STOP_KEYWORD)

    permanent_failure_suppress(
        channel=Channel.SMS, address=number, code="21610", message="unsubscribed"
    )

    assert Suppression.objects.get().reason == Suppression.Reason.STOP_KEYWORD


def test_a_permanent_failure_suppresses_with_its_code() -> None:
    contact = contact_row()
    later = due_reminder(contact, channel=Channel.EMAIL)

    permanent_failure_suppress(
        channel=Channel.EMAIL, address=contact.email, code="550", message="no such mailbox"
    )

    suppression = Suppression.objects.get()
    assert (suppression.reason, suppression.detail) == ("permanent_failure", "550: no such mailbox")
    later.refresh_from_db()
    assert later.status == Reminder.Status.SUPPRESSED


# Lifting it.


def test_lifting_resumes_only_reminders_that_can_still_go_out_in_time() -> None:
    contact = contact_row()
    now = timezone.now()
    upcoming = due_reminder(contact, due_in=timedelta(hours=1))
    window_over = due_reminder(contact, due_in=timedelta(hours=-3), session_in=timedelta(hours=2))
    suppression_add(
        channel=Channel.SMS, address=contact.phone, reason=Suppression.Reason.STOP_KEYWORD
    )

    resumed = suppression_remove(channel=Channel.SMS, address=contact.phone, now=now)

    statuses = dict(Reminder.objects.values_list("pk", "status"))
    assert resumed == 1
    assert statuses[upcoming.pk] == Reminder.Status.PENDING
    assert statuses[window_over.pk] == Reminder.Status.SUPPRESSED


def test_lifting_leaves_reminders_suppressed_for_other_reasons() -> None:
    contact = contact_row()
    paused = due_reminder(contact, status=Reminder.Status.SUPPRESSED, last_error="contact paused")
    suppression_add(
        channel=Channel.SMS, address=contact.phone, reason=Suppression.Reason.STOP_KEYWORD
    )

    suppression_remove(channel=Channel.SMS, address=contact.phone)

    paused.refresh_from_db()
    assert paused.status == Reminder.Status.SUPPRESSED


def test_start_does_not_lift_a_suppression_staff_made() -> None:
    contact = contact_row()
    reminder = due_reminder(contact)
    suppression_add(channel=Channel.SMS, address=contact.phone, reason=Suppression.Reason.MANUAL)

    resumed = suppression_remove(channel=Channel.SMS, address=contact.phone)

    assert resumed == 0 and is_suppressed(Channel.SMS, contact.phone)
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.SUPPRESSED


# Keywords.


@pytest.mark.parametrize(
    ("body", "keyword"),
    [
        ("STOP", "STOP"),
        (" stop\n", "STOP"),
        ("Stop!", "STOP"),
        ("stopall", "STOPALL"),
        ("Unsubscribe", "UNSUBSCRIBE"),
        ("cancel", "CANCEL"),
        ("end", "END"),
        ("QUIT", "QUIT"),
        ("start", "START"),
        ("Unstop", "UNSTOP"),
        ("help", "HELP"),
        ("please stop", ""),
        ("stopp", ""),
        ("", ""),
        ("Thanks!", ""),
    ],
)
def test_it_reads_a_keyword_only_when_it_is_the_whole_message(body: str, keyword: str) -> None:
    assert sms_keyword(body) == keyword


# Email one-click unsubscribe.


def test_every_reminder_email_link_points_at_the_unsubscribe_page() -> None:
    contact = contact_row()

    assert unsubscribe_url(contact).startswith("http://127.0.0.1:8000/reminders/unsubscribe/")


def test_a_one_click_post_unsubscribes_at_once_without_login_or_csrf() -> None:
    contact = contact_row()
    reminder = due_reminder(contact, channel=Channel.EMAIL)
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        f"/reminders/unsubscribe/{unsubscribe_token(contact)}/",
        {"List-Unsubscribe": "One-Click"},
    )

    assert response.status_code == 200
    assert "No more reminder emails" in response.content.decode()
    suppression = Suppression.objects.get(channel=Channel.EMAIL)
    assert (suppression.address, suppression.reason) == (contact.email, "unsubscribe")
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.SUPPRESSED


def test_a_plain_get_asks_first_and_changes_nothing(client: Client) -> None:
    contact = contact_row(email="maya.okafor@example.org")
    path = f"/reminders/unsubscribe/{unsubscribe_token(contact)}/"

    response = client.get(path)

    page = response.content.decode()
    assert response.status_code == 200
    assert f'<form method="post" action="{path}">' in page and "m•••@example.org" in page
    assert not Suppression.objects.exists()


def test_a_link_scanners_head_request_changes_nothing(client: Client) -> None:
    contact = contact_row()

    response = client.head(f"/reminders/unsubscribe/{unsubscribe_token(contact)}/")

    assert response.status_code == 200
    assert not Suppression.objects.exists()


def test_the_confirmation_page_is_never_cached(client: Client) -> None:
    contact = contact_row()

    response = client.get(f"/reminders/unsubscribe/{unsubscribe_token(contact)}/")

    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_a_forged_link_gets_a_friendly_page_and_changes_nothing(client: Client) -> None:
    forged = signing.dumps({"contact": 1, "email": "victim@example.org"}, salt="another salt")

    response = client.post(f"/reminders/unsubscribe/{forged}/")

    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()
    assert not Suppression.objects.exists()


def test_a_mangled_link_gets_the_same_friendly_page(client: Client) -> None:
    response = client.get("/reminders/unsubscribe/not-a-token/")

    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()


def test_an_old_link_still_unsubscribes_the_address_the_email_went_to() -> None:
    contact = contact_row(email="old@example.org")
    token = unsubscribe_token(contact)
    contact.email = "new@example.org"
    contact.save()

    address = email_unsubscribe(token=token)

    assert address == "old@example.org"
    assert is_suppressed(Channel.EMAIL, "old@example.org")
    assert not is_suppressed(Channel.EMAIL, "new@example.org")


def test_unsubscribing_twice_is_harmless(client: Client) -> None:
    contact = contact_row()
    path = f"/reminders/unsubscribe/{unsubscribe_token(contact)}/"
    client.post(path)

    response = client.post(path)

    assert response.status_code == 200
    assert Suppression.objects.count() == 1


def test_a_token_signed_for_something_else_is_refused() -> None:
    token = signing.dumps({"contact": 1}, salt=SALT)

    assert email_unsubscribe(token=token) is None
    assert not Suppression.objects.exists()
