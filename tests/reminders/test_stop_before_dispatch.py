"""A STOP reply takes effect before the next dispatch: nothing more is texted to that number."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from reminders.channels.memory import MemorySms
from reminders.models import Reminder
from reminders.services.dispatch import reminders_dispatch, reminders_send
from tests.reminders.factories import contact_row, due_reminder
from tests.reminders.fake_twilio import AUTH_TOKEN
from tests.reminders.test_webhooks import INBOUND, signed_post, text_from

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _signed_texts_to_memory(settings: Any, memory_sms: type[MemorySms]) -> None:
    """Replies are signed with the fake Twilio's token; reminders go to memory."""
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN


def dispatch_now(capture: Any) -> None:
    with capture(execute=True):
        reminders_dispatch(enqueue=lambda ids: reminders_send(reminder_ids=ids))


def test_a_stop_reply_keeps_the_next_dispatch_from_texting_that_number(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    stopped, other = contact_row(), contact_row()
    to_stopped, to_other = due_reminder(stopped), due_reminder(other)

    signed_post(client, INBOUND, text_from(stopped.phone, "Stop"))
    dispatch_now(django_capture_on_commit_callbacks)

    to_stopped.refresh_from_db()
    assert [message.to for message in MemorySms.sent] == [other.phone]
    assert to_stopped.status == Reminder.Status.SUPPRESSED
    assert Reminder.objects.get(pk=to_other.pk).status == Reminder.Status.SENT


def test_a_start_reply_lets_the_next_dispatch_text_again(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    contact = contact_row()
    signed_post(client, INBOUND, text_from(contact.phone, "STOP"))
    signed_post(client, INBOUND, text_from(contact.phone, "START"))
    reminder = due_reminder(contact)

    dispatch_now(django_capture_on_commit_callbacks)

    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.SENT
    assert [message.to for message in MemorySms.sent] == [contact.phone]
