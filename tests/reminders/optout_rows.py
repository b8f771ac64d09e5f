"""Contacts and outbox rows for the opt-out, webhook and message tests, written directly: the
services that make them in the app are tested on their own.

    contact = texted_contact()
    reminder = outbox_row(contact, status=Reminder.Status.PENDING)
"""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from reminders.models import Channel, Contact, Reminder
from tests.programs.factories import patient as make_patient

_numbers = itertools.count(100)


def fresh_number() -> str:
    """A new E.164 number in the fictional 555 range."""
    return f"+1415555{next(_numbers) % 10_000:04d}"


def texted_contact(**fields: Any) -> Contact:
    """A patient's own contact with a verified number and email."""
    now = timezone.now()
    child = fields.pop("patient", None) or make_patient()
    values: dict[str, Any] = {
        "patient": child,
        "role": Contact.Role.PATIENT,
        "name": f"{child.first_name} {child.last_name}",
        "phone": fresh_number(),
        "email": f"{uuid.uuid4().hex[:10]}@example.org",
        "phone_verified_at": now,
        "email_verified_at": now,
    }
    values.update(fields)
    return Contact.objects.create(**values)


def outbox_row(
    contact: Contact,
    *,
    channel: str = Channel.SMS,
    status: str = Reminder.Status.PENDING,
    due_in: timedelta = timedelta(hours=1),
    session_in: timedelta = timedelta(hours=2),
    now: datetime | None = None,
    save: bool = True,
    **fields: Any,
) -> Reminder:
    """A session reminder to ``contact``, due ``due_in`` from now, its session ``session_in``
    from now; saved unless ``save`` is False."""
    now = now or timezone.now()
    zone = fields.pop("time_zone", contact.patient.time_zone)
    due = now + due_in
    starts = now + session_in
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
        "not_after": min(due + timedelta(hours=1), starts),
        "session_starts_at": starts,
        "status": status,
        "idempotency_key": f"test-{uuid.uuid4().hex}",
    }
    values.update(fields)
    reminder = Reminder(**values)
    if save:
        reminder.save()
    return reminder
