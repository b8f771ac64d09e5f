"""What a clinician hands the engine: the activities, their quotas and the rules' defaults.

Everything here is a frozen value. ``validate_plan`` is the one place that decides whether a
plan can be scheduled; every other module may assume a validated plan.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from fractions import Fraction

from planner.errors import PlannerInputError
from planner.intensity import IntensityBand, MaxHeartRateMethod, max_heart_rate
from planner.reasons import Code, Reason
from planner.units import (
    MAX_AMOUNT,
    METRES_PER_MINUTE_RANGE,
    SECONDS_PER_REPETITION_RANGE,
    TIMED_UNITS,
    Unit,
    minutes_per_unit,
)

# Beyond two years a "goal date" is a typing mistake, not a plan.
MAX_PROGRAM_WEEKS = 104

MIN_HEART_RATE_RESERVE = 20

BAND_ORDER = (IntensityBand.LIGHT, IntensityBand.MODERATE, IntensityBand.VIGOROUS)

# DOMAIN.md: start moderate; a clinician may choose light. Vigorous is reached, not started at.
START_BANDS = (IntensityBand.LIGHT, IntensityBand.MODERATE)

# Desensitization is "from a few seconds up to 15 minutes, 2-3 times a day" (DOMAIN.md).
DESENSITIZATION_MAX_MINUTES = 15
DESENSITIZATION_TIMES_PER_DAY = (2, 3)


class ActivityKind(StrEnum):
    AEROBIC = "aerobic"
    FUNCTIONAL = "functional"
    DESENSITIZATION = "desensitization"
    STRENGTHENING = "strengthening"
    FLEXIBILITY = "flexibility"
    HYDROTHERAPY = "hydrotherapy"
    MOTOR_IMAGERY = "motor_imagery"


@dataclass(frozen=True)
class ActivityPlan:
    """One activity with its own quota: gains in one activity do not carry over to another.

    ``start_quota`` and ``goal_quota`` are whole units of ``unit`` per bout; ``times_per_day``
    bouts are done on each of ``weekdays`` (0 = Monday ... 6 = Sunday). ``impact`` activities
    (running, jumping, hopping) progress under the tighter weekly cap. Aerobic activities
    carry an intensity band that only starts to rise once the duration has reached its goal.

    A counted dose takes time too: ``metres_per_minute`` (for metres) and
    ``seconds_per_repetition`` (for repetitions) say how much, for the daily home total; left
    None, the documented defaults of ``planner.units`` apply.
    """

    key: str
    kind: ActivityKind
    unit: Unit
    start_quota: int
    goal_quota: int
    weekdays: frozenset[int]
    impact: bool = False
    times_per_day: int = 1
    start_intensity: IntensityBand = IntensityBand.MODERATE
    goal_intensity: IntensityBand = IntensityBand.MODERATE
    metres_per_minute: float | None = None
    seconds_per_repetition: float | None = None

    @property
    def is_aerobic(self) -> bool:
        return self.kind in (ActivityKind.AEROBIC, ActivityKind.HYDROTHERAPY)

    @property
    def minutes_per_unit(self) -> Fraction:
        """Home minutes one unit of this activity takes, exactly."""
        return minutes_per_unit(
            self.unit,
            metres_per_minute=self.metres_per_minute,
            seconds_per_repetition=self.seconds_per_repetition,
        )

    @property
    def dose_minutes_per_unit(self) -> Fraction | None:
        """What a dose of this activity carries as its pace: None for a timed unit, whose
        minutes need none."""
        return None if self.unit in TIMED_UNITS else self.minutes_per_unit

    @property
    def goal_minutes_per_day(self) -> Fraction:
        """Home minutes the goal dose takes on a day it is planned, every bout counted."""
        return self.goal_quota * self.times_per_day * self.minutes_per_unit


@dataclass(frozen=True)
class HeartRateProfile:
    """What the engine needs to turn intensity bands into beats per minute.

    ``age`` in years; ``resting_hr`` and ``measured_max_hr`` in beats per minute.
    """

    age: float
    resting_hr: float
    method: MaxHeartRateMethod = MaxHeartRateMethod.TANAKA
    measured_max_hr: int | None = None

    @property
    def max_hr(self) -> float:
        return max_heart_rate(age=self.age, method=self.method, measured=self.measured_max_hr)


@dataclass(frozen=True)
class ProgramPlan:
    """A whole program: activities, dates and every rule default a clinician may change.

    Caps are fractions per week (0.10 = +10%). ``daily_minutes_cap`` bounds the home time of
    one day, counting every bout of every activity. ``intensity_weekly_step`` is how far (as a
    fraction of heart-rate reserve) an aerobic range may rise in one week.

    ``ramp_start`` is the first day of the ramp's step 0 (the start quota): the start date,
    unless a new baseline restarted the ramp later (``rebaseline_schedule``). Its program week
    is the ramp's first, so the days before it in that week belong to the old ramp.
    """

    activities: tuple[ActivityPlan, ...]
    start_date: date
    goal_date: date
    heart_rate: HeartRateProfile | None = None
    impact_weekly_cap: float = 0.10
    non_impact_weekly_cap: float = 0.20
    daily_minutes_cap: float = 60
    maintain_weeks: int = 3
    taper_weeks: int = 3
    intensity_weekly_step: float = 0.05
    paused_horizon_weeks: int = 4
    ramp_start: date | None = None

    def weekly_cap(self, activity: ActivityPlan) -> float:
        return self.impact_weekly_cap if activity.impact else self.non_impact_weekly_cap

    @property
    def ramp_week(self) -> int:
        """The program week the ramp's step 0 falls in."""
        if self.ramp_start is None:
            return 0
        return (self.ramp_start - self.start_date).days // 7


