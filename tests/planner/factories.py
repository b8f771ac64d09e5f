"""Small builders for engine inputs, so each test states only what it is about."""

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from planner import ActivityKind, ActivityPlan, ProgramPlan, Unit

MONDAY = date(2026, 1, 5)
EVERY_DAY = frozenset(range(7))


def activity(**overrides: Any) -> ActivityPlan:
    values: dict[str, Any] = {
        "key": "walking",
        "kind": ActivityKind.AEROBIC,
        "unit": Unit.MINUTES,
        "start_quota": 10,
        "goal_quota": 30,
        "weekdays": EVERY_DAY,
    }
    values.update(overrides)
    return ActivityPlan(**values)


def desensitization(**overrides: Any) -> ActivityPlan:
    """Desensitization with a feather, 30 seconds rising to five minutes, twice a day (it
    must be two or three times) every day."""
    return activity(
        **{
            "key": "feather",
            "kind": ActivityKind.DESENSITIZATION,
            "unit": Unit.SECONDS,
            "start_quota": 30,
            "goal_quota": 300,
            "times_per_day": 2,
            **overrides,
        }
    )


def program(*activities: ActivityPlan, weeks: int = 12, **overrides: Any) -> ProgramPlan:
    plan = ProgramPlan(
        activities=activities or (activity(),),
        start_date=MONDAY,
        goal_date=MONDAY + timedelta(weeks=weeks),
    )
    return replace(plan, **overrides)
