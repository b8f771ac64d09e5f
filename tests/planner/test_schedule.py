from dataclasses import replace
from datetime import date, timedelta
from itertools import pairwise
from typing import Any

import pytest

from planner import (
    ActivityKind,
    Code,
    ExertionRange,
    HeartRateProfile,
    HeartRateRange,
    IntensityBand,
    Phase,
    PlannerInputError,
    Reason,
    Schedule,
    Unit,
    generate_schedule,
    taper_weekdays,
)
from tests.planner.factories import MONDAY, activity, desensitization, program


def weekly_amounts(schedule: Schedule, key: str) -> list[int]:
    first_of_week: dict[int, int] = {}
    for session in schedule.sessions:
        dose = session.dose_for(key)
        if dose is not None:
            first_of_week.setdefault(session.week, dose.amount)
    return [first_of_week[week] for week in sorted(first_of_week)]


def test_it_ramps_a_12_week_walk_from_10_to_30_minutes() -> None:
    # Linear 10 -> 30 over 12 weeks is +1.67 a week, rounded half up to whole minutes;
    # the 20% non-impact cap never binds (it allows +2 at 10 minutes).
    schedule = generate_schedule(program(weeks=12))

    build = [s for s in schedule.sessions if s.phase is Phase.BUILD]
    assert weekly_amounts(schedule, "walking")[:13] == [
        10, 12, 13, 15, 17, 18, 20, 22, 23, 25, 27, 28, 30,
    ]  # fmt: skip
    assert build[-1].date == MONDAY + timedelta(weeks=12, days=6)
    assert schedule.feasibility.feasible


def test_it_follows_build_with_three_weeks_at_goal_then_a_taper_to_one_session() -> None:
    schedule = generate_schedule(program(weeks=12))

    phases = {s.week: s.phase for s in schedule.sessions}
    per_week = [len(schedule.sessions_in_week(week)) for week in range(16, 19)]
    assert [phases[w] for w in (12, 13, 15, 16, 18)] == [
        Phase.BUILD, Phase.MAINTAIN, Phase.MAINTAIN, Phase.TAPER, Phase.TAPER,
    ]  # fmt: skip
    assert per_week == [5, 3, 1]
    assert schedule.discharge_date == MONDAY + timedelta(weeks=19)


def test_it_reports_the_earliest_goal_date_when_the_impact_cap_forbids_the_requested_one() -> None:
    # +10% a week from 10 minutes, at least +1: 10, 11, ... 20, 22, 24, 26, 28, 30 is
    # 15 weekly steps, three more than the 12 weeks asked for.
    run = activity(key="running", impact=True)

    schedule = generate_schedule(program(run, weeks=12))

    assert not schedule.feasibility.feasible
    assert schedule.feasibility.earliest_goal_date == MONDAY + timedelta(weeks=15)
    assert weekly_amounts(schedule, "running")[:16] == [
        10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 22, 24, 26, 28, 30,
    ]  # fmt: skip


def test_it_says_why_a_goal_date_cannot_be_met_and_the_earliest_that_can() -> None:
    schedule = generate_schedule(program(activity(key="running", impact=True), weeks=12))

    assert schedule.feasibility.reason == Reason(
        Code.NOT_FEASIBLE,
        {
            "goal_date": date(2026, 3, 30),
            "activities": ("running",),
            "earliest": date(2026, 4, 20),
        },
    )


def test_it_raises_intensity_only_after_duration_has_reached_its_goal() -> None:
    walk = activity(goal_intensity=IntensityBand.VIGOROUS)
    plan = program(walk, weeks=12, heart_rate=HeartRateProfile(age=13, resting_hr=75))

    doses = [s.doses[0] for s in generate_schedule(plan).sessions if s.date.weekday() == 0]

    rising = [d for d in doses[1:] if d.reserve_fractions != doses[0].reserve_fractions]
    assert all(d.amount == 30 for d in rising)
    assert rising[0].reserve_fractions == (0.45, 0.64)
    assert doses[-1].reserve_fractions == (0.60, 0.89)


def test_it_gives_aerobic_doses_a_heart_rate_and_omni_target() -> None:
    # Tanaka at 13: 208 - 9.1 = 198.9 bpm; reserve 123.9 over a resting 75.
    plan = program(heart_rate=HeartRateProfile(age=13, resting_hr=75))

    dose = generate_schedule(plan).sessions[0].doses[0]

    assert dose.heart_rate == HeartRateRange(low=125, high=148)
    assert dose.exertion == ExertionRange(low=4, high=5)


