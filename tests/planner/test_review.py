from datetime import date, timedelta

import pytest

from planner import (
    ActivityResult,
    AlertKind,
    CheckIn,
    Code,
    Decision,
    IntensityBand,
    Phase,
    PlannerInputError,
    Reason,
    Rebaseline,
    RedFlag,
    Review,
    Schedule,
    SessionLog,
    SessionStatus,
    generate_schedule,
    rebaseline_schedule,
    red_flag_guidance,
    regenerate_schedule,
    resume_schedule,
    weekly_review,
)
from tests.planner.factories import MONDAY, activity, desensitization, program

PLAN = program(weeks=12)
SUNDAY = MONDAY + timedelta(days=6)


def logs_for(
    schedule: Schedule,
    first: date,
    last: date,
    status: SessionStatus = SessionStatus.DONE,
    skip: int = 0,
) -> list[SessionLog]:
    """Logs for the sessions between two dates; the last ``skip`` of them go unlogged."""
    sessions = [s for s in schedule.sessions if first <= s.date <= last]
    kept = sessions[: len(sessions) - skip]
    return [SessionLog(date=s.date, status=status) for s in kept]


def amount_on(schedule: Schedule, day: date) -> int:
    session = schedule.session_on(day)
    assert session is not None
    return session.doses[0].amount


def test_it_progresses_after_a_full_week_with_quotas_met() -> None:
    schedule = generate_schedule(PLAN)

    review = weekly_review(
        PLAN, schedule, week=0, today=SUNDAY, logs=logs_for(schedule, MONDAY, SUNDAY)
    )

    assert review.decision is Decision.PROGRESS
    assert review.reasons == (
        Reason(Code.REVIEW_PROGRESS, {"done": 7, "planned": 7, "adherence": 100}),
    )
    assert amount_on(review.schedule, MONDAY + timedelta(weeks=1)) == 12


def test_it_holds_when_adherence_is_below_80_percent() -> None:
    schedule = generate_schedule(PLAN)
    logs = logs_for(schedule, MONDAY, SUNDAY, skip=2)

    review = weekly_review(
        PLAN, schedule, week=0, today=SUNDAY, logs=logs, days_since_last_activity=0
    )

    assert review.decision is Decision.HOLD
    assert review.reasons == (
        Reason(Code.REVIEW_LOW_ADHERENCE, {"done": 5, "planned": 7, "adherence": 71, "needed": 80}),
    )
    assert amount_on(review.schedule, MONDAY + timedelta(weeks=1)) == 10


def test_it_holds_when_the_quota_was_missed_in_two_of_the_last_three_sessions() -> None:
    schedule = generate_schedule(PLAN)
    logs = logs_for(schedule, MONDAY, SUNDAY)
    short = [ActivityResult(activity="walking", amount=7, exertion=4)]
    logs[-1] = SessionLog(date=logs[-1].date, status=SessionStatus.DONE, results=tuple(short))
    logs[-2] = SessionLog(date=logs[-2].date, status=SessionStatus.PARTIAL, results=tuple(short))

    review = weekly_review(PLAN, schedule, week=0, today=SUNDAY, logs=logs)

    assert review.decision is Decision.HOLD
    assert review.reasons == (Reason(Code.REVIEW_QUOTA_MISSED, {"met": 1, "window": 3}),)
    assert amount_on(review.schedule, MONDAY + timedelta(weeks=1)) == 10


def with_amount(log: SessionLog, amount: int, status: SessionStatus) -> SessionLog:
    results = (ActivityResult(activity="walking", amount=amount),)
    return SessionLog(date=log.date, status=status, results=results)


def test_a_session_logged_done_with_nothing_done_is_neither_done_nor_at_quota() -> None:
    schedule = generate_schedule(PLAN)
    logs = [with_amount(log, 0, SessionStatus.DONE) for log in logs_for(schedule, MONDAY, SUNDAY)]

    review = weekly_review(
        PLAN, schedule, week=0, today=SUNDAY, logs=logs, days_since_last_activity=0
    )

    assert review.decision is Decision.HOLD
    assert review.sessions_done == 0
    assert amount_on(review.schedule, MONDAY + timedelta(weeks=1)) == 10


