"""Every value a clinician types has a clinical or physical range, checked by the service (so
the web, the API and the admin all get it), answered with the field, and nothing saved half.
One example per range; tests/programs/test_input_properties.py tries any value."""

from datetime import date, time, timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError

from programs import services
from programs.models import Clinic, Patient, PlannedDose, Program, ProgramRevision
from tests.clock import NOW, TODAY
from tests.programs.factories import (
    ActivityFactory,
    ClinicFactory,
    active_program,
    activity_choice,
    clinician_of,
    draft_program,
    patient,
    therapist,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


def refusal(excinfo: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return excinfo.value.message_dict


def stored(program: Program) -> list[tuple[date, str, int, list[int]]]:
    """Every stored session with its doses: what a refused change must leave alone."""
    return [
        (session.date, session.phase, session.step, [dose.amount for dose in session.doses.all()])
        for session in program.sessions.prefetch_related("doses").order_by("date")
    ]


def dose_on(program: Program, day: date, activity_index: int = 0) -> PlannedDose:
    return PlannedDose.objects.get(
        session__program=program, session__date=day, program_activity__order=activity_index
    )


# Resuming a paused program


def paused_program() -> Program:
    """Walking 7 to 30 minutes, two weeks in (held at step 2), paused today."""
    program = active_program(started_weeks_ago=2)
    return services.program_pause(actor=clinician_of(program), program=program, reason="Flu.")


@pytest.mark.parametrize("step", [99, 3, -1])
def test_a_resume_beyond_the_held_step_is_refused_and_changes_nothing(step: int) -> None:
    program = paused_program()
    before = stored(program)
    revisions = program.revisions.count()

    with pytest.raises(ValidationError) as excinfo:
        services.program_resume(actor=clinician_of(program), program=program, step=step)

    program.refresh_from_db()
    assert refusal(excinfo)["step"] == [
        "must be from 0 (the start quota) to 2, the step the program is held at: a higher "
        "step would raise the doses past their weekly caps"
    ]
    assert (program.status, program.discharge_date) == (Program.Status.PAUSED, None)
    assert stored(program) == before and program.revisions.count() == revisions


def test_a_resume_at_the_held_step_or_below_continues_the_ramp_from_there() -> None:
    program = paused_program()

    program = services.program_resume(actor=clinician_of(program), program=program, step=1)

    tomorrow = dose_on(program, TODAY + timedelta(days=1))
    assert program.status == Program.Status.ACTIVE
    assert tomorrow.session.step == 1
    assert program.discharge_date is not None and program.planned_goal_date is not None
    assert program.discharge_date > program.planned_goal_date


# Overriding a dose


def test_an_override_to_the_same_amount_is_refused_and_leaves_no_revision() -> None:
    program = active_program()
    dose = dose_on(program, TODAY + timedelta(days=2))
    revisions = program.revisions.count()

    with pytest.raises(ValidationError) as excinfo:
        services.dose_override(
            actor=clinician_of(program), dose=dose, amount=dose.amount, reason="Same"
        )

    dose.refresh_from_db()
    assert refusal(excinfo)["amount"] == [f"is already {dose.amount} minutes"]
    assert dose.override_reason == "" and program.revisions.count() == revisions


def test_an_override_above_the_weekly_cap_over_the_dose_before_is_refused() -> None:
    program = active_program()  # walking: 7 minutes this week, 20% cap: 8 at most tomorrow
    dose = dose_on(program, TODAY + timedelta(days=1))

    with pytest.raises(ValidationError) as excinfo:
        services.dose_override(
            actor=clinician_of(program), dose=dose, amount=30, reason="Doing well"
        )

    dose.refresh_from_db()
    assert refusal(excinfo)["amount"] == [
        f"can be at most 8 minutes: the weekly cap of 20% over the 7 minutes of {TODAY} "
        "allows no more"
    ]
    assert dose.amount == 7


def test_an_override_within_the_weekly_cap_or_below_the_plan_is_kept() -> None:
    program = active_program()
    raised = dose_on(program, TODAY + timedelta(days=1))
    lowered = dose_on(program, TODAY + timedelta(days=3))

    services.dose_override(actor=clinician_of(program), dose=raised, amount=8, reason="Doing well")
    services.dose_override(
        actor=clinician_of(program), dose=lowered, amount=3, reason="School trip"
    )

    raised.refresh_from_db()
    lowered.refresh_from_db()
    assert (raised.amount, lowered.amount) == (8, 3)


def test_raising_one_day_after_another_cannot_compound_the_weekly_cap() -> None:
    program = active_program()  # walking: 7 minutes this week, 20% cap: 8 at most
    first = dose_on(program, TODAY + timedelta(days=1))
    second = dose_on(program, TODAY + timedelta(days=2))
    services.dose_override(actor=clinician_of(program), dose=first, amount=8, reason="Doing well")

    with pytest.raises(ValidationError) as excinfo:
        services.dose_override(
            actor=clinician_of(program), dose=second, amount=9, reason="And more"
        )

    second.refresh_from_db()
    assert "can be at most 8 minutes" in refusal(excinfo)["amount"][0]
    assert second.amount == 7


def test_an_override_above_the_daily_minutes_cap_is_refused() -> None:
    cycling = ActivityFactory.create(name="Cycling")
    program = active_program(
        activities=[
            activity_choice(baseline_trials=[40], goal_quota=30),  # 28 minutes of walking
            activity_choice(cycling, baseline_trials=[40], goal_quota=30),  # and 28 of cycling
        ],
        parameters={"non_impact_weekly_cap": 0.3},
    )
    dose = dose_on(program, TODAY + timedelta(days=1))

    with pytest.raises(ValidationError) as excinfo:
        services.dose_override(actor=clinician_of(program), dose=dose, amount=33, reason="Camp")

    assert refusal(excinfo)["amount"] == [
        f"would make {TODAY + timedelta(days=1)} 61 home minutes, above the daily cap of 60"
    ]


def test_an_override_cannot_raise_a_dose_of_a_paused_program() -> None:
    program = paused_program()
    dose = dose_on(program, TODAY + timedelta(days=2))

    with pytest.raises(ValidationError) as excinfo:
        services.dose_override(
            actor=clinician_of(program), dose=dose, amount=dose.amount + 1, reason="X"
        )

    assert "resume it first" in refusal(excinfo)["amount"][0]


def test_an_override_cannot_raise_a_dose_next_to_a_rise_in_intensity() -> None:
    # 7 to 8 minutes in a week, then the range climbs from moderate towards vigorous.
    program = active_program(
        activities=[activity_choice(goal_quota=8, goal_intensity="vigorous")], weeks=1
    )
    climbing = PlannedDose.objects.filter(
        session__program=program, session__week=2, session__date__gt=TODAY
    ).order_by("session__date")[0]

    with pytest.raises(ValidationError) as excinfo:
        services.dose_override(
            actor=clinician_of(program), dose=climbing, amount=9, reason="Doing well"
        )

    assert refusal(excinfo)["amount"] == [
        "cannot rise next to a rise in intensity: change one thing at a time"
    ]


# Creating a program


def refused_program(**options: Any) -> dict[str, list[str]]:
    """What program_create answers to ``options``; it must save nothing."""
    before = (Program.objects.count(), ProgramRevision.objects.count())
    child = patient()
    with pytest.raises(ValidationError) as excinfo:
        draft_program(patient=child, **options)
    assert (Program.objects.count(), ProgramRevision.objects.count()) == before
    return refusal(excinfo)


@pytest.mark.parametrize(
    ("parameters", "field"),
    [
        ({"impact_weekly_cap": 0.5}, "parameters.impact_weekly_cap"),
        ({"non_impact_weekly_cap": 0.999999999}, "parameters.non_impact_weekly_cap"),
        ({"non_impact_weekly_cap": 0.2000001}, "parameters.non_impact_weekly_cap"),
        ({"non_impact_weekly_cap": True}, "parameters.non_impact_weekly_cap"),
        ({"daily_minutes_cap": 5}, "parameters.daily_minutes_cap"),
        ({"daily_minutes_cap": 600}, "parameters.daily_minutes_cap"),
        ({"daily_minutes_cap": 45.5}, "parameters.daily_minutes_cap"),
        ({"maintain_weeks": 52}, "parameters.maintain_weeks"),
        ({"taper_weeks": 3.0}, "parameters.taper_weeks"),
        ({"intensity_weekly_step": 0.3}, "parameters.intensity_weekly_step"),
        ({"adherence_to_progress": 0.2}, "parameters.adherence_to_progress"),
        ({"low_adherence_alert": 0}, "parameters.low_adherence_alert"),
        ({"low_adherence_alert": 0.9}, "parameters.low_adherence_alert"),
        ({"max_hr_method": "fox"}, "parameters.max_hr_method"),
        ({"max_hr_method": "measured"}, "parameters.measured_max_hr"),
        ({"measured_max_hr": 190}, "parameters.measured_max_hr"),
        ({"max_hr_method": "measured", "measured_max_hr": 300}, "parameters.measured_max_hr"),
        ({"impact_weekly_cap": float("nan")}, "parameters.impact_weekly_cap"),
    ],
)
def test_a_parameter_outside_its_clinical_range_is_refused(
    parameters: dict[str, Any], field: str
) -> None:
    assert field in refused_program(parameters=parameters)


def test_the_measured_method_is_checked_when_the_program_is_written_not_when_planned() -> None:
    # No resting heart rate, so the plan needs no heart rate: the contradiction used to wait.
    child = patient(resting_heart_rate=None)
    with pytest.raises(ValidationError) as excinfo:
        draft_program(patient=child, parameters={"max_hr_method": "measured"})
    assert refusal(excinfo)["parameters.measured_max_hr"] == [
        "is needed when the maximal heart rate is measured"
    ]


@pytest.mark.parametrize("session_time", [time(3, 0), time(5, 59), time(21, 1), time(16, 30, 15)])
def test_a_session_outside_the_waking_day_or_not_in_whole_minutes_is_refused(
    session_time: time,
) -> None:
    assert "session_time" in refused_program(session_time=session_time)


def test_a_session_at_the_ends_of_the_waking_day_is_accepted() -> None:
    early = draft_program(session_time=time(6, 0))
    late = draft_program(session_time=time(21, 0))
    assert (early.session_time, late.session_time) == (time(6, 0), time(21, 0))


@pytest.mark.parametrize(
    ("choice", "field"),
    [
        ({"goal_quota": 10**20}, "activities[0].goal_quota"),
        ({"goal_quota": 241}, "activities[0].goal_quota"),
        ({"goal_quota": 30.5}, "activities[0].goal_quota"),
        ({"goal_quota": -5}, "activities[0].goal_quota"),
        ({"weekdays": ["a", 1]}, "activities[0].weekdays"),
        ({"weekdays": [7]}, "activities[0].weekdays"),
        ({"times_per_day": 10**6}, "activities[0].times_per_day"),
        ({"goal_intensity": "extreme"}, "activities[0].goal_intensity"),
        ({"baseline_trials": "10"}, "activities[0].baseline_trials"),
        ({"baseline_trials": [0, 0]}, "activities[0].baseline_trials[0]"),
        ({"baseline_trials": [10, 10, 10, 10]}, "activities[0].baseline_trials"),
        ({"start_fraction": 0.95}, "activities[0].start_fraction"),
    ],
)
def test_an_activity_value_outside_its_range_is_refused_before_anything_is_saved(
    choice: dict[str, Any], field: str
) -> None:
    assert field in refused_program(activities=[activity_choice(**choice)])


def test_the_same_activity_twice_is_refused() -> None:
    walking = ActivityFactory.create()
    twice = [activity_choice(walking), activity_choice(walking)]
    assert refused_program(activities=twice) == {"activities[1].activity": ["is chosen twice"]}


def test_a_start_date_more_than_a_year_away_is_refused_by_the_service() -> None:
    assert "start_date" in refused_program(start_date=TODAY + timedelta(days=400))
    assert "start_date" in refused_program(start_date=TODAY - timedelta(days=400))


def test_a_program_that_would_be_over_by_today_is_refused() -> None:
    # The year typed wrong: 2025 for 2026.
    refused = refused_program(start_date=date(2025, 3, 16), goal_date=date(2025, 6, 8))
    assert refused["goal_date"][0].startswith("leaves nothing to follow")


def test_a_program_begun_on_paper_and_in_maintenance_now_is_accepted() -> None:
    program = draft_program(
        start_date=TODAY - timedelta(weeks=10), goal_date=TODAY - timedelta(weeks=4)
    )
    assert program.discharge_date is not None and program.discharge_date > TODAY


def test_a_draft_whose_whole_program_is_over_cannot_be_activated() -> None:
    with time_machine.travel(NOW - timedelta(weeks=30), tick=False):
        draft = draft_program(weeks=8)

    with pytest.raises(ValidationError) as excinfo:
        services.program_activate(actor=clinician_of(draft), program=draft, me_cfs_considered=True)

    draft.refresh_from_db()
    assert "goal_date" in refusal(excinfo)
    assert draft.status == Program.Status.DRAFT and not draft.sessions.exists()


def test_goals_with_a_character_that_cannot_be_stored_are_refused() -> None:
    assert "goals" in refused_program(goals="Walk\x00 to school")


# Patients and clinics


@pytest.mark.parametrize(
    ("zone", "message"),
    [
        ("localtime", "such as America/New_York"),
        ("Factory", "such as America/New_York"),
        ("EST5EDT", "such as America/New_York"),
        ("EST", "such as America/New_York"),
        ("Etc/GMT+5", "such as America/New_York"),
        ("US/Eastern", "use America/New_York"),
        ("Asia/Calcutta", "use Asia/Kolkata"),
        ("america/new_york", "use America/New_York"),
    ],
)
def test_a_time_zone_that_is_not_a_place_is_refused_with_an_example(
    zone: str, message: str
) -> None:
    clinic = ClinicFactory.create()
    with pytest.raises(ValidationError) as excinfo:
        services.patient_create(
            actor=therapist(clinic=clinic), clinic=clinic, first_name="Maya",
            last_name="Okafor", date_of_birth=date(2012, 3, 1), diagnosis="crps",
            time_zone=zone,
        )  # fmt: skip
    assert message in refusal(excinfo)["time_zone"][0]
    assert not Patient.objects.exists()


def test_a_place_or_utc_is_accepted_as_a_time_zone() -> None:
    clinic = services.clinic_create(name="Harbour", time_zone="Pacific/Auckland")
    child = patient(clinic=clinic)
    child = services.patient_update(actor=therapist(clinic=clinic), patient=child, time_zone="UTC")
    assert (clinic.time_zone, child.time_zone) == ("Pacific/Auckland", "UTC")


def test_a_clinic_and_a_patient_update_refuse_a_zone_that_is_not_a_place() -> None:
    with pytest.raises(ValidationError) as clinic_refusal:
        services.clinic_create(name="Harbour", time_zone="EST5EDT")
    child = patient()
    with pytest.raises(ValidationError) as update_refusal:
        services.patient_update(
            actor=therapist(clinic=child.clinic), patient=child, time_zone="localtime"
        )
    child.refresh_from_db()
    assert "time_zone" in refusal(clinic_refusal) and "time_zone" in refusal(update_refusal)
    assert not Clinic.objects.filter(name="Harbour").exists()
    assert child.time_zone == "America/New_York"


@pytest.mark.parametrize(
    ("born", "problem"),
    [
        (date(2023, 1, 1), "makes the patient 3; gradus plans for patients from 5"),
        (date(1920, 1, 1), "is more than 100 years ago; is the year right?"),
        (date(2026, 3, 12), "is in the future"),
    ],
)
def test_a_date_of_birth_outside_5_to_100_years_is_refused(born: date, problem: str) -> None:
    child = patient()
    with pytest.raises(ValidationError) as excinfo:
        services.patient_update(
            actor=therapist(clinic=child.clinic), patient=child, date_of_birth=born
        )
    assert refusal(excinfo)["date_of_birth"] == [problem]


@pytest.mark.parametrize("rate", [72.5, True, 29, 121, 10**30])
def test_a_resting_heart_rate_that_is_not_whole_beats_from_30_to_120_is_refused(
    rate: object,
) -> None:
    child = patient()
    with pytest.raises(ValidationError) as excinfo:
        services.patient_update(
            actor=therapist(clinic=child.clinic), patient=child, resting_heart_rate=rate
        )
    child.refresh_from_db()
    assert "resting_heart_rate" in refusal(excinfo)
    assert child.resting_heart_rate == 72


# Templates


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ({"goal_quota": 100_000}, "activities[0].goal_quota"),
        ({"goal_quota": True}, "activities[0].goal_quota"),
        ({"start_fraction": float("nan")}, "activities[0].start_fraction"),
        ({"weekdays": [[1]]}, "activities[0].weekdays"),
    ],
)
def test_a_template_entry_outside_its_range_is_refused(entry: dict[str, Any], field: str) -> None:
    walking = ActivityFactory.create()
    values: dict[str, Any] = {"goal_quota": 30, **entry}
    with pytest.raises(ValidationError) as excinfo:
        services.template_create(
            clinic=None, name="Home", entries=[services.TemplateEntry(walking, **values)]
        )
    assert field in refusal(excinfo)


