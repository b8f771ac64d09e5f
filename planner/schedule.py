"""The graded schedule: dated sessions with every activity's dose, fixed in advance.

Program weeks are 7-day blocks counted from the start date (week 0 holds the start date), so
every week holds each weekday exactly once. The plan is a sequence of *steps*: step ``s`` of
the build gives the doses of ramp level ``s``; after the last build step come the maintain
weeks at goal, then the taper weeks (fewer sessions a week, down to one), then discharge.
Week ``k`` of an untouched schedule follows step ``k``; the weekly review may repeat a step
(hold), go back (step back) or freeze the step (pause), and the schedule from then on is
regenerated while everything before stays exactly as it was.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from fractions import Fraction

from planner.errors import PlannerInputError
from planner.intensity import (
    BAND_FRACTIONS,
    ExertionRange,
    HeartRateRange,
    exertion_range,
    heart_rate_range,
)
from planner.program import (
    MAX_PROGRAM_WEEKS,
    ActivityKind,
    ActivityPlan,
    ProgramPlan,
    exact_cap,
    validate_new_plan,
    validate_plan,
)
from planner.ramp import fastest_weeks, ramp_amounts
from planner.reasons import Code, Reason, reason
from planner.units import Unit, minutes_per_unit

# Desensitization is done "2-3 times a day"; a flare may add a bout up to this many.
MAX_DESENSITIZATION_BOUTS = 3


class Phase(StrEnum):
    BUILD = "build"
    MAINTAIN = "maintain"
    TAPER = "taper"
    PAUSED = "paused"


@dataclass(frozen=True)
class Dose:
    """One activity's prescription for one day.

    ``amount`` whole ``unit`` per bout, ``times_per_day`` bouts. Aerobic doses also carry the
    heart-rate-reserve fractions they were planned at, the heart-rate range in beats per
    minute (when the plan has a heart-rate profile) and the children's OMNI 0-10 target.
    ``minutes_per_unit`` is the home time one unit takes (the activity's pace for a counted
    unit); None means the unit's own or the documented default pace.
    """

    activity: str
    kind: ActivityKind
    amount: int
    unit: Unit
    times_per_day: int = 1
    reserve_fractions: tuple[float, float] | None = None
    heart_rate: HeartRateRange | None = None
    exertion: ExertionRange | None = None
    minutes_per_unit: Fraction | None = None

    @property
    def exact_minutes(self) -> Fraction:
        """Home minutes this dose takes in a day, every bout and every unit counted."""
        per_unit = self.minutes_per_unit
        if per_unit is None:
            per_unit = minutes_per_unit(self.unit)
        return self.amount * self.times_per_day * per_unit

    @property
    def minutes(self) -> float:
        return float(self.exact_minutes)


@dataclass(frozen=True)
class Session:
    """A dated session: the doses of every activity planned for that day."""

    date: date
    week: int
    step: int
    phase: Phase
    doses: tuple[Dose, ...]

    def dose_for(self, activity: str) -> Dose | None:
        for dose in self.doses:
            if dose.activity == activity:
                return dose
        return None

    @property
    def exact_minutes(self) -> Fraction:
        """Home minutes of the whole day, exactly: what the daily cap is held against."""
        return sum((dose.exact_minutes for dose in self.doses), Fraction(0))

    @property
    def minutes(self) -> float:
        return float(self.exact_minutes)


@dataclass(frozen=True)
class Feasibility:
    """Whether every quota goal fits the caps by the requested goal date.

    When it does not, the schedule is planned to ``earliest_goal_date`` instead (the first
    date on which every activity can be at goal without breaking a cap), and
    ``limiting_activities`` names the activities that set it.
    """

    feasible: bool
    requested_goal_date: date
    earliest_goal_date: date
    limiting_activities: tuple[str, ...] = ()

    @property
    def reason(self) -> Reason:
        """What a person reads of it: every goal reached by the date asked for, or not, which
        activities hold it back and the earliest date the schedule is planned to instead."""
        if self.feasible:
            return reason(Code.FEASIBLE, goal_date=self.requested_goal_date)
        return reason(
            Code.NOT_FEASIBLE,
            goal_date=self.requested_goal_date,
            activities=self.limiting_activities,
            earliest=self.earliest_goal_date,
        )


@dataclass(frozen=True)
class Schedule:
    """Every session of a program, in date order, with how it was planned.

    ``last_build_step`` is the step at which every activity is at its goal (duration and
    intensity); ``discharge_date`` is the day after the last taper week, or None while the
    program is paused for a clinician.
    """

    start_date: date
    sessions: tuple[Session, ...]
    feasibility: Feasibility
    last_build_step: int
    discharge_date: date | None

    @property
    def paused(self) -> bool:
        return self.discharge_date is None

    def week_of(self, day: date) -> int:
        return (day - self.start_date).days // 7

    def week_start(self, week: int) -> date:
        return self.start_date + timedelta(days=7 * week)

    def sessions_in_week(self, week: int) -> tuple[Session, ...]:
        return tuple(session for session in self.sessions if session.week == week)

    def session_on(self, day: date) -> Session | None:
        return next((session for session in self.sessions if session.date == day), None)


@dataclass(frozen=True)
class _Level:
    amount: int
    reserve_fractions: tuple[float, float] | None


def _last_session_on_or_before(activity: ActivityPlan, start: date, day: date) -> int:
    """The week index of the activity's last session on or before ``day``; -1 if none."""
    for offset in range((day - start).days, -1, -1):
        candidate = start + timedelta(days=offset)
        if candidate.weekday() in activity.weekdays:
            return offset // 7
    return -1


