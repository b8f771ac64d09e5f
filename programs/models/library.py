"""The activity library and the program templates (protocols) built from it."""

from __future__ import annotations

import math

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext, gettext_lazy
from django_stubs_ext import StrOrPromise

from planner import MAX_AMOUNT, ActivityKind, IntensityBand, PlannerInputError, Unit, check_pace
from planner.program import DESENSITIZATION_MAX_MINUTES, DESENSITIZATION_TIMES_PER_DAY
from planner.units import TIMED_UNITS, minutes_per_unit
from programs import reasons
from programs.models.clinic import Clinic


def validate_weekdays(value: object) -> None:
    if (
        not isinstance(value, list)
        or not value
        or len(set(value)) != len(value)
        or not all(isinstance(day, int) and 0 <= day <= 6 for day in value)
    ):
        raise ValidationError(
            gettext("Weekdays are a non-empty list of distinct days, 0 (Monday) to 6 (Sunday).")
        )


KIND_CHOICES = [(kind.value, kind.value.replace("_", " ").capitalize()) for kind in ActivityKind]
UNIT_CHOICES = [(unit.value, unit.value) for unit in Unit]

# A dose's unit in the reader's words, for a message that names an amount.
UNIT_WORDS: dict[str, StrOrPromise] = {
    Unit.MINUTES: gettext_lazy("minutes"),
    Unit.SECONDS: gettext_lazy("seconds"),
    Unit.REPETITIONS: gettext_lazy("repetitions"),
    Unit.METRES: gettext_lazy("metres"),
}


def unit_word(unit: str) -> StrOrPromise:
    return UNIT_WORDS.get(unit, unit)


BAND_CHOICES = [(band.value, band.value.capitalize()) for band in IntensityBand]


MEDIA_KIND_CHOICES = [("image", "Picture"), ("video", "Video")]


def every_day() -> list[int]:
    return list(range(7))


# The fields of a dose that a template gives its program activities, declared once so the two
# keep the same ranges.


def start_fraction_field(help_text: str = "") -> models.FloatField[float, float]:
    return models.FloatField(
        default=0.7,
        validators=[MinValueValidator(0.5), MaxValueValidator(0.9)],
        help_text=help_text,
    )


def quota_field() -> models.PositiveIntegerField[int, int]:
    return models.PositiveIntegerField(validators=[MinValueValidator(1)])


def weekdays_field() -> models.JSONField:
    return models.JSONField(default=every_day, validators=[validate_weekdays])


def times_per_day_field() -> models.PositiveSmallIntegerField[int, int]:
    return models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(6)]
    )


def intensity_field() -> models.CharField[str, str]:
    return models.CharField(
        max_length=10, choices=BAND_CHOICES, default=IntensityBand.MODERATE.value
    )


class Activity(models.Model):
    """An exercise a program can prescribe. ``clinic`` null means the global library."""

    clinic = models.ForeignKey(
        Clinic, null=True, blank=True, on_delete=models.CASCADE, related_name="activities"
    )
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=KIND_CHOICES)
    unit = models.CharField(max_length=20, choices=UNIT_CHOICES)
    impact = models.BooleanField(
        default=False, help_text="Running, jumping, hopping: progresses under the impact cap."
    )
    instructions = models.TextField(blank=True)
    media_url = models.URLField(blank=True)
    # The clinic's own picture or video of the activity (programs.services.media writes it;
    # web/media.py serves it, only to people who may see the activity).
    media_file = models.FileField(upload_to="activities/", blank=True, max_length=200)
    media_kind = models.CharField(max_length=5, choices=MEDIA_KIND_CHOICES, blank=True)
    media_type = models.CharField(max_length=40, blank=True, help_text="Its content type.")
    media_text = models.CharField(
        max_length=300, blank=True, help_text="Alt text for a picture, a caption for a video."
    )
    media_size = models.PositiveIntegerField(null=True, blank=True, help_text="In bytes.")
    metres_per_minute = models.FloatField(
        null=True,
        blank=True,
        help_text="For an activity dosed in metres: how far it goes in a minute, for the daily "
        "home total (50 when blank, an easy walk).",
    )
    seconds_per_repetition = models.FloatField(
        null=True,
        blank=True,
        help_text="For an activity dosed in repetitions: how long one takes, for the daily home "
        "total (5 seconds when blank).",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "activities"
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="activity_name_per_clinic")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # Here rather than in a service so the admin's form gets it too: what the engine
        # would refuse in every program, a desensitization dosed in anything but time or a
        # pace that does not fit the unit or its range.
        if self.kind == ActivityKind.DESENSITIZATION and self.unit not in TIMED_UNITS:
            raise ValidationError(
                {"unit": [gettext("desensitization is dosed in seconds or minutes")]}
            )
        if self.unit in {unit.value for unit in Unit}:
            try:
                check_pace(
                    Unit(self.unit),
                    metres_per_minute=self.metres_per_minute,
                    seconds_per_repetition=self.seconds_per_repetition,
                )
            except PlannerInputError as error:
                raise ValidationError({error.field: [reasons.planner_error(error)]}) from None


