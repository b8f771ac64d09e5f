"""New baselines, trial dates and the paces of counted activities, through the services."""

from datetime import date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from programs.models import PlannedDose, Program, ProgramTemplate
from programs.services import (
    BaselineTrials,
    TemplateEntry,
    activity_create,
    program_pause,
    program_rebaseline,
    template_create,
    weekly_review_run,
)
from programs.services.common import local_today
from tests.clock import AFTERNOON
from tests.programs.factories import (
    ActivityFactory,
    active_program,
    activity_choice,
    clinician_of,
    draft_program,
    log_week,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


@pytest.fixture
def now() -> datetime:
    """A Wednesday afternoon in New York."""
    return AFTERNOON


def today(program: Program) -> date:
    return local_today(program.patient)


def amount_on(program: Program, day: date) -> int:
    return PlannedDose.objects.get(session__program=program, session__date=day).amount


def fields_of(excinfo: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return set(excinfo.value.message_dict)


def state_of(program: Program) -> tuple[Any, ...]:
    program.refresh_from_db()
    doses = list(
        PlannedDose.objects.filter(session__program=program)
        .order_by("session__date")
        .values_list("session__date", "amount")
    )
    activity = program.activities.get()
    return (program.status, program.ramp_start, doses, activity.start_quota,
            program.revisions.count())  # fmt: skip


def new_trials(program: Program, *trials: float, days_ago: int = 0) -> BaselineTrials:
    row = program.activities.get()
    day = today(program) - timedelta(days=days_ago)
    return BaselineTrials(
        program_activity_id=row.id, trials=list(trials), dates=[day] * len(trials)
    )


# program_rebaseline


def test_a_new_baseline_restarts_the_ramp_tomorrow_from_the_new_trials() -> None:
    # Walking from 7 minutes; in week 3 the ramp is at 13. New trials of 8 minutes: 70% is 6.
    program = active_program(started_weeks_ago=3)
    tomorrow = today(program) + timedelta(days=1)
    before = amount_on(program, today(program))

    program = program_rebaseline(
        actor=clinician_of(program), program=program, baselines=[new_trials(program, 8, 8, 9)]
    )

    assert before > 6
    assert amount_on(program, today(program)) == before
    assert amount_on(program, tomorrow) == 6
    assert program.ramp_start == tomorrow
    assert program.activities.get().baseline_trials == [8, 8, 9]
    assert program.revisions.latest("number").reason.startswith("New baseline")


def test_a_new_baseline_above_the_dose_in_force_is_held_to_it() -> None:
    program = active_program(started_weeks_ago=1)
    in_force = amount_on(program, today(program))

    program = program_rebaseline(
        actor=clinician_of(program), program=program, baselines=[new_trials(program, 40)]
    )

    assert amount_on(program, today(program) + timedelta(days=1)) == in_force
    assert "Held to the dose in force" in program.revisions.latest("number").reason


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda p: new_trials(p, 8, days_ago=7), "baselines[0].dates[0]"),
        (lambda p: new_trials(p, 8, days_ago=-1), "baselines[0].dates[0]"),
        (lambda p: new_trials(p, 0, 0), "baselines[0].trials[0]"),
        (
            lambda p: BaselineTrials(p.activities.get().id, [8, 9], [local_today(p.patient)]),
            "baselines[0].dates",
        ),
        (lambda p: BaselineTrials(999_999, [8], [local_today(p.patient)]), "baselines[0].activity"),
    ],
)
def test_a_refused_new_baseline_changes_nothing(make: Any, field: str) -> None:
    program = active_program(started_weeks_ago=2)
    before = state_of(program)

    with pytest.raises(ValidationError) as excinfo:
        program_rebaseline(actor=clinician_of(program), program=program, baselines=[make(program)])

    assert field in fields_of(excinfo)
    assert state_of(program) == before


def test_a_paused_program_is_resumed_before_a_new_baseline() -> None:
    program = active_program(started_weeks_ago=2)
    program_pause(actor=clinician_of(program), program=program, reason="Away")

    with pytest.raises(ValidationError) as excinfo:
        program_rebaseline(
            actor=clinician_of(program), program=program, baselines=[new_trials(program, 8)]
        )

    assert fields_of(excinfo) == {"status"}


def test_a_week_reviewed_after_a_new_baseline_goes_on_from_the_new_ramp() -> None:
    program = active_program(started_weeks_ago=2, started_days_ago=6)
    log_week(program, week=0)
    log_week(program, week=1)
    program = program_rebaseline(
        actor=clinician_of(program), program=program, baselines=[new_trials(program, 8)]
    )
    with time_machine.travel(AFTERNOON + timedelta(days=2), tick=False):
        review = weekly_review_run(program=program)

    assert review is not None
    assert review.reason.startswith("A new baseline was recorded after this week")


