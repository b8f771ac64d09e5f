"""Any value, typed into any clinician-facing write, is either refused naming its field with
nothing saved, or leaves a plan that keeps every rule of DOMAIN.md.

The writes are the services a clinician's input reaches (program_create with its activities
and parameters, then activation; program_pause; program_resume; dose_override;
patient_create and patient_update; template_create), and the staff API's program create and
resume endpoints through the test client. Values are drawn from the realistic (most of the
time, so plans do get made) and from anything at all: integers huge and negative, floats with
many decimals, NaN and infinity, dates far in the past and future, text, wrong types.

The rules are checked by one helper, ``check_plan_rules``, on the stored sessions read back
as the engine's Schedule, with the planner suite's own checks (tests/planner): no weekly rise
above the cap, the daily total within the daily minutes cap; and here, doses never decrease
during the build, and discharge after the planned goal date.

Each example runs in its own transaction, rolled back afterwards; the clock is frozen.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date, time, timedelta
from typing import Any, TypeVar
from zoneinfo import available_timezones

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from planner import Phase, Schedule
from programs import models
from programs.engine import program_plan, stored_schedule
from programs.services import (
    ActivityChoice,
    TemplateEntry,
    dose_override,
    patient_create,
    patient_update,
    program_activate,
    program_create,
    program_pause,
    program_resume,
    template_create,
    weekly_review_run,
)
from programs.zones import place_zones
from tests.clock import NOW, TODAY
from tests.hypothesis_profiles import examples
from tests.planner.test_properties import check_daily_cap, check_no_cap_broken
from tests.programs.factories import (
    ActivityFactory,
    ClinicFactory,
    active_program,
    activity_choice,
    patient,
    therapist,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


T = TypeVar("T")

# Bounded, so the suite stays fast; every property runs in CI.
SOME = settings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
RUNNING = (
    models.Program.Status.ACTIVE,
    models.Program.Status.MAINTENANCE,
    models.Program.Status.TAPERING,
)


# --- The rules, for every property -------------------------------------------------------


def check_plan_rules(
    program: models.Program,
    *,
    build_from: date | None = None,
    engine_amounts: Mapping[tuple[date, str], int] | None = None,
) -> None:
    """Every DOMAIN.md rule on the program's stored sessions.

    ``build_from``: doses never decrease during the build from that day on (a resume at an
    earlier step lowers them once, on purpose). ``engine_amounts``: a dose a clinician lowered
    counts, for the caps around it, at the amount the engine planned that day: a one-off lower
    dose is not a new level to grow from (dose_override's rule). A dose set by hand is not
    held to the build's monotony, but every rise into or out of it is held to the caps.
    """
    program.refresh_from_db()
    activities = list(program.activities.all())
    plan = program_plan(program, activities)
    schedule = stored_schedule(program, activities, plan)
    if engine_amounts:
        schedule = _with_amounts(schedule, engine_amounts)
    check_no_cap_broken(plan, schedule)
    check_daily_cap(plan, schedule)
    overridden = {
        (row.session.date, row.program_activity.key)
        for row in models.PlannedDose.objects.filter(session__program=program)
        .exclude(override_reason="")
        .select_related("session", "program_activity")
    }
    for activity in plan.activities:
        amounts = [
            dose.amount
            for session in schedule.sessions
            if session.phase is Phase.BUILD
            and (build_from is None or session.date >= build_from)
            and (session.date, activity.key) not in overridden
            and (dose := session.dose_for(activity.key)) is not None
        ]
        assert amounts == sorted(amounts), f"{activity.key} decreases during the build"
    if program.status in RUNNING:
        assert program.discharge_date is not None and program.planned_goal_date is not None
        assert program.discharge_date > program.planned_goal_date


def _with_amounts(schedule: Schedule, amounts: Mapping[tuple[date, str], int]) -> Schedule:
    sessions = tuple(
        replace(
            session,
            doses=tuple(
                replace(dose, amount=amounts.get((session.date, dose.activity), dose.amount))
                for dose in session.doses
            ),
        )
        for session in schedule.sessions
    )
    return replace(schedule, sessions=sessions)


def refused_or_done(write: Callable[[], T], unchanged: Callable[[], object]) -> T | None:
    """``write()``'s result; or, when it is refused, None once the refusal names a field and
    ``unchanged()`` reads what it read before."""
    before = unchanged()
    try:
        result = write()
    except ValidationError as error:
        assert hasattr(error, "error_dict"), f"no field named: {error.messages}"
        assert all(field and field != "__all__" for field in error.error_dict), error
        assert unchanged() == before
        event(f"refused: {sorted(error.error_dict)[0].split('[')[0].split('.')[0]}")
        return None
    event("done")
    return result


def row_counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (
            models.Patient,
            models.Program,
            models.ProgramActivity,
            models.ProgramRevision,
            models.PlannedSession,
            models.PlannedDose,
            models.ProgramTemplate,
            models.TemplateActivity,
        )
    )


def program_state(program: models.Program) -> object:
    fresh = models.Program.objects.get(pk=program.pk)
    sessions = [
        (session.date, session.step, session.phase, [(d.amount, d.override_reason)
                                                      for d in session.doses.all()])
        for session in fresh.sessions.prefetch_related("doses").order_by("date")
    ]  # fmt: skip
    return (fresh.status, fresh.discharge_date, fresh.revisions.count(), sessions)


def rolled_back(example: Callable[[], None]) -> None:
    """Run one example in a transaction and undo it, so the next starts from nothing."""
    with transaction.atomic():
        example()
        transaction.set_rollback(True)


# --- Values ------------------------------------------------------------------------------

NUMBERS = st.one_of(st.integers(), st.floats(), st.booleans())
ANYTHING: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    NUMBERS,
    st.text(max_size=8),
    st.just("x" * 2001),
    st.just("with \x00"),
    st.dates(),
    st.lists(st.integers(), max_size=2),
)
TEXT = st.one_of(
    st.just("Walk to school with my friends."),
    st.text(alphabet="abcdefghij .,", min_size=1, max_size=30).filter(str.strip),
)


def mostly(realistic: st.SearchStrategy[Any], anything: st.SearchStrategy[Any] = ANYTHING) -> Any:
    """``realistic`` most of the time, so whole plans do get made; ``anything`` otherwise.
    (Not on the roll's ends: hypothesis draws those far more often than the middle.)"""
    return st.integers(0, 14).flatmap(lambda roll: anything if roll == 7 else realistic)


def per_mille(low: int, high: int) -> st.SearchStrategy[float]:
    return st.integers(low, high).map(lambda value: value / 1000)


def days_from(day: date, low: int, high: int) -> st.SearchStrategy[date]:
    return st.integers(low, high).map(lambda days: day + timedelta(days=days))


def later_than(day: date, low: int, high: int) -> st.SearchStrategy[date]:
    def shifted(days: int) -> date:
        try:
            return day + timedelta(days=days)
        except OverflowError:
            return date.max

    return st.integers(low, high).map(shifted)


PARAMETER_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "impact_weekly_cap": mostly(per_mille(5, 350), st.one_of(st.floats(0, 1), ANYTHING)),
    "non_impact_weekly_cap": mostly(per_mille(5, 350), st.one_of(st.floats(0, 1), ANYTHING)),
    "daily_minutes_cap": mostly(st.integers(5, 300)),
    "maintain_weeks": mostly(st.integers(-1, 14)),
    "taper_weeks": mostly(st.integers(-1, 14)),
    "intensity_weekly_step": mostly(per_mille(5, 120)),
    "max_hr_method": mostly(st.sampled_from(["tanaka", "gellish", "measured", "fox"])),
    "measured_max_hr": mostly(st.one_of(st.none(), st.integers(90, 240))),
    "adherence_to_progress": mostly(st.integers(40, 100).map(lambda value: value / 100)),
    "low_adherence_alert": mostly(st.integers(0, 60).map(lambda value: value / 100)),
}
PARAMETERS = mostly(
    st.one_of(st.none(), st.fixed_dictionaries({}, optional=PARAMETER_VALUES)),
    st.one_of(st.just({"pain_limit": 5}), ANYTHING),
)
WEEKDAYS = st.lists(st.integers(0, 6), min_size=1, max_size=7, unique=True)
TRIALS = st.lists(st.one_of(st.integers(1, 20), st.floats(0.5, 20)), min_size=1, max_size=3)


GOALS = st.integers(8, 40)
INTENSITIES = st.sampled_from([None, "moderate", "vigorous"])
WILD_INTENSITIES = st.one_of(st.sampled_from(["light", "extreme"]), ANYTHING)


@st.composite
def choices(draw: st.DrawFn, library: list[models.Activity]) -> Any:
    """One to three different activities of ``library``, each with its trials and goal."""
    chosen = draw(st.lists(st.sampled_from(library), min_size=1, max_size=3, unique=True))
    return [
        ActivityChoice(
            activity_id=draw(mostly(st.just(activity.id), st.one_of(st.integers(), ANYTHING))),
            baseline_trials=draw(
                mostly(TRIALS, st.one_of(st.lists(NUMBERS, max_size=4), ANYTHING))
            ),
            start_fraction=draw(mostly(st.one_of(st.none(), per_mille(500, 900)), NUMBERS)),
            goal_quota=draw(mostly(GOALS)),
            weekdays=draw(mostly(st.one_of(st.none(), WEEKDAYS), st.lists(ANYTHING, max_size=3))),
            times_per_day=draw(mostly(st.one_of(st.none(), st.integers(1, 2)))),
            goal_intensity=draw(mostly(INTENSITIES, WILD_INTENSITIES)),
        )
        for activity in chosen
    ]


def library() -> list[models.Activity]:
    """Walking (minutes), hopping (repetitions, impact), textures (seconds), swimming
    (metres): one of every unit."""
    return [
        ActivityFactory.create(name="Walking", kind="aerobic", unit="minutes"),
        ActivityFactory.create(name="Hopping", kind="functional", unit="repetitions", impact=True),
        ActivityFactory.create(name="Textures", kind="desensitization", unit="seconds"),
        ActivityFactory.create(name="Swimming", kind="hydrotherapy", unit="metres"),
    ]


# --- program_create, then activation -----------------------------------------------------


@SOME
@given(data=st.data())
def test_any_new_program_is_refused_naming_a_field_or_planned_within_every_rule(
    data: st.DataObject,
) -> None:
    def example() -> None:
        child = patient(resting_heart_rate=data.draw(st.sampled_from([72, None])))
        activities = library()
        start = data.draw(
            mostly(days_from(TODAY, -60, 60), st.one_of(days_from(TODAY, -800, 800), st.dates())),
            label="start_date",
        )
        goal = data.draw(
            mostly(later_than(start, 7, 500), st.one_of(later_than(start, -10, 800), st.dates())),
            label="goal_date",
        )
        arguments = {
            "actor": child.therapists.first() or therapist(clinic=child.clinic),
            "patient": child,
            "start_date": start,
            "goal_date": goal,
            "goals": data.draw(mostly(TEXT), label="goals"),
            "activities": data.draw(
                mostly(choices(activities), st.one_of(st.just([]), ANYTHING)),
                label="activities",
            ),
            "parameters": data.draw(PARAMETERS, label="parameters"),
            "session_time": data.draw(
                mostly(
                    st.one_of(
                        st.none(), st.builds(time, st.integers(6, 20), st.sampled_from([0, 30]))
                    ),
                    st.times(),
                ),
                label="session_time",
            ),
        }
        program = refused_or_done(lambda: program_create(**arguments), row_counts)
        if program is None:
            return
        actor = arguments["actor"]
        active = refused_or_done(
            lambda: program_activate(actor=actor, program=program, me_cfs_considered=True),
            lambda: program_state(program),
        )
        if active is not None:
            check_plan_rules(active)

    rolled_back(example)


# --- program_pause and program_resume ----------------------------------------------------


def running_program(data: st.DataObject) -> models.Program:
    """Walking 7 to 30 minutes and hopping, started up to six weeks ago."""
    hopping = ActivityFactory.create(kind="functional", unit="repetitions", impact=True)
    weeks_ago = data.draw(st.integers(0, 6), label="started_weeks_ago")
    return active_program(
        started_weeks_ago=weeks_ago,
        weeks=data.draw(st.integers(2, 16), label="weeks"),
        activities=[activity_choice(), activity_choice(hopping, baseline_trials=[10],
                                                       goal_quota=20)],
    )  # fmt: skip


@SOME
@given(data=st.data())
def test_any_pause_is_refused_naming_a_field_or_holds_the_plan_within_every_rule(
    data: st.DataObject,
) -> None:
    def example() -> None:
        program = running_program(data)
        actor = program.created_by
        reason = data.draw(mostly(TEXT), label="reason")
        paused = refused_or_done(
            lambda: program_pause(actor=actor, program=program, reason=reason),
            lambda: program_state(program),
        )
        if paused is not None:
            assert paused.status == models.Program.Status.PAUSED
            check_plan_rules(paused)

    rolled_back(example)


@SOME
@given(data=st.data())
def test_any_resume_is_refused_changing_nothing_or_continues_within_every_rule(
    data: st.DataObject,
) -> None:
    def example() -> None:
        program = running_program(data)
        assert program.created_by is not None
        actor = program.created_by
        program = program_pause(actor=actor, program=program, reason="Flu")
        step = data.draw(mostly(st.one_of(st.none(), st.integers(-2, 25)), NUMBERS), label="step")
        reason = data.draw(mostly(TEXT), label="reason")
        resumed = refused_or_done(
            lambda: program_resume(actor=actor, program=program, step=step, reason=reason),
            lambda: program_state(program),
        )
        if resumed is not None:
            assert resumed.status == models.Program.Status.ACTIVE
            check_plan_rules(resumed, build_from=TODAY + timedelta(days=1))

    rolled_back(example)


# --- dose_override -----------------------------------------------------------------------


@SOME
@given(data=st.data())
def test_any_override_is_refused_changing_nothing_or_keeps_every_rule(
    data: st.DataObject,
) -> None:
    def example() -> None:
        cycling = ActivityFactory.create(name="Cycling")
        program = active_program(
            started_weeks_ago=data.draw(st.integers(0, 3), label="started_weeks_ago"),
            weeks=data.draw(st.integers(1, 8), label="weeks"),
            activities=[
                activity_choice(goal_quota=data.draw(st.integers(8, 30), label="goal"),
                                goal_intensity=data.draw(st.sampled_from(["moderate",
                                                                          "vigorous"]))),
                activity_choice(cycling, baseline_trials=[30], goal_quota=28),
            ],
        )  # fmt: skip
        assert program.created_by is not None
        actor = program.created_by
        if data.draw(st.booleans(), label="paused first"):
            program = program_pause(actor=actor, program=program, reason="Flu")
        future = list(
            models.PlannedDose.objects.filter(session__program=program, session__date__gt=TODAY)
            .select_related("session", "program_activity")
            .order_by("session__date", "program_activity__order")
        )
        dose = future[data.draw(st.integers(0, len(future) - 1), label="dose")]
        amount = data.draw(
            mostly(st.integers(max(1, dose.amount - 5), dose.amount + 12), NUMBERS), label="amount"
        )
        reason = data.draw(mostly(TEXT), label="reason")
        done = refused_or_done(
            lambda: dose_override(actor=actor, dose=dose, amount=amount, reason=reason),
            lambda: program_state(program),
        )
        if done is None:
            return
        lowered = {}
        if done.amount < dose.amount:
            lowered[(dose.session.date, dose.program_activity.key)] = dose.amount
        check_plan_rules(program, engine_amounts=lowered)
        if done.amount > dose.amount and data.draw(st.booleans(), label="reviewed a week on"):
            # Nothing logged: the review steps back, and the raised dose must still fit.
            with time_machine.travel(NOW + timedelta(weeks=1), tick=False):
                weekly_review_run(program=program)
            # A step back lowers the doses once, on purpose: the build climbs again after it.
            check_plan_rules(program, build_from=TODAY + timedelta(weeks=1, days=1))

    rolled_back(example)


# --- patient_create and patient_update ---------------------------------------------------

ZONES = sorted(available_timezones())


def check_patient(child: models.Patient) -> None:
    """The stored values lie in their ranges, and a program for the patient keeps the rules
    (or is refused naming a field: an age and resting heart rate may leave too small a
    heart-rate reserve)."""
    child.refresh_from_db()
    assert child.time_zone in place_zones()
    assert 5 <= child.age_on(TODAY) <= 100
    rate = child.resting_heart_rate
    assert rate is None or (isinstance(rate, int) and 30 <= rate <= 120)
    actor = therapist(clinic=child.clinic)
    program = refused_or_done(
        lambda: program_create(
            actor=actor,
            patient=child,
            start_date=TODAY,
            goal_date=TODAY + timedelta(weeks=8),
            goals="Dance again.",
            activities=[activity_choice()],
        ),
        row_counts,
    )
    if program is not None:
        check_plan_rules(program_activate(actor=actor, program=program, me_cfs_considered=True))


PATIENT_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "time_zone": mostly(st.sampled_from(ZONES), st.one_of(st.text(max_size=12), ANYTHING)),
    "resting_heart_rate": mostly(st.one_of(st.none(), st.integers(20, 130)), NUMBERS),
    "date_of_birth": mostly(
        days_from(TODAY, -90 * 365, -6 * 365),
        st.one_of(days_from(TODAY, -105 * 366, 10), st.dates()),
    ),
}