def _first_session_in_week(activity: ActivityPlan, start: date, week: int) -> date:
    for offset in range(7):
        candidate = start + timedelta(days=7 * week + offset)
        if candidate.weekday() in activity.weekdays:
            return candidate
    raise AssertionError("a validated activity has at least one weekday")


def weeks_to_goal(plan: ProgramPlan, activity: ActivityPlan) -> int:
    """Program weeks the fastest capped ramp needs to bring ``activity`` to every goal: its
    quota first, then (aerobic work) its intensity, one step a week after the quota."""
    quota_weeks = fastest_weeks(
        activity.start_quota, activity.goal_quota, plan.weekly_cap(activity)
    )
    return quota_weeks + _intensity_weeks(plan, activity)


def _intensity_weeks(plan: ProgramPlan, activity: ActivityPlan) -> int:
    if not activity.is_aerobic:
        return 0
    return len(_intensity_path(activity, plan.intensity_weekly_step)) - 1


def assess_feasibility(plan: ProgramPlan) -> Feasibility:
    """Check each activity's fastest capped ramp against the requested goal date.

    Every goal counts: an aerobic activity is at its goal once both its quota and its
    intensity are, so the intensity weeks are part of its ramp."""
    earliest: dict[str, date] = {}
    late: list[str] = []
    for activity in plan.activities:
        needed = weeks_to_goal(plan, activity)
        last_week = _last_session_on_or_before(activity, plan.start_date, plan.goal_date)
        available = last_week - plan.ramp_week
        earliest[activity.key] = _first_session_in_week(
            activity, plan.start_date, plan.ramp_week + needed
        )
        if needed > available:
            late.append(activity.key)
    earliest_date = max([plan.goal_date, *earliest.values()])
    return Feasibility(
        feasible=not late,
        requested_goal_date=plan.goal_date,
        earliest_goal_date=earliest_date,
        limiting_activities=tuple(late),
    )


def _intensity_path(activity: ActivityPlan, step: float) -> list[tuple[float, float]]:
    """Heart-rate-reserve ranges from the start band to the goal band, one week apart.

    Each end of the range moves at most ``step`` a week, so intensity rises gradually
    and only after duration (the caller appends this path after the duration ramp).
    """
    low, high = BAND_FRACTIONS[activity.start_intensity]
    goal_low, goal_high = BAND_FRACTIONS[activity.goal_intensity]
    path = [(low, high)]
    while (low, high) != (goal_low, goal_high):
        low = min(goal_low, _round_down(low + step))
        high = min(goal_high, _round_down(high + step))
        path.append((low, high))
    return path


