"""The program builder's forms.

These forms only turn what was typed into values (numbers, dates, ticked days). The rules a
program must follow are checked where the API checks them: the view runs the staff API's
``ProgramCreateIn`` serializer on the same values, then ``services.program_create`` and the
engine; their errors come back onto the field they name. Bounds shown here (the start
percentage, caps, weeks) are read from those serializers, never restated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_stubs_ext import StrOrPromise

from planner import IntensityBand, MaxHeartRateMethod, Unit
from programs.api.serializers import MAX_TEXT, ActivityChoiceIn, ParametersSerializer
from programs.models import Activity
from programs.services.inputs import FDI_EVERY_WEEKS
from web.labels import UNITS, word

WEEKDAY_CHOICES = [
    ("0", pgettext_lazy("weekday", "Mon")),
    ("1", pgettext_lazy("weekday", "Tue")),
    ("2", pgettext_lazy("weekday", "Wed")),
    ("3", pgettext_lazy("weekday", "Thu")),
    ("4", pgettext_lazy("weekday", "Fri")),
    ("5", pgettext_lazy("weekday", "Sat")),
    ("6", pgettext_lazy("weekday", "Sun")),
]

INTENSITY_CHOICES = [
    (IntensityBand.LIGHT.value, _("Light (30-39% of heart-rate reserve)")),
    (IntensityBand.MODERATE.value, _("Moderate (40-59% of heart-rate reserve)")),
    (IntensityBand.VIGOROUS.value, _("Vigorous (60-89% of heart-rate reserve)")),
]

MAX_HR_CHOICES = [
    (MaxHeartRateMethod.TANAKA.value, _("Tanaka: 208 - 0.7 x age")),
    (MaxHeartRateMethod.GELLISH.value, _("Gellish: 207 - 0.7 x age")),
    (MaxHeartRateMethod.MEASURED.value, _("Measured (enter it below)")),
]

AEROBIC_KINDS = ("aerobic", "hydrotherapy")

# A counted activity's pace: the field of the API's ActivityChoiceIn each unit uses.
PACE_FIELDS = {
    Unit.METRES.value: "metres_per_minute",
    Unit.REPETITIONS.value: "seconds_per_repetition",
}
PACE_LABELS: dict[str, StrOrPromise] = {
    "metres_per_minute": _("Pace (meters a minute)"),
    "seconds_per_repetition": _("Pace (seconds a repetition)"),
}
PACE_DEFAULTS: dict[str, StrOrPromise] = {
    "metres_per_minute": _("the library's, or 50 meters a minute"),
    "seconds_per_repetition": _("the library's, or 5 seconds a repetition"),
}

_CHOICE_FIELDS = ActivityChoiceIn().fields
_PARAMETER_FIELDS = ParametersSerializer().fields


def _bound(serializer_field: Any, name: str) -> Any:
    value = getattr(serializer_field, name)
    assert value is not None, f"{serializer_field.field_name} has no {name}"
    return value


def _percent(fraction: float) -> int:
    return round(fraction * 100)


_TRIALS_FIELD = _CHOICE_FIELDS["baseline_trials"]
MIN_TRIALS: int = _bound(_TRIALS_FIELD, "min_length")
MAX_TRIALS: int = _bound(_TRIALS_FIELD, "max_length")
_FRACTION_FIELD = _CHOICE_FIELDS["start_fraction"]
_TIMES_FIELD = _CHOICE_FIELDS["times_per_day"]


class TrialsField(forms.CharField):
    """One to three tolerance trials typed in one box: "12, 15, 14" or "12 15 14"."""

    default_error_messages = {
        "number": _("Enter the trials as numbers, such as 12, 15, 14."),
        "count": _("Enter from %(low)s to %(high)s trials, separated by commas."),
    }

    def to_python(self, value: Any) -> list[float]:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return []
        parts = [part for part in re.split(r"[,;\s]+", text) if part]
        try:
            trials = [float(part) for part in parts]
        except ValueError:
            raise forms.ValidationError(self.error_messages["number"], code="number") from None
        if not MIN_TRIALS <= len(trials) <= MAX_TRIALS:
            raise forms.ValidationError(
                self.error_messages["count"],
                code="count",
                params={"low": MIN_TRIALS, "high": MAX_TRIALS},
            )
        return trials


def trials_text(trials: list[float]) -> str:
    return ", ".join(f"{trial:g}" for trial in trials)


@dataclass(frozen=True)
class ActivityEntry:
    """One activity the builder offers, with what its fields start from."""

    activity: Activity
    include: bool
    goal_quota: int | None
    start_fraction: float
    weekdays: list[int]
    times_per_day: int
    goal_intensity: str
    baseline_trials: list[float]
    start_intensity: str = "moderate"
    # The day the trials were done, and a counted activity's pace, when known.
    trials_day: date | None = None
    pace: float | None = None

    @property
    def is_aerobic(self) -> bool:
        return self.activity.kind in AEROBIC_KINDS

    @property
    def initial(self) -> dict[str, Any]:
        return {
            "include": self.include,
            "baseline_trials": trials_text(self.baseline_trials),
            "goal_quota": self.goal_quota,
            "start_percent": _percent(self.start_fraction),
            "weekdays": [str(day) for day in self.weekdays],
            "times_per_day": self.times_per_day,
            "goal_intensity": self.goal_intensity,
            "start_intensity": self.start_intensity,
            "trials_day": self.trials_day,
            "pace": self.pace,
        }


class ActivityForm(forms.Form):
    """One activity of the new program."""

    include = forms.BooleanField(required=False)
    baseline_trials = TrialsField(required=False, max_length=200)
    goal_quota = forms.IntegerField(required=False)
    start_percent = forms.IntegerField(
        min_value=_percent(_bound(_FRACTION_FIELD, "min_value")),
        max_value=_percent(_bound(_FRACTION_FIELD, "max_value")),
        label=_("Start at (% of the trials' mean)"),
    )
    weekdays = forms.MultipleChoiceField(
        required=False, choices=WEEKDAY_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    times_per_day = forms.IntegerField(
        min_value=_bound(_TIMES_FIELD, "min_value"),
        max_value=_bound(_TIMES_FIELD, "max_value"),
        label=_("Times a day"),
    )
    start_intensity = forms.ChoiceField(
        choices=INTENSITY_CHOICES[:2],
        required=False,
        label=_("Start intensity"),
        help_text=_("Moderate, or light if you choose; never vigorous at the start."),
    )
    goal_intensity = forms.ChoiceField(
        choices=INTENSITY_CHOICES,
        label=_("Goal intensity"),
        help_text=_("Aerobic work starts moderate; intensity rises only once duration is at goal."),
    )
    trials_day = forms.DateField(
        required=False,
        label=_("Day of the trials"),
        help_text=_("When the trials were done: within four weeks before the start."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    pace = forms.FloatField(required=False)

    def __init__(self, *args: Any, entry: ActivityEntry, **kwargs: Any) -> None:
        kwargs.setdefault("initial", entry.initial)
        super().__init__(*args, **kwargs)
        self.entry = entry
        unit = word(UNITS, entry.activity.unit)
        self.fields["include"].label = _("Include %(name)s") % {"name": entry.activity.name}
        self.fields["baseline_trials"].label = _("Baseline trials (%(unit)s)") % {"unit": unit}
        self.fields["baseline_trials"].help_text = _(
            "From %(low)s to %(high)s tolerance trials, separated by commas."
        ) % {"low": MIN_TRIALS, "high": MAX_TRIALS}
        self.fields["goal_quota"].label = _("Goal quota (%(unit)s)") % {"unit": unit}
        self.fields["weekdays"].label = _("Days")
        if not entry.is_aerobic:
            del self.fields["goal_intensity"]
            del self.fields["start_intensity"]
        pace_name = PACE_FIELDS.get(entry.activity.unit)
        if pace_name is None:
            del self.fields["pace"]
        else:
            self.fields["pace"].label = PACE_LABELS[pace_name]
            self.fields["pace"].help_text = _(
                "How long it takes, for the daily home minutes. Blank: %(default)s."
            ) % {"default": PACE_DEFAULTS[pace_name]}

    @property
    def activity(self) -> Activity:
        return self.entry.activity

    @property
    def error_prefix(self) -> str:
        """What the error summary (web/_form_errors.html) puts before this form's errors."""
        return self.activity.name

    @property
    def included(self) -> bool:
        return bool(self.is_bound and self.is_valid() and self.cleaned_data["include"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("include"):
            if not cleaned.get("baseline_trials") and "baseline_trials" not in self.errors:
                self.add_error(
                    "baseline_trials",
                    _("Enter the baseline trials, or leave this activity out."),
                )
            if cleaned.get("goal_quota") is None and "goal_quota" not in self.errors:
                self.add_error("goal_quota", _("Enter the goal quota."))
        return cleaned

    def choice_data(self) -> dict[str, Any]:
        """What the staff API's ActivityChoiceIn takes, from the cleaned fields."""
        data = self.cleaned_data
        choice: dict[str, Any] = {
            "activity": self.activity.pk,
            "baseline_trials": data["baseline_trials"],
            "goal_quota": data["goal_quota"],
            "start_fraction": data["start_percent"] / 100,
            "weekdays": [int(day) for day in data["weekdays"]],
            "times_per_day": data["times_per_day"],
        }
        if "goal_intensity" in data:
            choice["goal_intensity"] = data["goal_intensity"]
        if data.get("start_intensity"):
            choice["start_intensity"] = data["start_intensity"]
        if data.get("trials_day") is not None and data["baseline_trials"]:
            choice["baseline_dates"] = [data["trials_day"]] * len(data["baseline_trials"])
        pace_name = PACE_FIELDS.get(self.activity.unit)
        if pace_name is not None and data.get("pace") is not None:
            choice[pace_name] = data["pace"]
        return choice


def _parameter_bounds(name: str, *, percent: bool = False) -> dict[str, Any]:
    field = _PARAMETER_FIELDS[name]
    low, high = _bound(field, "min_value"), _bound(field, "max_value")
    if percent:
        return {"min_value": _percent(low), "max_value": _percent(high)}
    return {"min_value": int(low), "max_value": int(high)}


# The program-wide parameters the form offers, and whether each is a percentage of a fraction.
PARAMETER_PERCENT = {
    "daily_minutes_cap": False,
    "non_impact_weekly_cap": True,
    "impact_weekly_cap": True,
    "maintain_weeks": False,
    "taper_weeks": False,
    "max_hr_method": False,
    "measured_max_hr": False,
}


class ProgramForm(forms.Form):
    """The program as a whole: goals, dates, the session time and the engine's caps."""

    goals = forms.CharField(
        max_length=MAX_TEXT,
        label=_("Goals in the patient's own words"),
        help_text=_("Write them as the patient said them, e.g. “Walk to school with my friends.”"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    start_date = forms.DateField(
        label=_("Start date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    goal_date = forms.DateField(
        label=_("Goal date"),
        help_text=_("When every activity should reach its goal quota."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    session_time = forms.TimeField(
        label=_("Usual session time"),
        help_text=_("In the patient's local time."),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    fdi_every_weeks = forms.IntegerField(
        label=_("Everyday activities questions (FDI), every how many weeks"),
        help_text=_("Asked in the first check-in, then this often."),
        required=False,
        min_value=FDI_EVERY_WEEKS[0],
        max_value=FDI_EVERY_WEEKS[1],
    )
    daily_minutes_cap = forms.IntegerField(
        label=_("Daily home minutes, at most"), **_parameter_bounds("daily_minutes_cap")
    )
    non_impact_weekly_cap = forms.IntegerField(
        label=_("Weekly increase cap, non-impact activities (%)"),
        **_parameter_bounds("non_impact_weekly_cap", percent=True),
    )
    impact_weekly_cap = forms.IntegerField(
        label=_("Weekly increase cap, impact activities (%)"),
        help_text=_("Running, jumping, hopping."),
        **_parameter_bounds("impact_weekly_cap", percent=True),
    )
    maintain_weeks = forms.IntegerField(
        label=_("Weeks to maintain at goal"), **_parameter_bounds("maintain_weeks")
    )
    taper_weeks = forms.IntegerField(label=_("Taper weeks"), **_parameter_bounds("taper_weeks"))
    max_hr_method = forms.ChoiceField(label=_("Maximal heart rate"), choices=MAX_HR_CHOICES)
    measured_max_hr = forms.IntegerField(
        required=False,
        label=_("Measured maximal heart rate (beats per minute)"),
        help_text=_("Only with the measured method."),
        **_parameter_bounds("measured_max_hr"),
    )

    def parameters(self, defaults: dict[str, Any]) -> dict[str, Any]:
        """The parameters that differ from ``defaults``, as the engine stores them."""
        chosen: dict[str, Any] = {}
        for name, percent in PARAMETER_PERCENT.items():
            value = self.cleaned_data[name]
            if percent:
                value = value / 100
            if value != defaults.get(name):
                chosen[name] = value
        return chosen

    @staticmethod
    def initial_parameters(parameters: dict[str, Any]) -> dict[str, Any]:
        return {
            name: _percent(parameters[name]) if percent else parameters[name]
            for name, percent in PARAMETER_PERCENT.items()
        }


class ActivateForm(forms.Form):
    me_cfs_considered = forms.BooleanField(
        label=_(
            "I have considered ME/CFS (post-exertional malaise) and excluded it: graded "
            "increases in exercise are contraindicated in ME/CFS."
        ),
        error_messages={
            "required": _(
                "Confirm that you have considered ME/CFS and excluded it before activating."
            )
        },
    )