@SOME
@given(data=st.data())
def test_any_new_patient_is_refused_naming_a_field_or_within_every_range(
    data: st.DataObject,
) -> None:
    def example() -> None:
        clinic = ClinicFactory.create()
        values = {name: data.draw(strategy, label=name) for name, strategy in
                  PATIENT_VALUES.items()}  # fmt: skip
        child = refused_or_done(
            lambda: patient_create(
                actor=therapist(clinic=clinic),
                clinic=clinic,
                first_name="Maya",
                last_name="Okafor",
                diagnosis="crps",
                **values,
            ),
            row_counts,
        )
        if child is not None:
            check_patient(child)

    rolled_back(example)


@SOME
@given(data=st.data())
def test_any_patient_update_is_refused_naming_a_field_or_within_every_range(
    data: st.DataObject,
) -> None:
    def example() -> None:
        child = patient()
        changes = data.draw(st.fixed_dictionaries({}, optional=PATIENT_VALUES), label="changes")

        def stored() -> object:
            fresh = models.Patient.objects.get(pk=child.pk)
            return (fresh.time_zone, fresh.resting_heart_rate, fresh.date_of_birth)

        updated = refused_or_done(
            lambda: patient_update(actor=therapist(clinic=child.clinic), patient=child,
                                   **changes),
            stored,
        )  # fmt: skip
        if updated is not None:
            check_patient(updated)

    rolled_back(example)


