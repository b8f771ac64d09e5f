import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from programs.models import AuditEvent, Guardian, Invitation, Patient, User
from programs.services import invitation_create
from tests.programs import factories

pytestmark = pytest.mark.django_db

INVITE = "/clinic/invite/"
PASSWORD = "purple giraffe 42"
LINK = re.compile(
    r'id="invitation-link"[^>]*value="http://testserver(/accounts/invitation/[^"]+/)"'
)


def staff_with_patient(**patient_fields: Any) -> tuple[User, Patient]:
    staff = factories.therapist()
    patient = factories.patient(clinic=staff.memberships.get().clinic, **patient_fields)
    return staff, patient


def link_for(staff: User, patient: Patient, role: str = "patient", **fields: Any) -> str:
    _, raw = invitation_create(actor=staff, patient=patient, role=role, **fields)
    return f"/accounts/invitation/{raw}/"


def guardian_link(staff: User, patient: Patient) -> str:
    return link_for(
        staff,
        patient,
        role="guardian",
        guardian_first_name="Dana",
        guardian_last_name="Chen",
        relation="mother",
    )


def account(username: str = "maya14", **extra: str) -> dict[str, str]:
    return {"username": username, "password1": PASSWORD, "password2": PASSWORD, **extra}


# -- The staff page ---------------------------------------------------------------------------


def test_it_shows_the_link_once_after_inviting_a_patient(client: Client) -> None:
    staff, patient = staff_with_patient()
    client.force_login(staff)

    response = client.post(INVITE, {"patient": patient.pk, "role": "patient"}, follow=True)

    match = LINK.search(response.content.decode())
    assert match, response.content
    assert Invitation.objects.get().patient == patient
    assert not LINK.search(client.get(INVITE).content.decode())
    assert client.get(match.group(1)).status_code == 200


def test_it_invites_a_guardian_and_emails_the_link(client: Client) -> None:
    staff, patient = staff_with_patient(first_name="Ava")
    client.force_login(staff)

    response = client.post(
        INVITE,
        {
            "patient": patient.pk,
            "role": "guardian",
            "guardian_first_name": "Daniel",
            "guardian_last_name": "Chen",
            "relation": "father",
            "email": "daniel@example.org",
        },
        follow=True,
    )

    match = LINK.search(response.content.decode())
    assert match
    assert Guardian.objects.get(patient=patient, user=None).first_name == "Daniel"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["daniel@example.org"]
    assert "http://testserver" + match.group(1) in str(mail.outbox[0].body)
    # A clinic without a short name is not named in the subject: its full name may name
    # the condition treated.
    assert mail.outbox[0].subject == "Your invitation to gradus"
    assert "fibromyalgia" not in mail.outbox[0].subject.lower()


def test_an_invitation_subject_never_carries_the_clinics_full_name(client: Client) -> None:
    staff, patient = staff_with_patient(first_name="Ava")
    clinic = patient.clinic
    clinic.name = "Riverside Pediatric Pain Rehabilitation"
    clinic.short_name = "Riverside"
    clinic.save()
    client.force_login(staff)

    client.post(
        INVITE,
        {"patient": patient.pk, "role": "patient", "email": "ava@example.org"},
        follow=True,
    )

    assert mail.outbox[0].subject == "Your invitation to gradus from Riverside"
    assert "Pain" not in mail.outbox[0].subject


def test_it_invites_the_same_guardian_again_without_a_second_record(client: Client) -> None:
    staff, patient = staff_with_patient()
    client.force_login(staff)
    dana = {
        "patient": patient.pk,
        "role": "guardian",
        "guardian_first_name": "Dana",
        "guardian_last_name": "Chen",
        "relation": "mother",
    }

    client.post(INVITE, dana)
    client.post(INVITE, {**dana, "guardian_first_name": " dana "})  # sent again, or a new link

    guardian = Guardian.objects.get(patient=patient)
    assert Invitation.objects.filter(guardian=guardian).count() == 2


