"""The reminder settings pages: contacts, adding one with consent, confirming a number by
code, times and quiet hours, stopping and starting; only this patient's contacts."""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.test import Client, override_settings
from pytest_django import DjangoAssertNumQueries

from programs.models import Clinic, Patient, User
from reminders.channels.memory import MemorySms
from reminders.models import Channel, Consent, Contact
from tests.programs import factories
from tests.reminders.factories import new_contact, ready_contact

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _memory_sms() -> Iterator[None]:
    MemorySms.reset()
    with override_settings(REMINDERS_SMS_BACKEND="memory"):
        yield
    MemorySms.reset()


def _patient() -> tuple[Patient, User]:
    patient = factories.patient(with_user=True, time_zone="America/New_York")
    assert patient.user is not None
    return patient, patient.user


def _signed_in_with_contact(client: Client) -> tuple[Patient, Contact]:
    """A patient signed in on `client`, with one contact ready for reminders."""
    patient, user = _patient()
    contact = ready_contact(patient=patient)
    client.force_login(user)
    return patient, contact


def _url(patient: Patient, tail: str = "") -> str:
    return f"/p/{patient.pk}/reminders/{tail}"


def _post_times(
    client: Client, patient: Patient, contact: Contact, *, follow: bool = False, **fields: Any
) -> Any:
    """Send the times and quiet hours form of ``contact``, its fields named without their
    ``times-`` prefix."""
    data = {"form": "times", **{f"times-{name}": value for name, value in fields.items()}}
    return client.post(_url(patient, f"{contact.pk}/"), data, follow=follow)


def _last_code() -> str:
    found = re.search(r"\d{6}", MemorySms.sent[-1].body)
    assert found is not None
    return found.group(0)


def test_it_lists_the_patients_contacts_with_their_state(client: Client) -> None:
    patient, user = _patient()
    ready_contact(patient=patient, email="maya@example.org", phone="+14155550123")
    client.force_login(user)
    response = client.get(_url(patient))
    body = response.content.decode()
    assert response.status_code == 200
    assert "maya@example.org" in body and "+14155550123" in body
    assert "The evening before at 7 PM" in body and "1 hour before" in body
    assert "8 PM to 9 AM" in body


def test_an_en_gb_clinics_contacts_list_writes_times_on_the_24_hour_clock(
    client: Client,
) -> None:
    patient, user = _patient()
    Clinic.objects.filter(pk=patient.clinic_id).update(locale="en-gb")
    ready_contact(patient=patient, email="maya@example.org", phone="+14155550123")
    client.force_login(user)
    body = client.get(_url(patient)).content.decode()
    assert "The evening before at 19:00" in body and "20:00 to 09:00" in body