def test_it_holds_when_the_full_dose_was_missed_in_most_of_the_weeks_sessions() -> None:
    # Five partial sessions, then two full ones: every session done, the last three sessions
    # at quota but one, and yet the dose was reached in only 2 of 7 sessions.
    schedule = generate_schedule(PLAN)
    logs = logs_for(schedule, MONDAY, SUNDAY)
    logs[:5] = [with_amount(log, 6, SessionStatus.PARTIAL) for log in logs[:5]]

    review = weekly_review(PLAN, schedule, week=0, today=SUNDAY, logs=logs)

    assert review.decision is Decision.HOLD
    assert review.reasons == (
        Reason(Code.REVIEW_DOSES_SHORT, {"full": 2, "planned": 7, "share": 29, "needed": 80}),
    )
    assert amount_on(review.schedule, MONDAY + timedelta(weeks=1)) == 10


def test_it_progresses_when_one_session_of_the_week_fell_short() -> None:
    schedule = generate_schedule(PLAN)
    logs = logs_for(schedule, MONDAY, SUNDAY)
    logs[2] = with_amount(logs[2], 8, SessionStatus.PARTIAL)

    review = weekly_review(PLAN, schedule, week=0, today=SUNDAY, logs=logs)

    assert review.decision is Decision.PROGRESS
    assert amount_on(review.schedule, MONDAY + timedelta(weeks=1)) == 12


def review_after_a_gap(*, week: int, last_active: date, today: date) -> Review:
    """The review of ``week`` on ``today``, every session done up to ``last_active`` and
    none after it."""
    schedule = generate_schedule(PLAN)
    logs = logs_for(schedule, MONDAY, last_active)
    return weekly_review(PLAN, schedule, week=week, today=today, logs=logs)


def test_it_steps_back_a_week_after_seven_to_thirteen_days_without_activity() -> None:
    # Weeks 0-3 were done and reviewed as planned; nothing since the last Thursday of week 3.
    thursday = MONDAY + timedelta(weeks=3, days=3)
    today = thursday + timedelta(days=9)

    review = review_after_a_gap(week=4, last_active=thursday, today=today)

    assert review.decision is Decision.STEP_BACK
    assert review.reasons == (Reason(Code.REVIEW_GAP_STEP_BACK, {"days": 9}),)
    assert review.next_step == 2
    assert AlertKind.NO_ACTIVITY in review.alerts


def test_it_steps_back_two_weeks_and_suggests_a_new_baseline_after_fourteen_days() -> None:
    thursday = MONDAY + timedelta(weeks=3, days=3)
    today = thursday + timedelta(days=16)

    review = review_after_a_gap(week=5, last_active=thursday, today=today)

    assert review.decision is Decision.NEW_BASELINE
    assert review.reasons == (Reason(Code.REVIEW_GAP_NEW_BASELINE, {"days": 16}),)
    assert (review.step_back_weeks, review.next_step) == (2, 1)


def test_it_resumes_at_the_last_completed_level_after_a_short_gap() -> None:
    # Week 1 was done in full; week 2 (step 2) not at all: 7 days without activity would
    # step back, so look on day 6 of the gap.
    last_done = MONDAY + timedelta(weeks=1, days=6)
    today = MONDAY + timedelta(weeks=2, days=5)

    review = review_after_a_gap(week=2, last_active=last_done, today=today)

    assert review.decision is Decision.HOLD
    assert review.next_step == 1


def test_it_holds_on_a_flare_and_adds_a_desensitization_bout() -> None:
    feather = desensitization()
    plan = program(activity(), feather)
    schedule = generate_schedule(plan)

    review = weekly_review(
        plan,
        schedule,
        week=0,
        today=SUNDAY,
        logs=logs_for(schedule, MONDAY, SUNDAY),
        check_in=CheckIn(flare=True),
    )

    next_monday = review.schedule.session_on(MONDAY + timedelta(weeks=1))
    assert review.decision is Decision.HOLD
    assert review.add_desensitization
    feather_dose = next_monday.dose_for("feather") if next_monday else None
    assert feather_dose is not None and feather_dose.times_per_day == 3


def test_it_alerts_the_clinician_when_flares_go_on_past_two_weeks() -> None:
    schedule = generate_schedule(PLAN)
    logs = logs_for(schedule, MONDAY, SUNDAY)

    review = weekly_review(
        PLAN, schedule, week=0, today=SUNDAY, logs=logs, check_in=CheckIn(flare=True),
        previous_flare_weeks=2,
    )  # fmt: skip

    assert AlertKind.PERSISTENT_FLARE in review.alerts
    assert [reason.code for reason in review.reasons] == [
        Code.REVIEW_FLARE,
        Code.REVIEW_FLARE_ALERT,
        Code.REVIEW_NO_DESENSITIZATION,
    ]
    assert review.reasons[1].params == {"weeks": 3}


