"""Dose units and the bounds beyond which an amount is taken to be a typing mistake."""

from enum import StrEnum


class Unit(StrEnum):
    MINUTES = "minutes"
    SECONDS = "seconds"
    REPETITIONS = "repetitions"
    METRES = "metres"


# The largest single-session amount we accept per unit. Anything larger is almost
# certainly a slip (seconds typed as minutes, metres as kilometres), so it is refused
# rather than planned.
MAX_AMOUNT: dict[Unit, int] = {
    Unit.MINUTES: 240,
    Unit.SECONDS: 3600,
    Unit.REPETITIONS: 1000,
    Unit.METRES: 42_000,
}


def minutes_of(amount: float, unit: Unit) -> float:
    """Minutes of home time one bout of ``amount`` takes; 0 for counted units.

    Repetitions and metres have no fixed duration, so they do not count towards the
    daily time cap.
    """
    if unit is Unit.MINUTES:
        return float(amount)
    if unit is Unit.SECONDS:
        return amount / 60
    return 0.0
