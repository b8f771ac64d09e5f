"""Hypothesis strategies for the progression engine: realistic plans, logs and check-ins.

Plans are drawn the way a clinic would write them: one to six activities of mixed kinds
and units, impact and not, on any weekdays, over one to fifty-two weeks from any weekday,
with the rule defaults changed now and then. Reviews are drawn against a schedule that
already exists, so they need ``st.data()``: see ``draw_review`` and ``simulate``.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from typing import Literal

from hypothesis import assume
from hypothesis import strategies as st

from planner import (
    BAND_FRACTIONS,
    MAX_AMOUNT,
    ActivityKind,
    ActivityPlan,
    ActivityResult,
    CheckIn,
    HeartRateProfile,
    IntensityBand,
    MaxHeartRateMethod,
    PlannerInputError,
    ProgramPlan,
    RedFlag,
    Review,
    Schedule,
    SessionLog,
    SessionStatus,
    Unit,
    generate_schedule,
    rebaseline_schedule,
    resume_schedule,
    weekly_review,
)
from planner.program import MAX_PROGRAM_WEEKS

# The units each kind of activity is realistically dosed in.
KIND_UNITS: dict[ActivityKind, tuple[Unit, ...]] = {
    ActivityKind.AEROBIC: (Unit.MINUTES, Unit.METRES),
    ActivityKind.FUNCTIONAL: (Unit.REPETITIONS, Unit.SECONDS, Unit.METRES, Unit.MINUTES),
    ActivityKind.DESENSITIZATION: (Unit.SECONDS, Unit.MINUTES),  # up to 15 minutes a time
    ActivityKind.STRENGTHENING: (Unit.REPETITIONS, Unit.SECONDS),
    ActivityKind.FLEXIBILITY: (Unit.SECONDS, Unit.REPETITIONS),
    ActivityKind.HYDROTHERAPY: (Unit.MINUTES, Unit.METRES),
    ActivityKind.MOTOR_IMAGERY: (Unit.MINUTES, Unit.REPETITIONS),
}

BANDS = (IntensityBand.LIGHT, IntensityBand.MODERATE, IntensityBand.VIGOROUS)

FIRST_MONDAY = date(2026, 1, 5)


def start_quotas(unit: Unit) -> st.SearchStrategy[int]:
    if unit is Unit.SECONDS:
        return st.one_of(st.integers(1, 60), st.integers(60, 600))
    if unit is Unit.METRES:
        return st.one_of(st.integers(1, 60), st.integers(100, 3000))
    return st.integers(1, 60)


def per_mille(low: int, high: int) -> st.SearchStrategy[float]:
    """A fraction typed as a percentage with at most one decimal (0.125 is 12.5%)."""
    return st.integers(low, high).map(lambda value: value / 1000)


# Desensitization: "a few seconds up to 15 minutes, 2-3 times a day" (DOMAIN.md).
DESENSITIZATION_LIMIT = {Unit.SECONDS: 900, Unit.MINUTES: 15}


@st.composite
def activity_plans(draw: st.DrawFn, key: str, max_weekdays: int = 7) -> ActivityPlan:
    kind = draw(st.sampled_from(ActivityKind))
    unit = draw(st.sampled_from(KIND_UNITS[kind]))
    limit = MAX_AMOUNT[unit]
    times_per_day = draw(st.integers(1, 3))
    if kind is ActivityKind.DESENSITIZATION:
        limit = DESENSITIZATION_LIMIT[unit]
        times_per_day = draw(st.integers(2, 3))
    start = draw(start_quotas(unit).filter(lambda amount: amount <= limit))
    goal = draw(st.integers(start, min(limit, max(start * 6, start + 10))))
    weekdays = draw(st.frozensets(st.integers(0, 6), min_size=1, max_size=max_weekdays))
    # Start moderate, or light (DOMAIN.md); vigorous is only ever a goal.
    start_rank = draw(st.integers(0, 1))
    goal_rank = draw(st.integers(start_rank, 2))
    metres_per_minute = None
    seconds_per_repetition = None
    if unit is Unit.METRES:
        metres_per_minute = draw(st.one_of(st.none(), st.integers(10, 500), st.floats(10, 500)))
    if unit is Unit.REPETITIONS:
        seconds_per_repetition = draw(st.one_of(st.none(), st.integers(1, 120), st.floats(1, 120)))
    return ActivityPlan(
        key=key,
        kind=kind,
        unit=unit,
        start_quota=start,
        goal_quota=goal,
        weekdays=weekdays,
        impact=draw(st.booleans()),
        times_per_day=times_per_day,
        start_intensity=BANDS[start_rank],
        goal_intensity=BANDS[goal_rank],
        metres_per_minute=metres_per_minute,
        seconds_per_repetition=seconds_per_repetition,
    )


@st.composite
def heart_rate_profiles(draw: st.DrawFn) -> HeartRateProfile:
    age = draw(st.one_of(st.integers(8, 70), st.integers(80, 700).map(lambda tenths: tenths / 10)))
    resting = draw(st.one_of(st.integers(50, 100), st.integers(500, 1000).map(lambda t: t / 10)))
    method = draw(st.sampled_from(MaxHeartRateMethod))
    measured = draw(st.integers(150, 220)) if method is MaxHeartRateMethod.MEASURED else None
    return HeartRateProfile(age=age, resting_hr=resting, method=method, measured_max_hr=measured)


@functools.cache
def typed(value: float) -> Fraction:
    """A number as it was typed: 0.1 is one tenth, not the binary float nearest to it."""
    return Fraction(repr(value))


def cap_step(previous: int, cap: float) -> int:
    """The largest rise allowed one week after ``previous``: the cap (of the number as
    typed, exactly), or one whole unit when the cap rounds down to nothing."""
    return max(math.floor(previous * typed(cap)), 1)


def fastest_weeks(start: int, goal: int, cap: float) -> int:
    """Weekly steps of the fastest ramp from ``start`` to ``goal`` that keeps to ``cap``."""
    weeks, amount = 0, start
    while amount < goal:
        amount = min(goal, amount + cap_step(amount, cap))
        weeks += 1
    return weeks


def intensity_weeks(plan: ProgramPlan, activity: ActivityPlan) -> int:
    """Weeks an aerobic range needs to rise from its start band to its goal band, each end
    rising at most the weekly step (as typed); 0 for any other activity."""
    if activity.kind not in (ActivityKind.AEROBIC, ActivityKind.HYDROTHERAPY):
        return 0
    step = typed(plan.intensity_weekly_step)
    start = BAND_FRACTIONS[activity.start_intensity]
    goal = BAND_FRACTIONS[activity.goal_intensity]
    return max(
        math.ceil((typed(high) - typed(low)) / step) for low, high in zip(start, goal, strict=True)
    )


def weeks_to_every_goal(plan: ProgramPlan, activity: ActivityPlan) -> int:
    quota = fastest_weeks(activity.start_quota, activity.goal_quota, plan.weekly_cap(activity))
    return quota + intensity_weeks(plan, activity)


def earliest_goal_date(plan: ProgramPlan) -> date:
    """The first date by which every activity can be at every goal within the caps (its
    quota, then its intensity): the activity's first weekday in the program week its fastest
    ramp gets there (or the requested goal date, if later)."""
    dates = [plan.goal_date]
    for activity in plan.activities:
        week = weeks_to_every_goal(plan, activity)
        week_start = plan.start_date + timedelta(weeks=week)
        dates.append(
            next(
                week_start + timedelta(days=offset)
                for offset in range(7)
                if (week_start + timedelta(days=offset)).weekday() in activity.weekdays
            )
        )
    return max(dates)


def within_program_limit(plan: ProgramPlan) -> bool:
    """Whether the goals can be reached within MAX_PROGRAM_WEEKS of the start."""
    return (earliest_goal_date(plan) - plan.start_date).days <= MAX_PROGRAM_WEEKS * 7


def home_minutes_per_unit(activity: ActivityPlan) -> Fraction:
    """Minutes one unit takes at home, worked out here: timed units by definition, counted
    ones at the activity's pace as typed or the documented default (50 m or 12 repetitions
    a minute)."""
    if activity.unit is Unit.MINUTES:
        return Fraction(1)
    if activity.unit is Unit.SECONDS:
        return Fraction(1, 60)
    if activity.unit is Unit.METRES:
        pace = activity.metres_per_minute
        return 1 / (typed(float(pace)) if pace is not None else Fraction(50))
    pace = activity.seconds_per_repetition
    return (typed(float(pace)) if pace is not None else Fraction(5)) / 60


def goal_minutes_per_day(activities: tuple[ActivityPlan, ...]) -> Fraction:
    """The most home minutes the goal doses take on any one weekday, every unit counted."""
    return max(
        sum(
            (
                activity.goal_quota * activity.times_per_day * home_minutes_per_unit(activity)
                for activity in activities
                if day in activity.weekdays
            ),
            Fraction(0),
        )
        for day in range(7)
    )


@st.composite
def plans(
    draw: st.DrawFn,
    *,
    max_activities: int = 6,
    caps: st.SearchStrategy[float] | None = None,
    intensity_steps: st.SearchStrategy[float] | None = None,
    reachable: bool = True,
    max_weekdays: int = 7,
) -> ProgramPlan:
    """Plans ``validate_plan`` accepts. With ``reachable`` (the default), also only plans
    whose goals can be reached within MAX_PROGRAM_WEEKS: the others are refused."""
    count = draw(st.integers(1, max_activities))
    activities = tuple(
        draw(activity_plans(key=f"a{index}", max_weekdays=max_weekdays)) for index in range(count)
    )
    start_date = FIRST_MONDAY + timedelta(days=draw(st.integers(0, 400)))
    weeks = draw(st.integers(1, 52))
    extra_days = draw(st.one_of(st.just(0), st.integers(0, 6)))
    goal_date = start_date + timedelta(days=7 * weeks + extra_days)

    needed = goal_minutes_per_day(activities)
    # Plans whose goals overrun the largest daily cap a clinician may set are refused by
    # validate_plan; they are not what these properties are about.
    assume(needed <= 600)
    lowest = max(1, math.ceil(needed))
    daily_cap = draw(
        st.one_of(
            st.just(max(60, lowest)),
            st.just(max(1.0, float(math.ceil(needed * 1000) / 1000))),
            st.integers(lowest, 600),
        )
    )
    cap_values = caps if caps is not None else per_mille(10, 1000)
    step_values = intensity_steps if intensity_steps is not None else per_mille(10, 300)
    plan = ProgramPlan(
        activities=activities,
        start_date=start_date,
        goal_date=goal_date,
        heart_rate=draw(st.one_of(st.none(), heart_rate_profiles())),
        impact_weekly_cap=draw(st.one_of(st.just(0.10), cap_values)),
        non_impact_weekly_cap=draw(st.one_of(st.just(0.20), cap_values)),
        daily_minutes_cap=daily_cap,
        maintain_weeks=draw(st.one_of(st.just(3), st.integers(0, 6), st.integers(0, 52))),
        taper_weeks=draw(st.one_of(st.just(3), st.integers(0, 12))),
        intensity_weekly_step=draw(st.one_of(st.just(0.05), step_values)),
        paused_horizon_weeks=draw(st.one_of(st.just(4), st.integers(1, 12))),
    )
    if reachable:
        assume(within_program_limit(plan))
    return plan


# --- Logs and check-ins -------------------------------------------------------------------

STATUSES = (None, SessionStatus.DONE, SessionStatus.PARTIAL, SessionStatus.MISSED)


def draw_session_log(data: st.DataObject, schedule: Schedule, day: date) -> SessionLog | None:
    """A log (or none) for the session planned on ``day``, with actual amounts and exertion."""
    session = schedule.session_on(day)
    if session is None:
        return None
    status = data.draw(st.sampled_from(STATUSES), label=f"status {day}")
    if status is None:
        return None
    results: list[ActivityResult] = []
    if status is not SessionStatus.MISSED:
        for dose in session.doses:
            if not data.draw(st.booleans(), label="result given"):
                continue
            amount = data.draw(
                st.one_of(st.just(dose.amount), st.integers(0, 2 * dose.amount)), label="amount"
            )
            exertion = data.draw(st.one_of(st.none(), st.integers(0, 10)), label="exertion")
            results.append(ActivityResult(activity=dose.activity, amount=amount, exertion=exertion))
    return SessionLog(date=day, status=status, results=tuple(results))


def draw_logs(
    data: st.DataObject, schedule: Schedule, first: date, last: date, *, detailed_days: int = 14
) -> list[SessionLog]:
    """Logs for the sessions dated ``first`` to ``last`` (both included).

    The last ``detailed_days`` days get one drawn log each; earlier sessions follow one drawn
    pattern (all done, all missed, none logged, or every n-th missed), which keeps the
    examples small while still producing long gaps and long streaks.
    """
    logs: list[SessionLog] = []
    detailed_from = max(first, last - timedelta(days=detailed_days - 1))
    if first < detailed_from:
        pattern = data.draw(st.sampled_from(("done", "missed", "none", "every")), label="pattern")
        every = data.draw(st.integers(2, 5), label="every") if pattern == "every" else 0
        index = 0
        for session in schedule.sessions:
            if not first <= session.date < detailed_from:
                continue
            index += 1
            if pattern == "none":
                continue
            missed = pattern == "missed" or (pattern == "every" and index % every == 0)
            status = SessionStatus.MISSED if missed else SessionStatus.DONE
            logs.append(SessionLog(date=session.date, status=status))
    day = detailed_from
    while day <= last:
        log = draw_session_log(data, schedule, day)
        if log is not None:
            logs.append(log)
        day += timedelta(days=1)
    return logs


def red_flag_sets(min_size: int = 1) -> st.SearchStrategy[frozenset[RedFlag]]:
    return st.frozensets(st.sampled_from(RedFlag), min_size=min_size, max_size=3)


def check_ins(
    *, red_flags: bool | None = None, flare: bool | None = None
) -> st.SearchStrategy[CheckIn]:
    """Check-ins; ``red_flags``/``flare`` True or False force them, None draws them."""
    if red_flags is None:
        flags = st.one_of(st.just(frozenset[RedFlag]()), red_flag_sets())
    elif red_flags:
        flags = red_flag_sets()
    else:
        flags = st.just(frozenset[RedFlag]())
    return st.builds(
        CheckIn,
        flare=st.booleans() if flare is None else st.just(flare),
        red_flags=flags,
        pain=st.one_of(st.none(), st.integers(0, 10)),
    )


def first_session_date(schedule: Schedule) -> date:
    return schedule.sessions[0].date


def last_planned_date(schedule: Schedule) -> date:
    return schedule.sessions[-1].date


@dataclass(frozen=True)
class ReviewInput:
    """Everything ``weekly_review`` is called with, besides the plan and schedule."""

    week: int
    today: date
    logs: tuple[SessionLog, ...]
    check_in: CheckIn
    days_since_last_activity: int | None
    previous_flare_weeks: int


def draw_today(
    data: st.DataObject, schedule: Schedule, *, after: date | None = None, max_days: int = 28
) -> date:
    """A review day: on or after the first session (and after ``after``), near the plan."""
    earliest = first_session_date(schedule)
    if after is not None:
        earliest = max(earliest, after + timedelta(days=1))
        latest = after + timedelta(days=max_days)
    else:
        latest = last_planned_date(schedule) + timedelta(days=7)
    latest = max(latest, earliest)
    offset = data.draw(st.integers(0, (latest - earliest).days), label="today")
    return earliest + timedelta(days=offset)


def draw_week(data: st.DataObject, schedule: Schedule, today: date) -> int:
    """The week reviewed on ``today``: this week, or last week when reviewed early this week."""
    current = schedule.week_of(today)
    weeks = [current]
    if current > 0 and (today - schedule.week_start(current)).days <= 2:
        weeks.append(current - 1)
    return data.draw(st.sampled_from(weeks), label="week")


# How a clinic holds its weekly reviews. "clinic": during the week under review or up to
# three days after it. "week_end": on the last day of the week under review, or earlier in
# it only when a red flag is reported (the check-in that day is reviewed at once).
Cadence = Literal["clinic", "week_end"]


def draw_next_review(
    data: st.DataObject,
    schedule: Schedule,
    last_week: int | None,
    last_today: date | None,
    *,
    cadence: Cadence = "clinic",
    red_flag: bool = False,
) -> tuple[int, date]:
    """The week and day of the next weekly review, in the order a clinic reviews.

    Each review is of a later week than the one before, or of the same week again when that
    one was reviewed before its last day (a mid-week check-in, then the weekly review); now
    and then a week goes unreviewed.
    """
    if last_week is None or last_today is None:
        first = draw_today(data, schedule)
        week = (
            schedule.week_of(first) if cadence == "week_end" else draw_week(data, schedule, first)
        )
        low = max(first, schedule.week_start(week))
    else:
        last_day_of_week = schedule.week_start(last_week + 1) - timedelta(days=1)
        week = last_week if last_today < last_day_of_week else last_week + 1
        week += data.draw(st.integers(0, 2), label="weeks without a review")
        low = max(last_today + timedelta(days=1), schedule.week_start(week))
    week_end = schedule.week_start(week + 1) - timedelta(days=1)
    if cadence == "week_end" and not red_flag:
        return week, max(low, week_end)
    high = week_end if cadence == "week_end" else week_end + timedelta(days=3)
    high = max(low, high)
    return week, low + timedelta(days=data.draw(st.integers(0, (high - low).days), label="day"))


def without_activity_since(
    logs: tuple[SessionLog, ...], today: date, days: int
) -> tuple[SessionLog, ...]:
    """The logs, with every session logged as done in the last ``days`` days marked missed:
    a gap of ``days`` days without activity is what they then show."""
    return tuple(
        SessionLog(date=log.date, status=SessionStatus.MISSED)
        if log.date > today - timedelta(days=days) and log.status is not SessionStatus.MISSED
        else log
        for log in logs
    )


def draw_review(
    data: st.DataObject,
    schedule: Schedule,
    *,
    today: date | None = None,
    week: int | None = None,
    logs_from: date | None = None,
    earlier_logs: tuple[SessionLog, ...] = (),
    check_in: st.SearchStrategy[CheckIn] | None = None,
    days_since: st.SearchStrategy[int | None] | None = None,
) -> ReviewInput:
    """A review of ``schedule`` on ``today``, with logs from ``logs_from`` on (after the
    ``earlier_logs``). A given number of days without activity agrees with the logs."""
    if today is None:
        today = draw_today(data, schedule)
    if week is None:
        week = draw_week(data, schedule, today)
    first = logs_from if logs_from is not None else schedule.start_date
    logs = earlier_logs + tuple(draw_logs(data, schedule, first, today))
    gap = data.draw(
        st.one_of(st.none(), st.integers(0, 30)) if days_since is None else days_since,
        label="days since last activity",
    )
    if gap is not None:
        logs = without_activity_since(logs, today, gap)
    return ReviewInput(
        week=week,
        today=today,
        logs=logs,
        check_in=data.draw(check_ins() if check_in is None else check_in, label="check-in"),
        days_since_last_activity=gap,
        previous_flare_weeks=data.draw(st.integers(0, 4), label="previous flare weeks"),
    )


def draw_next_case(
    data: st.DataObject,
    history: History,
    *,
    check_in: st.SearchStrategy[CheckIn] | None = None,
    days_since: st.SearchStrategy[int | None] | None = None,
    cadence: Cadence = "clinic",
) -> ReviewInput:
    """The next weekly review of ``history`` (see ``draw_next_review``)."""
    schedule = history.schedule
    drawn_check_in = data.draw(check_ins() if check_in is None else check_in, label="check-in")
    week, today = draw_next_review(
        data,
        schedule,
        history.week,
        history.today,
        cadence=cadence,
        red_flag=bool(drawn_check_in.red_flags),
    )
    logs_from = schedule.start_date if history.today is None else history.today + timedelta(1)
    return draw_review(
        data,
        schedule,
        today=today,
        week=week,
        logs_from=logs_from,
        earlier_logs=history.logs,
        check_in=st.just(drawn_check_in),
        days_since=days_since,
    )


def review(plan: ProgramPlan, schedule: Schedule, case: ReviewInput) -> Review:
    return weekly_review(
        plan,
        schedule,
        week=case.week,
        today=case.today,
        logs=case.logs,
        check_in=case.check_in,
        days_since_last_activity=case.days_since_last_activity,
        previous_flare_weeks=case.previous_flare_weeks,
    )


# --- A program's life: a run of weekly reviews, red flags and resumes ----------------------


@dataclass
class Event:
    """One step of a simulated program: a weekly review or a clinician's resume."""

    today: date
    before: Schedule
    after: Schedule
    review: Review | None = None
    case: ReviewInput | None = None