def test_a_flare_holds_the_step_the_week_under_review_was_re_planned_at() -> None:
    # The falsifying example of the flare property: an earlier review stepped week 5 back to
    # step 0, and week 5 is reviewed on its first day (a Friday, no session yet). The step
    # before today (Thursday, week 4) is 1; holding that would raise week 6 above week 5.
    light = {"start_intensity": IntensityBand.LIGHT, "goal_intensity": IntensityBand.LIGHT}
    plan = program(
        activity(key="a0", start_quota=1, goal_quota=1, weekdays=frozenset({0, 1, 2}), **light),
        activity(key="a1", start_quota=1, goal_quota=1, weekdays=frozenset({3}), **light),
        start_date=date(2026, 9, 4),
        goal_date=date(2026, 9, 18),
    )
    schedule = generate_schedule(plan)
    schedule = regenerate_schedule(plan, schedule, from_date=date(2026, 9, 25), step=0)
    schedule = regenerate_schedule(plan, schedule, from_date=date(2026, 10, 9), step=0)
    done = [date(2026, 9, d) for d in (7, 8, 9, 10)] + [date(2026, 10, 6), date(2026, 10, 8)]
    logs = [SessionLog(date=day, status=SessionStatus.DONE) for day in done]

    def review_of_week_5(check_in: CheckIn) -> Review:
        return weekly_review(
            plan, schedule, week=5, today=date(2026, 10, 9), logs=logs, check_in=check_in
        )

    calm = review_of_week_5(CheckIn())
    flare = review_of_week_5(CheckIn(flare=True))

    assert [s.step for s in schedule.sessions_in_week(5)] == [0, 0, 0, 0]
    assert (calm.decision, calm.step, calm.next_step) == (Decision.PROGRESS, 0, 1)
    assert (flare.decision, flare.step, flare.next_step) == (Decision.HOLD, 0, 0)
    assert flare.add_desensitization
    assert not flare.schedule.paused
    assert [s.step for s in flare.schedule.sessions_in_week(6)] == [0, 0, 0, 0]


def test_a_flare_never_raises_a_dose_above_the_week_an_earlier_review_stepped_back() -> None:
    # Walking Tuesday to Sunday: week 2 was stepped back to the start (10 minutes), and is
    # reviewed on its Monday, before any of its sessions. A flare holds 10 minutes.
    plan = program(activity(weekdays=frozenset(range(1, 7))))
    schedule = generate_schedule(plan)
    schedule = regenerate_schedule(plan, schedule, from_date=MONDAY + timedelta(weeks=2), step=0)
    week_2 = MONDAY + timedelta(weeks=2)
    logs = logs_for(schedule, MONDAY, week_2)

    review = weekly_review(
        plan, schedule, week=2, today=week_2, logs=logs, check_in=CheckIn(flare=True)
    )

    assert review.decision is Decision.HOLD
    assert amount_on(review.schedule, week_2 + timedelta(days=6)) == 10
    assert amount_on(review.schedule, week_2 + timedelta(weeks=1, days=1)) == 10


def test_it_pauses_on_a_red_flag_and_tells_the_patient_to_contact_their_doctor() -> None:
    schedule = generate_schedule(PLAN)
    wednesday = MONDAY + timedelta(days=2)

    review = weekly_review(
        PLAN,
        schedule,
        week=0,
        today=wednesday,
        logs=logs_for(schedule, MONDAY, wednesday),
        check_in=CheckIn(red_flags=frozenset({RedFlag.FEVER})),
    )

    later = [s for s in review.schedule.sessions if s.date > wednesday]
    assert review.decision is Decision.PAUSE and review.alerts == (AlertKind.RED_FLAG,)
    assert review.patient_guidance == Reason(Code.GUIDANCE_CONTACT_DOCTOR)
    assert review.reasons == (Reason(Code.REVIEW_RED_FLAG, {"flags": ("fever",)}),)
    assert {s.phase for s in later} == {Phase.PAUSED} and {s.doses[0].amount for s in later} == {10}


