"""Who is reminded, how, with whose consent; and the outbox of reminders to send.

The database is the record of what is due and what was sent: Celery and Redis only carry
work the outbox already holds (docs/architecture.md, "The reminder outbox").
"""

from __future__ import annotations

from datetime import time

from django.db import models
from django.db.models import Q

from programs.models import Guardian, Patient, Program, User
from reminders.channels import OutgoingMessage


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"
    PUSH = "push", "Push notification"


# Channels that go to an address of the contact's own, which is verified (push goes to the
# contact's devices instead).
ADDRESS_CHANNELS = ("email", "sms")
# Channels that keep the contact's quiet hours: those that light up a phone at night.
QUIET_CHANNELS = frozenset({"sms", "push"})


def default_lead_times() -> list[dict[str, object]]:
    """The evening before at 19:00 local, and one hour before the session."""
    return [
        {"kind": "evening_before", "at": "19:00"},
        {"kind": "before", "minutes": 60},
    ]


class Contact(models.Model):
    """A person reminders go to about one patient: the patient or one of their guardians.

    ``phone`` is stored in E.164 (+14155550123). A channel is used only once its address is
    verified, consent for it is on record and not withdrawn, and it is not suppressed.
    """

    class Role(models.TextChoices):
        PATIENT = "patient", "Patient"
        GUARDIAN = "guardian", "Guardian"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="reminder_contacts")
    guardian = models.ForeignKey(
        Guardian, null=True, blank=True, on_delete=models.CASCADE, related_name="contacts"
    )
    role = models.CharField(max_length=10, choices=Role.choices)
    name = models.CharField(max_length=120)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=16, blank=True, help_text="E.164, e.g. +14155550123.")
    email_verified_at = models.DateTimeField(null=True, blank=True)
    phone_verified_at = models.DateTimeField(null=True, blank=True)
    phone_code_hash = models.CharField(max_length=128, blank=True)
    phone_code_expires_at = models.DateTimeField(null=True, blank=True)
    phone_code_attempts = models.PositiveSmallIntegerField(default=0)
    # Preferences
    email_enabled = models.BooleanField(default=True)
    sms_enabled = models.BooleanField(default=True)
    lead_times = models.JSONField(default=default_lead_times)
    quiet_start = models.TimeField(default=time(20, 0), help_text="No text messages from...")
    quiet_end = models.TimeField(default=time(9, 0), help_text="...until (local time).")
    paused = models.BooleanField(default=False, help_text="Stop all reminders to this contact.")
    language = models.CharField(max_length=10, default="en")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["patient", "role", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(role="patient"),
                name="one_patient_contact_per_patient",
            ),
            models.UniqueConstraint(
                fields=["patient", "guardian"],
                condition=Q(guardian__isnull=False),
                name="one_contact_per_guardian_and_patient",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()} of {self.patient})"


class Consent(models.Model):
    """Who agreed to reminders on a channel, when, how, and to which wording."""

    class Method(models.TextChoices):
        WEB_FORM = "web_form", "Web form"
        PAPER = "paper", "Signed on paper"
        VERBAL_IN_CLINIC = "verbal_in_clinic", "Said in clinic, recorded by staff"

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    given_by = models.CharField(max_length=120, help_text="The person who agreed.")
    relationship = models.CharField(max_length=40, help_text="e.g. self, mother, legal guardian.")
    method = models.CharField(max_length=20, choices=Method.choices)
    wording = models.TextField(help_text="The exact text they agreed to.")
    recorded_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    given_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-given_at", "-id"]

    def __str__(self) -> str:
        return f"{self.given_by}: {self.channel} on {self.given_at:%Y-%m-%d}"


class Suppression(models.Model):
    """An address we must not message on a channel: our own list, besides the provider's."""

    class Reason(models.TextChoices):
        STOP_KEYWORD = "stop_keyword", "Replied STOP"
        UNSUBSCRIBE = "unsubscribe", "Unsubscribed by email link"
        PERMANENT_FAILURE = "permanent_failure", "Permanent delivery failure"
        MANUAL = "manual", "Added by staff"

    channel = models.CharField(max_length=10, choices=Channel.choices)
    address = models.CharField(
        max_length=500, help_text="E.164 number, email address or push endpoint."
    )
    reason = models.CharField(max_length=20, choices=Reason.choices)
    detail = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "address"], name="one_suppression_per_address"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.address}: {self.reason}"


