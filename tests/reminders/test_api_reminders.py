"""/api/v1/reminders/: contacts, preferences, consent and verification, for the people
reminded and for their clinic's staff, and for nobody else."""

import re
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from programs.models import AuditEvent, Guardian, Patient, User
from reminders.channels import TemporaryFailure
from reminders.channels.memory import MemorySms
from reminders.models import Consent, Contact
from reminders.services import CONSENT_WORDING
from tests.clock import NOW
from tests.programs.factories import guardian, patient, therapist
from tests.reminders.factories import new_contact, ready_contact

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock", "memory_sms")]

ME = "/api/v1/reminders/me/contacts/"
STAFF = "/api/v1/reminders/contacts/"


def client_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def account(person: Patient | Guardian) -> User:
    assert person.user is not None
    return person.user


@pytest.fixture
def maya() -> Patient:
    return patient(with_user=True, first_name="Maya")


@pytest.fixture
def mum(maya: Patient) -> Guardian:
    return guardian(patient=maya, relation=Guardian.Relation.MOTHER)


def error_fields(body: dict[str, Any]) -> set[str]:
    return {error["field"] for error in body["errors"]}


# -- Patients and guardians ----------------------------------------------------------------


def test_a_guardian_lists_the_contacts_of_their_child_only(maya: Patient, mum: Guardian) -> None:
    own = ready_contact(patient=maya)
    mums = new_contact(patient=maya, guardian=mum)
    new_contact(patient=patient())  # another family's

    answer = client_for(account(mum)).get(ME)

    assert answer.status_code == 200
    assert [row["id"] for row in answer.json()["results"]] == [own.id, mums.id]
    first = answer.json()["results"][0]
    assert first["preferences"]["quiet_start"] == "20:00"
    assert {state["channel"]: state["ready"] for state in first["channels"]} == {
        "email": True,
        "sms": True,
    }


def test_someone_elses_contact_is_not_found(maya: Patient) -> None:
    stranger = new_contact(patient=patient())
    client = client_for(account(maya))

    answers = [
        client.get(f"{ME}{stranger.id}/"),
        client.patch(f"{ME}{stranger.id}/preferences/", {"paused": True}),
        client.post(f"{ME}{stranger.id}/verification/", {"channel": "sms"}),
        client.post(f"{ME}{stranger.id}/verification/confirm/", {"code": "123456"}),
        client.post(f"{ME}{stranger.id}/consents/", {"channel": "sms"}),
    ]

    assert [answer.status_code for answer in answers] == [404] * 5
    assert answers[0].json()["code"] == "not_found"
    stranger.refresh_from_db()
    assert not stranger.paused


def test_a_patient_changes_their_preferences(maya: Patient) -> None:
    own = new_contact(patient=maya)

    answer = client_for(account(maya)).patch(
        f"{ME}{own.id}/preferences/",
        {
            "sms_enabled": False,
            "lead_times": [{"kind": "evening_before", "at": "18:30"}],
            "quiet_start": "21:00",
            "quiet_end": "08:00",
        },
    )

    assert answer.status_code == 200
    assert answer.json()["preferences"]["lead_times"] == [{"kind": "evening_before", "at": "18:30"}]
    own.refresh_from_db()
    assert (own.sms_enabled, own.quiet_start.hour, own.quiet_end.hour) == (False, 21, 8)


def test_it_names_the_lead_time_it_refuses(maya: Patient) -> None:
    own = new_contact(patient=maya)

    answer = client_for(account(maya)).patch(
        f"{ME}{own.id}/preferences/",
        {"lead_times": [{"kind": "evening_before"}, {"kind": "before", "minutes": 3}]},
        format="json",
    )

    assert answer.status_code == 400
    assert error_fields(answer.json()) == {"lead_times[1].minutes"}


def test_one_guardian_cannot_change_anothers_contact(maya: Patient, mum: Guardian) -> None:
    dad = guardian(patient=maya, relation=Guardian.Relation.FATHER)
    dads = new_contact(patient=maya, guardian=dad)
    own = new_contact(patient=maya)
    client = client_for(account(mum))

    refused = client.patch(f"{ME}{dads.id}/preferences/", {"paused": True})
    allowed = client.patch(f"{ME}{own.id}/preferences/", {"paused": True})

    assert (refused.status_code, allowed.status_code) == (403, 200)


