import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.errors import PlannerInputError
from planner.intensity import (
    BAND_FRACTIONS,
    HOME_CEILING,
    OMNI_TARGETS,
    ExertionRange,
    HeartRateRange,
    IntensityBand,
    MaxHeartRateMethod,
    band_for_fraction,
    band_heart_rate_range,
    exertion_range,
    heart_rate_range,
    karvonen,
    max_heart_rate,
)

# Tanaka, Monahan and Seals, "Age-predicted maximal heart rate revisited", J Am Coll
# Cardiol 2001;37(1):153-156: HRmax = 208 - 0.7 x age.
# Gellish et al., "Longitudinal modeling of the relationship between age and maximal heart
# rate", Med Sci Sports Exerc 2007;39(5):822-829: HRmax = 207 - 0.7 x age.


@pytest.mark.parametrize(
    ("method", "age", "expected"),
    [
        (MaxHeartRateMethod.TANAKA, 12, 199.6),
        (MaxHeartRateMethod.TANAKA, 40, 180.0),
        (MaxHeartRateMethod.GELLISH, 12, 198.6),
        (MaxHeartRateMethod.GELLISH, 40, 179.0),
    ],
)
def test_it_estimates_max_heart_rate_by_published_equations(
    method: MaxHeartRateMethod, age: int, expected: float
) -> None:
    assert max_heart_rate(age=age, method=method) == pytest.approx(expected)


def test_it_uses_tanaka_by_default() -> None:
    assert max_heart_rate(age=12) == pytest.approx(199.6)


def test_it_uses_a_measured_max_heart_rate_as_given() -> None:
    assert max_heart_rate(age=14, method=MaxHeartRateMethod.MEASURED, measured=203) == 203.0


def test_it_does_not_offer_220_minus_age() -> None:
    assert {method.value for method in MaxHeartRateMethod} == {"tanaka", "gellish", "measured"}


def test_it_works_out_karvonen_as_in_a_published_worksheet() -> None:
    # Austin Community College, "Worksheet 4: Calculating your target heart rate"
    # (austincc.edu/shopland/worksheet_4.htm): HRmax 200, resting 75, reserve 125;
    # 60% of reserve + resting = 150 bpm, 80% = 175 bpm.
    assert karvonen(resting_hr=75, max_hr=200, fraction=0.6) == pytest.approx(150)
    assert karvonen(resting_hr=75, max_hr=200, fraction=0.8) == pytest.approx(175)
    assert heart_rate_range(
        resting_hr=75, max_hr=200, low_fraction=0.6, high_fraction=0.8
    ) == HeartRateRange(low=150, high=175)


def test_it_works_out_karvonen_from_a_tanaka_maximum() -> None:
    # Tanaka at 40 is 180; 70 + 0.6 x (180 - 70) = 136.
    max_hr = max_heart_rate(age=40)

    assert karvonen(resting_hr=70, max_hr=max_hr, fraction=0.6) == pytest.approx(136)


def test_it_rounds_a_range_inwards_to_whole_beats() -> None:
    # Reserve 111: 40% is 114.4 bpm and 59% is 135.49 bpm.
    heart_rates = heart_rate_range(resting_hr=70, max_hr=181, low_fraction=0.4, high_fraction=0.59)

    assert heart_rates == HeartRateRange(low=115, high=135)


def test_it_keeps_a_whole_beat_end_that_floating_point_would_nudge() -> None:
    # 40 + 0.56 x 150 is exactly 124, though in floating point it lands a hair above.
    heart_rates = heart_rate_range(resting_hr=40, max_hr=190, low_fraction=0.56, high_fraction=0.56)

    assert heart_rates == HeartRateRange(low=124, high=124)


def test_it_gives_the_heart_rate_range_of_a_band() -> None:
    # Reserve 110: moderate is 40%-59%, 114 to 134.9 bpm.
    heart_rates = band_heart_rate_range(IntensityBand.MODERATE, resting_hr=70, max_hr=180)

    assert heart_rates == HeartRateRange(low=114, high=134)


def test_it_uses_the_acsm_bands_and_stops_at_the_home_ceiling() -> None:
    assert BAND_FRACTIONS == {
        IntensityBand.LIGHT: (0.30, 0.39),
        IntensityBand.MODERATE: (0.40, 0.59),
        IntensityBand.VIGOROUS: (0.60, 0.89),
    }
    assert HOME_CEILING == 0.89


