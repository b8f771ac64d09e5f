"""What happened: session logs, check-ins, weekly reviews, alerts and the audit trail."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from planner import AlertKind, Decision, SessionStatus
from programs import reasons
from programs.models.clinic import Patient, User, optional_user
from programs.models.plans import PlannedSession, Program, ProgramActivity, reason_codes_field


class SessionLog(models.Model):
    STATUS_CHOICES = [(status.value, status.value.capitalize()) for status in SessionStatus]

    session = models.OneToOneField(PlannedSession, on_delete=models.CASCADE, related_name="log")
    status = models.CharField(max_length=10, choices=STATUS_CHOICES)
    note = models.TextField(blank=True)
    logged_by = optional_user()
    logged_at = models.DateTimeField(auto_now=True)
    submission_key = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text=(
            "The one-time key of the form the log came from: a log sent again (a phone that "
            "was offline sending what it kept, a double tap) is saved once."
        ),
    )
    whole_day_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=(
            "When the whole day was last logged at once (the log form, the API's log), as "
            "opposed to rebuilt from the guided session's bouts: a bout from a form shown "
            "before it gives way to it."
        ),
    )

    class Meta:
        ordering = ["-session__date"]
        constraints = [
            # Two sends of one form, even at the same moment, make one log.
            models.UniqueConstraint(
                fields=["submission_key"],
                condition=~models.Q(submission_key=""),
                name="one_session_log_per_form",
            )
        ]

    def __str__(self) -> str:
        return f"{self.session}: {self.status}"


class ActivityLog(models.Model):
    session_log = models.ForeignKey(SessionLog, on_delete=models.CASCADE, related_name="results")
    program_activity = models.ForeignKey(
        ProgramActivity, on_delete=models.CASCADE, related_name="+"
    )
    amount = models.PositiveIntegerField()
    exertion = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(10)],
        help_text="Children's OMNI scale, 0-10.",
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["session_log", "program_activity__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["session_log", "program_activity"], name="one_result_per_activity"
            )
        ]

    def __str__(self) -> str:
        return f"{self.amount} of {self.program_activity.name}"


class BoutLog(models.Model):
    """One bout of a dose logged on its own in the guided session: "3 times a day" is three
    rows, each saved when it is done. The day's ActivityLog is rebuilt from them
    (programs/services/guided.py): the amount each time is their total shared over the
    planned bouts, so a quota is met exactly when every bout's share of it was done."""

    session = models.ForeignKey(PlannedSession, on_delete=models.CASCADE, related_name="bouts")
    program_activity = models.ForeignKey(
        ProgramActivity, on_delete=models.CASCADE, related_name="+"
    )
    number = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(6)],
        help_text="Which bout of the day, 1 to the dose's times a day.",
    )
    amount = models.PositiveIntegerField()
    exertion = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(10)], help_text="OMNI, 0-10."
    )
    logged_by = optional_user()
    logged_at = models.DateTimeField(auto_now=True)
    submission_key = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text=(
            "The one-time key of the form this save of the bout came from: the same save sent "
            "again (a phone that was offline sending what it kept, a double tap) is saved once."
        ),
    )

    class Meta:
        ordering = ["session", "program_activity__order", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "program_activity", "number"], name="one_log_per_bout"
            ),
            # Two sends of one form, even at the same moment, make one save.
            models.UniqueConstraint(
                fields=["submission_key"],
                condition=~models.Q(submission_key=""),
                name="one_bout_log_per_form",
            ),
        ]

    def __str__(self) -> str:
        return f"bout {self.number}: {self.amount}"


class Milestone(models.Model):
    """A point on the way to the goal, stored when it is reached and celebrated once: the
    finish screen shows it while ``shown_at`` is empty, and fills it."""

    class Kind(models.TextChoices):
        FIRST_FULL_WEEK = "first_full_week", _("First full week")
        HALFWAY = "halfway", _("Halfway")
        GOAL_REACHED = "goal_reached", _("Goal reached")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="milestones")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    reached_on = models.DateField(help_text="The day of the session that reached it.")
    shown_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["program", "reached_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["program", "kind"], name="one_milestone_of_a_kind")
        ]

    def __str__(self) -> str:
        return f"{self.program}: {self.kind}"


