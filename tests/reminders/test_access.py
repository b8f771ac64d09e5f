"""The contacts' access function (reminders/access.py) and the guardian lookups the reminder
pages and the API share (reminders/selectors.py), through real rows."""

from __future__ import annotations

import pytest

from programs.access import AccessDenied
from reminders.access import NOT_YOURS, access_contact
from reminders.selectors import consent_relationship, guardian_link
from tests.programs.factories import guardian, patient, therapist
from tests.reminders.factories import new_contact

pytestmark = pytest.mark.django_db


def test_a_family_reads_every_contact_of_the_patient_and_changes_its_own() -> None:
    child = patient(with_user=True)
    mum = guardian(patient=child, relation="mother")
    dad = guardian(patient=child, relation="father")
    childs = new_contact(patient=child)
    dads = new_contact(patient=child, guardian=dad)
    assert mum.user is not None

    assert access_contact(mum.user, childs.id, manage=False, change=True) == childs
    assert access_contact(mum.user, dads.id, manage=False) == dads
    with pytest.raises(AccessDenied) as refused:
        access_contact(mum.user, dads.id, manage=False, change=True)
    assert (refused.value.hidden, refused.value.detail) == (False, NOT_YOURS)


def test_another_family_s_contact_is_hidden() -> None:
    child = patient(with_user=True)
    stranger = patient(with_user=True)
    contact = new_contact(patient=child)
    assert stranger.user is not None

    with pytest.raises(AccessDenied) as refused:
        access_contact(stranger.user, contact.id, manage=False, change=True)
    assert refused.value.hidden


def test_only_the_clinic_s_staff_manage_a_contact() -> None:
    child = patient(with_user=True)
    contact = new_contact(patient=child)
    assert child.user is not None

    assert access_contact(therapist(clinic=child.clinic), contact.id, manage=True) == contact
    for outsider in (therapist(), child.user):
        with pytest.raises(AccessDenied):
            access_contact(outsider, contact.id, manage=True)


def test_a_consent_names_how_the_person_relates_to_the_patient() -> None:
    child = patient(with_user=True)
    mum = guardian(patient=child, relation="mother")
    contact = new_contact(patient=child)
    assert child.user is not None and mum.user is not None

    assert consent_relationship(child.user, contact) == "self"
    assert consent_relationship(mum.user, contact) == "mother"
    assert consent_relationship(therapist(), contact) == "other"


def test_a_guardian_link_is_the_user_s_own_for_that_patient() -> None:
    child = patient()
    link = guardian(patient=child)
    assert link.user is not None

    assert guardian_link(link.user, child) == link
    assert guardian_link(link.user, patient()) is None
