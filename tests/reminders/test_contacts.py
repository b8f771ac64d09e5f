"""Contacts, consent and verification through the services: what is stored, what is
refused (with the field named), and how an address becomes usable."""

import re
from datetime import time, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils.translation import override

from programs.models import AuditEvent, Clinic, Patient
from reminders.channels.memory import MemorySms
from reminders.models import Channel, Consent, Contact, Suppression
from reminders.services import (
    CONSENT_WORDING,
    confirm_email_token,
    consent_record,
    consent_withdraw,
    contact_create,
    contact_preferences_update,
    contact_update,
    verification_confirm_code,
    verification_start,
)
from reminders.services.contacts import email_verification_token
from tests.clock import NOW
from tests.programs.factories import UserFactory, guardian, patient, therapist
from tests.reminders.factories import new_contact, ready_contact

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock", "memory_sms")]


@pytest.fixture
def child() -> Patient:
    return patient(first_name="Maya")


def field_errors(error: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return error.value.message_dict


def sent_code() -> str:
    match = re.search(r"\b(\d{6})\b", MemorySms.sent[-1].body)
    assert match is not None
    return match.group(1)


# -- Contacts ------------------------------------------------------------------------------


def test_it_stores_a_number_in_e164_and_an_email_in_lower_case(child: Patient) -> None:
    contact = contact_create(
        patient=child, role="patient", email=" Maya@Example.ORG ", phone="(415) 555-0123"
    )

    assert (contact.phone, contact.email) == ("+14155550123", "maya@example.org")
    assert contact.name == child.full_name
    assert contact.email_verified_at is None and contact.phone_verified_at is None


def test_a_new_contact_is_in_the_persons_own_language_unless_told_otherwise() -> None:
    child = patient(user=UserFactory.create(language="es"))
    parent = guardian(patient=child, user=UserFactory.create(language="es"))
    other = guardian(patient=child, user=UserFactory.create(language=""))

    own = contact_create(patient=child, role="patient", email="maya@example.org")
    parents = contact_create(patient=child, role="guardian", guardian=parent, email="p@example.org")
    unchosen = contact_create(patient=child, role="guardian", guardian=other, email="o@example.org")
    told = contact_create(patient=patient(), role="patient", email="sam@example.org", language="es")

    assert (own.language, parents.language, unchosen.language, told.language) == (
        "es",
        "es",
        "en",
        "es",
    )


def test_a_contact_of_someone_without_an_account_is_in_english(child: Patient) -> None:
    assert contact_create(patient=child, role="patient", email="maya@example.org").language == "en"


def test_it_reads_a_number_without_country_code_in_the_patients_country() -> None:
    londoner = patient(time_zone="Europe/London")

    contact = contact_create(patient=londoner, role="patient", phone="07911 123456")

    assert contact.phone == "+447911123456"


@pytest.mark.parametrize(
    "phone", ["not a number", "+1 555", "+44 20 7946 0000"], ids=["text", "short", "landline"]
)
def test_it_refuses_a_number_that_cannot_take_a_text(child: Patient, phone: str) -> None:
    with pytest.raises(ValidationError) as error:
        contact_create(patient=child, role="patient", phone=phone)

    assert set(field_errors(error)) == {"phone"}
    assert not Contact.objects.exists()


def test_it_refuses_a_bad_email_and_a_contact_with_no_address(child: Patient) -> None:
    with pytest.raises(ValidationError) as bad:
        contact_create(patient=child, role="patient", email="maya@")
    with pytest.raises(ValidationError) as empty:
        contact_create(patient=child, role="patient")

    assert set(field_errors(bad)) == {"email"}
    assert set(field_errors(empty)) == {"email", "phone"}


def test_a_guardian_contact_names_one_of_the_patients_guardians(child: Patient) -> None:
    strangers_parent = guardian(patient=patient())

    with pytest.raises(ValidationError) as missing:
        contact_create(patient=child, role="guardian", email="mum@example.org")
    with pytest.raises(ValidationError) as stranger:
        contact_create(
            patient=child, role="guardian", guardian=strangers_parent, email="x@example.org"
        )

    assert set(field_errors(missing)) == {"guardian"}
    assert set(field_errors(stranger)) == {"guardian"}


def test_a_patient_has_one_contact_of_their_own_and_one_per_guardian(child: Patient) -> None:
    mum = guardian(patient=child, first_name="Ada", last_name="Okafor")
    new_contact(patient=child)
    mums = new_contact(patient=child, guardian=mum)

    with pytest.raises(ValidationError) as twice:
        new_contact(patient=child)
    with pytest.raises(ValidationError) as mum_twice:
        new_contact(patient=child, guardian=mum)

    assert mums.name == "Ada Okafor"
    assert set(field_errors(twice)) == {"role"}
    assert set(field_errors(mum_twice)) == {"guardian"}


def test_changing_an_address_unverifies_only_that_channel(child: Patient) -> None:
    contact = ready_contact(patient=child)

    changed = contact_update(contact=contact, phone="+1 212 555 0100")

    assert changed.phone == "+12125550100"
    assert changed.phone_verified_at is None
    assert changed.email_verified_at is not None


def test_a_staff_change_is_audited(child: Patient) -> None:
    clinician = therapist(clinic=child.clinic)

    contact = new_contact(patient=child, actor=clinician)
    contact_update(contact=contact, name="Maya O.", actor=clinician)

    audited = AuditEvent.objects.filter(actor=clinician, patient=child, action="change")
    assert set(audited.values_list("what", flat=True)) == {
        "reminder contact added",
        "reminder contact changed",
    }


# -- Preferences ---------------------------------------------------------------------------


def test_a_new_contact_has_the_default_preferences(child: Patient) -> None:
    contact = new_contact(patient=child)

    assert contact.lead_times == [
        {"kind": "evening_before", "at": "19:00"},
        {"kind": "before", "minutes": 60},
    ]
    assert (contact.quiet_start, contact.quiet_end) == (time(20, 0), time(9, 0))
    assert (contact.email_enabled, contact.sms_enabled, contact.paused) == (True, True, False)


def test_it_changes_preferences(child: Patient) -> None:
    contact = new_contact(patient=child)

    changed = contact_preferences_update(
        contact=contact,
        sms_enabled=False,
        lead_times=[{"kind": "before", "minutes": 30}, {"kind": "evening_before", "at": "18:30"}],
        quiet_start="21:00",
        quiet_end=time(7, 30),
        paused=True,
    ).contact

    changed.refresh_from_db()
    assert changed.lead_times == [
        {"kind": "before", "minutes": 30},
        {"kind": "evening_before", "at": "18:30"},
    ]
    assert (changed.quiet_start, changed.quiet_end) == (time(21, 0), time(7, 30))
    assert (changed.sms_enabled, changed.paused) == (False, True)


@pytest.mark.parametrize(
    ("lead_times", "field"),
    [
        ([{"kind": "before", "minutes": 2}], "lead_times[0].minutes"),
        ([{"kind": "before", "minutes": 60}, {"kind": "before"}], "lead_times[1].minutes"),
        ([{"kind": "evening_before", "at": "25:00"}], "lead_times[0].at"),
        ([{"kind": "weekly"}], "lead_times[0].kind"),
        ([{"kind": "before", "minutes": 60}] * 2, "lead_times[1]"),
        ("19:00", "lead_times"),
    ],
)
def test_it_names_the_lead_time_it_refuses(child: Patient, lead_times: object, field: str) -> None:
    contact = new_contact(patient=child)

    with pytest.raises(ValidationError) as error:
        contact_preferences_update(contact=contact, lead_times=lead_times)  # type: ignore[arg-type]

    assert set(field_errors(error)) == {field}


def test_it_names_a_bad_quiet_hour_and_language(child: Patient) -> None:
    contact = new_contact(patient=child)

    with pytest.raises(ValidationError) as quiet:
        contact_preferences_update(contact=contact, quiet_start="late")
    with pytest.raises(ValidationError) as language:
        contact_preferences_update(contact=contact, language="xx")

    assert set(field_errors(quiet)) == {"quiet_start"}
    assert set(field_errors(language)) == {"language"}


# -- Consent -------------------------------------------------------------------------------


def test_consent_keeps_who_how_when_and_the_exact_wording(child: Patient) -> None:
    contact = new_contact(patient=child)
    clinician = therapist(clinic=child.clinic)

    consent = consent_record(
        contact=contact,
        channel="sms",
        given_by="Ada Okafor",
        relationship="mother",
        method=Consent.Method.PAPER,
        recorded_by=clinician,
        given_at=NOW - timedelta(days=1),
    )

    assert consent.wording == CONSENT_WORDING["sms"]
    assert (consent.given_by, consent.relationship, consent.method) == (
        "Ada Okafor",
        "mother",
        "paper",
    )
    assert consent.given_at == NOW - timedelta(days=1)
    assert AuditEvent.objects.filter(actor=clinician, patient=child).exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"channel": "fax"}, "channel"),
        ({"method": "telepathy"}, "method"),
        ({"given_by": "  "}, "given_by"),
        ({"relationship": ""}, "relationship"),
        ({"given_at": NOW + timedelta(days=1)}, "given_at"),
    ],
)
def test_it_names_what_is_wrong_with_a_consent(
    child: Patient, changes: dict[str, object], field: str
) -> None:
    contact = new_contact(patient=child)
    values: dict[str, object] = {
        "channel": "email",
        "given_by": "Maya",
        "relationship": "self",
        "method": "web_form",
    }

    with pytest.raises(ValidationError) as error:
        consent_record(contact=contact, **{**values, **changes})  # type: ignore[arg-type]

    assert set(field_errors(error)) == {field}


