from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from programs.models import AuditEvent, Guardian, Invitation, Patient, User
from programs.services import (
    invitation_accept,
    invitation_create,
    invitation_find,
    invitation_revoke,
    invitations_pending_for,
)
from programs.services.invitations import token_hash
from tests.concurrency import at_once
from tests.programs import factories

pytestmark = pytest.mark.django_db

PASSWORD = "purple giraffe 42"


@pytest.fixture
def staff() -> User:
    return factories.therapist()


@pytest.fixture
def patient(staff: User) -> Patient:
    """A patient of the staff member's clinic, without an account yet."""
    return factories.patient(clinic=staff.memberships.get().clinic)


def invite_guardian(staff: User, patient: Patient, **fields: str) -> tuple[Invitation, str]:
    return invitation_create(
        actor=staff,
        patient=patient,
        role="guardian",
        guardian_first_name=fields.get("first_name", "Dana"),
        guardian_last_name=fields.get("last_name", "Chen"),
        relation=fields.get("relation", "mother"),
    )


def test_it_keeps_only_a_hash_of_the_token(staff: User, patient: Patient) -> None:

    invitation, raw = invitation_create(actor=staff, patient=patient, role="patient")

    assert len(raw) >= 43
    assert invitation.token_hash == token_hash(raw) != raw
    assert invitation_find(raw) == invitation


@override_settings(WEB_INVITATION_DAYS=3)
def test_it_expires_after_the_configured_days(staff: User, patient: Patient) -> None:

    invitation, _ = invitation_create(actor=staff, patient=patient, role="patient")

    assert invitation.expires_at - invitation.created_at == timedelta(days=3)
    assert invitation.status(invitation.created_at + timedelta(days=3)) == "expired"


def test_it_audits_the_invitation(staff: User, patient: Patient) -> None:

    invitation_create(actor=staff, patient=patient, role="patient")

    event = AuditEvent.objects.get(patient=patient, what__startswith="invitation")
    assert event.actor == staff
    assert event.action == "change"


def test_it_refuses_staff_of_another_clinic() -> None:
    staff = factories.therapist()
    patient = factories.patient()

    with pytest.raises(PermissionDenied):
        invitation_create(actor=staff, patient=patient, role="patient")

    assert not Invitation.objects.exists()


def test_it_refuses_to_invite_a_patient_who_has_an_account() -> None:
    staff = factories.therapist()
    patient = factories.patient(clinic=staff.memberships.get().clinic, with_user=True)

    with pytest.raises(ValidationError) as caught:
        invitation_create(actor=staff, patient=patient, role="patient")

    assert "patient" in caught.value.message_dict


def test_it_creates_the_guardian_record_without_an_account() -> None:
    staff = factories.clinic_admin()
    patient = factories.patient(clinic=staff.memberships.get().clinic)

    invitation, _ = invite_guardian(staff, patient, first_name="Dana")

    assert invitation.guardian is not None
    assert invitation.guardian.first_name == "Dana"
    assert invitation.guardian.user is None
    assert invitation.guardian.patient == patient


def test_it_names_the_guardian_fields_in_errors(staff: User, patient: Patient) -> None:

    with pytest.raises(ValidationError) as caught:
        invite_guardian(staff, patient, first_name="", relation="cousin")

    assert set(caught.value.message_dict) == {"guardian_first_name", "relation"}
    assert not Guardian.objects.exists()


def test_it_refuses_a_bad_email(staff: User, patient: Patient) -> None:

    with pytest.raises(ValidationError) as caught:
        invitation_create(actor=staff, patient=patient, role="patient", email="not an address")

    assert "email" in caught.value.message_dict


def test_it_finds_nothing_for_an_unknown_token() -> None:
    assert invitation_find("nope") is None
    assert invitation_find("") is None


def test_it_creates_the_patients_account_on_accepting() -> None:
    staff = factories.therapist()
    patient = factories.patient(clinic=staff.memberships.get().clinic, first_name="Maya")
    invitation, _ = invitation_create(actor=staff, patient=patient, role="patient")

    user = invitation_accept(invitation=invitation, username="maya", password=PASSWORD)

    patient.refresh_from_db()
    invitation.refresh_from_db()
    assert patient.user == user
    assert user.check_password(PASSWORD)
    assert user.first_name == "Maya"
    assert invitation.accepted_by == user
    assert invitation.status() == "accepted"


def test_it_links_the_guardian_record_on_accepting(staff: User, patient: Patient) -> None:
    invitation, _ = invite_guardian(staff, patient)

    user = invitation_accept(
        invitation=invitation, username="dana", password=PASSWORD, email="dana@example.org"
    )

    assert invitation.guardian is not None
    invitation.guardian.refresh_from_db()
    assert invitation.guardian.user == user
    assert user.email == "dana@example.org"