def test_it_reads_the_list_in_a_fixed_number_of_queries(
    client: Client, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    patient, _user = _patient()
    mum = factories.guardian(patient=patient)
    dad = factories.guardian(patient=patient)
    ready_contact(patient=patient)
    ready_contact(patient=patient, guardian=mum)
    ready_contact(patient=patient, guardian=dad)
    assert mum.user is not None
    client.force_login(mum.user)
    with django_assert_max_num_queries(9):
        response = client.get(_url(patient))
    assert response.status_code == 200


def test_it_adds_a_phone_contact_and_confirms_it_by_code(client: Client) -> None:
    patient, user = _patient()
    client.force_login(user)
    response = client.post(_url(patient, "add/"), {"phone": "(415) 555-0123", "sms_consent": "on"})
    contact = Contact.objects.get(patient=patient)
    assert response["Location"] == _url(patient, f"{contact.pk}/verify/")
    assert contact.phone == "+14155550123" and contact.role == Contact.Role.PATIENT
    consent = contact.consents.get()
    assert consent.channel == Channel.SMS and consent.method == Consent.Method.WEB_FORM
    response = client.post(_url(patient, f"{contact.pk}/verify/"), {"code": _last_code()})
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.phone_verified_at is not None


def test_it_emails_a_link_for_a_new_email_address(client: Client) -> None:
    patient, user = _patient()
    client.force_login(user)
    response = client.post(
        _url(patient, "add/"), {"email": "maya@example.org", "email_consent": "on"}, follow=True
    )
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["maya@example.org"]
    assert "We sent a link to maya@example.org" in response.content.decode()


def test_it_asks_for_consent_before_adding_an_address(client: Client) -> None:
    patient, user = _patient()
    client.force_login(user)
    response = client.post(_url(patient, "add/"), {"phone": "+14155550123"})
    assert response.status_code == 200
    assert "Tick this box to get reminders by text message." in response.content.decode()
    assert not Contact.objects.filter(patient=patient).exists()


def test_it_names_the_field_of_an_invalid_phone_number(client: Client) -> None:
    patient, user = _patient()
    client.force_login(user)
    response = client.post(_url(patient, "add/"), {"phone": "12345"})
    body = response.content.decode()
    assert "Mobile number: This is not a valid phone number" in body
    assert "Tick this box to get reminders by text message." in body
    assert not Contact.objects.filter(patient=patient).exists()


def test_it_shows_the_consent_wording_on_the_add_page(client: Client) -> None:
    patient, user = _patient()
    client.force_login(user)
    body = client.get(_url(patient, "add/")).content.decode()
    assert "Reply STOP" in body and "unsubscribe link" in body
    assert "I agree to get reminder text messages" in body


def test_it_counts_a_wrong_code_and_keeps_the_number_unconfirmed(client: Client) -> None:
    patient, user = _patient()
    client.force_login(user)
    client.post(_url(patient, "add/"), {"phone": "+14155550123", "sms_consent": "on"})
    contact = Contact.objects.get(patient=patient)
    wrong = "000000" if _last_code() != "000000" else "111111"
    response = client.post(_url(patient, f"{contact.pk}/verify/"), {"code": wrong})
    assert response.status_code == 400
    assert "This is not the code we sent (4 tries left)." in response.content.decode()
    contact.refresh_from_db()
    assert contact.phone_verified_at is None and contact.phone_code_attempts == 1


def test_it_lets_a_guardian_add_their_own_contact(client: Client) -> None:
    patient, _user = _patient()
    mum = factories.guardian(patient=patient, relation="mother")
    assert mum.user is not None
    client.force_login(mum.user)
    client.post(
        _url(patient, "add/"),
        {"who": "guardian", "email": "mum@example.org", "email_consent": "on"},
    )
    contact = Contact.objects.get(patient=patient)
    assert contact.guardian == mum
    assert contact.consents.get().relationship == "mother"


def test_it_changes_times_and_quiet_hours(client: Client) -> None:
    patient, contact = _signed_in_with_contact(client)
    response = _post_times(
        client,
        patient,
        contact,
        email_enabled="on",
        evening_before="on",
        evening_at="18:30",
        before=["30"],
        quiet_start="21:00",
        quiet_end="08:00",
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.lead_times == [
        {"kind": "evening_before", "at": "18:30"},
        {"kind": "before", "minutes": 30},
    ]
    assert (contact.quiet_start.hour, contact.quiet_end.hour) == (21, 8)
    assert contact.email_enabled and not contact.sms_enabled


def test_it_names_the_field_of_a_bad_quiet_hours_time(client: Client) -> None:
    patient, contact = _signed_in_with_contact(client)
    response = _post_times(
        client, patient, contact, before=["60"], quiet_start="late", quiet_end=""
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Quiet hours start: Enter a time such as 20:00." in body
    assert "Quiet hours end: Enter when quiet hours end, such as 09:00." in body


def test_it_asks_for_at_least_one_time(client: Client) -> None:
    patient, contact = _signed_in_with_contact(client)
    response = _post_times(client, patient, contact, quiet_start="20:00", quiet_end="09:00")
    assert "Before the session: Choose at least one time." in response.content.decode()
    contact.refresh_from_db()
    assert len(contact.lead_times) == 2


def test_it_stops_and_starts_all_reminders(client: Client) -> None:
    patient, contact = _signed_in_with_contact(client)
    response = client.post(_url(patient, f"{contact.pk}/stop/"), follow=True)
    contact.refresh_from_db()
    assert contact.paused
    assert "All reminders to" in response.content.decode()
    assert "Start reminders again" in response.content.decode()
    client.post(_url(patient, f"{contact.pk}/start/"))
    contact.refresh_from_db()
    assert not contact.paused


def test_it_adds_a_number_to_a_contact_and_sends_a_code(client: Client) -> None:
    patient, user = _patient()
    contact = ready_contact(patient=patient, channels=[Channel.EMAIL], phone="")
    client.force_login(user)
    response = client.post(
        _url(patient, f"{contact.pk}/"),
        {
            "form": "addresses",
            "addresses-email": contact.email,
            "addresses-phone": "+14155550199",
            "addresses-sms_consent": "on",
        },
    )
    assert response["Location"] == _url(patient, f"{contact.pk}/verify/")
    assert MemorySms.sent[-1].to == "+14155550199"
    assert contact.consents.filter(channel=Channel.SMS).exists()


def test_it_hides_another_patients_contact(client: Client) -> None:
    patient, user = _patient()
    other, _other_user = _patient()
    theirs = ready_contact(patient=other)
    client.force_login(user)
    assert client.get(_url(patient, f"{theirs.pk}/")).status_code == 404
    assert client.post(_url(patient, f"{theirs.pk}/stop/")).status_code == 404
    assert client.get(_url(other, f"{theirs.pk}/")).status_code == 404
    theirs.refresh_from_db()
    assert not theirs.paused


def test_it_shows_another_guardians_contact_without_changing_it(client: Client) -> None:
    patient, _user = _patient()
    mum = factories.guardian(patient=patient)
    dad = factories.guardian(patient=patient)
    dads = ready_contact(patient=patient, guardian=dad)
    assert mum.user is not None
    client.force_login(mum.user)
    body = client.get(_url(patient)).content.decode()
    assert dads.name in body and f"Only {dads.name} can change these." in body
    assert client.post(_url(patient, f"{dads.pk}/stop/")).status_code == 403


def test_it_lets_a_guardian_change_their_childs_contact(client: Client) -> None:
    patient, _user = _patient()
    mum = factories.guardian(patient=patient)
    childs = new_contact(patient=patient)
    assert mum.user is not None
    client.force_login(mum.user)
    client.post(_url(patient, f"{childs.pk}/stop/"))
    childs.refresh_from_db()
    assert childs.paused


def test_it_offers_no_second_own_contact(client: Client) -> None:
    patient, user = _patient()
    ready_contact(patient=patient)
    client.force_login(user)
    assert "Add a contact" not in client.get(_url(patient)).content.decode()
    response = client.get(_url(patient, "add/"))
    assert response.status_code == 302


def test_it_asks_a_guardian_whose_contact_to_add(client: Client) -> None:
    patient, _user = _patient()
    mum = factories.guardian(patient=patient)
    assert mum.user is not None
    client.force_login(mum.user)
    body = client.get(_url(patient, "add/")).content.decode()
    assert "Who gets these reminders?" in body
    assert 'value="guardian"' in body and 'value="patient"' in body


def test_it_sends_no_second_code_within_a_minute(client: Client) -> None:
    patient, user = _patient()
    client.force_login(user)
    client.post(_url(patient, "add/"), {"phone": "+14155550123", "sms_consent": "on"})
    contact = Contact.objects.get(patient=patient)
    response = client.post(_url(patient, f"{contact.pk}/send/"), {"channel": "sms"}, follow=True)
    assert "a code was sent less than a minute ago" in response.content.decode()
    assert len(MemorySms.sent) == 1


def test_a_text_time_inside_quiet_hours_says_when_it_will_really_arrive(client: Client) -> None:
    patient, contact = _signed_in_with_contact(client)

    response = _post_times(
        client,
        patient,
        contact,
        sms_enabled="on",
        evening_before="on",
        evening_at="21:30",
        quiet_start="20:00",
        quiet_end="09:00",
        follow=True,
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "Reminder times saved." in body
    assert (
        "Quiet hours are 8 PM to 9 AM: the text due at 9:30 PM will arrive at 9 AM the next "
        "day instead."
    ) in body
