"""A pause that starts on the last day of a week with no session day in it still plans its
horizon of sessions at the held step: the case random search found, where a red flag on a
Saturday after a step back left the pause with no session, and the next review held the
program at the step from before the step back instead."""

from datetime import date

from planner import generate_schedule, regenerate_schedule
from tests.planner import factories


def test_a_pause_from_a_day_without_a_session_still_plans_its_weeks_at_the_held_step() -> None:
    plan = factories.program(factories.activity(weekdays=frozenset({0})))  # Mondays only
    schedule = generate_schedule(plan)
    saturday = date(2026, 1, 31)

    paused = regenerate_schedule(plan, schedule, from_date=saturday, step=0, paused=True)

    later = [session for session in paused.sessions if session.date > saturday]
    assert paused.paused
    assert later and all(session.step == 0 for session in later)
    assert len(later) == plan.paused_horizon_weeks
