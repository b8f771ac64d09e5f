import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner import intensity
from planner.errors import PlannerInputError

# Tanaka, Monahan and Seals, "Age-predicted maximal heart rate revisited", J Am Coll
# Cardiol 2001;37(1):153-156: HRmax = 208 - 0.7 x age.
# Gellish et al., "Longitudinal modeling of the relationship between age and maximal heart
# rate", Med Sci Sports Exerc 2007;39(5):822-829: HRmax = 207 - 0.7 x age.


@pytest.mark.parametrize(
    ("method", "age", "expected"),
    [
        (intensity.MaxHeartRateMethod.TANAKA, 12, 199.6),
        (intensity.MaxHeartRateMethod.TANAKA, 40, 180.0),
        (intensity.MaxHeartRateMethod.GELLISH, 12, 198.6),
        (intensity.MaxHeartRateMethod.GELLISH, 40, 179.0),
    ],
)
def test_it_estimates_max_heart_rate_by_published_equations(
    method: intensity.MaxHeartRateMethod, age: int, expected: float
) -> None:
    assert intensity.max_heart_rate(age=age, method=method) == pytest.approx(expected)


def test_it_uses_tanaka_by_default() -> None:
    assert intensity.max_heart_rate(age=12) == pytest.approx(199.6)


def test_it_uses_a_measured_max_heart_rate_as_given() -> None:
    assert (
        intensity.max_heart_rate(age=14, method=intensity.MaxHeartRateMethod.MEASURED, measured=203)
        == 203.0
    )


def test_it_does_not_offer_220_minus_age() -> None:
    assert {method.value for method in intensity.MaxHeartRateMethod} == {
        "tanaka",
        "gellish",
        "measured",
    }


def test_it_works_out_karvonen_as_in_a_published_worksheet() -> None:
    # Austin Community College, "Worksheet 4: Calculating your target heart rate"
    # (austincc.edu/shopland/worksheet_4.htm): HRmax 200, resting 75, reserve 125;
    # 60% of reserve + resting = 150 bpm, 80% = 175 bpm.
    assert intensity.karvonen(resting_hr=75, max_hr=200, fraction=0.6) == pytest.approx(150)
    assert intensity.karvonen(resting_hr=75, max_hr=200, fraction=0.8) == pytest.approx(175)
    assert intensity.heart_rate_range(
        resting_hr=75, max_hr=200, low_fraction=0.6, high_fraction=0.8
    ) == intensity.HeartRateRange(low=150, high=175)


def test_it_works_out_karvonen_from_a_tanaka_maximum() -> None:
    # Tanaka at 40 is 180; 70 + 0.6 x (180 - 70) = 136.
    max_hr = intensity.max_heart_rate(age=40)

    assert intensity.karvonen(resting_hr=70, max_hr=max_hr, fraction=0.6) == pytest.approx(136)


def test_it_rounds_a_range_inwards_to_whole_beats() -> None:
    # Reserve 111: 40% is 114.4 bpm and 59% is 135.49 bpm.
    heart_rates = intensity.heart_rate_range(
        resting_hr=70, max_hr=181, low_fraction=0.4, high_fraction=0.59
    )

    assert heart_rates == intensity.HeartRateRange(low=115, high=135)


def test_it_keeps_a_whole_beat_end_that_floating_point_would_nudge() -> None:
    # 40 + 0.56 x 150 is exactly 124, though in floating point it lands a hair above.
    heart_rates = intensity.heart_rate_range(
        resting_hr=40, max_hr=190, low_fraction=0.56, high_fraction=0.56
    )

    assert heart_rates == intensity.HeartRateRange(low=124, high=124)


def test_it_gives_the_heart_rate_range_of_a_band() -> None:
    # Reserve 110: moderate is 40%-59%, 114 to 134.9 bpm.
    heart_rates = intensity.band_heart_rate_range(
        intensity.IntensityBand.MODERATE, resting_hr=70, max_hr=180
    )

    assert heart_rates == intensity.HeartRateRange(low=114, high=134)


def test_it_uses_the_acsm_bands_and_stops_at_the_home_ceiling() -> None:
    assert intensity.BAND_FRACTIONS == {
        intensity.IntensityBand.LIGHT: (0.30, 0.39),
        intensity.IntensityBand.MODERATE: (0.40, 0.59),
        intensity.IntensityBand.VIGOROUS: (0.60, 0.89),
    }
    assert intensity.HOME_CEILING == 0.89


def test_it_targets_the_childrens_omni_scale() -> None:
    assert {
        intensity.IntensityBand.LIGHT: intensity.ExertionRange(low=2, high=3),
        intensity.IntensityBand.MODERATE: intensity.ExertionRange(low=4, high=5),
        intensity.IntensityBand.VIGOROUS: intensity.ExertionRange(low=6, high=8),
    } == intensity.OMNI_TARGETS


@pytest.mark.parametrize(
    ("fraction", "band"),
    [
        (0.0, intensity.IntensityBand.LIGHT),
        (0.29, intensity.IntensityBand.LIGHT),
        (0.30, intensity.IntensityBand.LIGHT),
        (0.39, intensity.IntensityBand.LIGHT),
        (0.395, intensity.IntensityBand.LIGHT),
        (0.40, intensity.IntensityBand.MODERATE),
        (0.59, intensity.IntensityBand.MODERATE),
        (0.60, intensity.IntensityBand.VIGOROUS),
        (0.89, intensity.IntensityBand.VIGOROUS),
    ],
)
def test_it_finds_the_band_of_a_fraction(fraction: float, band: intensity.IntensityBand) -> None:
    assert intensity.band_for_fraction(fraction) is band