def test_it_leaves_non_aerobic_doses_without_heart_rate_targets() -> None:
    stairs = activity(key="stairs", kind=ActivityKind.FUNCTIONAL, unit=Unit.REPETITIONS)

    dose = generate_schedule(program(stairs)).sessions[0].doses[0]

    assert dose.heart_rate is None
    assert dose.exertion is None


def test_it_schedules_each_activity_on_its_own_weekdays() -> None:
    walk = activity(weekdays=frozenset({0, 2, 4}))
    feather = desensitization(weekdays=frozenset(range(7)), times_per_day=3)

    first_week = generate_schedule(program(walk, feather)).sessions_in_week(0)

    assert [len(s.doses) for s in first_week] == [2, 1, 2, 1, 2, 1, 1]
    assert first_week[1].doses[0].times_per_day == 3


def test_it_steps_taper_sessions_down_evenly_to_one() -> None:
    assert taper_weekdays(frozenset(range(7)), 1, 3) == frozenset({0, 1, 2, 4, 5})
    assert taper_weekdays(frozenset({0, 2, 4}), 2, 3) == frozenset({0, 2})
    assert taper_weekdays(frozenset({0, 2, 4}), 3, 3) == frozenset({0})


def test_it_gives_the_same_schedule_for_the_same_plan() -> None:
    plan = program(activity(key="running", impact=True), activity(key="bike", goal_quota=20))

    assert generate_schedule(plan) == generate_schedule(replace(plan))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"activities": ()}, "activities"),
        ({"activities": (activity(start_quota=40, goal_quota=30),)}, "activities[0].start_quota"),
        ({"activities": (activity(weekdays=frozenset()),)}, "activities[0].weekdays"),
        ({"activities": (activity(weekdays=frozenset({7})),)}, "activities[0].weekdays"),
        ({"activities": (activity(start_quota=-5),)}, "activities[0].start_quota"),
        ({"activities": (activity(start_quota=0),)}, "activities[0].start_quota"),
        ({"activities": (activity(goal_quota=100_000),)}, "activities[0].goal_quota"),
        ({"activities": (activity(start_quota=2.5),)}, "activities[0].start_quota"),
        ({"activities": (activity(times_per_day=0),)}, "activities[0].times_per_day"),
        ({"activities": (activity(key=" "),)}, "activities[0].key"),
        ({"activities": (activity(), activity())}, "activities[1].key"),
        (
            {"activities": (activity(start_intensity=IntensityBand.VIGOROUS),)},
            "activities[0].start_intensity",
        ),
        ({"goal_date": date(2026, 1, 1)}, "goal_date"),
        ({"goal_date": MONDAY}, "goal_date"),
        ({"goal_date": MONDAY + timedelta(weeks=200)}, "goal_date"),
        ({"impact_weekly_cap": 0}, "impact_weekly_cap"),
        ({"non_impact_weekly_cap": 1.5}, "non_impact_weekly_cap"),
        ({"daily_minutes_cap": -1}, "daily_minutes_cap"),
        ({"maintain_weeks": -1}, "maintain_weeks"),
        ({"taper_weeks": 100}, "taper_weeks"),
        ({"heart_rate": HeartRateProfile(age=250, resting_hr=70)}, "heart_rate.age"),
        ({"heart_rate": HeartRateProfile(age=-3, resting_hr=70)}, "heart_rate.age"),
        ({"heart_rate": HeartRateProfile(age=13, resting_hr=300)}, "heart_rate.resting_hr"),
        ({"heart_rate": HeartRateProfile(age=13, resting_hr=10)}, "heart_rate.resting_hr"),
        ({"heart_rate": HeartRateProfile(age=100, resting_hr=120)}, "heart_rate.resting_hr"),
    ],
)
def test_it_refuses_invalid_input_naming_the_field(change: dict[str, Any], field: str) -> None:
    plan = replace(program(), **change)

    with pytest.raises(PlannerInputError) as raised:
        generate_schedule(plan)

    assert raised.value.field == field
    assert raised.value.reason.code.startswith("input.")


