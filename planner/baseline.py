"""The start quota of an activity, from the patient's tolerance trials.

Before a ramp starts, the patient does up to three tolerance trials of the activity within
a week, each stopped whenever they choose. The start quota is a fraction (70% by default)
of the mean of those trials, so that the first weeks are reliably doable.
"""

import math
from collections.abc import Sequence
from datetime import date
from fractions import Fraction

from planner.errors import PlannerInputError, check_between, check_number
from planner.reasons import Code, reason
from planner.units import MAX_AMOUNT, Unit

MAX_TRIALS = 3
MIN_START_FRACTION = 0.5
MAX_START_FRACTION = 0.9


def start_quota(trials: Sequence[float], *, unit: Unit, fraction: float = 0.7) -> int:
    """The start quota, in whole ``unit``s, from 1 to 3 tolerance trials.

    ``trials`` are the amounts the patient managed, in ``unit`` (minutes, repetitions, ...);
    a trial may be fractional (10.5 minutes) and one may be 0, but not all of them.
    ``fraction`` of their mean is rounded half up to a whole unit, and the result is at
    least 1: a step of the ramp is never smaller than one unit, so neither is its start.

    ``fraction`` must lie within 0.5-0.9 inclusive; each trial within 0 and
    ``MAX_AMOUNT[unit]``. Anything else raises ``PlannerInputError``.
    """
    if unit not in MAX_AMOUNT:
        raise PlannerInputError("unit", reason(Code.UNKNOWN_UNIT, value=str(unit)))
    check_between(fraction, "fraction", MIN_START_FRACTION, MAX_START_FRACTION)
    if isinstance(trials, str | bytes) or not isinstance(trials, Sequence):
        raise PlannerInputError("trials", reason(Code.TRIALS_NOT_LIST))
    if len(trials) == 0:
        raise PlannerInputError("trials", reason(Code.NO_TRIALS))
    if len(trials) > MAX_TRIALS:
        raise PlannerInputError(
            "trials", reason(Code.TOO_MANY_TRIALS, most=MAX_TRIALS, count=len(trials))
        )
    ceiling = MAX_AMOUNT[unit]
    for index, trial in enumerate(trials):
        field = f"trials[{index}]"
        check_number(trial, field)
        if trial < 0:
            raise PlannerInputError(field, reason(Code.NEGATIVE))
        if trial > ceiling:
            raise PlannerInputError(
                field, reason(Code.TRIAL_TOO_LARGE, value=trial, most=ceiling, unit=unit)
            )
    if all(trial == 0 for trial in trials):
        # Nothing to take a fraction of: the trials must be repeated, not planned from.
        raise PlannerInputError("trials[0]", reason(Code.ALL_TRIALS_ZERO))

    # Exact arithmetic on the decimals as typed: in binary floating point 0.7 x 45 is
    # 31.499999999999996 and would round down, where a clinician working by hand gets 32.
    exact_trials = [Fraction(repr(float(trial))) for trial in trials]
    mean = sum(exact_trials, Fraction(0)) / len(exact_trials)
    quota = Fraction(repr(float(fraction))) * mean
    return max(1, math.floor(quota + Fraction(1, 2)))


# DOMAIN.md: up to three tolerance trials "within a week".
TRIAL_SPAN_DAYS = 6


def check_trial_dates(
    dates: Sequence[date], *, trials: int, not_after: date, not_before: date
) -> None:
    """The days the tolerance trials were done: one per trial, all within a week of each other
    (at most six days from the first to the last), none after ``not_after`` (trials are done
    before they are typed in) and none before ``not_before`` (older trials no longer say what
    the patient manages now). Raises ``PlannerInputError`` naming ``dates`` or ``dates[i]``.
    """
    if isinstance(dates, str | bytes) or not isinstance(dates, Sequence):
        raise PlannerInputError("dates", reason(Code.DATES_NOT_LIST))
    if len(dates) != trials:
        raise PlannerInputError("dates", reason(Code.DATES_COUNT, trials=trials, count=len(dates)))
    for index, day in enumerate(dates):
        if not isinstance(day, date):
            raise PlannerInputError(f"dates[{index}]", reason(Code.NOT_A_DATE))
        if day > not_after:
            raise PlannerInputError(f"dates[{index}]", reason(Code.DATE_AFTER, date=not_after))
        if day < not_before:
            raise PlannerInputError(f"dates[{index}]", reason(Code.DATE_TOO_OLD, date=not_before))
    if dates and (max(dates) - min(dates)).days > TRIAL_SPAN_DAYS:
        raise PlannerInputError("dates", reason(Code.TRIALS_SPAN))