def test_a_guardian_consents_by_web_form(maya: Patient, mum: Guardian) -> None:
    mums = new_contact(patient=maya, guardian=mum)

    answer = client_for(account(mum)).post(f"{ME}{mums.id}/consents/", {"channel": "sms"})

    assert answer.status_code == 201
    consent = Consent.objects.get(contact=mums)
    assert (consent.method, consent.relationship) == ("web_form", "mother")
    assert answer.json()["wording"] == CONSENT_WORDING["sms"]


def test_a_patient_withdraws_consent(maya: Patient) -> None:
    own = ready_contact(patient=maya)

    answer = client_for(account(maya)).post(
        f"{ME}{own.id}/consents/withdraw/", {"channel": "email"}
    )

    assert answer.status_code == 200
    email = next(state for state in answer.json()["channels"] if state["channel"] == "email")
    assert (email["consented"], email["ready"]) == (False, False)


def test_a_patient_verifies_their_number_with_the_code(maya: Patient) -> None:
    own = new_contact(patient=maya, phone="+14155550123")
    client = client_for(account(maya))

    sent = client.post(f"{ME}{own.id}/verification/", {"channel": "sms"})
    code = re.search(r"\d{6}", MemorySms.sent[-1].body)
    assert code is not None
    wrong = client.post(f"{ME}{own.id}/verification/confirm/", {"code": "12"})
    right = client.post(f"{ME}{own.id}/verification/confirm/", {"code": code.group(0)})

    assert (sent.status_code, sent.json()["to"]) == (202, "+14155550123")
    assert (wrong.status_code, error_fields(wrong.json())) == (400, {"code"})
    assert (right.status_code, right.json()["phone_verified"]) == (200, True)


def test_an_email_link_is_confirmed_without_signing_in(maya: Patient) -> None:
    own = new_contact(patient=maya)

    sent = client_for(account(maya)).post(f"{ME}{own.id}/verification/", {"channel": "email"})
    token = re.search(r"/verify-email/([^/\s]+)/", str(mail.outbox[-1].body))
    assert token is not None
    confirmed = APIClient().post(
        "/api/v1/reminders/email-verifications/", {"token": token.group(1)}
    )
    forged = APIClient().post("/api/v1/reminders/email-verifications/", {"token": "forged"})

    assert (sent.status_code, confirmed.status_code) == (202, 200)
    assert (forged.status_code, error_fields(forged.json())) == (400, {"token"})
    own.refresh_from_db()
    assert own.email_verified_at == NOW


def test_a_provider_down_is_a_503_and_the_code_can_be_asked_again(maya: Patient) -> None:
    own = new_contact(patient=maya)
    client = client_for(account(maya))

    with mock.patch.object(MemorySms, "send", side_effect=TemporaryFailure("20429", "busy")):
        down = client.post(f"{ME}{own.id}/verification/", {"channel": "sms"})
    again = client.post(f"{ME}{own.id}/verification/", {"channel": "sms"})

    assert (down.status_code, down.json()["code"]) == (503, "provider_unavailable")
    assert again.status_code == 202


def test_staff_who_act_for_nobody_are_refused_the_me_endpoints(maya: Patient) -> None:
    clinician = therapist(clinic=maya.clinic)
    own = new_contact(patient=maya)

    listed = client_for(clinician).get(ME)
    one = client_for(clinician).get(f"{ME}{own.id}/")

    assert (listed.status_code, one.status_code) == (403, 403)


def test_it_needs_a_sign_in() -> None:
    assert APIClient().get(ME).status_code == 401
    assert APIClient().get(STAFF).status_code == 401


# -- Staff ---------------------------------------------------------------------------------


def test_staff_list_their_clinics_contacts_only(maya: Patient) -> None:
    clinician = therapist(clinic=maya.clinic)
    own = new_contact(patient=maya)
    new_contact(patient=patient())  # another clinic's

    answer = client_for(clinician).get(STAFF)

    assert [row["id"] for row in answer.json()["results"]] == [own.id]


def test_another_clinics_contact_is_not_found(maya: Patient) -> None:
    elsewhere = therapist()
    own = new_contact(patient=maya)
    client = client_for(elsewhere)

    answers = [
        client.get(f"{STAFF}{own.id}/"),
        client.patch(f"{STAFF}{own.id}/", {"phone": "+12125550100"}),
        client.post(
            f"{STAFF}{own.id}/consents/",
            {"channel": "sms", "given_by": "x", "relationship": "self", "method": "paper"},
        ),
    ]

    assert [answer.status_code for answer in answers] == [404] * 3
    assert not Consent.objects.exists()