class CheckIn(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="check_ins")
    program = models.ForeignKey(
        Program, null=True, blank=True, on_delete=models.SET_NULL, related_name="check_ins"
    )
    date = models.DateField(help_text="The patient's local date of the check-in.")
    submitted_by = optional_user()
    submitted_at = models.DateTimeField(auto_now_add=True)
    submission_key = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text="The one-time key of the web form it came from: a form sent twice saves once.",
    )
    fdi_answers = models.JSONField(null=True, blank=True)
    fdi_total = models.PositiveSmallIntegerField(null=True, blank=True)
    fdi_band = models.CharField(max_length=20, blank=True)
    sleep_hours = models.DecimalField(
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(24)],
    )
    sleep_quality = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    mood = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    school_days_attended = models.PositiveSmallIntegerField(null=True, blank=True)
    school_days_scheduled = models.PositiveSmallIntegerField(null=True, blank=True)
    flare = models.BooleanField(default=False)
    red_flags = models.JSONField(default=list, blank=True)
    pain = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(10)],
        help_text="Recorded if offered; it never changes a dose.",
    )

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["patient", "-date"])]
        constraints = [
            # Two sends of one form (even at the same moment) cannot both be saved.
            models.UniqueConstraint(
                fields=["patient", "submission_key"],
                condition=~models.Q(submission_key=""),
                name="one_check_in_per_form",
            )
        ]

    def __str__(self) -> str:
        return f"{self.patient} check-in {self.date}"


class WeeklyReview(models.Model):
    class Trigger(models.TextChoices):
        SCHEDULED = "scheduled", _("End of the week")
        RED_FLAG = "red_flag", _("Red flag")

    DECISION_CHOICES = [(decision.value, decision.value.replace("_", " ")) for decision in Decision]

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="reviews")
    week = models.PositiveSmallIntegerField()
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    decision = models.CharField(max_length=20, choices=DECISION_CHOICES)
    reason = models.TextField(help_text="Why, in US English as it was stored.")
    reason_codes = reason_codes_field("Why")
    step = models.PositiveSmallIntegerField()
    next_step = models.PositiveSmallIntegerField()
    adherence = models.FloatField()
    sessions_planned = models.PositiveSmallIntegerField()
    sessions_done = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-week", "-created_at"]
        constraints = [
            # The end-of-week review runs once per week, however often beat fires.
            models.UniqueConstraint(
                fields=["program", "week"],
                condition=models.Q(trigger="scheduled"),
                name="one_scheduled_review_per_week",
            )
        ]

    def __str__(self) -> str:
        return f"{self.program} week {self.week}: {self.decision}"

    @property
    def reason_text(self) -> str:
        """Why, in the active language."""
        return reasons.stored_text(self.reason_codes, self.reason)


class Alert(models.Model):
    KIND_CHOICES = [(kind.value, kind.value.replace("_", " ")) for kind in AlertKind]
    # Most serious first, for the inbox.
    SEVERITY = {
        AlertKind.SELF_HARM.value: 4,
        AlertKind.RED_FLAG.value: 3,
        AlertKind.PERSISTENT_FLARE.value: 2,
        AlertKind.NO_ACTIVITY.value: 1,
        AlertKind.LOW_ADHERENCE.value: 1,
    }

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="alerts")
    program = models.ForeignKey(
        Program, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    kind = models.CharField(max_length=20, choices=KIND_CHOICES)
    severity = models.PositiveSmallIntegerField(default=1)
    message = models.TextField(help_text="What happened, in US English as it was stored.")
    message_codes = reason_codes_field("What happened")
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_by = optional_user()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledgement_note = models.TextField(
        blank=True,
        help_text="What was done, in the acknowledging clinician's words (required for "
        "thoughts of self-harm).",
    )

    class Meta:
        ordering = ["-severity", "-created_at", "-id"]
        indexes = [models.Index(fields=["patient", "acknowledged_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.patient}"

    @property
    def message_text(self) -> str:
        """What happened, in the active language."""
        return reasons.stored_text(self.message_codes, self.message)

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None


class AuditEvent(models.Model):
    """A staff member read or changed a patient's record.

    The trail outlives the record: deleting a patient (to erase it, say) empties ``patient``
    and keeps ``patient_ref`` and ``patient_name``, so an auditor can still tell whose record
    was read, by whom and when, rather than the history going with the patient.
    """

    class Action(models.TextChoices):
        READ = "read", _("Read")
        CHANGE = "change", _("Change")

    actor = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    patient = models.ForeignKey(
        Patient, null=True, on_delete=models.SET_NULL, related_name="audit_events"
    )
    patient_ref = models.PositiveBigIntegerField(
        db_index=True, help_text="The patient's id, kept after the patient is deleted."
    )
    patient_name = models.CharField(
        max_length=200, help_text="The patient's name when the event happened."
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    what = models.CharField(max_length=200)
    detail = models.TextField(blank=True, help_text="A note that came with the change.")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["patient", "-at"])]

    def __str__(self) -> str:
        return f"{self.actor} {self.action} {self.what}"