def _require(condition: bool, field_name: str, code: Code, **params: object) -> None:
    if not condition:
        raise PlannerInputError(field_name, Reason(code, params))


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _validate_activity(activity: ActivityPlan, where: str) -> None:
    _require(bool(activity.key.strip()), f"{where}.key", Code.BLANK)
    for name in ("start_quota", "goal_quota"):
        value = getattr(activity, name)
        _require(_is_whole(value), f"{where}.{name}", Code.NOT_WHOLE)
        _require(value >= 1, f"{where}.{name}", Code.AT_LEAST, low=1)
        limit = MAX_AMOUNT[activity.unit]
        _require(
            value <= limit,
            f"{where}.{name}",
            Code.MORE_THAN_BOUT,
            value=value,
            most=limit,
            unit=activity.unit,
        )
    _require(
        activity.start_quota <= activity.goal_quota,
        f"{where}.start_quota",
        Code.START_ABOVE_GOAL,
        start=activity.start_quota,
        goal=activity.goal_quota,
    )
    _require(bool(activity.weekdays), f"{where}.weekdays", Code.NO_WEEKDAY)
    _require(
        all(_is_whole(day) and 0 <= day <= 6 for day in activity.weekdays),
        f"{where}.weekdays",
        Code.BAD_WEEKDAY,
    )
    _require(
        _is_whole(activity.times_per_day) and 1 <= activity.times_per_day <= 6,
        f"{where}.times_per_day",
        Code.WHOLE_BETWEEN,
        low=1,
        high=6,
    )
    start_rank = BAND_ORDER.index(activity.start_intensity)
    goal_rank = BAND_ORDER.index(activity.goal_intensity)
    _require(
        start_rank <= goal_rank,
        f"{where}.goal_intensity",
        Code.GOAL_INTENSITY_BELOW,
        goal=activity.goal_intensity,
        start=activity.start_intensity,
    )
    _validate_pace(activity, where)


def _validate_desensitization(activity: ActivityPlan, where: str) -> None:
    _require(
        activity.unit in TIMED_UNITS,
        f"{where}.unit",
        Code.DESENSITIZATION_UNIT,
    )
    for name in ("start_quota", "goal_quota"):
        minutes = getattr(activity, name) * activity.minutes_per_unit
        _require(
            minutes <= DESENSITIZATION_MAX_MINUTES,
            f"{where}.{name}",
            Code.DESENSITIZATION_TOO_LONG,
            minutes=DESENSITIZATION_MAX_MINUTES,
        )
    low, high = DESENSITIZATION_TIMES_PER_DAY
    _require(
        low <= activity.times_per_day <= high,
        f"{where}.times_per_day",
        Code.DESENSITIZATION_TIMES,
        low=low,
        high=high,
    )


def _validate_pace(activity: ActivityPlan, where: str) -> None:
    check_pace(
        activity.unit,
        metres_per_minute=activity.metres_per_minute,
        seconds_per_repetition=activity.seconds_per_repetition,
        where=f"{where}.",
    )


def check_pace(
    unit: Unit,
    *,
    metres_per_minute: float | None,
    seconds_per_repetition: float | None,
    where: str = "",
) -> None:
    """A counted activity's pace, if given: only the one its unit uses, within its range
    (``planner.units``). Raises ``PlannerInputError`` naming the field after ``where``."""
    for name, value, paced, (low, high) in (
        ("metres_per_minute", metres_per_minute, Unit.METRES, METRES_PER_MINUTE_RANGE),
        ("seconds_per_repetition", seconds_per_repetition, Unit.REPETITIONS,
         SECONDS_PER_REPETITION_RANGE),
    ):  # fmt: skip
        if value is None:
            continue
        _require(unit is paced, f"{where}{name}", Code.PACE_UNIT, unit=paced)
        _validate_fraction(value, f"{where}{name}", low, high)


def _validate_fraction(value: float, field_name: str, low: float, high: float) -> None:
    _require(
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and low <= value <= high,
        field_name,
        Code.OUTSIDE,
        low=low,
        high=high,
    )


