"""The access functions (programs/access.py): who reaches one object by its id, and whether a
refusal hides it (404) or only refuses the change (403). Through real rows; the interfaces'
answers are in test_api_matrix.py and the web's tests.

The last test holds the today endpoint's cached grant to the same verdict: for every role of
the access matrix and every patient of its world, access_patient's answer, whether a grant is
kept and used, and the endpoint's status all agree."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache

from programs import cache as today_cache
from programs.access import (
    LIBRARY_READ_ONLY,
    AccessDenied,
    access_activity,
    access_alert,
    access_draft,
    access_household,
    access_invitation,
    access_patient,
    access_program,
    access_template,
)
from programs.models import Patient, Program
from programs.services import check_in_submit, invitation_create
from tests.programs import test_api_matrix
from tests.programs.factories import (
    ActivityFactory,
    ProgramTemplateFactory,
    active_program,
    draft_program,
    guardian,
    patient,
    therapist,
)
from tests.programs.test_api_matrix import NOW, PHANTOM, ROLE_NAMES, World

pytestmark = pytest.mark.django_db


def verdict(call: Any) -> str:
    """ "ok", "hidden" (404) or "refused" (403) for one access call."""
    try:
        call()
    except AccessDenied as denied:
        return "hidden" if denied.hidden else "refused"
    return "ok"


# -- Patients --------------------------------------------------------------------------------


def test_a_patient_and_their_guardian_act_for_the_patient_and_nobody_else() -> None:
    child = patient(with_user=True)
    parent = guardian(patient=child)
    stranger = patient(with_user=True, clinic=child.clinic)
    assert child.user is not None and parent.user is not None

    assert access_patient(child.user, child.id, manage=False) == child
    assert access_patient(parent.user, child.id, manage=False) == child
    assert verdict(lambda: access_patient(parent.user, stranger.id, manage=False)) == "hidden"


def test_only_the_clinic_s_staff_manage_a_patient() -> None:
    child = patient(with_user=True)
    own = therapist(clinic=child.clinic)
    other = therapist()
    assert child.user is not None

    assert access_patient(own, child.id, manage=True) == child
    assert verdict(lambda: access_patient(other, child.id, manage=True)) == "hidden"
    assert verdict(lambda: access_patient(child.user, child.id, manage=True)) == "hidden"


def test_staff_do_not_act_for_their_clinic_s_patients() -> None:
    child = patient()
    own = therapist(clinic=child.clinic)

    assert verdict(lambda: access_patient(own, child.id, manage=False)) == "hidden"


def test_a_lean_lookup_loads_the_time_zone_and_decides_alike() -> None:
    child = patient(with_user=True, time_zone="Europe/Paris")
    other = patient(with_user=True)
    assert child.user is not None

    lean = access_patient(child.user, child.id, manage=False, time_zone_only=True)

    assert (lean.pk, lean.time_zone) == (child.pk, "Europe/Paris")
    assert (
        verdict(lambda: access_patient(child.user, other.id, manage=False, time_zone_only=True))
        == "hidden"
    )


def test_a_household_is_the_patient_and_everyone_the_user_acts_for() -> None:
    first = patient()
    second = patient(clinic=first.clinic)
    link = guardian(patient=first)
    guardian(patient=second, user=link.user)
    assert link.user is not None

    found, members = access_household(link.user, second.id)

    assert found == second and {member.pk for member in members} == {first.pk, second.pk}
    assert verdict(lambda: access_household(link.user, patient().id)) == "hidden"


def test_a_queryset_loads_and_narrows_but_never_widens() -> None:
    child = patient()
    own = therapist(clinic=child.clinic)
    elsewhere = patient()

    loaded = access_patient(
        own, child.id, manage=True, queryset=Patient.objects.select_related("clinic")
    )

    assert loaded == child
    assert (
        verdict(
            lambda: access_patient(own, elsewhere.id, manage=True, queryset=Patient.objects.all())
        )
        == "hidden"
    )
    assert (
        verdict(
            lambda: access_patient(
                own, child.id, manage=True, queryset=Patient.objects.exclude(pk=child.pk)
            )
        )
        == "hidden"
    )


def test_an_anonymous_user_reaches_nothing() -> None:
    child = patient()

    assert verdict(lambda: access_patient(AnonymousUser(), child.id, manage=False)) == "hidden"  # type: ignore[arg-type]
    assert verdict(lambda: access_patient(AnonymousUser(), child.id, manage=True)) == "hidden"  # type: ignore[arg-type]


# -- The clinic's records --------------------------------------------------------------------


def test_a_program_is_its_clinic_s_staff_s_and_a_draft_only_while_it_is_one() -> None:
    child = patient()
    own = therapist(clinic=child.clinic)
    draft = draft_program(patient=child, actor=own)
    running = active_program(patient=patient(clinic=child.clinic), actor=own)

    assert access_program(own, running.id) == running
    assert access_draft(own, draft.id) == draft
    assert verdict(lambda: access_draft(own, running.id)) == "hidden"
    assert verdict(lambda: access_program(therapist(), running.id)) == "hidden"


def test_a_family_does_not_reach_the_clinic_s_records_by_id() -> None:
    child = patient(with_user=True)
    program = active_program(patient=child)
    check_in_submit(actor=child.user, patient=child, red_flags=["fever"], flare=False)  # type: ignore[arg-type]
    alert = child.alerts.get()
    assert child.user is not None

    assert verdict(lambda: access_program(child.user, program.id)) == "hidden"
    assert verdict(lambda: access_alert(child.user, alert.id)) == "hidden"
    assert access_alert(therapist(clinic=child.clinic), alert.id) == alert


def test_an_invitation_is_for_the_staff_of_its_patient_s_clinic() -> None:
    child = patient()
    own = therapist(clinic=child.clinic)
    invitation, _ = invitation_create(actor=own, patient=child, role="patient")

    assert access_invitation(own, invitation.id) == invitation
    assert verdict(lambda: access_invitation(therapist(), invitation.id)) == "hidden"


# -- The library -----------------------------------------------------------------------------


def test_the_global_library_is_read_by_every_clinic_and_changed_by_none() -> None:
    own = therapist()
    shared = ActivityFactory.create(clinic=None)

    assert access_activity(own, shared.id, manage=False) == shared
    with pytest.raises(AccessDenied) as refused:
        access_activity(own, shared.id, manage=True)
    assert (refused.value.hidden, refused.value.detail) == (False, LIBRARY_READ_ONLY)


def test_a_clinic_s_own_library_is_its_own() -> None:
    own = therapist()
    clinic = own.memberships.get().clinic
    activity = ActivityFactory.create(clinic=clinic)
    template = ProgramTemplateFactory.create(clinic=clinic)
    other = therapist()

    assert access_activity(own, activity.id, manage=True) == activity
    assert access_template(own, template.id, manage=False) == template
    assert verdict(lambda: access_activity(other, activity.id, manage=False)) == "hidden"
    assert verdict(lambda: access_template(other, template.id, manage=False)) == "hidden"


# -- The today endpoint's grant agrees with access_patient, for every role -------------------


# The matrix's world (two clinics, their staff, patients, guardians and tokens), built once
# for this module too.
world = test_api_matrix.world


@pytest.mark.parametrize("role_name", ROLE_NAMES)
def test_the_today_grant_never_disagrees_with_access_patient(role_name: str, world: World) -> None:
    role = world.roles[role_name]
    user: Any = role.user or AnonymousUser()
    patient_ids = [child.id for child in world.patients.values()]
    patient_ids += list(
        Program.objects.filter(status=Program.Status.DRAFT).values_list("patient_id", flat=True)
    )
    problems = []
    with time_machine.travel(NOW, tick=False):
        for patient_id in [*patient_ids, PHANTOM]:
            cache.clear()
            try:
                allowed = access_patient(user, patient_id, manage=False).pk == patient_id
            except AccessDenied:
                allowed = False
            client = world.client(role)
            url = f"/api/v1/me/patients/{patient_id}/today/"
            first = client.get(url).status_code
            second = client.get(url).status_code  # from the cache, when a grant was kept
            grant_used = False
            if role.user is not None:
                digest = today_cache.token_digest(world.tokens[role_name])
                grant_used = today_cache.lookup_today(digest, patient_id).body is not None
            if role.user is None:
                expected = 401
            elif allowed:
                expected = 200
            else:
                # The /me/ endpoints refuse a staff member who acts for nobody outright.
                expected = 403 if role.staff and not role.acts_for else 404
            seen = (allowed, grant_used, first, second)
            if seen != (allowed, allowed, expected, expected):
                problems.append(f"patient {patient_id}: (verdict, grant, statuses) = {seen}")
            allowed_by_role = any(world.patients[label].id == patient_id for label in role.acts_for)
            if allowed != allowed_by_role:
                problems.append(f"patient {patient_id}: access_patient says {allowed}")

    assert problems == [], "\n".join(problems)