@dataclass
class History:
    plan: ProgramPlan
    schedule: Schedule
    events: list[Event] = field(default_factory=list)
    logs: tuple[SessionLog, ...] = ()
    today: date | None = None
    week: int | None = None


def simulate(
    data: st.DataObject,
    plan: ProgramPlan,
    schedule: Schedule,
    *,
    reviews: int,
    red_flags: bool = True,
    resumes: bool = True,
    history: History | None = None,
    cadence: Cadence = "clinic",
) -> History:
    """Run ``reviews`` weekly reviews, each a few days after the last, feeding each review's
    schedule into the next, with drawn logs, gaps, flares and (if allowed) red flags and a
    clinician resuming a paused program."""
    if history is None:
        history = History(plan=plan, schedule=schedule)
    for _ in range(reviews):
        current = history.schedule
        if (
            resumes
            and current.paused
            and history.today is not None
            and data.draw(st.booleans(), label="clinician resumes")
        ):
            today = history.today + timedelta(days=data.draw(st.integers(0, 10), label="resume"))
            resumed = resume_schedule(plan, current, today=today)
            history.events.append(Event(today=today, before=current, after=resumed))
            history.schedule = current = resumed
            history.today = today
            if history.week is not None:
                history.week = max(history.week, current.week_of(today) - 1)
        if not current.sessions:
            break
        case = draw_next_case(
            data,
            history,
            check_in=check_ins(red_flags=None if red_flags else False),
            cadence=cadence,
        )
        today = case.today
        result = review(plan, current, case)
        history.events.append(
            Event(today=today, before=current, after=result.schedule, review=result, case=case)
        )
        history.schedule = result.schedule
        history.logs = case.logs
        history.today = today
        history.week = case.week
    return history


