"""The email channel over real SMTP (aiosmtpd on a local port), and what the dispatcher makes of
a connection that breaks at each step: before DATA it is safe to send again, after DATA the
message may be delivered and is never sent again, after the server's 250 it is sent."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from reminders.channels import PermanentFailure, TemporaryFailure, backend_for
from reminders.models import Channel, Reminder, Suppression
from reminders.services.dispatch import reminders_claim_due, reminders_send
from tests.reminders.factories import contact_row, due_reminder, outgoing_message
from tests.reminders.fake_smtp import (
    DROP_AFTER_250,
    DROP_AFTER_DATA,
    DROP_BEFORE_DATA,
    SmtpServer,
)

Status = Reminder.Status


def send_due(reminder: Reminder) -> dict[str, int]:
    """Claim what is due and send it in this process, as a worker would."""
    ids = reminders_claim_due(limit=10)
    assert reminder.id in ids
    return dict(reminders_send(reminder_ids=ids).outcomes)


def status_of(reminder: Reminder) -> Reminder:
    reminder.refresh_from_db()
    return reminder


def test_it_sends_each_message_once_over_one_connection(smtp: SmtpServer) -> None:
    channel = backend_for("email")
    channel.prepare()

    channel.send(outgoing_message("email", idempotency_key="first"))
    channel.send(outgoing_message("email", idempotency_key="second"))
    channel.close()

    assert smtp.delivered_per_key() == {"first": 1, "second": 1}
    assert [message.rcpt_tos for message in smtp.received] == [("parent@example.org",)] * 2


def test_a_connection_cut_before_data_is_tried_again_at_once_on_a_new_one(
    smtp: SmtpServer,
) -> None:
    smtp.break_next(DROP_BEFORE_DATA)

    backend_for("email").send(outgoing_message("email"))

    assert smtp.delivered_per_key() == {"s:1:2026-05-04:7:email:60m": 1}


def test_a_connection_cut_before_data_twice_fails_as_safe_to_send_again(
    smtp: SmtpServer,
) -> None:
    smtp.break_next(DROP_BEFORE_DATA, times=2)

    with pytest.raises(TemporaryFailure) as failure:
        backend_for("email").send(outgoing_message("email"))

    assert failure.value.code == "smtp"
    assert "nothing was handed over" in failure.value.message
    assert smtp.received == []


def test_a_connection_cut_after_data_says_it_may_have_been_delivered(smtp: SmtpServer) -> None:
    smtp.break_next(DROP_AFTER_DATA)

    with pytest.raises(TemporaryFailure) as failure:
        backend_for("email").send(outgoing_message("email"))

    assert failure.value.code == "connection_lost"
    assert "may have been delivered" in failure.value.message
    assert len(smtp.received) == 1


def test_a_mail_server_that_does_not_answer_fails_before_anything_is_sent(
    closed_port: int,
) -> None:
    with (
        override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=closed_port,
            EMAIL_USE_TLS=False,
            EMAIL_TIMEOUT=2,
        ),
        pytest.raises(TemporaryFailure) as failure,
    ):
        backend_for("email").send(outgoing_message("email"))

    assert failure.value.code == "smtp"
    assert "could not reach the mail server" in failure.value.message


def test_a_recipient_the_server_calls_unknown_fails_permanently(smtp: SmtpServer) -> None:
    smtp.break_next("550 5.1.1 No such user")

    with pytest.raises(PermanentFailure) as failure:
        backend_for("email").send(outgoing_message("email"))

    assert failure.value.code == "550"
    assert smtp.received == []


@pytest.mark.django_db
class TestDispatch:
    def test_an_email_cut_before_data_is_sent_again_later_and_arrives_once(
        self, smtp: SmtpServer
    ) -> None:
        reminder = due_reminder(channel=Channel.EMAIL)
        smtp.break_next(DROP_BEFORE_DATA, times=2)

        first = send_due(reminder)
        with time_machine.travel(timezone.now() + timedelta(minutes=2)):
            second = send_due(reminder)

        assert (first, second) == ({"retry": 1}, {Status.SENT: 1})
        assert status_of(reminder).attempts == 2
        assert smtp.delivered_per_key() == {reminder.idempotency_key[:40]: 1}

    def test_an_email_cut_after_data_is_marked_unknown_and_never_sent_again(
        self, smtp: SmtpServer
    ) -> None:
        reminder = due_reminder(channel=Channel.EMAIL)
        smtp.break_next(DROP_AFTER_DATA)

        outcome = send_due(reminder)

        row = status_of(reminder)
        assert (outcome, row.status) == ({Status.UNKNOWN: 1}, Status.UNKNOWN)
        assert "may have been delivered" in row.last_error
        assert reminders_claim_due(limit=10) == []
        assert smtp.delivered_per_key() == {reminder.idempotency_key[:40]: 1}

    def test_an_email_the_server_accepted_is_sent_whatever_the_connection_does_next(
        self, smtp: SmtpServer
    ) -> None:
        """The 250 is the server's word that it has the message: recorded at once, and the
        next message on the dropped connection goes out on a new one."""
        contact = contact_row()
        accepted = due_reminder(contact, channel=Channel.EMAIL)
        next_one = due_reminder(contact, channel=Channel.EMAIL, due_in=timedelta(minutes=-2))
        smtp.break_for(contact.email, DROP_AFTER_250)

        outcome = reminders_send(reminder_ids=reminders_claim_due(limit=10))

        assert dict(outcome.outcomes) == {Status.SENT: 2}
        assert status_of(accepted).status == status_of(next_one).status == Status.SENT
        assert smtp.delivered_per_key() == {
            accepted.idempotency_key[:40]: 1,
            next_one.idempotency_key[:40]: 1,
        }

    def test_a_refused_recipient_suppresses_the_address(self, smtp: SmtpServer) -> None:
        reminder = due_reminder(channel=Channel.EMAIL)
        address = reminder.contact.email  # type: ignore[union-attr]
        smtp.break_for(address, "550 5.1.1 No such user")

        send_due(reminder)

        assert status_of(reminder).status == Status.FAILED
        assert Suppression.objects.filter(channel=Channel.EMAIL, address=address).exists()
        assert smtp.received == []