def test_patients_and_guardians_are_refused_the_staff_endpoints(
    maya: Patient, mum: Guardian
) -> None:
    own = new_contact(patient=maya)

    assert client_for(account(maya)).get(STAFF).status_code == 403
    assert client_for(account(mum)).get(f"{STAFF}{own.id}/").status_code == 403


def test_staff_add_a_guardians_contact(maya: Patient, mum: Guardian) -> None:
    clinician = therapist(clinic=maya.clinic)

    answer = client_for(clinician).post(
        STAFF,
        {
            "patient": maya.id,
            "role": "guardian",
            "guardian": mum.id,
            "email": "ada@example.org",
            "phone": "415 555 0199",
        },
    )

    assert answer.status_code == 201
    body = answer.json()
    assert (body["phone"], body["phone_verified"], body["guardian"]) == (
        "+14155550199",
        False,
        mum.id,
    )
    assert Contact.objects.filter(guardian=mum).exists()


def test_a_bad_phone_is_a_400_naming_phone(maya: Patient) -> None:
    clinician = therapist(clinic=maya.clinic)

    answer = client_for(clinician).post(
        STAFF, {"patient": maya.id, "role": "patient", "phone": "12345"}
    )

    assert answer.status_code == 400
    assert error_fields(answer.json()) == {"phone"}
    assert not Contact.objects.exists()


def test_another_clinics_patient_is_a_400_naming_patient() -> None:
    clinician = therapist()
    elsewhere = patient()

    answer = client_for(clinician).post(
        STAFF, {"patient": elsewhere.id, "role": "patient", "email": "x@example.org"}
    )

    assert (answer.status_code, error_fields(answer.json())) == (400, {"patient"})


def test_staff_record_consent_given_on_paper(maya: Patient) -> None:
    clinician = therapist(clinic=maya.clinic)
    own = new_contact(patient=maya)

    answer = client_for(clinician).post(
        f"{STAFF}{own.id}/consents/",
        {
            "channel": "sms",
            "given_by": "Ada Okafor",
            "relationship": "mother",
            "method": "paper",
            "given_at": "2026-03-10T09:00:00Z",
        },
    )

    assert answer.status_code == 201
    consent = Consent.objects.get(contact=own)
    assert (consent.recorded_by, consent.wording) == (clinician, CONSENT_WORDING["sms"])
    assert AuditEvent.objects.filter(actor=clinician, patient=maya).exists()


def test_a_changed_address_must_be_verified_again(maya: Patient) -> None:
    clinician = therapist(clinic=maya.clinic)
    own = ready_contact(patient=maya)

    answer = client_for(clinician).patch(f"{STAFF}{own.id}/", {"email": "new@example.org"})

    assert answer.status_code == 200
    assert (answer.json()["email_verified"], answer.json()["phone_verified"]) == (False, True)


def test_the_consent_wording_is_served_from_one_place(maya: Patient) -> None:
    answer = client_for(account(maya)).get("/api/v1/reminders/consent-wording/")

    assert answer.json() == {"email": CONSENT_WORDING["email"], "sms": CONSENT_WORDING["sms"]}


# -- Query counts --------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["me", "staff"])
def test_a_list_takes_the_same_queries_however_many_contacts(
    maya: Patient,
    endpoint: str,
    django_assert_num_queries: Callable[[int], Any],
) -> None:
    clinician = therapist(clinic=maya.clinic)
    user = account(maya) if endpoint == "me" else clinician
    url = ME if endpoint == "me" else STAFF
    client = client_for(user)
    ready_contact(patient=maya)
    ready_contact(patient=maya, guardian=guardian(patient=maya))
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(3):
        ready_contact(patient=maya, guardian=guardian(patient=maya))

    with django_assert_num_queries(len(few.captured_queries)):
        answer = client.get(url)

    assert answer.json()["count"] == 5


def test_a_text_moved_by_quiet_hours_is_told_about_in_the_answer(maya: Patient) -> None:
    own = new_contact(patient=maya)

    answer = client_for(account(maya)).patch(
        f"{ME}{own.id}/preferences/",
        {
            "lead_times": [{"kind": "evening_before", "at": "21:30"}],
            "quiet_start": "20:00",
            "quiet_end": "09:00",
        },
        format="json",
    )

    assert answer.status_code == 200
    assert answer.json()["quiet_hours_notices"] == [
        {
            "lead": "evening_before",
            "due": "21:30",
            "arrives": "09:00",
            "next_day": True,
            "message": "Quiet hours are 8 PM to 9 AM: the text due at 9:30 PM will arrive at "
            "9 AM the next day instead.",
        }
    ]
