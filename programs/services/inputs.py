"""The clinical and physical range of every value a clinician types, and the checks that hold
them. The services call these before anything is saved, so the web pages, the API, the admin
and the tasks all get the same answer: a ValidationError naming the field.

The planner checks what it needs to plan (its own ranges, in planner/); these are the ranges
a person may choose inside them, each with the reason it is where it is. Where a range here
is the engine's rule (marked "engine" below), it is checked here until the planner does.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_stubs_ext import StrOrPromise

from planner import MaxHeartRateMethod
from planner.intensity import MAX_MEASURED_MAX_HR, MIN_MEASURED_MAX_HR

# Free text (goals, reasons): a page of writing. Longer is a paste gone wrong.
MAX_TEXT = 2000

# A program is planned now, for now: a start date more than a year away, either way, is a
# typing slip (the wrong year), and a program started long ago would be planned as missed.
START_DATE_WINDOW_DAYS = 366

# Home sessions happen in a child's waking day. Before 06:00 or after 21:00 a session eats
# into the 9 to 11 hours of sleep a school-age child needs, and its reminders would fall in
# the quiet hours; 03:00 is a slip for 15:00. Whole minutes: nobody plans a second.
EARLIEST_SESSION = time(6, 0)
LATEST_SESSION = time(21, 0)

# The check-in's FDI, once every N weeks after the baseline one (DOMAIN: every 2 weeks by
# default). Every week is the most a 15-question inventory should be asked; beyond 12 weeks
# an outpatient program (6 to 12 weeks) would have no FDI between its first and its end.
FDI_EVERY_WEEKS = (1, 12)

# Heart rate measured in an exercise test (engine, also checked at plan time).
MEASURED_MAX_HR = (MIN_MEASURED_MAX_HR, MAX_MEASURED_MAX_HR)


@dataclass(frozen=True)
class Range:
    """A number a clinician may choose: ``low`` to ``high`` inclusive, in steps of ``step``.
    ``percent`` ranges are fractions shown as percentages; ``integer`` ones must be ints
    (the engine counts weeks and beats in whole numbers, and refuses 3.0)."""

    low: float
    high: float
    step: float
    percent: bool = False
    integer: bool = False

    def shown(self, value: float) -> str:
        if self.percent:
            return f"{value * 100:g}%"
        return f"{value:g}"

    def problem(self, value: object) -> str | None:
        low_high = {"low": self.shown(self.low), "high": self.shown(self.high)}
        if self.integer and not is_whole(value):
            return _("must be a whole number from %(low)s to %(high)s") % low_high
        if not isinstance(value, int | float) or isinstance(value, bool):
            return _("must be a number")
        if not math.isfinite(value):
            return _("must be a number")
        if not self.low <= value <= self.high:
            return _("must be from %(low)s to %(high)s") % low_high
        units = value / self.step
        if abs(units - round(units)) > 1e-6:
            if self.step == 1:
                return _("must be a whole number from %(low)s to %(high)s") % low_high
            return _("must be from %(low)s to %(high)s, in steps of %(step)s") % {
                **low_high,
                "step": self.shown(self.step),
            }
        return None


# The engine's rule parameters a clinician may change per program (programs.engine
# DEFAULT_PARAMETERS holds the defaults). The planner accepts wider ranges; these are the
# clinically sensible ones.
PARAMETER_RANGES: dict[str, Range] = {
    # DOMAIN's defaults are +10% (impact) and +20% (other) a week. Below 1% the "+1 unit when
    # a step is due" rule decides every step anyway; above 30% a dose doubles in under three
    # weeks, which is not graded exposure. Steps of 0.1%: a cap typed with many decimals
    # (0.999999999) is a slip, and rounding it would decide a dose.
    "impact_weekly_cap": Range(0.01, 0.30, 0.001, percent=True),
    "non_impact_weekly_cap": Range(0.01, 0.30, 0.001, percent=True),
    # DOMAIN's default is 60 home minutes a day (the home program after an intensive one is
    # about 45). Under 10 no program fits; above 240 (4 hours) is an intensive day program,
    # which is supervised, not a home plan.
    "daily_minutes_cap": Range(10, 240, 1),
    # DOMAIN's default is 3 weeks at goal. Up to 12 (3 months): longer is a new program, and
    # the 6-month relapse watch follows discharge anyway. 0 is allowed for a short program.
    "maintain_weeks": Range(0, 12, 1, integer=True),
    # Sessions a week step down to one over the taper (default 3 weeks); 12 is the engine's
    # own limit. 0 ends the program at the end of maintenance.
    "taper_weeks": Range(0, 12, 1, integer=True),
    # How far an aerobic range may rise in a week, as a fraction of heart-rate reserve (default
    # 5%). The moderate band is 20 points wide: above 10 points a week a patient would cross a
    # band in a fortnight.
    "intensity_weekly_step": Range(0.01, 0.10, 0.001, percent=True),
    # DOMAIN: progress when adherence >= 80% (default). Under 50% a week mostly missed would
    # count as done. Whole percentages: the review's reason shows them so.
    "adherence_to_progress": Range(0.5, 1.0, 0.01, percent=True),
    # Alert the clinician when adherence falls below this (default 50%). At least 10%: a
    # program that never alerts on low adherence hides a patient who stopped. It must not be
    # above the threshold to progress (checked with the pair).
    "low_adherence_alert": Range(0.1, 0.9, 0.01, percent=True),
    "measured_max_hr": Range(*MEASURED_MAX_HR, 1, integer=True),
}


def is_whole(value: object) -> bool:
    # True is an int to Python, but not a number of minutes.
    return isinstance(value, int) and not isinstance(value, bool)


def refuse(field: str, problem: StrOrPromise) -> ValidationError:
    return ValidationError({field: [problem]})


def at_most_characters(limit: int) -> str:
    return ngettext("at most %(count)s character", "at most %(count)s characters", limit) % {
        "count": limit
    }


def checked_text(
    field: str,
    value: object,
    *,
    required: StrOrPromise | None = None,
    max_length: int = MAX_TEXT,
) -> str:
    """``value`` stripped; ``required`` is the message when it may not be blank."""
    if not isinstance(value, str):
        raise refuse(field, _("must be text"))
    if "\x00" in value:
        # PostgreSQL cannot store it; no keyboard types it.
        raise refuse(field, _("contains a character that cannot be stored"))
    text = value.strip()
    if required is not None and not text:
        raise refuse(field, required)
    if len(text) > max_length:
        raise refuse(
            field,
            _("is %(length)s characters long; at most %(limit)s fit")
            % {"length": len(text), "limit": max_length},
        )
    return text


def checked_date(field: str, value: object) -> date:
    # A datetime is a date to Python, but not a day of a plan.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise refuse(field, _("must be a date"))
    return value


def checked_session_time(value: object) -> time:
    if not isinstance(value, time) or value.tzinfo is not None:
        raise refuse("session_time", _("must be a local time of day, such as 16:30"))
    if value.second or value.microsecond:
        raise refuse("session_time", _("must be in whole minutes, such as 16:30"))
    if not EARLIEST_SESSION <= value <= LATEST_SESSION:
        raise refuse(
            "session_time",
            _("must be from %(earliest)s to %(latest)s, in the patient's waking day")
            % {"earliest": EARLIEST_SESSION.strftime("%H:%M"),
               "latest": LATEST_SESSION.strftime("%H:%M")},
        )  # fmt: skip
    return value


def checked_fdi_every_weeks(value: object) -> int:
    low, high = FDI_EVERY_WEEKS
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise refuse(
            "fdi_every_weeks",
            _("must be a whole number of weeks from %(low)s to %(high)s")
            % {"low": low, "high": high},
        )
    return value


def checked_parameters(parameters: object, defaults: Mapping[str, Any]) -> dict[str, Any]:
    """The program's own parameters, every one within its range and consistent with the
    others in force (``defaults`` fill in those not given)."""
    if parameters is None:
        return {}
    if not isinstance(parameters, Mapping):
        raise refuse("parameters", _("must be a set of named parameters"))
    chosen = dict(parameters)
    unknown = sorted(str(name) for name in set(chosen) - set(defaults))
    if unknown:
        raise refuse(
            "parameters",
            ngettext("unknown parameter: %(names)s", "unknown parameters: %(names)s", len(unknown))
            % {"names": ", ".join(unknown)},
        )
    for name, value in chosen.items():
        if name == "max_hr_method":
            if value not in [method.value for method in MaxHeartRateMethod]:
                offered = ", ".join(method.value for method in MaxHeartRateMethod)
                raise refuse(f"parameters.{name}", _("must be one of %(offered)s") % {
                    "offered": offered})  # fmt: skip
            continue
        if name == "measured_max_hr" and value is None:
            continue
        problem = PARAMETER_RANGES[name].problem(value)
        if problem is not None:
            raise refuse(f"parameters.{name}", problem)
    in_force = {**defaults, **chosen}
    # The method and the measured value must agree when the program is written, not when a
    # plan first needs a heart rate (a patient's resting heart rate may come later).
    measured = in_force["measured_max_hr"]
    if in_force["max_hr_method"] == MaxHeartRateMethod.MEASURED.value and measured is None:
        raise refuse(
            "parameters.measured_max_hr", _("is needed when the maximal heart rate is measured")
        )
    if in_force["max_hr_method"] != MaxHeartRateMethod.MEASURED.value and measured is not None:
        raise refuse(
            "parameters.measured_max_hr",
            _("is only used with the measured method; choose it, or leave this out"),
        )
    if in_force["low_adherence_alert"] > in_force["adherence_to_progress"]:
        raise refuse(
            "parameters.low_adherence_alert",
            _("must not be above the adherence needed to progress (%(progress)s)")
            % {"progress": f"{in_force['adherence_to_progress'] * 100:g}%"},
        )
    return chosen