def test_it_links_an_existing_guardian_to_a_second_child() -> None:
    first = factories.patient()
    parent = factories.guardian(patient=first).user
    assert parent is not None
    staff = factories.therapist(clinic=first.clinic)
    second = factories.patient(clinic=first.clinic)
    invitation, _ = invite_guardian(staff, second)

    user = invitation_accept(invitation=invitation, existing_user=parent)

    assert user == parent
    assert set(parent.guardianships.values_list("patient_id", flat=True)) == {first.pk, second.pk}


def test_it_refuses_to_link_an_existing_user_as_the_patient(staff: User, patient: Patient) -> None:
    invitation, _ = invitation_create(actor=staff, patient=patient, role="patient")

    with pytest.raises(ValidationError):
        invitation_accept(invitation=invitation, existing_user=factories.UserFactory.create())

    assert invitation_find_status(invitation) == "pending"


def invitation_find_status(invitation: Invitation) -> str:
    invitation.refresh_from_db()
    return invitation.status()


def test_it_names_a_taken_username(staff: User, patient: Patient) -> None:
    factories.UserFactory.create(username="maya")
    invitation, _ = invitation_create(actor=staff, patient=patient, role="patient")

    with pytest.raises(ValidationError) as caught:
        invitation_accept(invitation=invitation, username="Maya", password=PASSWORD)

    assert "username" in caught.value.message_dict
    assert invitation_find_status(invitation) == "pending"


def test_it_checks_the_password_with_djangos_validators(staff: User, patient: Patient) -> None:
    invitation, _ = invitation_create(actor=staff, patient=patient, role="patient")

    with pytest.raises(ValidationError) as caught:
        invitation_accept(invitation=invitation, username="maya", password="12345678")

    assert "password" in caught.value.message_dict
    assert not User.objects.filter(username="maya").exists()
    assert invitation_find_status(invitation) == "pending"


def test_it_accepts_only_once(staff: User, patient: Patient) -> None:
    invitation, raw = invite_guardian(staff, patient)
    stale_copy = invitation_find(raw)
    assert stale_copy is not None
    invitation_accept(invitation=invitation, username="first", password=PASSWORD)

    with pytest.raises(ValidationError) as caught:
        invitation_accept(invitation=stale_copy, username="second", password=PASSWORD)

    assert caught.value.code == "accepted"
    assert not User.objects.filter(username="second").exists()


def test_it_refuses_an_expired_invitation(staff: User, patient: Patient) -> None:
    invitation, _ = invitation_create(actor=staff, patient=patient, role="patient")

    with (
        time_machine.travel(timezone.now() + timedelta(days=8)),
        pytest.raises(ValidationError) as caught,
    ):
        invitation_accept(invitation=invitation, username="maya", password=PASSWORD)

    assert caught.value.code == "expired"


def test_it_revokes_a_pending_invitation(staff: User, patient: Patient) -> None:
    invitation, _ = invitation_create(actor=staff, patient=patient, role="patient")

    invitation_revoke(actor=staff, invitation=invitation)

    assert invitation.status() == "revoked"
    assert list(invitations_pending_for(staff)) == []
    with pytest.raises(ValidationError) as caught:
        invitation_accept(invitation=invitation, username="maya", password=PASSWORD)
    assert caught.value.code == "revoked"


def test_it_lets_only_the_clinic_revoke(staff: User, patient: Patient) -> None:
    invitation, _ = invitation_create(actor=staff, patient=patient, role="patient")

    with pytest.raises(PermissionDenied):
        invitation_revoke(actor=factories.therapist(), invitation=invitation)

    assert invitation_find_status(invitation) == "pending"


def test_it_lists_pending_invitations_of_the_staff_members_clinics_only() -> None:
    staff = factories.therapist()
    mine = factories.patient(clinic=staff.memberships.get().clinic)
    theirs = factories.patient()
    other_staff = factories.therapist(clinic=theirs.clinic)
    pending, _ = invitation_create(actor=staff, patient=mine, role="patient")
    invitation_create(actor=other_staff, patient=theirs, role="patient")

    assert list(invitations_pending_for(staff)) == [pending]


@pytest.mark.requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_tabs_accepting_at_once_create_one_account(staff: User, patient: Patient) -> None:
    _, raw = invitation_create(actor=staff, patient=patient, role="patient")
    outcomes: dict[str, str] = {}

    def tab(username: str) -> Callable[[], None]:
        # Each tab opened the invitation before either accepted it.
        invitation = invitation_find(raw)
        assert invitation is not None

        def accept() -> None:
            try:
                invitation_accept(invitation=invitation, username=username, password=PASSWORD)
                outcomes[username] = "created"
            except ValidationError as error:
                outcomes[username] = str(error.code)

        return accept

    at_once(tab("first"), tab("second"))

    assert sorted(outcomes.values()) == ["accepted", "created"]
    assert User.objects.filter(username__in=["first", "second"]).count() == 1