def _round_down(fraction: float) -> float:
    """Four decimals, rounded down, so a rounded weekly rise never exceeds the step."""
    return math.floor(fraction * 10_000 + 1e-6) / 10_000


def _activity_levels(plan: ProgramPlan, activity: ActivityPlan, goal_date: date) -> list[_Level]:
    """One level per week of the ramp, the last at every goal by ``goal_date``: the quota's
    ramp ends early enough for the intensity to rise after it and still arrive in time."""
    weeks = _last_session_on_or_before(activity, plan.start_date, goal_date) - plan.ramp_week
    if not activity.is_aerobic:
        amounts = ramp_amounts(
            activity.start_quota, activity.goal_quota, weeks, plan.weekly_cap(activity)
        )
        return [_Level(amount, None) for amount in amounts]
    path = _intensity_path(activity, plan.intensity_weekly_step)
    amounts = ramp_amounts(
        activity.start_quota, activity.goal_quota, weeks - (len(path) - 1),
        plan.weekly_cap(activity),
    )  # fmt: skip
    levels = [_Level(amount, path[0]) for amount in amounts]
    levels.extend(_Level(activity.goal_quota, fractions) for fractions in path[1:])
    return levels


def _make_dose(plan: ProgramPlan, activity: ActivityPlan, level: _Level, bouts: int) -> Dose:
    heart_rate = None
    exertion = None
    if level.reserve_fractions is not None:
        low, high = level.reserve_fractions
        exertion = exertion_range(low_fraction=low, high_fraction=high)
        if plan.heart_rate is not None:
            heart_rate = heart_rate_range(
                resting_hr=plan.heart_rate.resting_hr,
                max_hr=plan.heart_rate.max_hr,
                low_fraction=low,
                high_fraction=high,
            )
    return Dose(
        activity=activity.key,
        kind=activity.kind,
        amount=level.amount,
        unit=activity.unit,
        times_per_day=bouts,
        reserve_fractions=level.reserve_fractions,
        heart_rate=heart_rate,
        exertion=exertion,
        minutes_per_unit=activity.dose_minutes_per_unit,
    )


class _Ramp:
    """Every activity's doses per ramp level, built once per plan and shared by sessions."""

    def __init__(self, plan: ProgramPlan, goal_date: date) -> None:
        self.plan = plan
        per_activity = [_activity_levels(plan, activity, goal_date) for activity in plan.activities]
        self.last_step = max(len(levels) for levels in per_activity) - 1
        self._levels = per_activity
        self._doses: dict[tuple[int, int, bool], Dose] = {}

    def dose(self, index: int, step: int, boosted: bool) -> Dose:
        key = (index, min(step, self.last_step), boosted)
        cached = self._doses.get(key)
        if cached is None:
            activity = self.plan.activities[index]
            levels = self._levels[index]
            level = levels[min(key[1], len(levels) - 1)]
            bouts = activity.times_per_day + (1 if boosted else 0)
            cached = self._doses[key] = _make_dose(self.plan, activity, level, bouts)
        return cached


