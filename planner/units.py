"""Dose units, the bounds beyond which an amount is taken to be a typing mistake, and how long
an amount takes at home.
"""

from enum import StrEnum
from fractions import Fraction


class Unit(StrEnum):
    MINUTES = "minutes"
    SECONDS = "seconds"
    REPETITIONS = "repetitions"
    METRES = "metres"


TIMED_UNITS = frozenset({Unit.MINUTES, Unit.SECONDS})

# The largest single-session amount we accept per unit. Anything larger is almost
# certainly a slip (seconds typed as minutes, metres as kilometres), so it is refused
# rather than planned.
MAX_AMOUNT: dict[Unit, int] = {
    Unit.MINUTES: 240,
    Unit.SECONDS: 3600,
    Unit.REPETITIONS: 1000,
    Unit.METRES: 42_000,
}

# How long a counted dose takes, for the daily home total, when the clinician sets no pace of
# their own for the activity. Both err on the slow side, so that the daily cap errs on the
# side of less: 50 metres a minute (3 km/h) is an easy walk for a child in pain, slower than
# cycling or running; 5 seconds a repetition covers a sit-to-stand or a jump with a breath
# between, but not a flight of stairs, which needs a pace of its own.
DEFAULT_METRES_PER_MINUTE = 50
DEFAULT_SECONDS_PER_REPETITION = 5

# The paces a clinician may set: from a very slow walk with a carried load (10 m/min) to
# brisk cycling (500 m/min, 30 km/h); from one second a repetition to two minutes (a flight
# of stairs with a rest).
METRES_PER_MINUTE_RANGE = (10, 500)
SECONDS_PER_REPETITION_RANGE = (1, 120)


def minutes_of(amount: float, unit: Unit) -> float:
    """Minutes of a timed ``amount``; 0 for counted units (repetitions, metres).

    This is active time as a chart shows it. The daily home cap counts every unit, at a pace:
    see ``home_minutes``.
    """
    if unit is Unit.MINUTES:
        return float(amount)
    if unit is Unit.SECONDS:
        return amount / 60
    return 0.0


def _exact(value: float) -> Fraction:
    # The decimal as typed: 0.1 is one tenth, not the nearest binary float.
    return Fraction(repr(float(value))) if isinstance(value, float) else Fraction(value)


def minutes_per_unit(
    unit: Unit,
    *,
    metres_per_minute: float | None = None,
    seconds_per_repetition: float | None = None,
) -> Fraction:
    """Home minutes one ``unit`` takes, exactly: a timed unit by definition, a counted one at
    the pace given (or the documented default)."""
    if unit is Unit.MINUTES:
        return Fraction(1)
    if unit is Unit.SECONDS:
        return Fraction(1, 60)
    if unit is Unit.METRES:
        pace = DEFAULT_METRES_PER_MINUTE if metres_per_minute is None else metres_per_minute
        return 1 / _exact(pace)
    pace = (
        DEFAULT_SECONDS_PER_REPETITION if seconds_per_repetition is None else seconds_per_repetition
    )
    return _exact(pace) / 60


def home_minutes(
    amount: int,
    unit: Unit,
    *,
    metres_per_minute: float | None = None,
    seconds_per_repetition: float | None = None,
) -> Fraction:
    """Home minutes one bout of ``amount`` takes, exactly, for the daily home total."""
    return amount * minutes_per_unit(
        unit, metres_per_minute=metres_per_minute, seconds_per_repetition=seconds_per_repetition
    )
