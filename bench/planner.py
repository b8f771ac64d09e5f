"""How long the engine takes to plan a year: 8 activities, every day, goal 52 weeks out."""

from datetime import date, timedelta

from bench.timing import time_calls
from planner import (
    ActivityKind,
    ActivityPlan,
    CheckIn,
    HeartRateProfile,
    IntensityBand,
    ProgramPlan,
    SessionLog,
    SessionStatus,
    Unit,
    generate_schedule,
    weekly_review,
)

EVERY_DAY = frozenset(range(7))
START = date(2026, 1, 5)


def year_plan() -> ProgramPlan:
    def make(
        key: str, kind: ActivityKind, unit: Unit, start: int, goal: int, **more: object
    ) -> ActivityPlan:
        return ActivityPlan(
            key=key, kind=kind, unit=unit, start_quota=start, goal_quota=goal,
            weekdays=EVERY_DAY, **more,  # type: ignore[arg-type]
        )  # fmt: skip

    activities = (
        make("walking", ActivityKind.AEROBIC, Unit.MINUTES, 8, 25,
             goal_intensity=IntensityBand.VIGOROUS),
        make("cycling", ActivityKind.AEROBIC, Unit.MINUTES, 5, 15),
        make("stairs", ActivityKind.FUNCTIONAL, Unit.REPETITIONS, 10, 80),
        make("sit_to_stand", ActivityKind.FUNCTIONAL, Unit.REPETITIONS, 5, 40),
        make("jumping_jacks", ActivityKind.FUNCTIONAL, Unit.REPETITIONS, 5, 60, impact=True),
        make("carrying", ActivityKind.FUNCTIONAL, Unit.METRES, 20, 200),
        make("stretching", ActivityKind.FLEXIBILITY, Unit.MINUTES, 2, 10),
        make("feather", ActivityKind.DESENSITIZATION, Unit.SECONDS, 30, 300, times_per_day=2),
    )  # fmt: skip
    return ProgramPlan(
        activities=activities,
        start_date=START,
        goal_date=START + timedelta(weeks=52),
        heart_rate=HeartRateProfile(age=13, resting_hr=72),
        # Every dose counts towards the daily total now, repetitions and metres at their
        # default pace: 79 minutes at goal, so a clinician has raised the cap.
        daily_minutes_cap=90,
    )


def run() -> list[str]:
    plan = year_plan()
    schedule = generate_schedule(plan)
    doses = sum(len(session.doses) for session in schedule.sessions)
    generate = time_calls(lambda: generate_schedule(plan))
    sunday = START + timedelta(weeks=20, days=6)
    logs = [
        SessionLog(date=session.date, status=SessionStatus.DONE)
        for session in schedule.sessions
        if session.date <= sunday
    ]
    review = time_calls(
        lambda: weekly_review(plan, schedule, week=20, today=sunday, logs=logs, check_in=CheckIn())
    )
    return [
        f"program: 8 activities, 7 days a week, goal 52 weeks out: "
        f"{len(schedule.sessions)} sessions, {doses} doses",
        generate.line("generate_schedule", target_ms=50),
        review.line("weekly_review (week 20, regenerating the rest)"),
    ]