def test_consent_given_in_spanish_keeps_the_spanish_wording_that_was_read(
    child: Patient,
) -> None:
    contact = new_contact(patient=child)

    with override("es-us"):
        consent = consent_record(
            contact=contact,
            channel="sms",
            given_by="Carmen García",
            relationship="mother",
            method=Consent.Method.WEB_FORM,
        )

    assert consent.wording.startswith("Acepto recibir mensajes de texto de la clínica")
    assert "Responda STOP" in consent.wording
    assert str(CONSENT_WORDING["sms"]).startswith("I agree")  # English again outside


def test_withdrawing_consent_keeps_the_record(child: Patient) -> None:
    contact = ready_contact(patient=child)

    withdrawn = consent_withdraw(contact=contact, channel="email")

    assert withdrawn == 1
    assert Consent.objects.get(contact=contact, channel="email").withdrawn_at == NOW
    assert Consent.objects.get(contact=contact, channel="sms").withdrawn_at is None


# -- Verifying a number --------------------------------------------------------------------


def test_a_code_by_text_message_verifies_the_number(child: Patient) -> None:
    contact = new_contact(patient=child, phone="+14155550123")

    sent = verification_start(contact=contact, channel="sms")
    verified = verification_confirm_code(contact=contact, code=sent_code())

    assert (sent.to, sent.expires_at) == ("+14155550123", NOW + timedelta(minutes=10))
    assert MemorySms.sent[-1].to == "+14155550123"
    assert len(MemorySms.sent[-1].body) <= 160
    assert verified.phone_verified_at == NOW
    # The code is stored only as a hash, and is gone once used.
    contact.refresh_from_db()
    assert contact.phone_code_hash == ""


