"""Drafts changed in place and discarded, a second program refused in plain words, and the
patient's status once a program starts again."""

from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from programs.models import AuditEvent, Patient, Program
from programs.services import (
    patient_update,
    program_activate,
    program_discard_draft,
    program_discharge,
    program_pause,
    program_update_draft,
)
from tests.programs.factories import (
    ActivityFactory,
    active_program,
    activity_choice,
    clinician_of,
    draft_program,
    patient,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


def _edit(program: Program, **changes: object) -> Program:
    start = changes.pop("start_date", program.start_date)
    arguments: dict[str, object] = {
        "patient": program.patient,
        "start_date": start,
        "goal_date": program.goal_date,
        "goals": program.goals,
        "activities": [activity_choice()],
        **changes,
    }
    return program_update_draft(actor=clinician_of(program), program=program, **arguments)  # type: ignore[arg-type]


# program_update_draft


def test_a_draft_is_changed_in_place_with_a_revision() -> None:
    draft = draft_program(weeks=12)
    stairs = ActivityFactory.create(name="Stairs", kind="functional", unit="repetitions")

    changed = _edit(
        draft,
        goals="Climb the stairs at school.",
        goal_date=draft.start_date + timedelta(weeks=10),
        activities=[activity_choice(stairs, baseline_trials=[10, 10], goal_quota=40)],
    )

    assert changed.pk == draft.pk
    assert Program.objects.filter(patient=draft.patient).count() == 1
    assert [(row.name, row.start_quota, row.goal_quota) for row in changed.activities.all()] == [
        ("Stairs", 7, 40)
    ]
    assert changed.goal_date == draft.start_date + timedelta(weeks=10)
    assert [revision.reason for revision in changed.revisions.order_by("number")] == [
        "Program drafted.",
        "Draft changed.",
    ]


def test_a_refused_change_leaves_the_draft_as_it_was() -> None:
    draft = draft_program()
    before = list(draft.activities.values_list("id", "start_quota", "goal_quota"))

    with pytest.raises(ValidationError) as excinfo:
        # Trials of 50 minutes start at 35, above the goal of 30: the engine refuses.
        _edit(draft, goals="New goals", activities=[activity_choice(baseline_trials=[50])])

    draft.refresh_from_db()
    assert "activities[0].start_quota" in excinfo.value.message_dict
    assert list(draft.activities.values_list("id", "start_quota", "goal_quota")) == before
    assert draft.goals == "Walk to school with my friends."
    assert Program.objects.count() == 1 and draft.revisions.count() == 1


def test_only_a_draft_can_be_changed_and_only_for_its_own_patient() -> None:
    running = active_program()
    draft = draft_program()

    with pytest.raises(ValidationError) as started:
        _edit(running, goals="Later goals")
    with pytest.raises(ValidationError) as moved:
        _edit(draft, patient=patient(clinic=draft.patient.clinic))

    assert "status" in started.value.message_dict
    assert "patient" in moved.value.message_dict
    running.refresh_from_db()
    assert running.goals == "Walk to school with my friends."


# program_discard_draft


def test_a_discarded_draft_is_gone_and_the_audit_trail_says_who_discarded_it() -> None:
    draft = draft_program()
    actor = clinician_of(draft)

    program_discard_draft(actor=actor, program=draft)

    assert not Program.objects.filter(pk=draft.pk).exists()
    event = AuditEvent.objects.get(patient=draft.patient, what__contains="discarded")
    assert (event.actor, event.action) == (actor, "change")
    assert event.what.startswith(f"draft program {draft.pk} discarded")


def test_a_program_that_has_started_is_not_discarded() -> None:
    running = active_program()

    with pytest.raises(ValidationError) as excinfo:
        program_discard_draft(actor=clinician_of(running), program=running)

    assert "status" in excinfo.value.message_dict
    assert Program.objects.filter(pk=running.pk, status=Program.Status.ACTIVE).exists()


# A second program, in plain words


@pytest.mark.parametrize(
    ("started_days_ago", "paused", "state"),
    [
        (7, False, "active since March 4, 2026"),
        (7, True, "paused, started March 4, 2026"),
        (-5, False, "starting March 16, 2026"),
    ],
)
def test_a_second_program_is_refused_in_a_plain_sentence(
    started_days_ago: int, paused: bool, state: str
) -> None:
    child = patient(first_name="Dana")
    running = active_program(patient=child, started_days_ago=started_days_ago)
    if paused:
        program_pause(actor=clinician_of(running), program=running, reason="Away")
    draft = draft_program(patient=child)

    with pytest.raises(ValidationError) as excinfo:
        program_activate(actor=clinician_of(draft), program=draft, me_cfs_considered=True)

    assert excinfo.value.message_dict == {
        "patient": [
            f"Dana already follows a program ({state}). Discharge it before starting this one."
        ]
    }


# The patient's status


def test_a_patient_discharged_and_started_again_is_active_again() -> None:
    first = active_program(started_weeks_ago=4)
    child = first.patient
    program_discharge(actor=clinician_of(first), program=first, reason="Goals met")
    child.refresh_from_db()
    assert child.status == Patient.Status.RELAPSE_WATCH

    program_activate(
        actor=clinician_of(first), program=draft_program(patient=child), me_cfs_considered=True
    )

    child.refresh_from_db()
    assert child.status == Patient.Status.ACTIVE


def test_a_patient_following_a_program_cannot_be_put_on_relapse_watch_by_hand() -> None:
    running = active_program()
    child = running.patient

    with pytest.raises(ValidationError) as excinfo:
        patient_update(actor=clinician_of(running), patient=child, status="relapse_watch")

    child.refresh_from_db()
    assert "status" in excinfo.value.message_dict
    assert child.status == Patient.Status.ACTIVE
    program_discharge(actor=clinician_of(running), program=running)
    patient_update(actor=clinician_of(running), patient=child, status="discharged")
    child.refresh_from_db()
    assert child.status == Patient.Status.DISCHARGED


def test_the_migration_makes_patients_with_a_running_program_active_again() -> None:
    restarted = active_program().patient
    watched = patient()
    closed = active_program().patient
    Patient.objects.filter(pk=restarted.pk).update(status="relapse_watch")
    Patient.objects.filter(pk=watched.pk).update(status="relapse_watch")
    Patient.objects.filter(pk=closed.pk).update(status="discharged")
    migration = import_module("programs.migrations.0006_patients_in_treatment_are_active")

    migration.set_active(apps, None)

    statuses = dict(Patient.objects.values_list("pk", "status"))
    assert statuses[restarted.pk] == "active"
    assert statuses[watched.pk] == "relapse_watch"  # no program: the watch goes on
    assert statuses[closed.pk] == "discharged"  # set by a person: left to a clinician