def test_it_refuses_goals_that_overrun_the_daily_cap_and_says_by_how_much() -> None:
    plan = program(activity(goal_quota=40), activity(key="bike", goal_quota=30))

    with pytest.raises(PlannerInputError) as raised:
        generate_schedule(plan)

    assert raised.value.field == "daily_minutes_cap"
    assert raised.value.reason == Reason(Code.DAILY_CAP, {"minutes": 70, "weekday": 0, "cap": 60})


def test_it_lets_a_clinician_raise_the_daily_cap() -> None:
    plan = program(activity(goal_quota=40), activity(key="bike", goal_quota=30))

    schedule = generate_schedule(replace(plan, daily_minutes_cap=90))

    assert max(s.minutes for s in schedule.sessions) == 70


def test_it_never_lets_a_rounded_intensity_rise_exceed_the_weekly_step() -> None:
    walk = activity(goal_intensity=IntensityBand.VIGOROUS)
    plan = program(walk, weeks=12, intensity_weekly_step=0.01005)

    fractions = [
        s.doses[0].reserve_fractions for s in generate_schedule(plan).sessions
        if s.date.weekday() == 0
    ]  # fmt: skip

    rises = [b[1] - a[1] for a, b in pairwise(fractions) if a and b]
    assert max(rises) <= 0.01005
    assert fractions[-1] == (0.60, 0.89)


def test_it_refuses_a_goal_that_no_date_within_two_years_can_reach() -> None:
    slow = activity(start_quota=1, goal_quota=200, impact=True)
    plan = program(slow, weeks=1, impact_weekly_cap=0.01, daily_minutes_cap=600)

    with pytest.raises(PlannerInputError) as raised:
        generate_schedule(plan)

    assert raised.value.field == "activities[0].goal_quota"
    assert raised.value.reason.code is Code.GOAL_UNREACHABLE
    assert raised.value.reason.params["weeks"] == 104


def test_it_ends_the_taper_with_one_session_holding_every_activity() -> None:
    mondays = activity(key="walking", weekdays=frozenset({0}))
    tuesdays = activity(
        key="stairs", kind=ActivityKind.FUNCTIONAL, unit=Unit.REPETITIONS,
        weekdays=frozenset({1}),
    )  # fmt: skip

    schedule = generate_schedule(program(mondays, tuesdays, taper_weeks=1))

    last_week = schedule.sessions_in_week(schedule.sessions[-1].week)
    assert len(last_week) == 1
    assert {dose.activity for dose in last_week[0].doses} == {"walking", "stairs"}


# --- What an outside property suite found (issue 9) -----------------------------------------


def test_a_cap_typed_with_many_decimals_is_never_rounded_up_into_a_broken_cap() -> None:
    # 2 repetitions under a cap of 0.999999999: 2 x 1.999999999 is 3.999999998, so 3 at most;
    # a cap rounded to 1.0 allowed 4.
    reps = activity(
        key="jumps", kind=ActivityKind.FUNCTIONAL, unit=Unit.REPETITIONS, start_quota=2,
        goal_quota=8,
    )  # fmt: skip
    plan = program(reps, weeks=2, non_impact_weekly_cap=0.999999999)

    schedule = generate_schedule(plan)

    amounts = weekly_amounts(schedule, "jumps")
    assert amounts[:3] == [2, 3, 5]
    assert not schedule.feasibility.feasible


def test_a_start_at_vigorous_intensity_is_refused() -> None:
    plan = program(
        activity(start_intensity=IntensityBand.VIGOROUS, goal_intensity=IntensityBand.VIGOROUS)
    )

    with pytest.raises(PlannerInputError) as raised:
        generate_schedule(plan)

    assert raised.value.field == "activities[0].start_intensity"


