"""A whole program life through the services, a day at a time, as a clinic runs it.

The planner's property suite lives programs in the engine alone (tests/planner/); this one
goes through what stores them: the weekly review run by the sweep (now and then late, or not
at all for a day), a patient logging at any amounts or not at all, check-ins with flares,
pain and red flags, a clinician resuming (at a step of their choosing, refused or not) and
recording new baselines. After every day, the stored plan keeps every DOMAIN.md rule: no
dose rises beyond its weekly cap, no day beyond the daily cap, the discharge after the goal
date, and after a red flag nothing rises until a clinician resumes. A refused write changes
nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner import Schedule, every_goal_reached_on
from programs.engine import program_plan, stored_schedule
from programs.models import Patient, PlannedSession, Program
from programs.services import (
    BaselineTrials,
    ResultInput,
    check_in_submit,
    program_activate,
    program_complete,
    program_create,
    program_rebaseline,
    program_resume,
    session_log,
    weekly_review_run,
)
from programs.services.common import local_today
from tests.hypothesis_profiles import examples
from tests.planner.test_properties import Bound, cap_violations, in_force, not_above
from tests.programs.factories import (
    ActivityFactory,
    PatientFactory,
    activity_choice,
    therapist,
)

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

ZONE = ZoneInfo("America/New_York")
FIRST_DAY = date(2026, 3, 2)  # a Monday
RED_FLAGS = ("fever", "rash", "joint_swelling", "self_harm")


@contextmanager
def rolled_back() -> Iterator[None]:
    """Each example's program is gone before the next one starts."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=ZONE)


@dataclass
class Clinic:
    patient: Patient
    staff: Any
    program: Program


def start_program(data: st.DataObject) -> Clinic:
    staff = therapist()
    patient = PatientFactory.create(clinic=staff.memberships.get().clinic)
    walking = ActivityFactory.create(name="Walking", impact=data.draw(st.booleans()))
    choices = [
        activity_choice(
            walking,
            baseline_trials=[data.draw(st.integers(4, 20), label="walking trial")],
            goal_quota=data.draw(st.integers(20, 40), label="walking goal"),
        )
    ]
    if data.draw(st.booleans(), label="stairs too"):
        stairs = ActivityFactory.create(name="Stairs", kind="functional", unit="repetitions")
        choices.append(
            activity_choice(
                stairs,
                baseline_trials=[data.draw(st.integers(3, 10), label="stairs trial")],
                goal_quota=data.draw(st.integers(10, 30), label="stairs goal"),
                seconds_per_repetition=data.draw(st.sampled_from([None, 20, 30])),
            )
        )
    program = program_create(
        actor=staff,
        patient=patient,
        start_date=FIRST_DAY,
        goal_date=FIRST_DAY + timedelta(weeks=data.draw(st.integers(2, 8), label="weeks")),
        goals="Walk to school with my friends.",
        activities=choices,
        parameters={
            "impact_weekly_cap": data.draw(st.sampled_from([0.05, 0.1]), label="impact cap"),
            "non_impact_weekly_cap": data.draw(st.sampled_from([0.1, 0.2, 0.3]), label="cap"),
            "maintain_weeks": data.draw(st.integers(0, 2), label="maintain"),
            "taper_weeks": data.draw(st.integers(0, 2), label="taper"),
        },
    )
    program = program_activate(actor=staff, program=program, me_cfs_considered=True)
    return Clinic(patient=patient, staff=staff, program=program)


def stored(program: Program) -> tuple[Any, Schedule]:
    program.refresh_from_db()
    activities = list(program.activities.all())
    plan = program_plan(program, activities)
    return plan, stored_schedule(program, activities, plan)


def snapshot(program: Program) -> tuple[Any, ...]:
    program.refresh_from_db()
    rows = PlannedSession.objects.filter(program=program).order_by("date")
    doses = [
        (
            row.date,
            row.step,
            tuple(sorted((d.program_activity_id, d.amount) for d in row.doses.all())),
        )
        for row in rows.prefetch_related("doses")
    ]
    return (program.status, program.ramp_start, program.discharge_date, doses,
            program.revisions.count())  # fmt: skip


def refused_changes_nothing(program: Program, write: Any) -> bool:
    """Run ``write``; if the service refuses it, nothing of the program may have changed."""
    before = snapshot(program)
    try:
        write()
    except ValidationError:
        assert snapshot(program) == before, "a refused write changed the program"
        return False
    return True


