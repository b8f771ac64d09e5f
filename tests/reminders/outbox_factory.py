"""Outbox rows for the dispatcher's tests, written directly (the outbox sync that makes them
in the app is tested on its own): a contact who may be texted, and reminders to them.

    contact = sms_contact()
    reminder = due_reminder(contact, due_in=timedelta(minutes=-5))
    reminders = due_reminders(300)          # 300 rows to 30 contacts, bulk-created
"""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from reminders.models import Channel, Consent, Contact, Reminder
from tests.programs.factories import patient as make_patient

_numbers = itertools.count(1)

# No quiet hours: equal start and end. A test about quiet hours sets its own.
ALWAYS = time(0, 0)


def phone_number() -> str:
    """A fresh E.164 number in the 555-01xx fictional range's spirit, never a real one."""
    return f"+1202555{next(_numbers) % 10_000:04d}"


def sms_contact(**fields: Any) -> Contact:
    """A patient's own contact with a verified mobile number and consent to texts, whom a
    reminder can reach at any hour unless ``quiet_start``/``quiet_end`` are given."""
    now = timezone.now()
    child = fields.pop("patient", None) or make_patient(time_zone="America/New_York")
    values: dict[str, Any] = {
        "patient": child,
        "role": Contact.Role.PATIENT,
        "name": child.first_name,
        "phone": phone_number(),
        "email": f"{uuid.uuid4().hex[:10]}@example.org",
        "phone_verified_at": now - timedelta(days=30),
        "email_verified_at": now - timedelta(days=30),
        "quiet_start": ALWAYS,
        "quiet_end": ALWAYS,
    }
    values.update(fields)
    contact = Contact.objects.create(**values)
    for channel in (Channel.SMS, Channel.EMAIL):
        Consent.objects.create(
            contact=contact,
            channel=channel,
            given_by=contact.name,
            relationship="self",
            method=Consent.Method.WEB_FORM,
            wording="Text and email me reminders of my sessions.",
            given_at=now - timedelta(days=30),
        )
    return contact


def reminder_row(
    contact: Contact,
    *,
    due_at: datetime | None = None,
    due_in: timedelta = timedelta(minutes=-1),
    grace: timedelta = timedelta(minutes=60),
    session_in: timedelta | None = None,
    channel: str = Channel.SMS,
    **fields: Any,
) -> Reminder:
    """An unsaved pending session reminder to ``contact``, due ``due_in`` from now (past by
    default), with a grace window of ``grace`` and its session an hour after it is due."""
    due = due_at or timezone.now() + due_in
    session_starts = due + (session_in if session_in is not None else timedelta(hours=1))
    zone = fields.pop("time_zone", "America/New_York")
    local = due.astimezone(ZoneInfo(zone))
    values: dict[str, Any] = {
        "kind": Reminder.Kind.SESSION,
        "channel": channel,
        "contact": contact,
        "lead": "60m",
        "time_zone": zone,
        "local_date": local.date(),
        "local_time": local.time().replace(microsecond=0),
        "due_at": due,
        "not_after": min(due + grace, session_starts),
        "session_starts_at": session_starts,
        "idempotency_key": f"test-{uuid.uuid4().hex}",
    }
    values.update(fields)
    return Reminder(**values)


def due_reminder(contact: Contact | None = None, **options: Any) -> Reminder:
    """A saved pending reminder (see ``reminder_row``), to a new contact unless given one."""
    reminder = reminder_row(contact or sms_contact(), **options)
    reminder.save()
    return reminder


def due_reminders(
    count: int, *, per_contact: int = 10, distinct_texts: bool = False, **options: Any
) -> list[Reminder]:
    """``count`` saved pending reminders, ``per_contact`` to each of ``count/per_contact``
    contacts, in one INSERT. With ``distinct_texts``, each of a contact's reminders is for a
    session a minute later than the one before, so no two texts to one number read the same
    (as in life: one reminder per session and lead)."""
    contacts = [sms_contact() for _ in range(-(-count // per_contact))]
    rows = []
    for i in range(count):
        extra = dict(options)
        if distinct_texts:
            extra["session_in"] = timedelta(hours=1, minutes=i % per_contact)
        rows.append(reminder_row(contacts[i // per_contact], **extra))
    return Reminder.objects.bulk_create(rows)
