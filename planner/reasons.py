"""What the planner says to people, as codes with parameters: never as sentences.

The planner has no language. The reason for a weekly review's decision, the guidance after a
red flag, whether the goals fit the caps, and every refusal of its input are each a
``Reason``: a stable ``Code`` and the plain values its sentence needs. The Django side keeps
one message per code (programs/reasons.py), translated, and writes it in the reader's
language; the API gives the code beside the message, so a client can rely on the code while
people read the words.

``PARAMS`` says, for every code, the name and kind of each parameter its message uses. A
``Reason`` is checked against it when it is made, so a message and the values handed to it
can never drift apart unnoticed: tests/programs/test_reasons.py holds every code's message to
the same names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from types import MappingProxyType


class Kind(StrEnum):
    """What a parameter holds, and so how a message writes it."""

    COUNT = "count"  # int: a whole number of things; the message's plural form follows it
    NUMBER = "number"  # int | float: an amount, written the reader's way (70.5, or 70,5)
    PERCENT = "percent"  # int: a whole percentage, 0-100
    DATE = "date"  # datetime.date
    WEEKDAY = "weekday"  # int: 0 (Monday) to 6 (Sunday)
    NAME = "name"  # str: shown as it is (an activity's key, a value as typed)
    NAMES = "names"  # tuple[str, ...]: shown as they are, in a list
    UNIT = "unit"  # str: a dose unit (planner.units.Unit), in the reader's words
    INTENSITY = "intensity"  # str: an intensity band (planner.intensity.IntensityBand)
    RED_FLAGS = "red_flags"  # tuple[str, ...]: red flags (planner.review.RedFlag), in words


class Code(StrEnum):
    """Every sentence the planner can say. A code, once used, keeps its meaning: stored reviews
    and API clients read it. Give a changed meaning a new code."""

    # The weekly review's reasons (planner.review.weekly_review): the decision's first.
    REVIEW_SUPERSEDED = "review.superseded"
    REVIEW_PAUSED = "review.paused"
    REVIEW_RED_FLAG = "review.red_flag"
    REVIEW_GAP_STEP_BACK = "review.gap_step_back"
    REVIEW_GAP_NEW_BASELINE = "review.gap_new_baseline"
    REVIEW_FLARE = "review.flare"
    REVIEW_FLARE_ALERT = "review.flare_alert"
    REVIEW_LOW_ADHERENCE = "review.low_adherence"
    REVIEW_QUOTA_MISSED = "review.quota_missed"
    REVIEW_DOSES_SHORT = "review.doses_short"
    REVIEW_PROGRESS = "review.progress"
    REVIEW_NO_DESENSITIZATION = "review.no_desensitization"

    # The guidance for the patient after red flags (planner.review.red_flag_guidance).
    GUIDANCE_CONTACT_DOCTOR = "guidance.contact_doctor"
    GUIDANCE_CRISIS = "guidance.crisis"
    GUIDANCE_CRISIS_AND_DOCTOR = "guidance.crisis_and_doctor"

    # Whether the goals fit the weekly caps (planner.schedule.Feasibility).
    FEASIBLE = "feasibility.reached"
    NOT_FEASIBLE = "feasibility.not_reached"

    # Refusals of the input (planner.errors.PlannerInputError): what is wrong with a field.
    NOT_A_NUMBER = "input.not_a_number"
    NOT_YEARS = "input.not_years"
    NOT_BPM = "input.not_bpm"
    NOT_WHOLE = "input.not_whole"
    NOT_WHOLE_BPM = "input.not_whole_bpm"
    NOT_WHOLE_WEEKS = "input.not_whole_weeks"
    NOT_BETWEEN = "input.not_between"
    NOT_BETWEEN_YEARS = "input.not_between_years"
    NOT_BETWEEN_BPM = "input.not_between_bpm"
    OUTSIDE = "input.outside"
    WHOLE_BETWEEN = "input.whole_between"
    FROM_ZERO = "input.from_zero"
    NOT_FROM_ZERO = "input.not_from_zero"
    AT_LEAST = "input.at_least"
    AT_MOST_BPM = "input.at_most_bpm"
    NEGATIVE = "input.negative"
    NOT_NEGATIVE = "input.not_negative"
    BELOW_ZERO = "input.below_zero"
    BLANK = "input.blank"
    USED_TWICE = "input.used_twice"
    NOT_A_DATE = "input.not_a_date"
    UNKNOWN_UNIT = "input.unknown_unit"
    UNKNOWN_METHOD = "input.unknown_method"
    NOT_IN_PLAN = "input.not_in_plan"
    TRIALS_NOT_LIST = "input.trials_not_list"
    NO_TRIALS = "input.no_trials"
    TOO_MANY_TRIALS = "input.too_many_trials"
    TRIAL_TOO_LARGE = "input.trial_too_large"
    ALL_TRIALS_ZERO = "input.all_trials_zero"
    DATES_NOT_LIST = "input.dates_not_list"
    DATES_COUNT = "input.dates_count"
    DATE_AFTER = "input.date_after"
    DATE_TOO_OLD = "input.date_too_old"
    TRIALS_SPAN = "input.trials_span"
    FDI_BAND_MISMATCH = "input.fdi_band_mismatch"
    FDI_NOT_LIST = "input.fdi_not_list"
    FDI_COUNT = "input.fdi_count"
    HEART_RATE_RANGE = "input.heart_rate_range"
    OMNI_RANGE = "input.omni_range"
    MEASURED_NEEDED = "input.measured_needed"
    MEASURED_UNUSED = "input.measured_unused"
    FRACTIONS_INVERTED = "input.fractions_inverted"
    NO_WHOLE_BEAT = "input.no_whole_beat"
    MAX_BELOW_RESTING = "input.max_below_resting"
    ABOVE_HOME_CEILING = "input.above_home_ceiling"
    RESERVE_TOO_SMALL = "input.reserve_too_small"
    MORE_THAN_BOUT = "input.more_than_bout"
    START_ABOVE_GOAL = "input.start_above_goal"
    NO_WEEKDAY = "input.no_weekday"
    BAD_WEEKDAY = "input.bad_weekday"
    GOAL_INTENSITY_BELOW = "input.goal_intensity_below"
    START_VIGOROUS = "input.start_vigorous"
    DESENSITIZATION_UNIT = "input.desensitization_unit"
    DESENSITIZATION_TOO_LONG = "input.desensitization_too_long"
    DESENSITIZATION_TIMES = "input.desensitization_times"
    PACE_UNIT = "input.pace_unit"
    NO_ACTIVITIES = "input.no_activities"
    GOAL_BEFORE_START = "input.goal_before_start"
    PROGRAM_TOO_LONG = "input.program_too_long"
    RAMP_START_OUTSIDE = "input.ramp_start_outside"
    DAILY_CAP = "input.daily_cap"
    GOAL_UNREACHABLE = "input.goal_unreachable"
    BEFORE_START = "input.before_start"
    NO_SESSION_YET = "input.no_session_yet"
    BEFORE_WEEK = "input.before_week"
    STEP_HELD_AT_ZERO = "input.step_held_at_zero"
    STEP_ABOVE_HELD = "input.step_above_held"


_COUNT, _NUMBER, _PERCENT, _DATE = Kind.COUNT, Kind.NUMBER, Kind.PERCENT, Kind.DATE
_BETWEEN = {"low": _NUMBER, "high": _NUMBER, "value": _NUMBER}
_WEEK = {"done": _COUNT, "planned": _COUNT, "adherence": _PERCENT}

PARAMS: Mapping[Code, Mapping[str, Kind]] = {
    Code.REVIEW_SUPERSEDED: {},
    Code.REVIEW_PAUSED: {},
    Code.REVIEW_RED_FLAG: {"flags": Kind.RED_FLAGS},
    Code.REVIEW_GAP_STEP_BACK: {"days": _COUNT},
    Code.REVIEW_GAP_NEW_BASELINE: {"days": _COUNT},
    Code.REVIEW_FLARE: _WEEK,
    Code.REVIEW_FLARE_ALERT: {"weeks": _COUNT},
    Code.REVIEW_LOW_ADHERENCE: {**_WEEK, "needed": _PERCENT},
    Code.REVIEW_QUOTA_MISSED: {"met": _COUNT, "window": _COUNT},
    Code.REVIEW_DOSES_SHORT: {
        "full": _COUNT,
        "planned": _COUNT,
        "share": _PERCENT,
        "needed": _PERCENT,
    },
    Code.REVIEW_PROGRESS: _WEEK,
    Code.REVIEW_NO_DESENSITIZATION: {},
    Code.GUIDANCE_CONTACT_DOCTOR: {},
    Code.GUIDANCE_CRISIS: {},
    Code.GUIDANCE_CRISIS_AND_DOCTOR: {},
    Code.FEASIBLE: {"goal_date": _DATE},
    Code.NOT_FEASIBLE: {"goal_date": _DATE, "activities": Kind.NAMES, "earliest": _DATE},
    Code.NOT_A_NUMBER: {},
    Code.NOT_YEARS: {},
    Code.NOT_BPM: {},
    Code.NOT_WHOLE: {},
    Code.NOT_WHOLE_BPM: {},
    Code.NOT_WHOLE_WEEKS: {},
    Code.NOT_BETWEEN: _BETWEEN,
    Code.NOT_BETWEEN_YEARS: _BETWEEN,
    Code.NOT_BETWEEN_BPM: _BETWEEN,
    Code.OUTSIDE: {"low": _NUMBER, "high": _NUMBER},
    Code.WHOLE_BETWEEN: {"low": _NUMBER, "high": _NUMBER},
    Code.FROM_ZERO: {"high": _NUMBER},
    Code.NOT_FROM_ZERO: {"high": _NUMBER, "value": _NUMBER},
    Code.AT_LEAST: {"low": _NUMBER},
    Code.AT_MOST_BPM: {"high": _NUMBER, "value": _NUMBER},
    Code.NEGATIVE: {},
    Code.NOT_NEGATIVE: {},
    Code.BELOW_ZERO: {"value": _NUMBER},
    Code.BLANK: {},
    Code.USED_TWICE: {},
    Code.NOT_A_DATE: {},
    Code.UNKNOWN_UNIT: {"value": Kind.NAME},
    Code.UNKNOWN_METHOD: {"value": Kind.NAME, "offered": Kind.NAMES},
    Code.NOT_IN_PLAN: {"value": Kind.NAME},
    Code.TRIALS_NOT_LIST: {},
    Code.NO_TRIALS: {},
    Code.TOO_MANY_TRIALS: {"most": _COUNT, "count": _COUNT},
    Code.TRIAL_TOO_LARGE: {"value": _NUMBER, "most": _NUMBER, "unit": Kind.UNIT},
    Code.ALL_TRIALS_ZERO: {},
    Code.DATES_NOT_LIST: {},
    Code.DATES_COUNT: {"trials": _COUNT, "count": _COUNT},
    Code.DATE_AFTER: {"date": _DATE},
    Code.DATE_TOO_OLD: {"date": _DATE},
    Code.TRIALS_SPAN: {},
    Code.FDI_BAND_MISMATCH: {"band": Kind.NAME, "total": _NUMBER},
    Code.FDI_NOT_LIST: {"count": _COUNT},
    Code.FDI_COUNT: {"count": _COUNT, "given": _COUNT},
    Code.HEART_RATE_RANGE: {"low": _NUMBER, "high": _NUMBER},
    Code.OMNI_RANGE: {"low": _NUMBER, "high": _NUMBER, "most": _NUMBER},
    Code.MEASURED_NEEDED: {},
    Code.MEASURED_UNUSED: {"method": Kind.NAME},
    Code.FRACTIONS_INVERTED: {"low": _NUMBER, "high": _NUMBER},
    Code.NO_WHOLE_BEAT: {"low": _NUMBER, "high": _NUMBER},
    Code.MAX_BELOW_RESTING: {"value": _NUMBER, "resting": _NUMBER},
    Code.ABOVE_HOME_CEILING: {"value": _NUMBER, "ceiling": _NUMBER, "percent": _PERCENT},
    Code.RESERVE_TOO_SMALL: {"reserve": _NUMBER, "max": _NUMBER, "least": _NUMBER},
    Code.MORE_THAN_BOUT: {"value": _NUMBER, "most": _NUMBER, "unit": Kind.UNIT},
    Code.START_ABOVE_GOAL: {"start": _NUMBER, "goal": _NUMBER},
    Code.NO_WEEKDAY: {},
    Code.BAD_WEEKDAY: {},
    Code.GOAL_INTENSITY_BELOW: {"goal": Kind.INTENSITY, "start": Kind.INTENSITY},
    Code.START_VIGOROUS: {},
    Code.DESENSITIZATION_UNIT: {},
    Code.DESENSITIZATION_TOO_LONG: {"minutes": _NUMBER},
    Code.DESENSITIZATION_TIMES: {"low": _NUMBER, "high": _NUMBER},
    Code.PACE_UNIT: {"unit": Kind.UNIT},
    Code.NO_ACTIVITIES: {},
    Code.GOAL_BEFORE_START: {"goal_date": _DATE, "start_date": _DATE},
    Code.PROGRAM_TOO_LONG: {"weeks": _COUNT},
    Code.RAMP_START_OUTSIDE: {"weeks": _COUNT},
    Code.DAILY_CAP: {"minutes": _NUMBER, "weekday": Kind.WEEKDAY, "cap": _NUMBER},
    Code.GOAL_UNREACHABLE: {"weeks": _COUNT, "earliest": _DATE},
    Code.BEFORE_START: {},
    Code.NO_SESSION_YET: {},
    Code.BEFORE_WEEK: {"week": _COUNT},
    Code.STEP_HELD_AT_ZERO: {},
    Code.STEP_ABOVE_HELD: {"held": _COUNT},
}


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_texts(value: object) -> bool:
    return isinstance(value, tuple) and all(isinstance(item, str) for item in value)


_FITS = {
    Kind.COUNT: _is_whole,
    Kind.NUMBER: lambda value: isinstance(value, int | float) and not isinstance(value, bool),
    Kind.PERCENT: _is_whole,
    Kind.DATE: lambda value: isinstance(value, date),
    Kind.WEEKDAY: lambda value: _is_whole(value) and 0 <= value <= 6,
    Kind.NAME: lambda value: isinstance(value, str),
    Kind.NAMES: _is_texts,
    Kind.UNIT: lambda value: isinstance(value, str),
    Kind.INTENSITY: lambda value: isinstance(value, str),
    Kind.RED_FLAGS: _is_texts,
}


def fits(kind: Kind, value: object) -> bool:
    """Whether ``value`` is a value of ``kind``."""
    return bool(_FITS[kind](value))


@dataclass(frozen=True)
class Reason:
    """One sentence the planner says: its code and the values its message needs, exactly the
    ones ``PARAMS`` names for the code, each of its kind (a mismatch is a bug, and raises
    TypeError when the reason is made)."""

    code: Code
    params: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        code = Code(self.code)
        kinds = PARAMS[code]
        if set(self.params) != set(kinds):
            raise TypeError(f"{code} takes {sorted(kinds)}, not {sorted(self.params)}")
        for name, kind in kinds.items():
            if not fits(kind, self.params[name]):
                raise TypeError(f"{code}: {name} must be a {kind}, not {self.params[name]!r}")
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))

    def __hash__(self) -> int:
        return hash((self.code, tuple(sorted(self.params.items()))))

    def __str__(self) -> str:
        # For logs and tracebacks: people read the message, from the Django side.
        values = ", ".join(f"{name}={value!r}" for name, value in self.params.items())
        return f"{self.code}({values})" if values else str(self.code)


def reason(code: Code, **params: object) -> Reason:
    """``Reason(code, params)``, the parameters named."""
    return Reason(code, params)


def percent(fraction: float) -> int:
    """``fraction`` as a whole percentage, rounded as ``f"{fraction:.0%}"`` would."""
    return round(fraction * 100)