class ProgramTemplate(models.Model):
    """A protocol: a named list of activities with default doses. ``clinic`` null is global."""

    clinic = models.ForeignKey(
        Clinic, null=True, blank=True, on_delete=models.CASCADE, related_name="templates"
    )
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    default_weeks = models.PositiveSmallIntegerField(
        default=12, validators=[MinValueValidator(1), MaxValueValidator(104)]
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="template_name_per_clinic")
        ]

    def __str__(self) -> str:
        return self.name


class TemplateActivity(models.Model):
    template = models.ForeignKey(
        ProgramTemplate, on_delete=models.CASCADE, related_name="template_activities"
    )
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(default=0)
    start_fraction = start_fraction_field(
        help_text="Start quota as a fraction of the mean of the baseline trials."
    )
    goal_quota = quota_field()
    weekdays = weekdays_field()
    times_per_day = times_per_day_field()
    goal_intensity = intensity_field()

    class Meta:
        ordering = ["template", "order", "id"]
        verbose_name_plural = "template activities"

    def __str__(self) -> str:
        return f"{self.template}: {self.activity}"

    def clean(self) -> None:
        # Here rather than in a service so the admin's template form gets it too: a template
        # whose goal no program can reach would refuse every program made from it.
        problems: dict[str, list[str]] = {}
        if isinstance(self.start_fraction, float) and not math.isfinite(self.start_fraction):
            problems["start_fraction"] = [gettext("must be a number from 0.5 to 0.9")]
        if self.activity_id is not None and isinstance(self.goal_quota, int):
            unit = self.activity.unit
            limit = MAX_AMOUNT[Unit(unit)]
            if self.goal_quota > limit:
                problems["goal_quota"] = [
                    gettext("must be at most %(limit)s %(unit)s")
                    % {"limit": limit, "unit": unit_word(unit)}
                ]
            if self.activity.kind == ActivityKind.DESENSITIZATION:
                problems.update(self._desensitization_problems())
        if problems:
            raise ValidationError(problems)

    def _desensitization_problems(self) -> dict[str, list[str]]:
        """What the engine would refuse in every program made from the template (DOMAIN.md:
        a few seconds up to 15 minutes, 2-3 times a day)."""
        problems: dict[str, list[str]] = {}
        low, high = DESENSITIZATION_TIMES_PER_DAY
        if isinstance(self.times_per_day, int) and not low <= self.times_per_day <= high:
            problems["times_per_day"] = [
                gettext("desensitization is done %(low)s or %(high)s times a day")
                % {"low": low, "high": high}
            ]
        unit = Unit(self.activity.unit)
        if unit in TIMED_UNITS and self.goal_quota * minutes_per_unit(unit) > (
            DESENSITIZATION_MAX_MINUTES
        ):
            problems["goal_quota"] = [
                gettext("desensitization lasts at most %(minutes)s minutes a time")
                % {"minutes": DESENSITIZATION_MAX_MINUTES}
            ]
        return problems
