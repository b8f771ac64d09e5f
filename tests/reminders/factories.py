"""The reminders' records for tests: one factory per record.

Contacts and outbox rows come two ways. Through the services, for tests of what the services
and the outbox sync do with them:

    child = patient(with_user=True)                       # tests.programs.factories
    program = active_program(patient=child)
    mine = ready_contact(patient=child)                   # both channels ready
    mum = ready_contact(patient=child, guardian=guardian(patient=child), channels=["sms"])
    outbox_sync_program(program.id)
    session_reminders(program)                            # the rows, by due time

Or written directly, for tests of what comes after (the dispatcher, opt-outs, webhooks, the
texts): the services that make them are tested on their own.

    contact = contact_row()                               # may be texted and emailed, any hour
    reminder = due_reminder(contact)                      # saved, pending, due a minute ago
    later = due_reminder(contact, due_in=timedelta(hours=1), channel=Channel.EMAIL)
    unsaved = reminder_row(contact, kind=Reminder.Kind.CHECK_IN_DUE)
    reminders = due_reminders(300)                        # 300 rows to 30 contacts, one INSERT

``ready_contact`` verifies the addresses directly (a test's set-up, like the model
factories): the verification itself is tested through the services and the API.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone

from programs.models import Guardian, Patient, Program
from reminders.channels import OutgoingMessage
from reminders.models import Channel, Consent, Contact, Reminder
from reminders.services import consent_record, contact_create, contact_preferences_update
from tests.programs.factories import patient as make_patient

EMAIL = "maya@example.org"
PHONE = "+14155550123"

# No quiet hours: equal start and end. A test about quiet hours sets its own.
ALWAYS = time(0, 0)

_numbers = itertools.count(1)


def new_contact(
    *,
    patient: Patient,
    guardian: Guardian | None = None,
    email: str | None = None,
    phone: str | None = None,
    **fields: Any,
) -> Contact:
    """An unverified contact without consent, made by ``contact_create``: the patient's own
    unless ``guardian`` is given. Addresses are unique per contact unless given."""
    serial = Contact.objects.count() + 1
    return contact_create(
        patient=patient,
        role=Contact.Role.GUARDIAN if guardian else Contact.Role.PATIENT,
        guardian=guardian,
        email=f"contact{serial}@example.org" if email is None else email,
        phone=f"+1415555{serial:04d}" if phone is None else phone,
        **fields,
    )


def ready_contact(
    *,
    patient: Patient,
    guardian: Guardian | None = None,
    channels: Sequence[str] = (Channel.EMAIL, Channel.SMS),
    email: str | None = None,
    phone: str | None = None,
    **preferences: Any,
) -> Contact:
    """A contact whose ``channels`` carry reminders: verified, with consent recorded in
    clinic. ``preferences`` go to ``contact_preferences_update`` (lead_times, quiet hours)."""
    contact = new_contact(patient=patient, guardian=guardian, email=email, phone=phone)
    now = timezone.now()
    Contact.objects.filter(pk=contact.pk).update(
        email_verified_at=now if Channel.EMAIL in channels else None,
        phone_verified_at=now if Channel.SMS in channels else None,
    )
    for channel in channels:
        consent_record(
            contact=contact,
            channel=channel,
            given_by=guardian.first_name if guardian else patient.first_name,
            relationship=guardian.relation if guardian else "self",
            method=Consent.Method.VERBAL_IN_CLINIC,
        )
    if preferences:
        contact_preferences_update(contact=contact, **preferences)
    contact.refresh_from_db()
    return contact


def session_reminders(program: Program, **filters: Any) -> QuerySet[Reminder]:
    return Reminder.objects.filter(program=program, kind=Reminder.Kind.SESSION, **filters).order_by(
        "due_at", "id"
    )


def pending(program: Program, **filters: Any) -> QuerySet[Reminder]:
    return session_reminders(program, status=Reminder.Status.PENDING, **filters)


def fresh_number() -> str:
    """A new E.164 number in the fictional 555 range, never one that ``new_contact`` gives."""
    return f"+1202555{next(_numbers) % 10_000:04d}"


def contact_row(
    *,
    patient: Patient | None = None,
    guardian: Guardian | None = None,
    consent_to: Sequence[str] = (Channel.SMS, Channel.EMAIL),
    **fields: Any,
) -> Contact:
    """A contact written directly, with a verified number and email and consent recorded on
    ``consent_to``, whom a reminder can reach at any hour unless ``quiet_start``/``quiet_end``
    are given: the patient's own (a new patient in New York unless given), or ``guardian``'s.
    ``fields`` override the row's values."""
    now = timezone.now()
    child = patient or make_patient()
    values: dict[str, Any] = {
        "patient": child,
        "guardian": guardian,
        "role": Contact.Role.GUARDIAN if guardian else Contact.Role.PATIENT,
        "name": f"{guardian.first_name} {guardian.last_name}" if guardian else child.full_name,
        "phone": fresh_number(),
        "email": f"{uuid.uuid4().hex[:10]}@example.org",
        "phone_verified_at": now,
        "email_verified_at": now,
        "quiet_start": ALWAYS,
        "quiet_end": ALWAYS,
    }
    values.update(fields)
    contact = Contact.objects.create(**values)
    for channel in consent_to:
        Consent.objects.create(
            contact=contact,
            channel=channel,
            given_by=contact.name,
            relationship="self",
            method=Consent.Method.WEB_FORM,
            wording="Text and email me reminders of my sessions.",
            given_at=now,
        )
    return contact