def test_a_code_names_the_clinic_by_its_short_name_never_by_its_full_name(child: Patient) -> None:
    Clinic.objects.filter(pk=child.clinic_id).update(name="Riverside Pediatric Pain Clinic")
    contact = new_contact(patient=child, phone="+14155550123")

    verification_start(contact=contact, channel="sms")

    assert "to get reminders from gradus." in MemorySms.sent[-1].body
    assert "Pain" not in MemorySms.sent[-1].body


def test_a_code_is_stored_hashed(child: Patient) -> None:
    contact = new_contact(patient=child)

    verification_start(contact=contact, channel="sms")

    contact.refresh_from_db()
    assert contact.phone_code_hash and sent_code() not in contact.phone_code_hash


def test_five_wrong_codes_use_the_code_up(child: Patient) -> None:
    contact = new_contact(patient=child)
    verification_start(contact=contact, channel="sms")
    right = sent_code()
    wrong = "000000" if right != "000000" else "111111"

    for _ in range(5):
        with pytest.raises(ValidationError):
            verification_confirm_code(contact=contact, code=wrong)
    with pytest.raises(ValidationError) as error:
        verification_confirm_code(contact=contact, code=right)

    assert "too many" in field_errors(error)["code"][0]
    contact.refresh_from_db()
    assert contact.phone_verified_at is None


def test_a_code_expires_after_ten_minutes(child: Patient) -> None:
    contact = new_contact(patient=child)
    verification_start(contact=contact, channel="sms")

    with (
        time_machine.travel(NOW + timedelta(minutes=10, seconds=1), tick=False),
        pytest.raises(ValidationError) as error,
    ):
        verification_confirm_code(contact=contact, code=sent_code())

    assert set(field_errors(error)) == {"code"}


