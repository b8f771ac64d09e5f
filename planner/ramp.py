"""The capped linear ramp of one activity, in whole units, and how soon a goal can be reached.

A ramp is a list of weekly amounts: index 0 is the start quota, the last index is the goal.
Two rules bound every step between consecutive weeks:

* the weekly cap: at most ``cap`` x the previous amount (rounded down to a whole unit);
* the minimum step: when a step is due it is at least one whole unit, even where the cap
  rounds down to nothing (otherwise a 5-minute walk under a 10% cap would never grow).

So the largest allowed next amount after ``x`` is ``max(floor(x * (1 + cap)), x + 1)``.
Caps are handled as the exact rationals of the decimals as typed, so that 10 minutes + 10% is
11, not 11.000000000000002 rounded down by luck, and a cap typed as 0.999999999 allows 3
repetitions after 2, never the 4 that rounding it to 1.0 would.
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache


@lru_cache(maxsize=256)
def _cap_ratio(cap: float) -> tuple[int, int]:
    """``1 + cap`` as (numerator, denominator), exactly as the decimal was typed."""
    exact = 1 + Fraction(repr(float(cap)))
    return exact.numerator, exact.denominator


def largest_next(amount: int, cap: float) -> int:
    """The largest whole amount allowed one week after ``amount`` under ``cap`` (a fraction).

    Rounded down, whatever the decimals: a cap is never broken by rounding."""
    numerator, denominator = _cap_ratio(cap)
    return max(amount * numerator // denominator, amount + 1)


def allowed_increase(amount: int, cap: float) -> int:
    """The largest week-over-week increase allowed from ``amount``: the cap or one unit."""
    return largest_next(amount, cap) - amount


def _smallest_reaching(target: int, cap: float) -> int:
    """The smallest amount (at least 1) whose largest next amount reaches ``target``."""
    if target <= 2:
        return 1
    numerator, denominator = _cap_ratio(cap)
    # The smallest x with floor(x * (1 + cap)) >= target is ceil(target / (1 + cap)).
    by_cap = -(-target * denominator // numerator)
    return max(1, min(target - 1, by_cap))


def fastest_weeks(start: int, goal: int, cap: float) -> int:
    """How many weekly steps the fastest capped ramp needs to go from ``start`` to ``goal``."""
    weeks = 0
    amount = start
    while amount < goal:
        amount = min(goal, largest_next(amount, cap))
        weeks += 1
    return weeks


def ramp_amounts(start: int, goal: int, weeks: int, cap: float) -> list[int]:
    """Weekly amounts from ``start`` (week 0) to ``goal`` (week ``weeks``), both included.

    The ramp follows the straight line from start to goal, rounded half up to whole units,
    wherever the cap allows it. Where the cap holds it below the line, it rises as fast as
    the cap allows, and never falls so far behind that the goal could no longer be reached
    in time. The caller must have checked ``fastest_weeks(start, goal, cap) <= weeks``.

    Invariants: amounts never decrease; every increase is at most ``allowed_increase`` of
    the amount before it; the last amount is ``goal``.
    """
    if weeks == 0:
        return [goal]
    # need[w]: the least amount at week w from which the goal is still reachable in time.
    need = [0] * (weeks + 1)
    need[weeks] = goal
    for week in range(weeks, 0, -1):
        need[week - 1] = _smallest_reaching(need[week], cap)
    amounts = [start]
    span = goal - start
    for week in range(1, weeks + 1):
        on_line = int(Fraction(start) + Fraction(span * week, weeks) + Fraction(1, 2))
        amount = min(goal, largest_next(amounts[-1], cap), max(on_line, need[week]))
        amounts.append(amount)
    return amounts