# --- A whole program life, day by day, as programs/ runs it ---------------------------------


@dataclass
class LifeEvent:
    """Something that re-planned the program: what it was, the day it happened, the first
    date it could change, and the schedule before and after."""

    kind: Literal["review", "red_flag", "resume", "rebaseline"]
    day: date
    from_date: date
    before: Schedule
    after: Schedule
    plan: ProgramPlan
    review: Review | None = None


@dataclass
class Life:
    plan: ProgramPlan
    schedule: Schedule
    events: list[LifeEvent] = field(default_factory=list)
    logs: list[SessionLog] = field(default_factory=list)


def drawn_history(
    data: st.DataObject,
    plan: st.SearchStrategy[ProgramPlan],
    *,
    reviews: st.SearchStrategy[int],
    red_flags: bool = True,
    resumes: bool = True,
    cadence: Cadence = "clinic",
) -> History:
    """A plan drawn from ``plan``, and as many reviews of its schedule as ``reviews`` draws,
    simulated (see ``simulate``); the plan is the history's."""
    drawn = data.draw(plan, label="plan")
    return simulate(
        data,
        drawn,
        generate_schedule(drawn),
        reviews=data.draw(reviews, label="reviews"),
        red_flags=red_flags,
        resumes=resumes,
        cadence=cadence,
    )