def test_a_code_stops_working_when_the_number_changes(child: Patient) -> None:
    contact = new_contact(patient=child)
    verification_start(contact=contact, channel="sms")
    code = sent_code()

    contact_update(contact=contact, phone="+12125550100")
    with pytest.raises(ValidationError):
        verification_confirm_code(contact=contact, code=code)


def test_a_second_code_waits_a_minute(child: Patient) -> None:
    contact = new_contact(patient=child)
    verification_start(contact=contact, channel="sms")

    with pytest.raises(ValidationError) as error:
        verification_start(contact=contact, channel="sms")
    with time_machine.travel(NOW + timedelta(seconds=61), tick=False):
        verification_start(contact=contact, channel="sms")

    assert set(field_errors(error)) == {"phone"}
    assert len(MemorySms.sent) == 2


def test_no_code_goes_to_a_number_that_replied_stop(child: Patient) -> None:
    contact = new_contact(patient=child)
    Suppression.objects.create(
        channel=Channel.SMS, address=contact.phone, reason=Suppression.Reason.STOP_KEYWORD
    )

    with pytest.raises(ValidationError) as error:
        verification_start(contact=contact, channel="sms")

    assert set(field_errors(error)) == {"phone"}
    assert MemorySms.sent == []


# -- Verifying an email --------------------------------------------------------------------


def link_token() -> str:
    match = re.search(r"/reminders/verify-email/([^/\s]+)/", str(mail.outbox[-1].body))
    assert match is not None
    return match.group(1)


def test_a_signed_link_by_email_verifies_the_address(child: Patient) -> None:
    contact = new_contact(patient=child, email="ada@example.org")

    verification_start(contact=contact, channel="email")
    verified = confirm_email_token(token=link_token())

    assert mail.outbox[-1].to == ["ada@example.org"]
    assert verified.email_verified_at == NOW


def test_a_link_expires_after_three_days(child: Patient) -> None:
    contact = new_contact(patient=child)
    token = email_verification_token(contact)

    with (
        time_machine.travel(NOW + timedelta(days=3, minutes=1), tick=False),
        pytest.raises(ValidationError) as error,
    ):
        confirm_email_token(token=token)

    assert "expired" in field_errors(error)["token"][0]


def test_a_link_for_an_old_address_does_nothing(child: Patient) -> None:
    contact = new_contact(patient=child, email="old@example.org")
    token = email_verification_token(contact)
    contact_update(contact=contact, email="new@example.org")

    with pytest.raises(ValidationError):
        confirm_email_token(token=token)
    contact.refresh_from_db()
    assert contact.email_verified_at is None


def test_a_forged_link_does_nothing(child: Patient) -> None:
    with pytest.raises(ValidationError) as error:
        confirm_email_token(token="not-a-token")

    assert set(field_errors(error)) == {"token"}


def test_the_link_opens_a_page_that_verifies_only_when_its_button_is_pressed(
    child: Patient,
) -> None:
    contact = new_contact(patient=child)
    url = f"/reminders/verify-email/{email_verification_token(contact)}/"

    shown = Client().get(url)
    contact.refresh_from_db()
    assert shown.status_code == 200 and contact.email_verified_at is None
    assert b'<form method="post">' in shown.content

    confirmed = Client(enforce_csrf_checks=True).post(url)
    contact.refresh_from_db()
    assert confirmed.status_code == 200
    assert contact.email_verified_at == NOW


def test_the_page_says_when_a_link_is_not_valid() -> None:
    answer = Client().post("/reminders/verify-email/forged/")

    assert answer.status_code == 400
    assert b"not valid" in answer.content


def test_a_code_asked_for_again_too_soon_is_refused_in_the_asker_s_language(
    child: Patient,
) -> None:
    """The text goes out in the contact's language; the refusal is for whoever is asking."""
    contact = new_contact(patient=child, language="es")
    verification_start(contact=contact, channel="sms")

    with override("en"), pytest.raises(ValidationError) as error:
        verification_start(contact=contact, channel="sms")

    assert "es la clave" in MemorySms.sent[-1].body
    assert field_errors(error) == {"phone": ["a code was sent less than a minute ago"]}


def test_a_refusal_reads_in_spanish_when_spanish_is_active(child: Patient) -> None:
    contact = new_contact(patient=child)

    with override("es"), pytest.raises(ValidationError) as error:
        contact_preferences_update(contact=contact, lead_times=[{"kind": "before", "minutes": 1}])

    assert field_errors(error) == {
        "lead_times[0].minutes": ["debe ser un número entero de minutos de 5 a 1440"]
    }