def test_it_shows_the_crisis_line_for_thoughts_of_self_harm() -> None:
    schedule = generate_schedule(PLAN)

    review = weekly_review(
        PLAN, schedule, week=0, today=SUNDAY, logs=[],
        check_in=CheckIn(red_flags=frozenset({RedFlag.SELF_HARM})),
    )  # fmt: skip

    assert review.patient_guidance == Reason(Code.GUIDANCE_CRISIS)


def test_the_self_harm_guidance_is_the_crisis_line_with_the_doctor_for_other_flags() -> None:
    alone = red_flag_guidance(frozenset({RedFlag.SELF_HARM}))
    with_fever = red_flag_guidance(frozenset({RedFlag.SELF_HARM, RedFlag.FEVER}))

    assert alone == Reason(Code.GUIDANCE_CRISIS)
    assert with_fever == Reason(Code.GUIDANCE_CRISIS_AND_DOCTOR)
    assert red_flag_guidance(frozenset()) is None


def test_it_keeps_a_paused_program_paused_until_a_clinician_resumes_it() -> None:
    schedule = generate_schedule(PLAN)
    flagged = weekly_review(
        PLAN, schedule, week=0, today=SUNDAY, logs=logs_for(schedule, MONDAY, SUNDAY),
        check_in=CheckIn(red_flags=frozenset({RedFlag.JOINT_SWELLING})),
    ).schedule  # fmt: skip
    next_sunday = SUNDAY + timedelta(weeks=1)
    logs = logs_for(flagged, MONDAY, next_sunday)

    still_paused = weekly_review(PLAN, flagged, week=1, today=next_sunday, logs=logs)
    resumed = resume_schedule(PLAN, flagged, today=next_sunday)

    assert still_paused.decision is Decision.PAUSE
    assert amount_on(still_paused.schedule, next_sunday + timedelta(weeks=1)) == 10
    assert amount_on(resumed, next_sunday + timedelta(weeks=1)) == 10
    assert amount_on(resumed, next_sunday + timedelta(weeks=2)) == 12


def test_it_lets_a_clinician_resume_at_a_step_of_their_choosing() -> None:
    flagged = weekly_review(
        PLAN, generate_schedule(PLAN), week=0, today=SUNDAY, logs=[],
        check_in=CheckIn(red_flags=frozenset({RedFlag.BONE_PAIN})),
    ).schedule  # fmt: skip

    resumed = resume_schedule(PLAN, flagged, today=SUNDAY, step=0)

    assert amount_on(resumed, SUNDAY + timedelta(days=1)) == 10
    assert not resumed.paused


def test_it_never_lets_pain_change_a_decision() -> None:
    schedule = generate_schedule(PLAN)
    logs = logs_for(schedule, MONDAY, SUNDAY)

    calm = weekly_review(PLAN, schedule, week=0, today=SUNDAY, logs=logs, check_in=CheckIn(pain=0))
    sore = weekly_review(PLAN, schedule, week=0, today=SUNDAY, logs=logs, check_in=CheckIn(pain=10))

    assert calm == sore


def test_it_never_changes_a_session_on_or_before_today() -> None:
    schedule = generate_schedule(PLAN)
    thursday = MONDAY + timedelta(days=3)

    review = weekly_review(
        PLAN, schedule, week=0, today=thursday, logs=[],
        check_in=CheckIn(red_flags=frozenset({RedFlag.RASH})),
    )  # fmt: skip

    before = [s for s in schedule.sessions if s.date <= thursday]
    assert [s for s in review.schedule.sessions if s.date <= thursday] == before


def test_it_gives_the_same_review_when_run_twice() -> None:
    schedule = generate_schedule(PLAN)
    logs = logs_for(schedule, MONDAY, SUNDAY)

    first = weekly_review(PLAN, schedule, week=0, today=SUNDAY, logs=logs)
    again = weekly_review(PLAN, first.schedule, week=0, today=SUNDAY, logs=logs)

    assert again == first


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"week": -1}, "week"),
        ({"today": MONDAY - timedelta(days=1)}, "today"),
        ({"days_since_last_activity": -2}, "days_since_last_activity"),
        ({"previous_flare_weeks": -1}, "previous_flare_weeks"),
    ],
)
def test_it_refuses_invalid_review_input_naming_the_field(
    arguments: dict[str, object], field: str
) -> None:
    values: dict[str, object] = {"week": 0, "today": SUNDAY, "logs": []}
    values.update(arguments)

    with pytest.raises(PlannerInputError) as raised:
        weekly_review(PLAN, generate_schedule(PLAN), **values)  # type: ignore[arg-type]

    assert raised.value.field == field


