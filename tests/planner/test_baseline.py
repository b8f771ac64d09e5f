import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.baseline import start_quota
from planner.errors import PlannerInputError
from planner.units import MAX_AMOUNT, Unit


def test_it_takes_seventy_percent_of_the_mean_by_default() -> None:
    # Mean of 10, 12 and 14 minutes is 12; 70% of 12 is 8.4.
    assert start_quota([10, 12, 14], unit=Unit.MINUTES) == 8


def test_it_takes_the_fraction_the_clinician_chose() -> None:
    assert start_quota([10, 12, 14], unit=Unit.MINUTES, fraction=0.5) == 6
    # 90% of 12 is 10.8.
    assert start_quota([10, 12, 14], unit=Unit.MINUTES, fraction=0.9) == 11


def test_it_rounds_half_up() -> None:
    # 70% of 45 is 31.5, which binary floating point puts a hair below 31.5.
    assert start_quota([45], unit=Unit.REPETITIONS) == 32
    assert start_quota([3, 4], unit=Unit.MINUTES, fraction=0.6) == 2


def test_it_plans_from_a_single_trial() -> None:
    assert start_quota([20], unit=Unit.REPETITIONS) == 14


def test_it_plans_from_fractional_trials() -> None:
    # Mean 10.5 minutes; 70% is 7.35.
    assert start_quota([10.5, 10.5], unit=Unit.MINUTES) == 7


def test_it_never_starts_below_one_unit() -> None:
    # 50% of a mean of 0.5 minutes is 0.25, which rounds to 0.
    assert start_quota([0, 1], unit=Unit.MINUTES, fraction=0.5) == 1


def test_it_accepts_a_trial_at_the_unit_ceiling() -> None:
    assert start_quota([MAX_AMOUNT[Unit.MINUTES]], unit=Unit.MINUTES) == 168


@pytest.mark.parametrize(
    ("trials", "unit", "fraction", "field"),
    [
        ([], Unit.MINUTES, 0.7, "trials"),
        ([10, 12, 14, 16], Unit.MINUTES, 0.7, "trials"),
        ("10", Unit.MINUTES, 0.7, "trials"),
        ([-1], Unit.MINUTES, 0.7, "trials[0]"),
        ([10, -0.5], Unit.MINUTES, 0.7, "trials[1]"),
        ([10, 12, math.nan], Unit.MINUTES, 0.7, "trials[2]"),
        ([math.inf], Unit.MINUTES, 0.7, "trials[0]"),
        ([10, True], Unit.MINUTES, 0.7, "trials[1]"),
        ([0, 0, 0], Unit.MINUTES, 0.7, "trials[0]"),
        ([10, 241], Unit.MINUTES, 0.7, "trials[1]"),
        ([3601], Unit.SECONDS, 0.7, "trials[0]"),
        ([10], Unit.MINUTES, 0.49, "fraction"),
        ([10], Unit.MINUTES, 0.91, "fraction"),
        ([10], Unit.MINUTES, math.nan, "fraction"),
        ([10], "hours", 0.7, "unit"),
    ],
)
def test_it_refuses_input_it_cannot_plan_with(
    trials: list[float], unit: Unit, fraction: float, field: str
) -> None:
    with pytest.raises(PlannerInputError) as caught:
        start_quota(trials, unit=unit, fraction=fraction)

    assert caught.value.field == field


@given(
    trials=st.lists(
        st.floats(min_value=0, max_value=MAX_AMOUNT[Unit.MINUTES]), min_size=1, max_size=3
    ).filter(any),
    fraction=st.floats(min_value=0.5, max_value=0.9),
)
def test_it_starts_within_a_unit_of_the_fraction_of_the_mean(
    trials: list[float], fraction: float
) -> None:
    quota = start_quota(trials, unit=Unit.MINUTES, fraction=fraction)

    exact = fraction * sum(trials) / len(trials)
    assert quota >= 1
    assert quota == 1 or abs(quota - exact) <= 0.5 + 1e-9