def test_it_asks_for_the_guardians_name_and_relation(client: Client) -> None:
    staff, patient = staff_with_patient()
    client.force_login(staff)

    response = client.post(INVITE, {"patient": patient.pk, "role": "guardian"})

    assert response.status_code == 200
    assert b"Needed when inviting a parent or guardian." in response.content
    assert not Invitation.objects.exists()


def test_it_names_the_patient_field_when_they_have_an_account(client: Client) -> None:
    staff, patient = staff_with_patient(first_name="Maya")
    patient.user = factories.UserFactory.create()
    patient.save()
    client.force_login(staff)

    response = client.post(INVITE, {"patient": patient.pk, "role": "patient"})

    assert response.status_code == 200
    assert b"Patient: Maya already has an account." in response.content
    assert b'name="patient" required aria-invalid="true"' in response.content


def test_it_offers_only_the_staff_members_patients(client: Client) -> None:
    staff, patient = staff_with_patient()
    stranger = factories.patient()
    client.force_login(staff)

    page = client.get(INVITE).content.decode()
    response = client.post(INVITE, {"patient": stranger.pk, "role": "patient"})

    assert f'value="{patient.pk}"' in page
    assert f'value="{stranger.pk}"' not in page
    assert response.status_code == 200
    assert not Invitation.objects.exists()


def test_it_preselects_the_patient_from_the_query(client: Client) -> None:
    staff, patient = staff_with_patient()
    client.force_login(staff)

    response = client.get(f"{INVITE}?patient={patient.pk}")

    assert f'value="{patient.pk}" selected' in response.content.decode()


def test_it_ignores_a_patient_in_the_query_it_cannot_read(client: Client) -> None:
    staff, patient = staff_with_patient()
    client.force_login(staff)

    response = client.get(f"{INVITE}?patient=\u00b2")

    assert response.status_code == 200
    assert f'value="{patient.pk}" selected' not in response.content.decode()


def test_it_lists_and_revokes_pending_invitations(client: Client) -> None:
    staff, patient = staff_with_patient(first_name="Maya")
    link = link_for(staff, patient)
    invitation = Invitation.objects.get()
    client.force_login(staff)

    listed = client.get(INVITE).content.decode()
    response = client.post(f"/clinic/invite/{invitation.pk}/revoke/", follow=True)

    assert "Pending invitations" in listed
    assert f"/clinic/invite/{invitation.pk}/revoke/" in listed
    assert b"is cancelled" in response.content
    assert f"/clinic/invite/{invitation.pk}/revoke/" not in response.content.decode()
    assert client.get(link).status_code == 410


def test_it_hides_another_clinics_invitation_from_revoking(client: Client) -> None:
    staff, patient = staff_with_patient()
    link_for(staff, patient)
    client.force_login(factories.therapist())

    response = client.post(f"/clinic/invite/{Invitation.objects.get().pk}/revoke/")

    assert response.status_code == 404
    assert Invitation.objects.get().revoked_at is None


def test_it_refuses_patients_on_the_invite_page(client: Client) -> None:
    patient = factories.patient(with_user=True)
    assert patient.user is not None
    client.force_login(patient.user)

    assert client.get(INVITE).status_code == 403