# --- template_create ---------------------------------------------------------------------


@st.composite
def entries(draw: st.DrawFn, library: list[models.Activity]) -> Any:
    chosen = draw(st.lists(st.sampled_from(library), min_size=1, max_size=3, unique=True))
    entries = [
        TemplateEntry(
            activity=activity,
            goal_quota=draw(mostly(GOALS)),
            weekdays=draw(mostly(WEEKDAYS, st.lists(ANYTHING, max_size=3))),
            start_fraction=draw(mostly(per_mille(500, 900), NUMBERS)),
            times_per_day=draw(mostly(st.integers(1, 2))),
            goal_intensity=draw(
                mostly(st.sampled_from(["moderate", "vigorous"]), WILD_INTENSITIES)
            ),
        )
        for activity in chosen
    ]
    if draw(mostly(st.just(False), st.just(True))):
        entries.append(entries[0])  # the same activity twice
    return entries


@SOME
@given(data=st.data())
def test_any_template_is_refused_naming_a_field_or_gives_programs_within_every_rule(
    data: st.DataObject,
) -> None:
    def example() -> None:
        activities = library()
        child = patient()
        template = refused_or_done(
            lambda: template_create(
                clinic=child.clinic,
                name=data.draw(mostly(st.just("Home program"), st.text(max_size=8)),
                               label="name"),
                entries=data.draw(entries(activities), label="entries"),
                default_weeks=data.draw(mostly(st.integers(1, 104)), label="default_weeks"),
            ),
            row_counts,
        )  # fmt: skip
        if template is None:
            return
        actor = therapist(clinic=child.clinic)
        rows = list(template.template_activities.all())
        program = refused_or_done(
            lambda: program_create(
                actor=actor, patient=child, template=template, start_date=TODAY,
                goal_date=TODAY + timedelta(weeks=12), goals="Dance again.",
                activities=[ActivityChoice(activity_id=row.activity_id, baseline_trials=[10])
                            for row in rows],
            ),
            row_counts,
        )  # fmt: skip
        if program is not None:
            check_plan_rules(program_activate(actor=actor, program=program, me_cfs_considered=True))

    rolled_back(example)