def live(data: st.DataObject, plan: ProgramPlan, *, weeks: int) -> Life:
    """``weeks`` program weeks lived a day at a time, in the order programs/ runs them.

    Each day: first any end-of-week review stored that day (at the patient's midnight; late
    by up to a few days now and then, as a sweep that did not run would leave it), which
    changes nothing before that day; then a clinician may resume a paused program (from the
    next day, at the held step or one they choose) or record a new baseline; then the patient
    logs the day's session or not, at any amounts; then a check-in may report a flare, pain
    or red flags, and a red flag is reviewed at once. A red flag acts once: the end-of-week
    review reads only the week's flares.
    """
    life = Life(plan=plan, schedule=generate_schedule(plan))
    pending: dict[date, list[int]] = {}
    flares: set[int] = set()
    last_day = plan.start_date + timedelta(weeks=weeks) - timedelta(days=1)
    day = plan.start_date
    while day <= last_day:
        if life.schedule.discharge_date is not None and day >= life.schedule.discharge_date:
            break
        for week in pending.pop(day, []):
            _stored_review(data, life, week, day, flares)
        _clinician_acts(data, life, day)
        log = draw_session_log(data, life.schedule, day)
        if log is not None:
            life.logs.append(log)
        check_in = data.draw(
            st.one_of(st.none(), check_ins(red_flags=None)), label=f"check-in {day}"
        )
        week = life.schedule.week_of(day)
        if check_in is not None and check_in.flare:
            flares.add(week)
        if check_in is not None and check_in.red_flags and _has_past(life.schedule, day):
            _review(life, "red_flag", day, week=week, today=day, check_in=check_in)
        if (day - plan.start_date).days % 7 == 6:
            late = data.draw(st.sampled_from((0, 0, 0, 1, 3)), label=f"review late {week}")
            pending.setdefault(day + timedelta(days=1 + late), []).append(week)
        day += timedelta(days=1)
    return life