def reminder_row(
    contact: Contact | None,
    *,
    due_at: datetime | None = None,
    due_in: timedelta = timedelta(minutes=-1),
    grace: timedelta = timedelta(minutes=60),
    session_in: timedelta = timedelta(hours=1),
    channel: str = Channel.SMS,
    save: bool = False,
    **fields: Any,
) -> Reminder:
    """A pending session reminder to ``contact`` (None: a staff row without one), due at
    ``due_at`` or ``due_in`` from now (a minute ago by default), sendable for ``grace`` after
    that, its session ``session_in`` after it is due; unsaved unless ``save`` is True. Its
    local date and time are in the patient's zone (New York without a contact)."""
    due = due_at or timezone.now() + due_in
    session_starts = due + session_in
    zone = fields.pop("time_zone", contact.patient.time_zone if contact else "America/New_York")
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
    reminder = Reminder(**values)
    if save:
        reminder.save()
    return reminder


def due_reminder(contact: Contact | None = None, **options: Any) -> Reminder:
    """A saved pending reminder (see ``reminder_row``), to a new contact unless given one."""
    return reminder_row(contact or contact_row(), save=True, **options)


def due_reminders(
    count: int, *, per_contact: int = 10, distinct_texts: bool = False, **options: Any
) -> list[Reminder]:
    """``count`` saved pending reminders, ``per_contact`` to each of ``count/per_contact``
    contacts, in one INSERT. With ``distinct_texts``, each of a contact's reminders is for a
    session a minute later than the one before, so no two texts to one number read the same
    (as in life: one reminder per session and lead)."""
    contacts = [contact_row() for _ in range(-(-count // per_contact))]
    rows = []
    for i in range(count):
        extra = dict(options)
        if distinct_texts:
            extra["session_in"] = timedelta(hours=1, minutes=i % per_contact)
        rows.append(reminder_row(contacts[i // per_contact], **extra))
    return Reminder.objects.bulk_create(rows)


# What the dispatcher hands a channel, by channel: a session reminder's words.
_MESSAGES: dict[str, dict[str, str]] = {
    Channel.EMAIL: {
        "to": "parent@example.org",
        "subject": "Reminder from Riverside",
        "body": "Hello,\n\nReminder from Riverside: your session is today at 5 pm.\n",
        "idempotency_key": "s:1:2026-05-04:7:email:60m",
    },
    Channel.SMS: {
        "to": "+14155550123",
        "body": "Reminder from Clinic: your session is today at 4:30 pm. Reply STOP to opt out.",
        "idempotency_key": "s:1:2026-05-04:7:sms:60m",
    },
}


def outgoing_message(channel: str, **fields: Any) -> OutgoingMessage:
    """A reminder on ``channel`` ("email" or "sms") as the dispatcher hands it to the
    channel; ``fields`` override."""
    return OutgoingMessage(channel=channel, **{**_MESSAGES[channel], **fields})
