"""The one error the engine raises for input it cannot plan with, and the checks of a number
that raise it."""

import math
from typing import TypeGuard


class PlannerInputError(ValueError):
    """Invalid input, naming the field and what is wrong with it.

    ``field`` is a dotted path into the input (``activities[2].goal_quota``) so that an
    API or a form can put the message next to the right control.
    """

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


def is_number(value: object) -> TypeGuard[int | float]:
    # bool is an int to Python, but True is not a number of minutes or a heart rate.
    return isinstance(value, int | float) and not isinstance(value, bool)


def check_number(value: object, field: str, *, what: str = "a number") -> None:
    """Refuse ``value`` unless it is a finite number ("must be ``what``")."""
    if not is_number(value) or not math.isfinite(value):
        raise PlannerInputError(field, f"must be {what}")


def check_between(
    value: float, field: str, low: float, high: float, *, what: str = "a number", unit: str = ""
) -> None:
    """Refuse ``value`` unless it is a finite number from ``low`` to ``high`` inclusive, the
    bounds said in ``unit`` when it has one."""
    check_number(value, field, what=what)
    if not low <= value <= high:
        in_unit = f" {unit}" if unit else ""
        raise PlannerInputError(field, f"must be between {low} and {high}{in_unit}, not {value}")