def _has_past(schedule: Schedule, day: date) -> bool:
    return bool(schedule.sessions) and schedule.sessions[0].date <= day


def _stored_review(
    data: st.DataObject, life: Life, week: int, stored_on: date, flares: set[int]
) -> None:
    week_end = life.schedule.week_start(week + 1) - timedelta(days=1)
    if not _has_past(life.schedule, week_end):
        return
    flare_weeks = 0
    while week - flare_weeks - 1 in flares:
        flare_weeks += 1
    pain = data.draw(st.one_of(st.none(), st.integers(0, 10)), label="pain")
    _review(
        life,
        "review",
        stored_on,
        week=week,
        today=week_end,
        check_in=CheckIn(flare=week in flares, pain=pain),
        previous_flare_weeks=flare_weeks,
        replan_from=stored_on,
    )


def _review(
    life: Life,
    kind: Literal["review", "red_flag"],
    day: date,
    *,
    week: int,
    today: date,
    check_in: CheckIn,
    previous_flare_weeks: int = 0,
    replan_from: date | None = None,
) -> None:
    result = weekly_review(
        life.plan,
        life.schedule,
        week=week,
        today=today,
        logs=life.logs,
        check_in=check_in,
        previous_flare_weeks=previous_flare_weeks,
        replan_from=replan_from,
    )
    from_date = max(today + timedelta(days=1), replan_from or today)
    if kind == "review":
        from_date = max(from_date, life.schedule.week_start(week + 1))
    life.events.append(
        LifeEvent(kind, day, from_date, life.schedule, result.schedule, life.plan, result)
    )
    life.schedule = result.schedule


