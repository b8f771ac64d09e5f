"""Programs, their activities and revisions, and the planned sessions the engine produced."""

from __future__ import annotations

from datetime import time
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from planner import Phase
from programs import reasons
from programs.models.clinic import Patient, optional_user
from programs.models.library import (
    KIND_CHOICES,
    UNIT_CHOICES,
    Activity,
    ProgramTemplate,
    intensity_field,
    quota_field,
    start_fraction_field,
    times_per_day_field,
    weekdays_field,
)

PHASE_CHOICES = [(phase.value, phase.value.capitalize()) for phase in Phase]


def reason_codes_field(what: str) -> models.JSONField[Any, Any]:
    """A reason as its codes with parameters (programs.reasons), to write in the reader's
    language; empty for a row stored before codes were, which shows its text instead."""
    return models.JSONField(
        default=list,
        blank=True,
        help_text=f"{what}, as codes with parameters (programs.reasons), written in the "
        "reader's language; empty for rows stored before them.",
    )


# DOMAIN: the FDI is asked at baseline and every 2 weeks (default); programs.services.inputs
# holds the range a clinician may choose.
DEFAULT_FDI_EVERY_WEEKS = 2


class Program(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        MAINTENANCE = "maintenance", _("Maintenance")
        TAPERING = "tapering", _("Tapering")
        DISCHARGED = "discharged", _("Discharged")

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="programs")
    template = models.ForeignKey(
        ProgramTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    goals = models.TextField(help_text="The goals in the patient's own words.")
    start_date = models.DateField()
    goal_date = models.DateField(help_text="The goal date the clinician asked for.")
    session_time = models.TimeField(
        default=time(16, 30),
        help_text="When the day's session usually starts, in the patient's local time.",
    )
    fdi_every_weeks = models.PositiveSmallIntegerField(
        default=DEFAULT_FDI_EVERY_WEEKS,
        help_text="The check-in asks the FDI at baseline, then once every this many weeks.",
    )
    planned_goal_date = models.DateField(
        null=True, blank=True, help_text="The date the schedule reaches every goal."
    )
    ramp_start = models.DateField(
        null=True,
        blank=True,
        help_text="The day a new baseline restarted the ramp; blank while it runs from the "
        "start date.",
    )
    discharge_date = models.DateField(null=True, blank=True)
    parameters = models.JSONField(
        default=dict, blank=True, help_text="The engine's rule parameters (caps, phases)."
    )
    paused_reason = models.TextField(
        blank=True, help_text="Why the program is paused, in US English as it was stored."
    )
    paused_reason_codes = reason_codes_field("Why the program is paused")
    me_cfs_confirmed_by = optional_user()
    me_cfs_confirmed_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    discharged_at = models.DateTimeField(null=True, blank=True)
    created_by = optional_user()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["patient", "status"])]

    def __str__(self) -> str:
        return f"{self.patient} from {self.start_date}"

    @property
    def paused_reason_text(self) -> str:
        """Why the program is paused, in the active language."""
        return reasons.stored_text(self.paused_reason_codes, self.paused_reason)

    @property
    def is_running(self) -> bool:
        """Sessions are being followed: anything but a draft or a discharged program."""
        return self.status not in (self.Status.DRAFT, self.Status.DISCHARGED)


class ProgramActivity(models.Model):
    """One activity of a program with its own quota, copied from the library when chosen."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="activities")
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="+")
    key = models.SlugField(max_length=60)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=KIND_CHOICES)
    unit = models.CharField(max_length=20, choices=UNIT_CHOICES)
    impact = models.BooleanField(default=False)
    order = models.PositiveSmallIntegerField(default=0)
    baseline_trials = models.JSONField(default=list, blank=True)
    baseline_dates = models.JSONField(
        default=list, blank=True, help_text="The days of the trials (ISO dates), when given."
    )
    metres_per_minute = models.FloatField(null=True, blank=True)
    seconds_per_repetition = models.FloatField(null=True, blank=True)
    start_fraction = start_fraction_field()
    start_quota = quota_field()
    goal_quota = quota_field()
    weekdays = weekdays_field()
    times_per_day = times_per_day_field()
    start_intensity = intensity_field()
    goal_intensity = intensity_field()

    class Meta:
        ordering = ["program", "order", "id"]
        verbose_name_plural = "program activities"
        constraints = [
            models.UniqueConstraint(fields=["program", "key"], name="activity_key_per_program")
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.start_quota} to {self.goal_quota} {self.unit}"


class ProgramRevision(models.Model):
    """Every change to a program: who or what made it, why, and the parameters after it."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    actor = optional_user()
    actor_label = models.CharField(
        max_length=60, help_text="Who or what made the change, e.g. 'weekly review'."
    )
    reason = models.TextField(help_text="Why, in US English as it was stored.")
    reason_codes = reason_codes_field("Why")
    snapshot = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["program", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "number"], name="revision_number_per_program"
            )
        ]

    def __str__(self) -> str:
        return f"{self.program} revision {self.number}"

    @property
    def reason_text(self) -> str:
        """Why, in the active language."""
        return reasons.stored_text(self.reason_codes, self.reason)


class PlannedSession(models.Model):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="sessions")
    date = models.DateField()
    week = models.PositiveSmallIntegerField()
    step = models.PositiveSmallIntegerField()
    phase = models.CharField(max_length=10, choices=PHASE_CHOICES)

    class Meta:
        ordering = ["program", "date"]
        constraints = [
            models.UniqueConstraint(fields=["program", "date"], name="one_session_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.program.patient} on {self.date}"


class PlannedDose(models.Model):
    session = models.ForeignKey(PlannedSession, on_delete=models.CASCADE, related_name="doses")
    program_activity = models.ForeignKey(
        ProgramActivity, on_delete=models.CASCADE, related_name="doses"
    )
    amount = models.PositiveIntegerField()
    unit = models.CharField(max_length=20, choices=UNIT_CHOICES)
    times_per_day = models.PositiveSmallIntegerField(default=1)
    heart_rate_low = models.PositiveSmallIntegerField(null=True, blank=True)
    heart_rate_high = models.PositiveSmallIntegerField(null=True, blank=True)
    exertion_low = models.PositiveSmallIntegerField(null=True, blank=True)
    exertion_high = models.PositiveSmallIntegerField(null=True, blank=True)
    reserve_low = models.FloatField(null=True, blank=True)
    reserve_high = models.FloatField(null=True, blank=True)
    override_reason = models.TextField(
        blank=True, help_text="Set when a clinician changed this dose by hand."
    )

    class Meta:
        ordering = ["session", "program_activity__order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "program_activity"], name="one_dose_per_activity_and_session"
            )
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.unit}"
