"""`manage.py seed_demo_reminders`: the demo clinic's patients and guardians get reminders."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone
from pytest_django import DjangoDbBlocker, Settings

from programs.models import Guardian, Patient
from reminders.messages import render
from reminders.models import Channel, Consent, Contact, Reminder
from reminders.services.demo import DEMO_LEAD, demo_contacts_build, demo_reminders_soon
from reminders.services.notifications import notifications_sweep

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(scope="module")
def seeded(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[str]:
    """The demo clinic and its reminder contacts, built once for the module and rolled back
    afterwards; each test runs in its own transaction inside this one."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=StringIO())
        out = StringIO()
        call_command("seed_demo_reminders", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def test_every_demo_patient_and_guardian_gets_a_contact(seeded: str) -> None:
    patients = Patient.objects.count()
    guardians = Guardian.objects.count()

    contacts = Contact.objects.all()

    assert contacts.filter(role=Contact.Role.PATIENT).count() == patients
    assert contacts.filter(role=Contact.Role.GUARDIAN).count() == guardians
    assert not contacts.filter(email_verified_at__isnull=True).exists()
    assert not contacts.filter(phone_verified_at__isnull=True).exists()


def test_every_demo_contact_has_consent_on_both_channels(seeded: str) -> None:
    for contact in Contact.objects.prefetch_related("consents"):
        channels = sorted(consent.channel for consent in contact.consents.all())
        assert channels == [Channel.EMAIL, Channel.SMS], contact


def test_a_minors_own_reminders_are_agreed_to_by_a_parent(seeded: str) -> None:
    maya = Contact.objects.get(role=Contact.Role.PATIENT, patient__first_name="Maya")
    hannah = Contact.objects.get(role=Contact.Role.PATIENT, patient__first_name="Hannah")

    assert {(c.given_by, c.relationship) for c in maya.consents.all()} == {
        ("Laura Thompson", "mother")
    }
    assert {(c.given_by, c.relationship) for c in hannah.consents.all()} == {
        ("Hannah Novak", "self")
    }


def test_a_guardian_of_two_children_keeps_one_number(seeded: str) -> None:
    daniel = Contact.objects.filter(guardian__first_name="Daniel", guardian__last_name="Chen")

    assert daniel.count() == 2
    assert len({(contact.phone, contact.email) for contact in daniel}) == 1


def test_the_demo_numbers_are_fictional(seeded: str) -> None:
    phones = set(Contact.objects.values_list("phone", flat=True))

    assert all(phone.startswith("+1617555") and 100 <= int(phone[-4:]) <= 199 for phone in phones)


def test_the_outbox_sync_makes_the_demo_patients_session_reminders(seeded: str) -> None:
    real = Reminder.objects.filter(kind=Reminder.Kind.SESSION, program__isnull=False)

    assert real.filter(status=Reminder.Status.PENDING).exists()
    assert real.values("contact__patient").distinct().count() >= 4
    assert "session reminders pending in the outbox" in seeded


def test_it_queues_two_demo_reminders_due_within_a_minute(seeded: str) -> None:
    soon = Reminder.objects.filter(lead=DEMO_LEAD).select_related("contact")

    assert soon.count() == 2
    assert all(row.due_at <= timezone.now() + timedelta(minutes=1) for row in soon)
    assert {row.contact.role for row in soon if row.contact} == {"patient", "guardian"}
    assert all(row.session_starts_at and row.not_after <= row.session_starts_at for row in soon)
    assert seeded.count("Demo reminder by") == 2


def test_the_demo_reminders_say_what_a_session_reminder_says(seeded: str) -> None:
    guardian_row = Reminder.objects.get(lead=DEMO_LEAD, contact__role=Contact.Role.GUARDIAN)

    message = render(guardian_row)

    assert message.channel == Channel.EMAIL
    assert "session is" in message.body and "Reply STOP" not in message.body


def test_running_it_again_adds_no_contact_or_consent(seeded: str) -> None:
    contacts, consents = Contact.objects.count(), Consent.objects.count()

    again = demo_contacts_build()

    assert (again.contacts_created, again.consents_recorded) == (0, 0)
    assert (Contact.objects.count(), Consent.objects.count()) == (contacts, consents)


def test_each_run_queues_its_own_demo_reminders(seeded: str) -> None:
    later = timezone.now() + timedelta(minutes=2)

    added = demo_reminders_soon(now=later)

    assert len(added) == 2
    assert Reminder.objects.filter(lead=DEMO_LEAD).count() == 4


def test_todays_red_flag_in_the_demo_emails_its_therapists(seeded: str) -> None:
    notifications_sweep()

    emailed = Reminder.objects.filter(kind=Reminder.Kind.RED_FLAG_STAFF)
    assert sorted(emailed.values_list("staff_user__username", flat=True)) == [
        "amara.okafor",
        "jordan.lee",
    ]


def test_it_explains_itself_without_a_demo_clinic(monkeypatch: pytest.MonkeyPatch) -> None:
    # Whether or not this worker has seeded the demo: the command looks for another name.
    monkeypatch.setattr("reminders.services.demo.DEMO_CLINIC_NAME", "No such clinic")
    contacts = Contact.objects.count()
    out = StringIO()

    call_command("seed_demo_reminders", stdout=out)

    assert "run seed_demo first" in out.getvalue()
    assert Contact.objects.count() == contacts


def test_it_refuses_to_run_in_production(settings: Settings) -> None:
    settings.PRODUCTION = True

    with pytest.raises(CommandError, match="not in production"):
        call_command("seed_demo_reminders", stdout=StringIO())