def test_it_shows_the_invite_page_in_few_queries(
    client: Client, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    staff, patient = staff_with_patient()
    for _ in range(5):
        factories.patient(clinic=patient.clinic)
        link_for(staff, patient, role="guardian", guardian_first_name="A",
                 guardian_last_name="B", relation="other")  # fmt: skip
    client.force_login(staff)

    with django_assert_max_num_queries(6):
        response = client.get(INVITE)

    assert response.content.decode().count("Revoke") >= 5


# -- The invitee's page -----------------------------------------------------------------------


def test_it_explains_whom_the_invitation_is_for(client: Client) -> None:
    staff, patient = staff_with_patient(first_name="Maya")

    response = client.get(link_for(staff, patient))

    body = response.content.decode()
    assert "invited Maya to gradus" in body
    assert patient.clinic.name in body
    assert "If you are a parent setting this up for your child" in body


def test_it_creates_the_patients_account_and_signs_them_in(client: Client) -> None:
    staff, patient = staff_with_patient()
    link = link_for(staff, patient)

    response = client.post(link, account(email="maya@example.org"))

    assert response["Location"] == f"/p/{patient.pk}/today/"
    patient.refresh_from_db()
    assert patient.user is not None
    assert patient.user.username == "maya14"
    assert patient.user.email == "maya@example.org"


def test_it_works_only_once(client: Client) -> None:
    staff, patient = staff_with_patient()
    link = link_for(staff, patient)
    client.post(link, account())

    response = Client().post(link, account("someone-else"))

    assert response.status_code == 410
    assert b"already been used" in response.content
    assert not User.objects.filter(username="someone-else").exists()


def test_it_shows_form_errors_for_a_taken_username_and_a_weak_password(client: Client) -> None:
    factories.UserFactory.create(username="maya14")
    staff, patient = staff_with_patient()
    link = link_for(staff, patient)

    taken = client.post(link, account())
    weak = client.post(
        link, {"username": "fresh", "password1": "12345678", "password2": "12345678"}
    )
    different = client.post(link, {**account("fresh"), "password2": "something else 9"})

    assert b"This username is taken" in taken.content
    assert b"This password is entirely numeric" in weak.content
    assert b"The two passwords are not the same" in different.content
    assert Invitation.objects.get().accepted_at is None


def test_it_lets_a_signed_in_guardian_add_a_second_child(client: Client) -> None:
    ava = factories.patient(first_name="Ava")
    parent = factories.guardian(patient=ava).user
    assert parent is not None
    staff = factories.therapist(clinic=ava.clinic)
    lily = factories.patient(clinic=ava.clinic, first_name="Lily")
    link = guardian_link(staff, lily)
    client.force_login(parent)

    page = client.get(link).content.decode()
    response = client.post(link, {"action": "link"}, follow=True)

    assert "Add Lily to my account" in page
    assert "Sign out and create a new account" in page
    assert response.redirect_chain[-1][0] == f"/p/{lily.pk}/today/"
    assert "Switch to Ava" in response.content.decode()
    assert Guardian.objects.get(patient=lily).user == parent


def test_it_asks_a_signed_in_visitor_to_sign_out_for_a_patients_invitation(
    client: Client,
) -> None:
    staff, patient = staff_with_patient(first_name="Maya")
    link = link_for(staff, patient)
    client.force_login(factories.UserFactory.create())

    page = client.get(link).content.decode()
    client.post(link, {"action": "link"})
    signed_out = client.post("/accounts/sign-out/", {"next": link}, follow=True)

    assert "Sign out and create a new account" in page
    assert "Add Maya" not in page
    assert patient.invitations.get().accepted_at is None
    assert signed_out.redirect_chain[-1][0] == link
    assert b"Create account" in signed_out.content


def test_it_creates_a_guardians_account(client: Client) -> None:
    staff, patient = staff_with_patient(first_name="Ava")
    link = guardian_link(staff, patient)

    page = client.get(link).content.decode()
    client.post(link, account("dana"))

    assert "Follow Ava\N{RIGHT SINGLE QUOTATION MARK}s program" in page
    guardian = Guardian.objects.get(patient=patient)
    assert guardian.user is not None and guardian.user.username == "dana"
    assert guardian.user.first_name == "Dana"
    assert client.get("/")["Location"] == f"/p/{patient.pk}/today/"


def test_it_audits_the_acceptance(client: Client) -> None:
    staff, patient = staff_with_patient()
    client.post(link_for(staff, patient), account())

    assert AuditEvent.objects.filter(patient=patient, what__contains="accepted").exists()


def test_it_says_an_unknown_link_does_not_work(client: Client) -> None:
    response = client.get("/accounts/invitation/not-a-real-token/")

    assert response.status_code == 404
    assert b"ask your therapist for a new link" in response.content


def test_it_says_an_expired_link_does_not_work(client: Client) -> None:
    staff, patient = staff_with_patient()
    link = link_for(staff, patient)

    with time_machine.travel(timezone.now() + timedelta(days=8)):
        response = client.post(link, account())

    assert response.status_code == 410
    assert b"It is too old" in response.content
    assert not User.objects.filter(username="maya14").exists()