# --- Through the staff API ---------------------------------------------------------------

JSON: st.SearchStrategy[Any] = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=8),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)


def iso(day: date) -> str:
    return day.isoformat()


@st.composite
def program_bodies(
    draw: st.DrawFn, child: models.Patient, activities: list[models.Activity]
) -> Any:
    activity = st.fixed_dictionaries(
        {
            "activity": mostly(st.sampled_from([a.id for a in activities]), JSON),
            "baseline_trials": mostly(st.lists(st.integers(1, 20), min_size=1, max_size=3), JSON),
            "goal_quota": mostly(GOALS, JSON),
        },
        optional={
            "start_fraction": mostly(per_mille(500, 900), JSON),
            "weekdays": mostly(WEEKDAYS, JSON),
            "times_per_day": mostly(st.integers(1, 3), JSON),
            "goal_intensity": mostly(st.sampled_from(["moderate", "vigorous"]), JSON),
        },
    )
    start = draw(mostly(days_from(TODAY, -30, 30), days_from(TODAY, -800, 800)))
    body = draw(
        st.fixed_dictionaries(
            {
                "patient": mostly(st.just(child.id), JSON),
                "start_date": mostly(st.just(iso(start)), JSON),
                "goal_date": mostly(later_than(start, 7, 300).map(iso), JSON),
                "goals": mostly(TEXT, JSON),
                "activities": mostly(
                    st.lists(activity, min_size=1, max_size=2, unique_by=lambda a: repr(a)[:30]),
                    JSON,
                ),
            },
            optional={
                "session_time": mostly(st.sampled_from(["16:30", "03:00", "21:00", "7:5"]), JSON),
                "parameters": mostly(
                    st.fixed_dictionaries(
                        {},
                        optional={
                            name: values.filter(_json_safe)
                            for name, values in PARAMETER_VALUES.items()
                        },
                    ),
                    JSON,
                ),
            },
        )
    )
    return body