def _clinician_acts(data: st.DataObject, life: Life, day: date) -> None:
    schedule = life.schedule
    if schedule.paused:
        if data.draw(st.integers(0, 4), label=f"resume {day}") != 0:
            return
        step = data.draw(
            st.one_of(st.none(), st.integers(0, schedule.last_build_step)), label="at step"
        )
        try:
            after = resume_schedule(life.plan, schedule, today=day, step=step)
        except PlannerInputError:
            return  # a step more than one above the held one: refused, nothing changes
        kind: Literal["resume", "rebaseline"] = "resume"
    else:
        if not (_has_past(schedule, day) and data.draw(st.integers(0, 30)) == 0):
            return
        starts = {
            activity.key: data.draw(st.integers(1, activity.goal_quota), label="new start")
            for activity in life.plan.activities
            if data.draw(st.booleans(), label=f"re-test {activity.key}")
        }
        try:
            rebased = rebaseline_schedule(
                life.plan, schedule, from_date=day + timedelta(days=1), start_quotas=starts
            )
        except PlannerInputError:
            return  # a new ramp out of reach within 104 weeks: the clinician is told so
        after = rebased.schedule
        life.plan = rebased.plan
        kind = "rebaseline"
    life.events.append(LifeEvent(kind, day, day + timedelta(days=1), schedule, after, life.plan))
    life.schedule = after