def validate_new_plan(plan: ProgramPlan) -> None:
    """``validate_plan``, and the rules a clinician's new plan must keep besides: the start
    intensity, desensitization's dose and bouts, and the goal doses within the daily cap,
    every unit counted (DOMAIN.md). A program already running keeps the plan it was given:
    its reviews, pauses and resumes are not refused for a rule made after it was planned.
    """
    # The start first: a vigorous start is what was typed, a goal "below" it only follows.
    for index, activity in enumerate(plan.activities):
        _require(
            activity.start_intensity in START_BANDS,
            f"activities[{index}].start_intensity",
            Code.START_VIGOROUS,
        )
    validate_plan(plan)
    for index, activity in enumerate(plan.activities):
        if activity.kind is ActivityKind.DESENSITIZATION:
            _validate_desensitization(activity, f"activities[{index}]")
    _validate_daily_total(plan)


def validate_plan(plan: ProgramPlan) -> None:
    """Raise ``PlannerInputError`` naming the first field that makes ``plan`` unschedulable:
    what the engine needs to plan at all. ``validate_new_plan`` adds the clinical rules a
    new plan must keep."""
    _require(bool(plan.activities), "activities", Code.NO_ACTIVITIES)
    keys = [activity.key for activity in plan.activities]
    for index, activity in enumerate(plan.activities):
        where = f"activities[{index}]"
        _validate_activity(activity, where)
        _require(keys.index(activity.key) == index, f"{where}.key", Code.USED_TWICE)
    _require(
        plan.goal_date > plan.start_date,
        "goal_date",
        Code.GOAL_BEFORE_START,
        goal_date=plan.goal_date,
        start_date=plan.start_date,
    )
    _require(
        (plan.goal_date - plan.start_date).days <= MAX_PROGRAM_WEEKS * 7,
        "goal_date",
        Code.PROGRAM_TOO_LONG,
        weeks=MAX_PROGRAM_WEEKS,
    )
    if plan.ramp_start is not None:
        offset = (plan.ramp_start - plan.start_date).days
        _require(
            0 <= offset <= MAX_PROGRAM_WEEKS * 7,
            "ramp_start",
            Code.RAMP_START_OUTSIDE,
            weeks=MAX_PROGRAM_WEEKS,
        )
    _validate_fraction(plan.impact_weekly_cap, "impact_weekly_cap", 0.01, 1.0)
    _validate_fraction(plan.non_impact_weekly_cap, "non_impact_weekly_cap", 0.01, 1.0)
    _validate_fraction(plan.daily_minutes_cap, "daily_minutes_cap", 1, 600)
    _validate_fraction(plan.intensity_weekly_step, "intensity_weekly_step", 0.01, 0.3)
    for name, high in (("maintain_weeks", 52), ("taper_weeks", 12), ("paused_horizon_weeks", 12)):
        value = getattr(plan, name)
        _require(_is_whole(value) and 0 <= value <= high, name, Code.FROM_ZERO, high=high)
    _require(plan.paused_horizon_weeks >= 1, "paused_horizon_weeks", Code.AT_LEAST, low=1)
    if plan.heart_rate is not None:
        # Computing the maximum validates age, method and the measured value.
        try:
            max_hr = plan.heart_rate.max_hr
        except PlannerInputError as error:
            raise PlannerInputError(f"heart_rate.{error.field}", error.reason) from None
        _validate_fraction(plan.heart_rate.resting_hr, "heart_rate.resting_hr", 30, 120)
        reserve = max_hr - plan.heart_rate.resting_hr
        # Below this the narrowest band (light, 9% of reserve) holds no whole beat.
        _require(
            reserve >= MIN_HEART_RATE_RESERVE,
            "heart_rate.resting_hr",
            Code.RESERVE_TOO_SMALL,
            reserve=round(reserve),
            max=round(max_hr),
            least=MIN_HEART_RATE_RESERVE,
        )


def exact_cap(value: float) -> Fraction:
    """A cap as the exact decimal typed, so that no comparison with it is lost to rounding."""
    return Fraction(repr(float(value)))


def _validate_daily_total(plan: ProgramPlan) -> None:
    """The goal doses of one day must fit the daily cap: ramps only ever climb towards them.

    Every dose counts, counted ones at their pace: 8,000 m of walking takes time too."""
    cap = exact_cap(plan.daily_minutes_cap)
    for day in range(7):
        total = sum(
            (
                activity.goal_minutes_per_day
                for activity in plan.activities
                if day in activity.weekdays
            ),
            Fraction(0),
        )
        _require(
            total <= cap,
            "daily_minutes_cap",
            Code.DAILY_CAP,
            minutes=float(f"{float(total):.4g}"),
            weekday=day,
            cap=plan.daily_minutes_cap,
        )