class PushSubscription(models.Model):
    """A browser's Web Push subscription (RFC 8030) for one contact: where to post, and the
    keys the payload is encrypted to (RFC 8291). One contact may have several devices.

    A push service that answers 404 or 410 has forgotten the subscription: it is deleted.
    """

    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    endpoint = models.URLField(max_length=500, unique=True)
    p256dh = models.CharField(max_length=100, help_text="The browser's P-256 key, base64url.")
    auth = models.CharField(max_length=40, help_text="The browser's auth secret, base64url.")
    created_at = models.DateTimeField(auto_now_add=True)
    last_success_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["contact", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"push subscription {self.pk} of contact {self.contact_id}"

    @property
    def keys(self) -> dict[str, str]:
        return {"p256dh": self.p256dh, "auth": self.auth}


class Reminder(models.Model):
    """One message to send: a row of the outbox.

    A session reminder exists once per (program, session date, contact, channel, lead). Its
    due time is kept as the IANA zone and the local wall time, and ``due_at`` is that wall
    time turned into UTC for this one occurrence, so 17:00 stays 17:00 across a clock change.
    ``not_after`` ends the grace window and is never later than the session's start: a
    reminder still unsent then is expired, never sent late.
    """

    class Kind(models.TextChoices):
        SESSION = "session", "Session reminder"
        MISSED_NUDGE = "missed_nudge", "Nudge after a missed session"
        CHECK_IN_DUE = "check_in_due", "Weekly check-in due"
        RED_FLAG_STAFF = "red_flag_staff", "Red flag, to the therapist"
        ALERT_DIGEST = "alert_digest", "Daily digest of open alerts"
        VERIFICATION = "verification", "Verification code or link"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        CLAIMED = "claimed", "Claimed by a dispatcher"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired unsent"
        CANCELLED = "cancelled", "Cancelled"
        SUPPRESSED = "suppressed", "Suppressed"
        UNKNOWN = "unknown", "Outcome unknown"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="reminders"
    )
    staff_user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="reminders"
    )
    # A push reminder goes to one of the contact's devices; a removed subscription leaves
    # its history with no address.
    push_subscription = models.ForeignKey(
        PushSubscription,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reminders",
    )
    program = models.ForeignKey(
        Program, null=True, blank=True, on_delete=models.CASCADE, related_name="reminders"
    )
    session_date = models.DateField(null=True, blank=True)
    lead = models.CharField(max_length=30, blank=True, help_text="e.g. evening_before, 60m.")
    time_zone = models.CharField(max_length=64)
    local_date = models.DateField(help_text="Wall-clock date the reminder is due, local.")
    local_time = models.TimeField(help_text="Wall-clock time the reminder is due, local.")
    due_at = models.DateTimeField(help_text="local_date + local_time in time_zone, in UTC.")
    not_after = models.DateTimeField(help_text="End of the grace window, UTC.")
    session_starts_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    attempt_started_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the latest provider call began, UTC: where asking the provider whether "
        "it went out starts from.",
    )
    idempotency_key = models.CharField(max_length=80, unique=True)
    provider_message_id = models.CharField(max_length=64, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    context = models.JSONField(default=dict, blank=True, help_text="Values for the message.")
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "session_date", "contact", "channel", "kind", "lead"],
                condition=Q(contact__isnull=False, program__isnull=False) & ~Q(channel="push"),
                name="one_reminder_per_session_contact_channel_lead",
            ),
            # Push: one per device (subscription) rather than one per contact.
            models.UniqueConstraint(
                fields=["program", "session_date", "push_subscription", "kind", "lead"],
                condition=Q(push_subscription__isnull=False, program__isnull=False),
                name="one_push_reminder_per_session_device_lead",
            ),
        ]
        indexes = [
            # The dispatcher's claim: pending rows by due time. Partial, so it stays small
            # however much history the outbox keeps.
            models.Index(
                fields=["due_at"], condition=Q(status="pending"), name="reminder_pending_due"
            ),
            # The reaper: leases of claimed and sending rows.
            models.Index(
                fields=["lease_expires_at"],
                condition=Q(status__in=["claimed", "sending"]),
                name="reminder_lease",
            ),
            models.Index(fields=["program", "session_date"], name="reminder_program_date"),
            models.Index(fields=["provider_message_id"], name="reminder_provider_id"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.channel} due {self.due_at:%Y-%m-%d %H:%M}Z"

    @property
    def address(self) -> str:
        if self.channel == Channel.PUSH:
            subscription = self.push_subscription
            return subscription.endpoint if subscription is not None else ""
        if self.contact is not None:
            return self.contact.email if self.channel == Channel.EMAIL else self.contact.phone
        return self.staff_user.email if self.staff_user is not None else ""

    def message(
        self, *, body: str, subject: str = "", headers: dict[str, str], channel: str = ""
    ) -> OutgoingMessage:
        """This row's message with the text given: to its address, under its idempotency key,
        on its channel unless ``channel`` says otherwise."""
        return OutgoingMessage(
            channel=channel or self.channel,
            to=self.address,
            body=body,
            idempotency_key=self.idempotency_key,
            subject=subject,
            headers=headers,
            keys=self.push_subscription.keys
            if self.channel == Channel.PUSH and self.push_subscription is not None
            else {},
        )


class InboundMessage(models.Model):
    """A text message received from a number (STOP, START, HELP or anything else)."""

    from_number = models.CharField(max_length=16)
    to_number = models.CharField(max_length=16, blank=True)
    body = models.CharField(max_length=1600)
    keyword = models.CharField(max_length=20, blank=True)
    provider_message_id = models.CharField(max_length=64, unique=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.from_number}: {self.keyword or self.body[:20]}"
