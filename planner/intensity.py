"""Aerobic intensity: maximal heart rate, Karvonen target ranges and OMNI exertion targets.

Aerobic work is prescribed as a heart-rate range, worked out on the heart-rate reserve
(Karvonen), together with a perceived-exertion range on the children's OMNI 0-10 scale.
Every fraction here is a fraction of heart-rate reserve, never of maximal heart rate.
"""

import math
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from planner.errors import PlannerInputError, check_between, check_number
from planner.reasons import Code, percent, reason

MIN_AGE = 5
MAX_AGE = 100
MIN_RESTING_HR = 30
MAX_RESTING_HR = 120
MIN_MEASURED_MAX_HR = 100
MAX_MEASURED_MAX_HR = 230

# The most of the heart-rate reserve a home session may ask for: the top of the ACSM
# vigorous band. Anything harder belongs under supervision, not on a phone.
HOME_CEILING = 0.89

# The top of the children's OMNI perceived-exertion scale, which runs 0-10.
OMNI_MAX = 10


class MaxHeartRateMethod(StrEnum):
    """How maximal heart rate is found. 220 - age is deliberately absent."""

    TANAKA = "tanaka"
    GELLISH = "gellish"
    MEASURED = "measured"


class IntensityBand(StrEnum):
    LIGHT = "light"
    MODERATE = "moderate"
    VIGOROUS = "vigorous"


# ACSM bands as fractions of heart-rate reserve (Garber et al., ACSM position stand,
# Med Sci Sports Exerc 2011). Each band runs up to, not including, the next band's low
# end; the published upper ends are whole percentages.
BAND_FRACTIONS: dict[IntensityBand, tuple[float, float]] = {
    IntensityBand.LIGHT: (0.30, 0.39),
    IntensityBand.MODERATE: (0.40, 0.59),
    IntensityBand.VIGOROUS: (0.60, HOME_CEILING),
}


@dataclass(frozen=True)
class HeartRateRange:
    """A target heart-rate range in whole beats per minute, ``low <= high``."""

    low: int
    high: int

    def __post_init__(self) -> None:
        if self.low > self.high:
            raise PlannerInputError(
                "high", reason(Code.HEART_RATE_RANGE, low=self.low, high=self.high)
            )


@dataclass(frozen=True)
class ExertionRange:
    """A perceived-exertion target on the children's OMNI scale, ``0 <= low <= high <= 10``."""

    low: int
    high: int

    def __post_init__(self) -> None:
        if not 0 <= self.low <= self.high <= OMNI_MAX:
            raise PlannerInputError(
                "high", reason(Code.OMNI_RANGE, low=self.low, high=self.high, most=OMNI_MAX)
            )


# Children's OMNI scale (Robertson et al., Med Sci Sports Exerc 2000), 0-10: a perceived-
# exertion scale validated with children, so a 12-year-old can rate a session honestly.
OMNI_TARGETS: dict[IntensityBand, ExertionRange] = {
    IntensityBand.LIGHT: ExertionRange(low=2, high=3),
    IntensityBand.MODERATE: ExertionRange(low=4, high=5),
    IntensityBand.VIGOROUS: ExertionRange(low=6, high=8),
}


def max_heart_rate(
    *,
    age: float,
    method: MaxHeartRateMethod = MaxHeartRateMethod.TANAKA,
    measured: int | None = None,
) -> float:
    """Maximal heart rate in beats per minute.

    ``age`` is in years, 5-100. TANAKA (the default) is 208 - 0.7 x age, GELLISH is
    207 - 0.7 x age; MEASURED returns ``measured`` (a whole number of bpm, 100-230), which
    only MEASURED accepts. The result is not rounded.
    """
    check_between(age, "age", MIN_AGE, MAX_AGE, what="years")
    try:
        method = MaxHeartRateMethod(method)
    except ValueError:
        offered = tuple(m.value for m in MaxHeartRateMethod)
        raise PlannerInputError(
            "method", reason(Code.UNKNOWN_METHOD, value=str(method), offered=offered)
        ) from None

    if method is MaxHeartRateMethod.MEASURED:
        if measured is None:
            raise PlannerInputError("measured_max_hr", reason(Code.MEASURED_NEEDED))
        if not isinstance(measured, int) or isinstance(measured, bool):
            raise PlannerInputError("measured_max_hr", reason(Code.NOT_WHOLE_BPM))
        check_between(
            measured, "measured_max_hr", MIN_MEASURED_MAX_HR, MAX_MEASURED_MAX_HR, what="bpm"
        )
        return float(measured)

    # A measured value alongside an estimate is a contradiction, and silently
    # preferring either one would hide which number the range was built on.
    if measured is not None:
        raise PlannerInputError("measured_max_hr", reason(Code.MEASURED_UNUSED, method=str(method)))
    if method is MaxHeartRateMethod.TANAKA:
        return 208 - 0.7 * age
    return 207 - 0.7 * age


def karvonen(*, resting_hr: float, max_hr: float, fraction: float) -> float:
    """The heart rate at ``fraction`` of heart-rate reserve, in beats per minute.

    resting + fraction x (max - resting). ``resting_hr`` is 30-120 bpm, ``max_hr`` exceeds
    it (and is at most 230 bpm), ``fraction`` is 0-0.89: more than 89% of reserve is
    never prescribed at home. The result is not rounded.
    """
    _check_heart_rates(resting_hr=resting_hr, max_hr=max_hr)
    _check_fraction(fraction, field="fraction")
    return resting_hr + fraction * (max_hr - resting_hr)


