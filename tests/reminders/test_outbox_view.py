"""The staff's view of the outbox: `manage.py outbox` and the admin's reminder pages."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from programs.models import AuditEvent, User
from reminders.models import Channel, Consent, InboundMessage, Reminder, Suppression
from reminders.outbox_view import duration, outbox_summary
from tests.programs.factories import UserFactory, patient
from tests.reminders.factories import contact_row, reminder_row

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]

NOW = datetime(2025, 5, 14, 15, 0, tzinfo=UTC)
Status = Reminder.Status


def row(status: str = Status.PENDING, **options: Any) -> Reminder:
    """A saved session reminder in ``status``, to no contact unless given one (see
    ``reminder_row``: due a minute ago, its window an hour)."""
    return reminder_row(options.pop("contact", None), status=status, save=True, **options)


def a_busy_outbox() -> None:
    row(due_in=timedelta(hours=2))  # pending, later today
    row(due_in=timedelta(seconds=-10))  # due now
    row(due_in=timedelta(minutes=-7))  # due now, and late
    row(due_in=timedelta(hours=-3), grace=timedelta(hours=1))  # late, past its grace
    row(Status.CLAIMED, due_in=timedelta(minutes=-5))  # claimed, late
    row(Status.SENT, due_in=timedelta(hours=-1))
    row(Status.FAILED, due_in=timedelta(hours=-2))
    row(Status.FAILED, due_in=timedelta(days=-3))  # failed, but long ago
    row(Status.EXPIRED, due_in=timedelta(hours=-5))


def test_it_counts_pending_due_late_failed_and_expired() -> None:
    a_busy_outbox()

    summary = outbox_summary()

    assert (summary.pending, summary.due_now, summary.late) == (4, 2, 3)
    assert (summary.failed, summary.expired) == (1, 1)
    assert summary.oldest_due_age == timedelta(hours=3)


def test_an_empty_outbox_has_no_oldest_due_reminder() -> None:
    row(due_in=timedelta(hours=1))

    summary = outbox_summary()

    assert (summary.pending, summary.due_now, summary.late) == (1, 0, 0)
    assert summary.oldest_due_age is None


def test_it_counts_in_one_query() -> None:
    a_busy_outbox()

    with CaptureQueriesContext(connection) as queries:
        outbox_summary()

    assert len(queries) == 1


def test_the_command_prints_the_counts_and_the_oldest_age() -> None:
    a_busy_outbox()
    out = StringIO()

    call_command("outbox", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0] == "Outbox at 2025-05-14 15:00:00 UTC"
    assert lines[1].split()[:2] == ["pending", "4"]
    assert lines[2].split()[:3] == ["due", "now", "2"]
    assert lines[3].split()[:2] == ["late", "3"]
    assert lines[6].split()[:4] == ["oldest", "due", "3", "h"]


def test_the_command_speaks_json_for_a_monitor() -> None:
    a_busy_outbox()
    out = StringIO()

    call_command("outbox", "--json", "--hours", "100", stdout=out)

    data = json.loads(out.getvalue())
    assert data["pending"] == 4 and data["failed"] == 2 and data["expired"] == 1
    assert data["oldest_due_age_seconds"] == 3 * 3600


def test_the_command_fails_a_check_when_a_reminder_is_late() -> None:
    row(due_in=timedelta(minutes=-10))

    with pytest.raises(CommandError, match="1 reminder"):
        call_command("outbox", "--check", stdout=StringIO())


def test_the_command_passes_a_check_when_nothing_is_late() -> None:
    row(due_in=timedelta(seconds=-5))
    out = StringIO()

    call_command("outbox", "--check", stdout=out)

    assert "late" in out.getvalue()


@pytest.mark.parametrize(
    ("age", "shown"),
    [
        (timedelta(0), "0 s"),
        (timedelta(seconds=250), "4 min 10 s"),
        (timedelta(hours=24), "1 d"),
        (timedelta(days=3, hours=4, seconds=5), "3 d 4 h"),
        (None, "-"),
    ],
)
def test_ages_read_at_a_glance(age: timedelta | None, shown: str) -> None:
    assert duration(age) == shown


# -- The admin ----------------------------------------------------------------------------


@pytest.fixture
def operator(client: Client) -> User:
    user = UserFactory.create(is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def test_the_reminder_list_opens_with_the_outbox_summary(client: Client, operator: User) -> None:
    a_busy_outbox()

    response = client.get("/admin/reminders/reminder/")

    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="outbox-summary"' in body
    assert '<th scope="row">late</th><td>3</td>' in body


def test_the_reminder_list_filters_by_status_kind_channel_and_due_state(
    client: Client, operator: User
) -> None:
    a_busy_outbox()
    row(kind=Reminder.Kind.ALERT_DIGEST, channel=Channel.EMAIL, due_in=timedelta(hours=1))

    failed = client.get("/admin/reminders/reminder/", {"status__exact": "failed"})
    digests = client.get(
        "/admin/reminders/reminder/", {"kind__exact": "alert_digest", "channel__exact": "email"}
    )
    late = client.get("/admin/reminders/reminder/", {"due": "late"})

    assert failed.context["cl"].result_count == 2
    assert digests.context["cl"].result_count == 1
    assert late.context["cl"].result_count == 3


def test_the_outbox_is_read_only(client: Client, operator: User) -> None:
    reminder = row()

    added = client.get("/admin/reminders/reminder/add/")
    shown = client.get(f"/admin/reminders/reminder/{reminder.id}/change/")
    deleted = client.post(f"/admin/reminders/reminder/{reminder.id}/delete/", {"post": "yes"})

    assert added.status_code == 403
    assert shown.status_code == 200 and b'name="_save"' not in shown.content
    assert deleted.status_code == 403
    assert Reminder.objects.filter(id=reminder.id).exists()


def test_the_reminder_list_costs_the_same_queries_for_more_rows(
    client: Client, operator: User, django_assert_max_num_queries: Any
) -> None:
    child = patient()
    contact = contact_row(patient=child, name="Maya", consent_to=())
    for _ in range(30):
        row(contact=contact)

    with django_assert_max_num_queries(12):
        response = client.get("/admin/reminders/reminder/")

    assert response.status_code == 200


def test_opening_a_contact_is_audited(client: Client, operator: User) -> None:
    child = patient()
    contact = contact_row(patient=child, name="Maya", consent_to=())
    Consent.objects.create(
        contact=contact,
        channel=Channel.SMS,
        given_by="Maya",
        relationship="self",
        method=Consent.Method.PAPER,
        wording="Text me.",
        given_at=NOW,
    )

    response = client.get(f"/admin/reminders/contact/{contact.id}/change/")

    assert response.status_code == 200 and b"Signed on paper" in response.content
    assert AuditEvent.objects.filter(patient=child, actor=operator, action="read").count() == 1


def test_an_operator_adds_a_manual_suppression_with_a_normalised_number(
    client: Client, operator: User
) -> None:
    response = client.post(
        "/admin/reminders/suppression/add/",
        {"channel": "sms", "address": "(617) 555-0123", "detail": "Asked by phone."},
    )

    suppression = Suppression.objects.get()
    assert response.status_code == 302
    assert (suppression.address, suppression.reason) == ("+16175550123", "manual")


def test_a_stop_cannot_be_lifted_from_the_admin(client: Client, operator: User) -> None:
    stop = Suppression.objects.create(
        channel=Channel.SMS, address="+16175550123", reason=Suppression.Reason.STOP_KEYWORD
    )

    response = client.post(f"/admin/reminders/suppression/{stop.id}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert Suppression.objects.filter(id=stop.id).exists()


def test_received_text_messages_are_listed_read_only(client: Client, operator: User) -> None:
    InboundMessage.objects.create(
        from_number="+16175550123", body="STOP", keyword="STOP", provider_message_id="SM1"
    )

    listed = client.get("/admin/reminders/inboundmessage/")
    added = client.get("/admin/reminders/inboundmessage/add/")

    assert listed.status_code == 200 and b"+16175550123" in listed.content
    assert added.status_code == 403