@pytest.mark.parametrize(
    ("low_fraction", "high_fraction", "expected"),
    [
        (0.40, 0.59, intensity.ExertionRange(low=4, high=5)),
        (0.50, 0.69, intensity.ExertionRange(low=4, high=8)),
        (0.30, 0.39, intensity.ExertionRange(low=2, high=3)),
        (0.60, 0.89, intensity.ExertionRange(low=6, high=8)),
        (0.20, 0.45, intensity.ExertionRange(low=2, high=5)),
    ],
)
def test_it_gives_the_omni_target_of_a_heart_rate_reserve_range(
    low_fraction: float, high_fraction: float, expected: intensity.ExertionRange
) -> None:
    assert (
        intensity.exertion_range(low_fraction=low_fraction, high_fraction=high_fraction) == expected
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"age": 4}, "age"),
        ({"age": 101}, "age"),
        ({"age": math.nan}, "age"),
        ({"age": 12, "method": "fox"}, "method"),
        ({"age": 12, "method": intensity.MaxHeartRateMethod.MEASURED}, "measured_max_hr"),
        (
            {"age": 12, "method": intensity.MaxHeartRateMethod.MEASURED, "measured": 99},
            "measured_max_hr",
        ),
        (
            {"age": 12, "method": intensity.MaxHeartRateMethod.MEASURED, "measured": 231},
            "measured_max_hr",
        ),
        (
            {"age": 12, "method": intensity.MaxHeartRateMethod.MEASURED, "measured": 190.5},
            "measured_max_hr",
        ),
        (
            {"age": 12, "method": intensity.MaxHeartRateMethod.MEASURED, "measured": True},
            "measured_max_hr",
        ),
        ({"age": 12, "measured": 200}, "measured_max_hr"),
        (
            {"age": 12, "method": intensity.MaxHeartRateMethod.GELLISH, "measured": 200},
            "measured_max_hr",
        ),
    ],
)
def test_it_refuses_max_heart_rate_input_it_cannot_use(
    kwargs: dict[str, object], field: str
) -> None:
    with pytest.raises(PlannerInputError) as caught:
        intensity.max_heart_rate(**kwargs)  # type: ignore[arg-type]

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
        intensity.karvonen(resting_hr=resting_hr, max_hr=max_hr, fraction=fraction)

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
        intensity.heart_rate_range(
            resting_hr=resting_hr,
            max_hr=max_hr,
            low_fraction=low_fraction,
            high_fraction=high_fraction,
        )

    assert caught.value.field == field


@pytest.mark.parametrize(("fraction", "field"), [(0.9, "fraction"), (-0.01, "fraction")])
def test_it_refuses_a_fraction_outside_any_home_band(fraction: float, field: str) -> None:
    with pytest.raises(PlannerInputError) as caught:
        intensity.band_for_fraction(fraction)

    assert caught.value.field == field


@pytest.mark.parametrize(
    ("low_fraction", "high_fraction", "field"),
    [(0.6, 0.4, "high_fraction"), (0.4, 0.9, "high_fraction"), (-0.1, 0.4, "low_fraction")],
)
def test_it_refuses_an_exertion_range_it_cannot_make(
    low_fraction: float, high_fraction: float, field: str
) -> None:
    with pytest.raises(PlannerInputError) as caught:
        intensity.exertion_range(low_fraction=low_fraction, high_fraction=high_fraction)

    assert caught.value.field == field


def test_it_refuses_a_heart_rate_range_that_runs_backwards() -> None:
    with pytest.raises(PlannerInputError):
        intensity.HeartRateRange(low=140, high=120)


heart_rates = st.tuples(
    st.floats(min_value=30, max_value=120), st.floats(min_value=1, max_value=110)
).map(lambda pair: (pair[0], pair[0] + pair[1]))
fractions = st.floats(min_value=0, max_value=intensity.HOME_CEILING)


@given(heart_rates=heart_rates, ends=st.tuples(fractions, fractions).map(sorted))
def test_it_keeps_a_heart_rate_range_inside_its_fractions_and_the_home_ceiling(
    heart_rates: tuple[float, float], ends: list[float]
) -> None:
    resting_hr, max_hr = heart_rates
    low_fraction, high_fraction = ends
    lowest = intensity.karvonen(resting_hr=resting_hr, max_hr=max_hr, fraction=low_fraction)
    highest = intensity.karvonen(resting_hr=resting_hr, max_hr=max_hr, fraction=high_fraction)
    ceiling = intensity.karvonen(
        resting_hr=resting_hr, max_hr=max_hr, fraction=intensity.HOME_CEILING
    )
    try:
        heart_rate_range_ = intensity.heart_rate_range(
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


@given(band=st.sampled_from(intensity.IntensityBand), heart_rates=heart_rates)
def test_it_never_sets_a_band_above_the_home_ceiling(
    band: intensity.IntensityBand, heart_rates: tuple[float, float]
) -> None:
    resting_hr, max_hr = heart_rates
    ceiling = intensity.karvonen(
        resting_hr=resting_hr, max_hr=max_hr, fraction=intensity.HOME_CEILING
    )
    try:
        band_range = intensity.band_heart_rate_range(band, resting_hr=resting_hr, max_hr=max_hr)
    except PlannerInputError:
        return

    assert band_range.high <= ceiling + 1e-9


@given(ends=st.tuples(fractions, fractions).map(sorted))
def test_it_gives_an_omni_target_that_covers_both_bands(ends: list[float]) -> None:
    low_fraction, high_fraction = ends
    target = intensity.exertion_range(low_fraction=low_fraction, high_fraction=high_fraction)

    assert target.low == intensity.OMNI_TARGETS[intensity.band_for_fraction(low_fraction)].low
    assert target.high == intensity.OMNI_TARGETS[intensity.band_for_fraction(high_fraction)].high
    assert 0 <= target.low <= target.high <= 10