def taper_weekdays(weekdays: frozenset[int], taper_week: int, taper_weeks: int) -> frozenset[int]:
    """The weekdays kept in taper week ``taper_week`` (1-based) of ``taper_weeks``.

    Sessions a week step down evenly from the usual count to 1 in the last taper week
    (7 days: 5, 3, 1), spread across the usual weekdays.
    """
    days = sorted(weekdays)
    usual = len(days)
    exact = usual - (usual - 1) * taper_week / taper_weeks
    count = max(1, min(usual, math.floor(exact + 0.5)))
    return frozenset(days[(slot * usual) // count] for slot in range(count))


def _taper_days(plan: ProgramPlan, taper_week: int) -> list[frozenset[int]]:
    """Each activity's weekdays in taper week ``taper_week`` (1-based).

    The program's sessions a week step down to one: the kept weekdays are chosen from all
    the program's weekdays together. An activity none of whose own weekdays is kept moves to
    the kept day with the most room under the daily cap, or rests that week if none has room.
    """
    kept = taper_weekdays(
        frozenset().union(*(activity.weekdays for activity in plan.activities)),
        taper_week,
        plan.taper_weeks,
    )
    minutes = dict.fromkeys(kept, Fraction(0))
    cap = exact_cap(plan.daily_minutes_cap)
    chosen: list[frozenset[int]] = []
    for activity in plan.activities:
        days = activity.weekdays & kept
        for day in days:
            minutes[day] += activity.goal_minutes_per_day
        chosen.append(days)
    for index, activity in enumerate(plan.activities):
        if chosen[index]:
            continue
        roomiest = min(kept, key=lambda day: (minutes[day], day))
        if minutes[roomiest] + activity.goal_minutes_per_day <= cap:
            minutes[roomiest] += activity.goal_minutes_per_day
            chosen[index] = frozenset({roomiest})
    return chosen


def _phase_of(step: int, plan: ProgramPlan, last_build_step: int) -> Phase | None:
    if step <= last_build_step:
        return Phase.BUILD
    if step <= last_build_step + plan.maintain_weeks:
        return Phase.MAINTAIN
    if step <= last_build_step + plan.maintain_weeks + plan.taper_weeks:
        return Phase.TAPER
    return None


def _days(first: date, last_exclusive: date) -> Iterator[date]:
    day = first
    while day < last_exclusive:
        yield day
        day += timedelta(days=1)


def _week_sessions(
    ramp: _Ramp,
    *,
    week: int,
    step: int,
    phase: Phase,
    days: Iterator[date],
    boost_until: date | None,
) -> Iterator[Session]:
    plan = ramp.plan
    if _phase_of(step, plan, ramp.last_step) is Phase.TAPER:
        active_days = _taper_days(plan, step - ramp.last_step - plan.maintain_weeks)
    else:
        active_days = [activity.weekdays for activity in plan.activities]
    for day in days:
        weekday = day.weekday()
        doses = [
            ramp.dose(index, step, boosted=False)
            for index in range(len(plan.activities))
            if weekday in active_days[index]
        ]
        if not doses:
            continue
        if boost_until is not None and day < boost_until:
            doses = _boost_desensitization(ramp, doses, step)
        yield Session(date=day, week=week, step=step, phase=phase, doses=tuple(doses))


def _boost_desensitization(ramp: _Ramp, doses: list[Dose], step: int) -> list[Dose]:
    """Add one desensitization bout a day (after a flare) where the daily cap leaves room."""
    total = sum((dose.exact_minutes for dose in doses), Fraction(0))
    cap = exact_cap(ramp.plan.daily_minutes_cap)
    boosted: list[Dose] = []
    for dose in doses:
        if dose.kind is ActivityKind.DESENSITIZATION and (
            dose.times_per_day < MAX_DESENSITIZATION_BOUTS
        ):
            index = next(
                i
                for i, activity in enumerate(ramp.plan.activities)
                if activity.key == dose.activity
            )
            extra = ramp.dose(index, step, boosted=True)
            if total - dose.exact_minutes + extra.exact_minutes <= cap:
                total += extra.exact_minutes - dose.exact_minutes
                dose = extra
        boosted.append(dose)
    return boosted


def _plan_goal_date(plan: ProgramPlan) -> tuple[Feasibility, date]:
    validate_plan(plan)
    feasibility = assess_feasibility(plan)
    limit = plan.start_date + timedelta(weeks=MAX_PROGRAM_WEEKS)
    for index, activity in enumerate(plan.activities):
        week = plan.ramp_week + weeks_to_goal(plan, activity)
        earliest = _first_session_in_week(activity, plan.start_date, week)
        if earliest > limit:
            raise PlannerInputError(
                f"activities[{index}].goal_quota",
                reason(Code.GOAL_UNREACHABLE, weeks=MAX_PROGRAM_WEEKS, earliest=earliest),
            )
    return feasibility, feasibility.earliest_goal_date


def generate_schedule(plan: ProgramPlan) -> Schedule:
    """Plan every session of ``plan`` from its start date to discharge.

    Raises ``PlannerInputError`` for a plan that cannot be scheduled, or that breaks a rule a
    new plan must keep (``validate_new_plan``). When the goals do not fit the caps by the goal
    date, the schedule is planned to the earliest date that does and ``Schedule.feasibility``
    says so; a cap is never broken.
    """
    validate_new_plan(plan)
    return _build(plan, kept=(), from_date=plan.start_date, step=0, paused=False)


def regenerate_schedule(
    plan: ProgramPlan,
    schedule: Schedule,
    *,
    from_date: date,
    step: int,
    paused: bool = False,
    boost_desensitization: bool = False,
) -> Schedule:
    """Re-plan from ``from_date`` on, leaving every earlier session exactly as it was.

    The rest of the week holding ``from_date`` follows ``step``; each later week follows the
    next step (a rest of a week with no session day in it takes no step: the next week
    follows ``step``) (or, when ``paused``, the same step for ``plan.paused_horizon_weeks``
    weeks with a session day in them, until a clinician resumes). ``boost_desensitization``
    adds a desensitization bout a day for the first seven days, as after a flare.
    """
    if from_date < plan.start_date:
        raise PlannerInputError("from_date", reason(Code.BEFORE_START))
    if step < 0:
        raise PlannerInputError("step", reason(Code.NOT_NEGATIVE))
    kept = tuple(session for session in schedule.sessions if session.date < from_date)
    return _build(
        plan,
        kept=kept,
        from_date=from_date,
        step=step,
        paused=paused,
        boost_desensitization=boost_desensitization,
    )


def _build(
    plan: ProgramPlan,
    *,
    kept: tuple[Session, ...],
    from_date: date,
    step: int,
    paused: bool,
    boost_desensitization: bool = False,
) -> Schedule:
    feasibility, goal_date = _plan_goal_date(plan)
    ramp = _Ramp(plan, goal_date)
    last_step = ramp.last_step + plan.maintain_weeks + plan.taper_weeks
    step = min(step, last_step + 1)
    boost_until = from_date + timedelta(days=7) if boost_desensitization else None
    sessions = list(kept)
    week = (from_date - plan.start_date).days // 7
    first_day = from_date
    weeks_paused = 0
    discharge: date | None = None
    while True:
        week_end = plan.start_date + timedelta(days=7 * (week + 1))
        phase = Phase.PAUSED if paused else _phase_of(step, plan, ramp.last_step)
        if phase is None:
            discharge = first_day
            break
        if paused and weeks_paused == plan.paused_horizon_weeks:
            break
        planned = list(
            _week_sessions(
                ramp,
                week=week,
                step=step,
                phase=phase,
                days=_days(first_day, week_end),
                boost_until=boost_until,
            )
        )
        sessions.extend(planned)
        week += 1
        first_day = week_end
        if paused:
            # Likewise a paused week with no session day is no week of the pause's horizon:
            # the pause plans at least one session at the held step, which later reviews
            # keep holding (with none, they would read the step from before a step back).
            if planned:
                weeks_paused += 1
        elif planned:
            # The rest of a week with no session day in it (a re-plan on a Tuesday of a
            # Monday-only plan) is no step done: the next week takes this step, so no step
            # is skipped and a ramp is never discharged before one session of it.
            step += 1
    return Schedule(
        start_date=plan.start_date,
        sessions=tuple(sessions),
        feasibility=feasibility,
        last_build_step=ramp.last_step,
        discharge_date=discharge,
    )


def in_current_ramp(plan: ProgramPlan, schedule: Schedule) -> Schedule:
    """``schedule`` with the sessions of an earlier ramp read as step 0 of the plan's ramp.

    After a new baseline the kept sessions still carry the old ramp's steps, which mean other
    doses now: comparing steps across the two would let a dose rise two steps at once. The
    new ramp's step 0 is never above the dose in force before it (``rebaseline_schedule``),
    so reading the old sessions as step 0 keeps every rise within its cap. Only for reading:
    the kept sessions themselves are history and are never changed.
    """
    ramp_start = plan.ramp_start
    if ramp_start is None or not any(s.date < ramp_start for s in schedule.sessions):
        return schedule
    sessions = tuple(
        replace(session, step=0) if session.date < ramp_start else session
        for session in schedule.sessions
    )
    return replace(schedule, sessions=sessions)


def step_in_force(plan: ProgramPlan, schedule: Schedule, day: date) -> int:
    """The step of the last session on or before ``day``, in the plan's current ramp; 0 when
    none has come yet."""
    past = [session for session in schedule.sessions if session.date <= day]
    if not past:
        return 0
    return in_current_ramp(plan, replace(schedule, sessions=tuple(past))).sessions[-1].step


@dataclass(frozen=True)
class Rebaseline:
    """A ramp restarted from a new baseline: the plan it follows now, and its schedule.

    ``held`` names the activities whose new start quota was above the dose in force and was
    held to it: a new baseline restarts the ramp, it never raises a dose at once.
    """

    plan: ProgramPlan
    schedule: Schedule
    held: tuple[str, ...]


def rebaseline_schedule(
    plan: ProgramPlan,
    schedule: Schedule,
    *,
    from_date: date,
    start_quotas: Mapping[str, int],
) -> Rebaseline:
    """Restart every activity's ramp on ``from_date`` from a new baseline.

    ``start_quotas`` gives the new start quota of each re-tested activity (``start_quota`` of
    its new trials); the others start from the dose in force. Either way a start above the
    dose in force is held to it. The ramps climb to the same goals by the goal date, or by the
    earliest date the caps allow; sessions before ``from_date`` stay exactly as they were.
    """
    if from_date < plan.start_date:
        raise PlannerInputError("from_date", reason(Code.BEFORE_START))
    keys = {activity.key for activity in plan.activities}
    for key in start_quotas:
        if key not in keys:
            raise PlannerInputError("start_quotas", reason(Code.NOT_IN_PLAN, value=str(key)))
    activities: list[ActivityPlan] = []
    held: list[str] = []
    for activity in plan.activities:
        in_force = [
            dose
            for session in schedule.sessions
            if session.date < from_date and (dose := session.dose_for(activity.key))
        ]
        start = start_quotas.get(activity.key)
        if start is None:
            start = in_force[-1].amount if in_force else activity.start_quota
        elif in_force and start > in_force[-1].amount:
            start = in_force[-1].amount
            held.append(activity.key)
        activities.append(replace(activity, start_quota=start))
    new_plan = replace(plan, activities=tuple(activities), ramp_start=from_date)
    return Rebaseline(
        plan=new_plan,
        schedule=regenerate_schedule(new_plan, schedule, from_date=from_date, step=0),
        held=tuple(held),
    )


def every_goal_reached_on(plan: ProgramPlan, schedule: Schedule) -> date | None:
    """The first date by which every activity has been planned at all its goals (its goal
    quota and, for aerobic work, its goal band) in the current ramp; None while some activity
    never gets there in ``schedule`` (a pause holds it below, say).

    What a clinician reads as "the goals are reached by": after holds, step backs or a new
    baseline it moves from what the feasibility promised at the start.
    """
    since = plan.ramp_start or plan.start_date
    reached: list[date] = []
    for activity in plan.activities:
        goal_band = BAND_FRACTIONS[activity.goal_intensity] if activity.is_aerobic else None
        first = next(
            (
                session.date
                for session in schedule.sessions
                if session.date >= since
                and (dose := session.dose_for(activity.key)) is not None
                and dose.amount >= activity.goal_quota
                and (goal_band is None or dose.reserve_fractions == goal_band)
            ),
            None,
        )
        if first is None:
            return None
        reached.append(first)
    return max(reached, default=None)


def last_build_step(plan: ProgramPlan) -> int:
    """The step at which every activity of ``plan`` is at every goal: its ramp's last."""
    return _Ramp(plan, _plan_goal_date(plan)[1]).last_step