# --- A new baseline ---------------------------------------------------------------------------


def new_walking_start(from_date: date, minutes: int) -> Rebaseline:
    """PLAN's schedule after new trials give walking a start of ``minutes`` from ``from_date``."""
    return rebaseline_schedule(
        PLAN, generate_schedule(PLAN), from_date=from_date, start_quotas={"walking": minutes}
    )


def test_a_new_baseline_restarts_the_ramp_from_the_new_start_towards_the_same_goal() -> None:
    # Walking 10 -> 30 over 12 weeks, at 20 minutes in week 6; after a gap the new trials
    # give a start of 14 minutes from Monday of week 7.
    monday = MONDAY + timedelta(weeks=7)

    result = new_walking_start(monday, 14)

    assert amount_on(result.schedule, monday - timedelta(days=1)) == 20
    assert amount_on(result.schedule, monday) == 14
    assert amount_on(result.schedule, monday + timedelta(weeks=5)) == 30
    assert result.schedule.feasibility.feasible
    assert result.held == ()


def test_a_new_baseline_never_raises_a_dose_at_once() -> None:
    monday = MONDAY + timedelta(weeks=2)

    result = new_walking_start(monday, 25)

    assert amount_on(result.schedule, monday - timedelta(days=1)) == 12
    assert amount_on(result.schedule, monday) == 12
    assert result.held == ("walking",)


def test_a_new_baseline_says_when_the_goal_can_no_longer_be_reached_in_time() -> None:
    monday = MONDAY + timedelta(weeks=10)

    result = new_walking_start(monday, 8)

    assert not result.schedule.feasibility.feasible
    # 8, 9, 10, 12, 14, 16, 19, 22, 26, 30: nine steps under the 20% cap.
    assert result.schedule.feasibility.earliest_goal_date == monday + timedelta(weeks=9)


def test_a_review_after_a_new_baseline_rises_one_step_from_the_new_ramp() -> None:
    rebased = new_walking_start(MONDAY + timedelta(weeks=7, days=2), 14)
    sunday = MONDAY + timedelta(weeks=7, days=6)
    logs = logs_for(rebased.schedule, MONDAY, sunday)

    review = weekly_review(rebased.plan, rebased.schedule, week=7, today=sunday, logs=logs)

    assert review.decision is Decision.PROGRESS
    assert amount_on(review.schedule, sunday) == 14
    assert amount_on(review.schedule, sunday + timedelta(days=1)) == 16


def test_a_resume_may_step_back_but_never_above_the_held_step() -> None:
    schedule = generate_schedule(PLAN)
    paused = regenerate_schedule(
        PLAN, schedule, from_date=MONDAY + timedelta(weeks=4), step=4, paused=True
    )
    today = MONDAY + timedelta(weeks=5, days=2)

    lower = resume_schedule(PLAN, paused, today=today, step=2)
    held = resume_schedule(PLAN, paused, today=today, step=4)
    with pytest.raises(PlannerInputError) as raised:
        resume_schedule(PLAN, paused, today=today, step=5)

    assert amount_on(lower, today + timedelta(days=1)) == 13
    assert amount_on(held, today + timedelta(days=1)) == 17
    assert raised.value.field == "step"
    assert raised.value.reason == Reason(Code.STEP_ABOVE_HELD, {"held": 4})


def test_a_late_review_of_a_week_before_a_new_baseline_leaves_the_new_ramp_alone() -> None:
    schedule = generate_schedule(PLAN)
    rebased = rebaseline_schedule(
        PLAN, schedule, from_date=MONDAY + timedelta(weeks=3, days=1), start_quotas={"walking": 9}
    )
    logs = logs_for(rebased.schedule, MONDAY, MONDAY + timedelta(weeks=3))

    review = weekly_review(
        rebased.plan,
        rebased.schedule,
        week=2,
        today=MONDAY + timedelta(weeks=3, days=2),
        logs=logs,
        replan_from=MONDAY + timedelta(weeks=3, days=3),
    )

    assert review.decision is Decision.HOLD
    assert review.reasons == (Reason(Code.REVIEW_SUPERSEDED),)
    assert review.schedule == rebased.schedule
