"""Contacts for tests, built through the services, and helpers to read the outbox.

    child = patient(with_user=True)                       # tests.programs.factories
    program = active_program(patient=child)
    mine = ready_contact(patient=child)                   # both channels ready
    mum = ready_contact(patient=child, guardian=guardian(patient=child), channels=["sms"])
    outbox_sync_program(program.id)
    session_reminders(program)                            # the rows, by due time

``ready_contact`` verifies the addresses directly (a test's set-up, like the model
factories): the verification itself is tested through the services and the API.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from programs.models import Guardian, Patient, Program
from reminders.models import Channel, Consent, Contact, Reminder
from reminders.services import consent_record, contact_create, contact_preferences_update

EMAIL = "maya@example.org"
PHONE = "+14155550123"


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
