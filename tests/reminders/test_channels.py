"""The channels behind the one interface: email through Django's backends, and which SMS
backend a setting picks."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Sequence
from typing import Any

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.test import Client

from reminders.channels import (
    OutgoingMessage,
    PermanentFailure,
    TemporaryFailure,
    backend_for,
)
from reminders.channels.console import ConsoleSms
from reminders.channels.email import EmailChannel
from reminders.channels.memory import MemorySms
from reminders.channels.twilio import TwilioSms
from reminders.messages import render
from reminders.models import Channel, Suppression
from tests.reminders.factories import contact_row, due_reminder, outgoing_message

BACKEND = "tests.reminders.test_channels.{}"


class _Refusing(BaseEmailBackend):
    code = 550

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        raise smtplib.SMTPRecipientsRefused(
            {"parent@example.org": (self.code, b"5.1.1 No such user")}
        )


class RefusingRecipient(_Refusing):
    code = 550


class MailboxFull(_Refusing):
    code = 552


class GreyListing(_Refusing):
    code = 450


class ServerDown(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        raise ConnectionRefusedError(111, "Connection refused")


class SenderRefused(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        raise smtplib.SMTPSenderRefused(553, b"5.7.1 Sender not allowed", "reminders@localhost")


# Email.


def test_it_sends_an_email_through_djangos_backend() -> None:
    result = backend_for("email").send(outgoing_message("email"))

    (sent,) = mail.outbox
    assert (sent.to, sent.subject) == (["parent@example.org"], "Reminder from Riverside")
    assert sent.extra_headers["Message-ID"] == result.provider_message_id
    assert "s:1:2026-05-04:7:email:60m" in result.provider_message_id


def test_an_email_asks_for_no_auto_replies() -> None:
    backend_for("email").send(outgoing_message("email"))

    assert mail.outbox[0].message()["Auto-Submitted"] == "auto-generated"


@pytest.mark.django_db
def test_a_reminder_email_carries_one_click_unsubscribe_to_the_wire() -> None:
    reminder = due_reminder(contact_row(), channel=Channel.EMAIL)

    EmailChannel().send(render(reminder))

    sent = mail.outbox[0].message()
    assert sent["List-Unsubscribe"].startswith("<http://127.0.0.1:8000/reminders/unsubscribe/")
    assert sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


@pytest.mark.django_db
def test_the_unsubscribe_header_link_unsubscribes_with_one_post() -> None:
    contact = contact_row()
    EmailChannel().send(render(due_reminder(contact, channel=Channel.EMAIL)))
    link = mail.outbox[0].message()["List-Unsubscribe"].strip("<>")

    response = Client(enforce_csrf_checks=True).post(
        link.removeprefix("http://127.0.0.1:8000"),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert Suppression.objects.get().address == contact.email


def test_a_recipient_refused_for_good_is_a_permanent_failure(settings: Any) -> None:
    settings.EMAIL_BACKEND = BACKEND.format("RefusingRecipient")

    with pytest.raises(PermanentFailure) as failure:
        backend_for("email").send(outgoing_message("email"))

    assert failure.value.code == "550"


@pytest.mark.parametrize(("backend", "code"), [("MailboxFull", "552"), ("GreyListing", "450")])
def test_a_recipient_refused_for_now_is_a_temporary_failure(
    settings: Any, backend: str, code: str
) -> None:
    settings.EMAIL_BACKEND = BACKEND.format(backend)

    with pytest.raises(TemporaryFailure) as failure:
        backend_for("email").send(outgoing_message("email"))

    assert failure.value.code == code


@pytest.mark.parametrize("backend", ["ServerDown", "SenderRefused"])
def test_a_server_down_or_refusing_us_is_temporary_never_the_address(
    settings: Any, backend: str
) -> None:
    settings.EMAIL_BACKEND = BACKEND.format(backend)

    with pytest.raises(TemporaryFailure) as failure:
        backend_for("email").send(outgoing_message("email"))

    assert not isinstance(failure.value, PermanentFailure)


# Which backend.


@pytest.mark.parametrize(
    ("name", "backend"), [("console", ConsoleSms), ("memory", MemorySms), ("twilio", TwilioSms)]
)
def test_the_setting_picks_the_sms_backend(settings: Any, name: str, backend: type) -> None:
    settings.REMINDERS_SMS_BACKEND = name

    assert isinstance(backend_for("sms"), backend)


def test_email_always_goes_through_djangos_backends() -> None:
    assert isinstance(backend_for("email"), EmailChannel)


def test_there_is_no_third_channel() -> None:
    with pytest.raises(ValueError, match="no channel called 'fax'"):
        backend_for("fax")


def test_the_console_prints_a_text_for_development() -> None:
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep(level=logging.INFO)
    logger = logging.getLogger("reminders.sms")
    logger.addHandler(handler)
    try:
        result = ConsoleSms().send(
            OutgoingMessage(channel="sms", to="+14155550123", body="Hi", idempotency_key="k")
        )
    finally:
        logger.removeHandler(handler)

    assert result.provider_message_id.startswith("SMconsole")
    assert [record.getMessage() for record in records] == ["SMS to +14155550123: Hi"]