def test_it_targets_the_childrens_omni_scale() -> None:
    assert {
        IntensityBand.LIGHT: ExertionRange(low=2, high=3),
        IntensityBand.MODERATE: ExertionRange(low=4, high=5),
        IntensityBand.VIGOROUS: ExertionRange(low=6, high=8),
    } == OMNI_TARGETS


@pytest.mark.parametrize(
    ("fraction", "band"),
    [
        (0.0, IntensityBand.LIGHT),
        (0.29, IntensityBand.LIGHT),
        (0.30, IntensityBand.LIGHT),
        (0.39, IntensityBand.LIGHT),
        (0.395, IntensityBand.LIGHT),
        (0.40, IntensityBand.MODERATE),
        (0.59, IntensityBand.MODERATE),
        (0.60, IntensityBand.VIGOROUS),
        (0.89, IntensityBand.VIGOROUS),
    ],
)
def test_it_finds_the_band_of_a_fraction(fraction: float, band: IntensityBand) -> None:
    assert band_for_fraction(fraction) is band


@pytest.mark.parametrize(
    ("low_fraction", "high_fraction", "expected"),
    [
        (0.40, 0.59, ExertionRange(low=4, high=5)),
        (0.50, 0.69, ExertionRange(low=4, high=8)),
        (0.30, 0.39, ExertionRange(low=2, high=3)),
        (0.60, 0.89, ExertionRange(low=6, high=8)),
        (0.20, 0.45, ExertionRange(low=2, high=5)),
    ],
)
def test_it_gives_the_omni_target_of_a_heart_rate_reserve_range(
    low_fraction: float, high_fraction: float, expected: ExertionRange
) -> None:
    assert exertion_range(low_fraction=low_fraction, high_fraction=high_fraction) == expected


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"age": 4}, "age"),
        ({"age": 101}, "age"),
        ({"age": math.nan}, "age"),
        ({"age": 12, "method": "fox"}, "method"),
        ({"age": 12, "method": MaxHeartRateMethod.MEASURED}, "measured_max_hr"),
        ({"age": 12, "method": MaxHeartRateMethod.MEASURED, "measured": 99}, "measured_max_hr"),
        ({"age": 12, "method": MaxHeartRateMethod.MEASURED, "measured": 231}, "measured_max_hr"),
        ({"age": 12, "method": MaxHeartRateMethod.MEASURED, "measured": 190.5}, "measured_max_hr"),
        ({"age": 12, "method": MaxHeartRateMethod.MEASURED, "measured": True}, "measured_max_hr"),
        ({"age": 12, "measured": 200}, "measured_max_hr"),
        ({"age": 12, "method": MaxHeartRateMethod.GELLISH, "measured": 200}, "measured_max_hr"),
    ],
)
def test_it_refuses_max_heart_rate_input_it_cannot_use(
    kwargs: dict[str, object], field: str
) -> None:
    with pytest.raises(PlannerInputError) as caught:
        max_heart_rate(**kwargs)  # type: ignore[arg-type]

    assert caught.value.field == field


@pytest.mark.parametrize(
    ("resting_hr", "max_hr", "fraction", "field"),
    [
        (70, 180, -0.01, "fraction"),
        (70, 180, 0.9, "fraction"),
        (70, 180, math.nan, "fraction"),
        (29, 180, 0.5, "resting_hr"),
        (121, 180, 0.5, "resting_hr"),
        (math.inf, 180, 0.5, "resting_hr"),
        (70, 70, 0.5, "max_hr"),
        (70, 60, 0.5, "max_hr"),
        (70, 231, 0.5, "max_hr"),
        (70, math.nan, 0.5, "max_hr"),
    ],
)
def test_it_refuses_karvonen_input_it_cannot_use(
    resting_hr: float, max_hr: float, fraction: float, field: str
) -> None:
    with pytest.raises(PlannerInputError) as caught:
        karvonen(resting_hr=resting_hr, max_hr=max_hr, fraction=fraction)

    assert caught.value.field == field