def _json_safe(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return True


def check_one_error_format(response: Any) -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"status", "code", "detail", "errors"} and body["status"] == 400
    assert body["errors"] and all(error["field"] for error in body["errors"]), body


def staff_client(user: models.User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@SOME
@given(data=st.data())
def test_the_api_answers_any_program_or_resume_with_success_or_a_400_naming_a_field(
    data: st.DataObject,
) -> None:
    def example() -> None:
        staff = therapist()
        child = patient(clinic=staff.memberships.get().clinic, therapists=[staff])
        api = staff_client(staff)
        body = data.draw(program_bodies(child, library()), label="program body")
        before = row_counts()
        created = api.post("/api/v1/programs/", body, format="json")
        event(f"create: {created.status_code}")
        if created.status_code == 201:
            program = models.Program.objects.get(pk=created.json()["id"])
            program = program_activate(actor=staff, program=program, me_cfs_considered=True)
            check_plan_rules(program)
        else:
            check_one_error_format(created)
            assert row_counts() == before

        running = active_program(patient=patient(clinic=child.clinic, therapists=[staff]),
                                 started_weeks_ago=2, actor=staff)  # fmt: skip
        program_pause(actor=staff, program=running, reason="Flu")
        resume_body = data.draw(
            st.fixed_dictionaries(
                {}, optional={"step": mostly(st.integers(-2, 10), JSON),
                              "reason": mostly(TEXT, JSON)},
            ),
            label="resume body",
        )  # fmt: skip
        held = program_state(running)
        resumed = api.post(f"/api/v1/programs/{running.id}/resume/", resume_body, format="json")
        event(f"resume: {resumed.status_code}")
        if resumed.status_code == 200:
            check_plan_rules(running, build_from=TODAY + timedelta(days=1))
        else:
            check_one_error_format(resumed)
            assert program_state(running) == held

    rolled_back(example)