def check_rules(program: Program, red_flag: tuple[date, dict[str, Bound | None]] | None) -> None:
    plan, schedule = stored(program)
    assert cap_violations(plan, schedule) == []
    cap = Fraction(repr(float(plan.daily_minutes_cap)))
    assert [s.date for s in schedule.sessions if s.exact_minutes > cap] == []
    if program.status not in (Program.Status.PAUSED, Program.Status.DISCHARGED):
        reached = every_goal_reached_on(plan, schedule)
        assert program.discharge_date is not None and reached is not None
        assert program.discharge_date > reached, "discharged before every goal"
    if red_flag is not None:
        day, bounds = red_flag
        for session in schedule.sessions:
            if session.date <= day:
                continue
            for dose in session.doses:
                bound = bounds[dose.activity]
                assert bound is not None and not_above(dose, bound), (session.date, dose)


def live_a_day(data: st.DataObject, clinic: Clinic, day: date, state: dict[str, Any]) -> None:
    program, patient = clinic.program, clinic.patient
    # Midnight: the sweep reviews the week just ended (unless it did not run today) and
    # discharges a program whose last week is over.
    with time_machine.travel(at(day, 0) + timedelta(minutes=30), tick=False):
        if data.draw(st.integers(0, 5), label=f"sweep {day}") > 0:
            weekly_review_run(program=program)
            program_complete(program=program)
    program.refresh_from_db()
    # Morning: a clinician may act.
    with time_machine.travel(at(day, 10), tick=False):
        if program.status == Program.Status.PAUSED and data.draw(st.integers(0, 3)) == 0:
            step = data.draw(st.one_of(st.none(), st.integers(-2, 30)), label="resume at")
            if refused_changes_nothing(
                program,
                lambda: program_resume(actor=clinic.staff, program=program, step=step),
            ):
                state["red_flag"] = None
        elif (
            program.is_running
            and program.status != Program.Status.PAUSED
            and (data.draw(st.integers(0, 25), label=f"new baseline {day}") == 0)
        ):
            rows = list(program.activities.all())
            baselines = [
                BaselineTrials(
                    program_activity_id=row.id,
                    trials=[data.draw(st.integers(0, 40), label="new trial")],
                    dates=[day - timedelta(days=data.draw(st.integers(0, 8), label="ago"))],
                )
                for row in rows
                if data.draw(st.booleans(), label="re-test")
            ]
            refused_changes_nothing(
                program,
                lambda: program_rebaseline(
                    actor=clinic.staff, program=program, baselines=baselines
                ),
            )
    program.refresh_from_db()
    # Evening: the patient logs the day's session (or not), then may check in.
    with time_machine.travel(at(day, 19), tick=False):
        session = program.sessions.filter(date=day).prefetch_related("doses").first()
        status = data.draw(st.sampled_from([None, "done", "partial", "missed"]), label="log")
        if session is not None and status is not None:
            results = [
                ResultInput(
                    program_activity_id=dose.program_activity_id,
                    amount=data.draw(
                        st.one_of(st.just(dose.amount), st.integers(0, 2 * dose.amount)),
                        label="amount",
                    ),
                )
                for dose in session.doses.all()
                if status != "missed"
            ]
            refused_changes_nothing(
                program,
                lambda: session_log(
                    actor=patient.user or clinic.staff, session=session, status=status,
                    results=results,
                ),
            )  # fmt: skip
        if data.draw(st.integers(0, 4), label=f"check-in {day}") == 0:
            flags = data.draw(st.lists(st.sampled_from(RED_FLAGS), max_size=2, unique=True))
            if flags and state["red_flag"] is None:
                plan, schedule = stored(program)
                bounds = {a.key: in_force(schedule, a.key, day) for a in plan.activities}
                state["red_flag"] = (day, bounds)
            check_in_submit(
                actor=clinic.staff,
                patient=patient,
                flare=data.draw(st.booleans(), label="flare"),
                red_flags=flags,
                no_red_flags=not flags,
                pain=data.draw(st.one_of(st.none(), st.integers(0, 10)), label="pain"),
            )
    check_rules(program, state["red_flag"])


@settings(
    max_examples=examples(12),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.data())
def test_no_rule_breaks_over_a_program_life_run_by_the_services(data: st.DataObject) -> None:
    state: dict[str, Any] = {"red_flag": None}
    with rolled_back():
        with time_machine.travel(at(FIRST_DAY, 9) - timedelta(days=1), tick=False):
            clinic = start_program(data)
            assert local_today(clinic.patient) < FIRST_DAY
        days = data.draw(st.integers(7, 42), label="days lived")
        for offset in range(days):
            live_a_day(data, clinic, FIRST_DAY + timedelta(days=offset), state)
            if clinic.program.status == Program.Status.DISCHARGED:
                break
