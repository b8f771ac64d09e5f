"""Invitations: a link a clinic's staff hand to a patient or a guardian, to create their
account (or link an existing one) and connect it to the patient's record."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from programs.models.clinic import Clinic, Guardian, Patient, User, optional_user


class Invitation(models.Model):
    """Single use and short-lived. Only a SHA-256 of the link's token is kept, so the
    database (or a backup of it) cannot be used to accept anyone's invitation."""

    class Role(models.TextChoices):
        PATIENT = "patient", _("The patient")
        GUARDIAN = "guardian", _("A parent or guardian")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="invitations")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(max_length=10, choices=Role.choices)
    guardian = models.ForeignKey(
        Guardian,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="invitations",
        help_text="The guardian record a guardian's invitation links the account to.",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    email = models.EmailField(blank=True)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = optional_user()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["clinic", "expires_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role="patient", guardian__isnull=True)
                | models.Q(role="guardian", guardian__isnull=False),
                name="invitation_guardian_only_for_guardians",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} invitation for {self.patient} ({self.status()})"

    def status(self, now: datetime | None = None) -> str:
        if self.accepted_at is not None:
            return self.Status.ACCEPTED
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.expires_at <= (now or timezone.now()):
            return self.Status.EXPIRED
        return self.Status.PENDING

    def is_pending(self, now: datetime | None = None) -> bool:
        return self.status(now) == self.Status.PENDING

    @property
    def invitee_name(self) -> str:
        """Who the invitation is for: the guardian's name, or the patient's."""
        if self.guardian is not None:
            return f"{self.guardian.first_name} {self.guardian.last_name}"
        return self.patient.full_name
