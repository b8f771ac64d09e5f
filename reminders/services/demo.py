"""Reminder contacts for the demo clinic, so `make run` shows its patients' reminders arriving.

programs/services/demo.py builds the clinic and knows nothing of reminders; this adds, for each demo
patient and each of their guardians, a contact with a fictional email address and mobile
number (555-01xx numbers are reserved for fiction), both marked verified, consent on record
for both channels and the default preferences. Contacts and consents go through the
services, so the outbox sync makes the real session reminders of the next days from them.

Run it any number of times: what exists is kept, nothing is made twice.

``demo_reminders_soon`` is a demo device and only that: two session reminders due within a
minute, so whoever runs `make run` sees a text message and an email on the worker's console
without waiting for the evening's reminders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from programs.models import (
    Clinic,
    Guardian,
    Patient,
    PlannedSession,
    Program,
    StaffMembership,
    User,
)
from programs.services.common import local_today
from programs.services.demo import DEMO_CLINIC_NAME
from reminders.models import Channel, Consent, Contact, Reminder
from reminders.selectors import channel_state, suppressed_addresses
from reminders.services.contacts import consent_record, contact_create
from reminders.services.notifications import FOLLOWED, in_quiet_hours
from reminders.services.outbox import outbox_sync_patient

# US numbers 555-0100 to 555-0199 are set aside for fiction: no real phone answers them.
DEMO_PHONE_PREFIX = "+1617555"
DEMO_PHONE_FIRST = 100
# Marks the demo's own early reminders, in their lead and their idempotency key.
DEMO_LEAD = "demo"
DEMO_DUE_IN = timedelta(seconds=20)


@dataclass
class DemoContacts:
    contacts_created: int = 0
    consents_recorded: int = 0
    session_reminders: int = 0  # pending in the outbox after the sync
    patients: list[Patient] = field(default_factory=list)


def demo_clinic() -> Clinic | None:
    return Clinic.objects.filter(name=DEMO_CLINIC_NAME).first()


def _phone(index: int) -> str:
    return f"{DEMO_PHONE_PREFIX}{DEMO_PHONE_FIRST + index:04d}"


def _email(first_name: str, last_name: str, user_email: str) -> str:
    return user_email or f"{first_name}.{last_name}@example.org".lower()


def demo_contacts_build(*, now: datetime | None = None) -> DemoContacts:
    """Contacts, consents and verified addresses for every patient of the demo clinic and
    their guardians; then the outbox sync for each patient. Nothing when there is no demo."""
    now = now or timezone.now()
    result = DemoContacts()
    clinic = demo_clinic()
    if clinic is None:
        return result
    with transaction.atomic():
        recorder = (
            StaffMembership.objects.filter(clinic=clinic, role=StaffMembership.Role.CLINIC_ADMIN)
            .select_related("user")
            .first()
        )
        patients = list(
            Patient.objects.filter(clinic=clinic)
            .select_related("user")
            .prefetch_related("guardians__user")
            .order_by("id")
        )
        # Numbers are handed out in a fixed order, so every fresh demo has the same ones; a
        # guardian of two children keeps one number and one address.
        numbers: dict[str, str] = {}
        for patient in patients:
            minor = patient.is_minor_on(local_today(patient, now))
            guardians = list(patient.guardians.all())
            own = _contact_for(
                patient,
                None,
                email=_email(
                    patient.first_name,
                    patient.last_name,
                    patient.user.email if patient.user else "",
                ),
                key=f"patient:{patient.id}",
                numbers=numbers,
                result=result,
            )
            # A minor's own reminders are agreed to by a parent; an adult agrees for themselves.
            consenting = guardians[0] if minor and guardians else None
            _consent(
                own,
                given_by=_name(consenting) if consenting else patient.full_name,
                relationship=consenting.relation if consenting else "self",
                recorder=recorder.user if recorder else None,
                result=result,
            )
            for guardian in guardians:
                user_email = guardian.user.email if guardian.user else ""
                contact = _contact_for(
                    patient,
                    guardian,
                    email=_email(guardian.first_name, guardian.last_name, user_email),
                    key=f"user:{guardian.user_id}" if guardian.user_id else f"g:{guardian.id}",
                    numbers=numbers,
                    result=result,
                )
                _consent(
                    contact,
                    given_by=_name(guardian),
                    relationship=guardian.relation,
                    recorder=recorder.user if recorder else None,
                    result=result,
                )
            # The demo's addresses are fictional: marked verified as if each person had
            # entered the code and clicked the link.
            Contact.objects.filter(patient=patient, email_verified_at__isnull=True).exclude(
                email=""
            ).update(email_verified_at=now)
            Contact.objects.filter(patient=patient, phone_verified_at__isnull=True).exclude(
                phone=""
            ).update(phone_verified_at=now)
        result.patients = patients
    # Verification above was written without signals: sync the outbox now it is committed
    # (the contacts' own signals may have synced some already; a second sync adds nothing).
    for patient in patients:
        outbox_sync_patient(patient.id)
    result.session_reminders = Reminder.objects.filter(
        kind=Reminder.Kind.SESSION,
        status=Reminder.Status.PENDING,
        program__patient__in=patients,
    ).count()
    return result


def _name(guardian: Guardian) -> str:
    return f"{guardian.first_name} {guardian.last_name}"


def _contact_for(
    patient: Patient,
    guardian: Guardian | None,
    *,
    email: str,
    key: str,
    numbers: dict[str, str],
    result: DemoContacts,
) -> Contact:
    if key not in numbers:
        numbers[key] = _phone(len(numbers))
    found = Contact.objects.filter(patient=patient)
    if guardian is not None:
        found = found.filter(guardian=guardian)
    else:
        found = found.filter(role=Contact.Role.PATIENT)
    existing = found.first()
    if existing is not None:
        return existing
    result.contacts_created += 1
    return contact_create(
        patient=patient,
        role=Contact.Role.GUARDIAN if guardian else Contact.Role.PATIENT,
        guardian=guardian,
        email=email,
        phone=numbers[key],
    )


def _consent(
    contact: Contact,
    *,
    given_by: str,
    relationship: str,
    recorder: User | None,
    result: DemoContacts,
) -> None:
    standing = set(
        contact.consents.filter(withdrawn_at__isnull=True).values_list("channel", flat=True)
    )
    for channel in (Channel.EMAIL, Channel.SMS):
        if channel in standing:
            continue
        consent_record(
            contact=contact,
            channel=channel,
            given_by=given_by,
            relationship=relationship,
            method=Consent.Method.VERBAL_IN_CLINIC,
            recorded_by=recorder,
        )
        result.consents_recorded += 1


# -- The demo's early reminders -----------------------------------------------------------


def _next_session_start(program: Program, after: datetime) -> datetime | None:
    zone = ZoneInfo(program.patient.time_zone)
    today = after.astimezone(zone).date()
    for session_date in (
        PlannedSession.objects.filter(program=program, date__gte=today)
        .order_by("date")
        .values_list("date", flat=True)[:3]
    ):
        starts = datetime.combine(session_date, program.session_time, tzinfo=zone)
        if starts > after:
            return starts
    return None


def demo_reminders_soon(*, now: datetime | None = None) -> list[Reminder]:
    """DEMO ONLY: a session reminder due in ``DEMO_DUE_IN`` to the first demo patient who has
    a session coming (by text message, or email inside their quiet hours) and one by email
    to their first guardian, so the console shows both within a minute of `make run`.

    Each call adds new ones (keyed by the minute), so every start of the demo shows them.
    They have no program (the outbox sync, which owns session reminders, leaves them alone)
    and are labelled "demo" in their lead and key.
    """
    now = now or timezone.now()
    clinic = demo_clinic()
    if clinic is None:
        return []
    due = now + DEMO_DUE_IN
    grace = timedelta(minutes=settings.REMINDERS_GRACE_MINUTES)
    programs = (
        Program.objects.filter(patient__clinic=clinic, status__in=FOLLOWED)
        .select_related("patient")
        .order_by("patient__id")
    )
    for program in programs:
        starts = _next_session_start(program, due + timedelta(minutes=5))
        contacts = list(
            Contact.objects.filter(patient=program.patient)
            .prefetch_related("consents")
            .order_by("role", "id")
        )
        own = [c for c in contacts if c.role == Contact.Role.PATIENT]
        guardians = [c for c in contacts if c.role == Contact.Role.GUARDIAN]
        if starts is None or not own or not guardians:
            continue
        suppressed = suppressed_addresses(contacts)
        zone = program.patient.time_zone
        local_due = due.astimezone(ZoneInfo(zone))
        picks: list[tuple[Contact, str]] = []
        patient_contact = own[0]
        sms_ready = channel_state(patient_contact, Channel.SMS, suppressed).ready
        quiet = in_quiet_hours(
            local_due.time(), patient_contact.quiet_start, patient_contact.quiet_end
        )
        if sms_ready and not quiet:
            picks.append((patient_contact, Channel.SMS))
        elif channel_state(patient_contact, Channel.EMAIL, suppressed).ready:
            picks.append((patient_contact, Channel.EMAIL))
        if channel_state(guardians[0], Channel.EMAIL, suppressed).ready:
            picks.append((guardians[0], Channel.EMAIL))
        rows = [
            Reminder(
                kind=Reminder.Kind.SESSION,
                channel=channel,
                contact=contact,
                lead=DEMO_LEAD,
                time_zone=zone,
                local_date=local_due.date(),
                local_time=local_due.time().replace(microsecond=0),
                due_at=due,
                not_after=min(due + grace, starts),
                session_starts_at=starts,
                idempotency_key=f"demo:{contact.id}:{channel}:{now:%Y%m%dT%H%M}",
            )
            for contact, channel in picks
        ]
        Reminder.objects.bulk_create(rows, ignore_conflicts=True)
        keys = [row.idempotency_key for row in rows]
        return list(Reminder.objects.filter(idempotency_key__in=keys).order_by("id"))
    return []