def test_a_template_with_the_same_activity_twice_is_refused() -> None:
    walking = ActivityFactory.create()
    with pytest.raises(ValidationError) as excinfo:
        services.template_create(
            clinic=None,
            name="Home",
            entries=[
                services.TemplateEntry(walking, goal_quota=30),
                services.TemplateEntry(walking, goal_quota=20),
            ],
        )
    assert refusal(excinfo) == {"activities[1].activity": ["is chosen twice"]}


def test_a_program_paused_by_a_red_flag_resumes_at_the_start_quota() -> None:
    program = active_program(started_weeks_ago=1)
    services.check_in_submit(
        actor=clinician_of(program), patient=program.patient, flare=False, red_flags=["fever"]
    )
    program.refresh_from_db()

    resumed = services.program_resume(actor=clinician_of(program), program=program, step=0)

    assert resumed.status == Program.Status.ACTIVE
    assert dose_on(resumed, TODAY + timedelta(days=1)).amount == 7


def test_a_raised_override_kept_through_a_review_that_steps_back_stays_within_the_cap() -> None:
    program = active_program(started_weeks_ago=1)  # week 0 went unlogged: a gap
    raised = dose_on(program, TODAY + timedelta(days=2))
    before = dose_on(program, TODAY + timedelta(days=1))
    services.dose_override(
        actor=clinician_of(program), dose=raised, amount=before.amount + 1, reason="Camp"
    )

    review = services.weekly_review_run(program=program)

    kept = dose_on(program, TODAY + timedelta(days=2))
    day_before = dose_on(program, TODAY + timedelta(days=1))
    assert review is not None and day_before.amount < before.amount  # stepped back
    assert kept.amount <= day_before.amount + 1 and kept.override_reason == "Camp"


def test_a_clinic_is_us_by_default_and_refuses_a_locale_it_does_not_know() -> None:
    assert services.clinic_create(name="Harbour").locale == "en-us"
    assert services.clinic_create(name="Thames", locale="en-gb").locale == "en-gb"
    with pytest.raises(ValidationError) as excinfo:
        services.clinic_create(name="Seine", locale="fr-fr")
    assert "locale" in refusal(excinfo)
    assert not Clinic.objects.filter(name="Seine").exists()