def heart_rate_range(
    *, resting_hr: float, max_hr: float, low_fraction: float, high_fraction: float
) -> HeartRateRange:
    """The whole-beat heart-rate range between two fractions of heart-rate reserve.

    The low end is rounded up and the high end down, so the range never strays outside
    karvonen(low_fraction)..karvonen(high_fraction), and so never above 89% of reserve.
    Fractions are 0-0.89 with ``low_fraction <= high_fraction``; a range so narrow that it
    holds no whole beat is refused rather than widened.
    """
    _check_heart_rates(resting_hr=resting_hr, max_hr=max_hr)
    _check_fraction(low_fraction, field="low_fraction")
    _check_fraction(high_fraction, field="high_fraction")
    if low_fraction > high_fraction:
        raise PlannerInputError(
            "high_fraction", reason(Code.FRACTIONS_INVERTED, low=low_fraction, high=high_fraction)
        )
    low = math.ceil(_exact_karvonen(resting_hr, max_hr, low_fraction))
    high = math.floor(_exact_karvonen(resting_hr, max_hr, high_fraction))
    if low > high:
        raise PlannerInputError(
            "high_fraction", reason(Code.NO_WHOLE_BEAT, low=low_fraction, high=high_fraction)
        )
    return HeartRateRange(low=low, high=high)


def band_heart_rate_range(
    band: IntensityBand, *, resting_hr: float, max_hr: float
) -> HeartRateRange:
    """The whole-beat heart-rate range of an ACSM band (see ``heart_rate_range``)."""
    low_fraction, high_fraction = BAND_FRACTIONS[IntensityBand(band)]
    return heart_rate_range(
        resting_hr=resting_hr,
        max_hr=max_hr,
        low_fraction=low_fraction,
        high_fraction=high_fraction,
    )


def band_for_fraction(fraction: float) -> IntensityBand:
    """The ACSM band that holds ``fraction`` of heart-rate reserve.

    Below 0.30 counts as light; a fraction between two published bands (0.395) belongs to
    the lower one. Fractions are 0-0.89.
    """
    _check_fraction(fraction, field="fraction")
    return _band_of(fraction)


def exertion_range(*, low_fraction: float, high_fraction: float) -> ExertionRange:
    """The OMNI 0-10 target for a range of heart-rate reserve.

    From the low end of the band of ``low_fraction`` to the high end of the band of
    ``high_fraction``: 0.40-0.59 gives 4-5, 0.50-0.69 gives 4-8. Fractions are 0-0.89
    with ``low_fraction <= high_fraction``.
    """
    _check_fraction(low_fraction, field="low_fraction")
    _check_fraction(high_fraction, field="high_fraction")
    if low_fraction > high_fraction:
        raise PlannerInputError(
            "high_fraction", reason(Code.FRACTIONS_INVERTED, low=low_fraction, high=high_fraction)
        )
    return ExertionRange(
        low=OMNI_TARGETS[_band_of(low_fraction)].low,
        high=OMNI_TARGETS[_band_of(high_fraction)].high,
    )


def _band_of(fraction: float) -> IntensityBand:
    # Bands are chosen by their low ends, so the gaps between the published whole
    # percentages (0.39-0.40) still land in a band.
    if fraction >= BAND_FRACTIONS[IntensityBand.VIGOROUS][0]:
        return IntensityBand.VIGOROUS
    if fraction >= BAND_FRACTIONS[IntensityBand.MODERATE][0]:
        return IntensityBand.MODERATE
    return IntensityBand.LIGHT


def _exact_karvonen(resting_hr: float, max_hr: float, fraction: float) -> Fraction:
    # Rounding the ends up and down must see the decimals as typed: in floating point
    # 40 + 0.56 x 150 is 124.00000000000001, which would round up to 125.
    resting = _exact(resting_hr)
    return resting + _exact(fraction) * (_exact(max_hr) - resting)


def _exact(value: float) -> Fraction:
    return Fraction(repr(float(value)))


def _check_heart_rates(*, resting_hr: float, max_hr: float) -> None:
    check_between(resting_hr, "resting_hr", MIN_RESTING_HR, MAX_RESTING_HR, what="bpm")
    check_number(max_hr, "max_hr", what="bpm")
    if max_hr <= resting_hr:
        raise PlannerInputError(
            "max_hr", reason(Code.MAX_BELOW_RESTING, value=max_hr, resting=resting_hr)
        )
    # The same bound a measured maximum must meet: above it the number is a typing slip.
    if max_hr > MAX_MEASURED_MAX_HR:
        raise PlannerInputError(
            "max_hr", reason(Code.AT_MOST_BPM, high=MAX_MEASURED_MAX_HR, value=max_hr)
        )


def _check_fraction(fraction: float, *, field: str) -> None:
    check_number(fraction, field)
    if fraction < 0:
        raise PlannerInputError(field, reason(Code.BELOW_ZERO, value=fraction))
    if fraction > HOME_CEILING:
        raise PlannerInputError(
            field,
            reason(
                Code.ABOVE_HOME_CEILING,
                value=fraction,
                ceiling=HOME_CEILING,
                percent=percent(HOME_CEILING),
            ),
        )