@pytest.mark.parametrize(
    ("resting_hr", "max_hr", "low_fraction", "high_fraction", "field"),
    [
        (70, 180, 0.6, 0.4, "high_fraction"),
        (70, 180, -0.1, 0.4, "low_fraction"),
        (70, 180, 0.4, 0.95, "high_fraction"),
        # 70 + 0.5 x 111 is 125.5: no whole beat lies in a range that narrow.
        (70, 181, 0.5, 0.5, "high_fraction"),
        (20, 180, 0.4, 0.59, "resting_hr"),
        (70, 250, 0.4, 0.59, "max_hr"),
    ],
)
def test_it_refuses_a_heart_rate_range_it_cannot_make(
    resting_hr: float, max_hr: float, low_fraction: float, high_fraction: float, field: str
) -> None:
    with pytest.raises(PlannerInputError) as caught:
        heart_rate_range(
            resting_hr=resting_hr,
            max_hr=max_hr,
            low_fraction=low_fraction,
            high_fraction=high_fraction,
        )

    assert caught.value.field == field


@pytest.mark.parametrize(("fraction", "field"), [(0.9, "fraction"), (-0.01, "fraction")])
def test_it_refuses_a_fraction_outside_any_home_band(fraction: float, field: str) -> None:
    with pytest.raises(PlannerInputError) as caught:
        band_for_fraction(fraction)

    assert caught.value.field == field


@pytest.mark.parametrize(
    ("low_fraction", "high_fraction", "field"),
    [(0.6, 0.4, "high_fraction"), (0.4, 0.9, "high_fraction"), (-0.1, 0.4, "low_fraction")],
)
def test_it_refuses_an_exertion_range_it_cannot_make(
    low_fraction: float, high_fraction: float, field: str
) -> None:
    with pytest.raises(PlannerInputError) as caught:
        exertion_range(low_fraction=low_fraction, high_fraction=high_fraction)

    assert caught.value.field == field


def test_it_refuses_a_heart_rate_range_that_runs_backwards() -> None:
    with pytest.raises(PlannerInputError):
        HeartRateRange(low=140, high=120)


heart_rates = st.tuples(
    st.floats(min_value=30, max_value=120), st.floats(min_value=1, max_value=110)
).map(lambda pair: (pair[0], pair[0] + pair[1]))
fractions = st.floats(min_value=0, max_value=HOME_CEILING)


@given(heart_rates=heart_rates, ends=st.tuples(fractions, fractions).map(sorted))
def test_it_keeps_a_heart_rate_range_inside_its_fractions_and_the_home_ceiling(
    heart_rates: tuple[float, float], ends: list[float]
) -> None:
    resting_hr, max_hr = heart_rates
    low_fraction, high_fraction = ends
    lowest = karvonen(resting_hr=resting_hr, max_hr=max_hr, fraction=low_fraction)
    highest = karvonen(resting_hr=resting_hr, max_hr=max_hr, fraction=high_fraction)
    ceiling = karvonen(resting_hr=resting_hr, max_hr=max_hr, fraction=HOME_CEILING)
    try:
        heart_rate_range_ = heart_rate_range(
            resting_hr=resting_hr,
            max_hr=max_hr,
            low_fraction=low_fraction,
            high_fraction=high_fraction,
        )
    except PlannerInputError as refused:
        # Only a range narrower than a beat may be refused.
        assert refused.field == "high_fraction"
        assert highest - lowest < 1
        return

    # The tolerance only absorbs float error in karvonen itself, never a whole beat.
    assert lowest - 1e-9 <= heart_rate_range_.low <= heart_rate_range_.high <= highest + 1e-9
    assert heart_rate_range_.high <= ceiling + 1e-9


@given(band=st.sampled_from(IntensityBand), heart_rates=heart_rates)
def test_it_never_sets_a_band_above_the_home_ceiling(
    band: IntensityBand, heart_rates: tuple[float, float]
) -> None:
    resting_hr, max_hr = heart_rates
    ceiling = karvonen(resting_hr=resting_hr, max_hr=max_hr, fraction=HOME_CEILING)
    try:
        band_range = band_heart_rate_range(band, resting_hr=resting_hr, max_hr=max_hr)
    except PlannerInputError:
        return

    assert band_range.high <= ceiling + 1e-9


@given(ends=st.tuples(fractions, fractions).map(sorted))
def test_it_gives_an_omni_target_that_covers_both_bands(ends: list[float]) -> None:
    low_fraction, high_fraction = ends
    target = exertion_range(low_fraction=low_fraction, high_fraction=high_fraction)

    assert target.low == OMNI_TARGETS[band_for_fraction(low_fraction)].low
    assert target.high == OMNI_TARGETS[band_for_fraction(high_fraction)].high
    assert 0 <= target.low <= target.high <= 10
