"""The one error the engine raises for input it cannot plan with, and the checks of a number
that raise it."""

import math
from typing import Literal, TypeGuard

from planner.reasons import Code, Reason, reason


class PlannerInputError(ValueError):
    """Invalid input, naming the field and what is wrong with it.

    ``field`` is a dotted path into the input (``activities[2].goal_quota``) so that an
    API or a form can put the message next to the right control. ``reason`` says what is
    wrong, as a code with its values (planner.reasons): the Django side writes it in the
    reader's language, and the API gives its code beside the words.
    """

    def __init__(self, field: str, problem: Reason) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.reason = problem


def is_number(value: object) -> TypeGuard[int | float]:
    # bool is an int to Python, but True is not a number of minutes or a heart rate.
    return isinstance(value, int | float) and not isinstance(value, bool)


Numbers = Literal["number", "years", "bpm"]

# What each kind of number is called when a value is not one, and when it is out of range.
_NOT = {"number": Code.NOT_A_NUMBER, "years": Code.NOT_YEARS, "bpm": Code.NOT_BPM}
_NOT_BETWEEN = {
    "number": Code.NOT_BETWEEN,
    "years": Code.NOT_BETWEEN_YEARS,
    "bpm": Code.NOT_BETWEEN_BPM,
}


def check_number(value: object, field: str, *, what: Numbers = "number") -> None:
    """Refuse ``value`` unless it is a finite number; ``what`` it must be: a "number", a
    number of "years" or of beats per minute ("bpm")."""
    if not is_number(value) or not math.isfinite(value):
        raise PlannerInputError(field, reason(_NOT[what]))


def check_between(
    value: float, field: str, low: float, high: float, *, what: Numbers = "number"
) -> None:
    """Refuse ``value`` unless it is a finite number from ``low`` to ``high`` inclusive, a
    "number", a number of "years" or of beats per minute ("bpm")."""
    check_number(value, field, what=what)
    if not low <= value <= high:
        raise PlannerInputError(field, reason(_NOT_BETWEEN[what], low=low, high=high, value=value))