def test_a_start_at_light_intensity_is_the_clinicians_choice() -> None:
    plan = program(activity(start_intensity=IntensityBand.LIGHT))

    schedule = generate_schedule(plan)

    assert schedule.sessions[0].doses[0].reserve_fractions == (0.30, 0.39)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"unit": Unit.MINUTES, "start_quota": 5, "goal_quota": 55}, "activities[0].goal_quota"),
        ({"start_quota": 1000, "goal_quota": 1000}, "activities[0].start_quota"),
        ({"times_per_day": 1}, "activities[0].times_per_day"),
        ({"times_per_day": 6}, "activities[0].times_per_day"),
        ({"unit": Unit.METRES}, "activities[0].unit"),
    ],
)
def test_desensitization_is_a_few_seconds_to_15_minutes_two_or_three_times_a_day(
    changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(PlannerInputError) as raised:
        generate_schedule(program(desensitization(**changes)))

    assert raised.value.field == field


def test_desensitization_of_15_minutes_three_times_a_day_is_planned() -> None:
    feather = desensitization(unit=Unit.MINUTES, start_quota=5, goal_quota=15, times_per_day=3)

    schedule = generate_schedule(program(feather, daily_minutes_cap=60))

    assert schedule.sessions[-1].doses[0].amount == 15


def test_walking_8000_metres_counts_towards_the_daily_total_at_the_default_pace() -> None:
    # 8,000 m at 50 m a minute is 160 minutes: with 60 minutes of cycling far above 60.
    walk = activity(key="walk", unit=Unit.METRES, start_quota=4000, goal_quota=8000)
    bike = activity(key="bike", start_quota=30, goal_quota=60)

    with pytest.raises(PlannerInputError) as raised:
        generate_schedule(program(walk, bike, weeks=12))

    assert raised.value.field == "daily_minutes_cap"
    assert raised.value.reason.params["minutes"] == 220


def test_a_clinicians_pace_sets_how_long_a_distance_or_a_repetition_takes() -> None:
    # 2,000 m at 100 m a minute is 20 minutes; 60 flights of stairs at 30 s each, 30 minutes.
    walk = activity(
        key="walk", unit=Unit.METRES, start_quota=1000, goal_quota=2000, metres_per_minute=100
    )
    stairs = activity(
        key="stairs", kind=ActivityKind.FUNCTIONAL, unit=Unit.REPETITIONS, start_quota=30,
        goal_quota=60, seconds_per_repetition=30,
    )  # fmt: skip

    schedule = generate_schedule(program(walk, stairs, weeks=12, daily_minutes_cap=50))

    assert max(session.minutes for session in schedule.sessions) == 50
    with pytest.raises(PlannerInputError) as raised:
        generate_schedule(program(walk, stairs, weeks=12, daily_minutes_cap=49))
    assert raised.value.field == "daily_minutes_cap"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"metres_per_minute": 80}, "activities[0].metres_per_minute"),
        ({"unit": Unit.METRES, "start_quota": 100, "goal_quota": 200, "metres_per_minute": 5},
         "activities[0].metres_per_minute"),
        ({"unit": Unit.REPETITIONS, "seconds_per_repetition": 0},
         "activities[0].seconds_per_repetition"),
        ({"unit": Unit.REPETITIONS, "seconds_per_repetition": float("nan")},
         "activities[0].seconds_per_repetition"),
    ],
)  # fmt: skip
def test_a_pace_must_fit_the_unit_and_be_plausible(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(PlannerInputError) as raised:
        generate_schedule(program(activity(**changes)))

    assert raised.value.field == field


def test_every_goal_counts_towards_feasibility_intensity_included() -> None:
    # 10 -> 30 minutes takes 7 steps at 20%; moderate -> vigorous at 5% a week takes 6 more
    # (0.59 -> 0.89 is 0.30): 13 weeks, so a goal date 8 weeks out cannot be met.
    walk = activity(goal_intensity=IntensityBand.VIGOROUS)
    plan = program(walk, weeks=8, heart_rate=HeartRateProfile(age=13, resting_hr=75))

    schedule = generate_schedule(plan)

    assert not schedule.feasibility.feasible
    assert schedule.feasibility.earliest_goal_date == MONDAY + timedelta(weeks=13)
    at_goal = [
        s.date for s in schedule.sessions
        if s.doses[0].amount == 30 and s.doses[0].reserve_fractions == (0.60, 0.89)
    ]  # fmt: skip
    assert at_goal[0] == schedule.feasibility.earliest_goal_date


def test_a_feasible_intensity_goal_is_reached_by_the_goal_date_itself() -> None:
    walk = activity(goal_intensity=IntensityBand.VIGOROUS)
    plan = program(walk, weeks=16, heart_rate=HeartRateProfile(age=13, resting_hr=75))

    schedule = generate_schedule(plan)

    assert schedule.feasibility.feasible
    assert schedule.feasibility.reason == Reason(Code.FEASIBLE, {"goal_date": date(2026, 4, 27)})
    at_goal = [
        s.date for s in schedule.sessions
        if s.doses[0].amount == 30 and s.doses[0].reserve_fractions == (0.60, 0.89)
    ]  # fmt: skip
    assert at_goal[0] == plan.goal_date