# Baseline dates at creation


def test_the_days_of_the_trials_are_kept_with_a_new_program() -> None:
    day = date(2026, 3, 9)
    program = draft_program(
        activities=[activity_choice(baseline_trials=[10, 11], baseline_dates=[day, day])]
    )

    assert program.activities.get().baseline_dates == ["2026-03-09", "2026-03-09"]


@pytest.mark.parametrize(
    "days",
    [
        [date(2026, 3, 1), date(2026, 3, 9), date(2026, 3, 10)],  # more than a week apart
        [date(2026, 3, 12), date(2026, 3, 10), date(2026, 3, 10)],  # one tomorrow
        [date(2026, 3, 9)],  # two trials missing a day
    ],
)
def test_trials_not_done_within_a_week_before_the_program_are_refused(days: list[date]) -> None:
    with pytest.raises(ValidationError) as excinfo:
        draft_program(activities=[activity_choice(baseline_dates=days)])

    assert [field for field in fields_of(excinfo) if "baseline_dates" in field]
    assert not Program.objects.exists()


# Desensitization and paces


def test_desensitization_is_planned_twice_a_day_unless_the_clinician_says() -> None:
    feather = ActivityFactory.create(name="Feather", kind="desensitization", unit="seconds")

    program = draft_program(
        activities=[activity_choice(feather, baseline_trials=[60], goal_quota=300)]
    )

    assert program.activities.get().times_per_day == 2


def test_a_distance_counts_towards_the_daily_total_at_its_pace() -> None:
    carry = ActivityFactory.create(name="Carrying", kind="functional", unit="metres")
    walk = activity_choice(baseline_trials=[40], goal_quota=50)

    with pytest.raises(ValidationError) as slow:
        draft_program(activities=[walk, activity_choice(carry, baseline_trials=[300],
                                                        goal_quota=600)])  # fmt: skip
    program = draft_program(
        activities=[
            walk,
            activity_choice(carry, baseline_trials=[300], goal_quota=600, metres_per_minute=100),
        ]
    )

    # 600 m at the default 50 m a minute is 12 minutes: 62 in all; at 100 m a minute, 56.
    assert "daily_minutes_cap" in fields_of(slow)
    assert program.activities.get(kind="functional").metres_per_minute == 100


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "desensitization", "unit": "metres"}, "unit"),
        ({"unit": "minutes", "metres_per_minute": 80}, "metres_per_minute"),
        ({"unit": "repetitions", "seconds_per_repetition": 600}, "seconds_per_repetition"),
    ],
)
def test_an_activity_the_engine_could_never_plan_is_refused(
    changes: dict[str, Any], field: str
) -> None:
    values: dict[str, Any] = {"clinic": None, "name": "New", "kind": "functional"}

    with pytest.raises(ValidationError) as excinfo:
        activity_create(**{**values, **changes})

    assert field in fields_of(excinfo)


# The API


def test_the_api_records_a_new_baseline() -> None:
    program = active_program(started_weeks_ago=3)
    client = APIClient()
    client.force_authenticate(clinician_of(program))
    row = program.activities.get()
    body = {"baselines": [{"activity": row.id, "trials": [8], "dates": [str(today(program))]}]}

    done = client.post(f"/api/v1/programs/{program.id}/rebaseline/", body, format="json")
    body["baselines"][0]["dates"] = ["2020-01-01"]
    refused = client.post(f"/api/v1/programs/{program.id}/rebaseline/", body, format="json")

    assert done.status_code == 200, done.json()
    assert done.json()["ramp_start"] == str(today(program) + timedelta(days=1))
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "baselines[0].dates[0]"


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ({"times_per_day": 1}, "activities[0].times_per_day"),
        ({"goal_quota": 1200}, "activities[0].goal_quota"),
    ],
)
def test_a_template_whose_desensitization_no_program_could_follow_is_refused(
    entry: dict[str, Any], field: str
) -> None:
    feather = ActivityFactory.create(name="Feather", kind="desensitization", unit="seconds")
    values: dict[str, Any] = {"activity": feather, "goal_quota": 300, "times_per_day": 3}

    with pytest.raises(ValidationError) as excinfo:
        template_create(
            clinic=None, name="Textures", entries=[TemplateEntry(**{**values, **entry})]
        )

    assert field in fields_of(excinfo)
    assert not ProgramTemplate.objects.exists()


def test_a_start_intensity_is_moderate_or_light_never_vigorous() -> None:
    light = draft_program(activities=[activity_choice(start_intensity="light")])
    with pytest.raises(ValidationError) as excinfo:
        draft_program(
            activities=[activity_choice(start_intensity="vigorous", goal_intensity="vigorous")]
        )

    assert light.activities.get().start_intensity == "light"
    assert "activities[0].start_intensity" in fields_of(excinfo)
