"""Input and output shapes of the reminders API (/api/v1/reminders/).

Inputs are checked for shape here; the rules (a mobile number, a lead time's range, one
contact per guardian) live in the services, whose errors name the same fields.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from programs.api.serializers import LocalTimeField, ScopedPrimaryKeyField
from programs.models import Guardian, Patient, User
from programs.selectors import patients_managed_by
from reminders.models import ADDRESS_CHANNELS, Channel, Consent, Contact
from reminders.selectors import channel_state
from reminders.services.contacts import (
    LEAD_MINUTES_MAX,
    LEAD_MINUTES_MIN,
    MAX_LEAD_TIMES,
    at_most_lead_times,
)

# Local wall-clock times ("19:00"); LocalTimeField's schema says so, where "format: time"
# would demand an offset.
WALL_TIME = "%H:%M"


def guardians_managed_by(user: User) -> QuerySet[Guardian]:
    return Guardian.objects.filter(patient_id__in=patients_managed_by(user).values("id"))


class LeadTimeSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(
        choices=["evening_before", "before"],
        help_text='"evening_before": the day before at `at` (local); "before": `minutes` '
        "before the session starts.",
    )
    at = LocalTimeField(
        format=WALL_TIME, required=False, help_text='For "evening_before": 19:00 if left out.'
    )
    minutes = serializers.IntegerField(
        required=False,
        min_value=LEAD_MINUTES_MIN,
        max_value=LEAD_MINUTES_MAX,
        help_text='For "before": minutes before the session starts.',
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["kind"] == "before" and "minutes" not in attrs:
            raise serializers.ValidationError({"minutes": [_('a "before" lead needs minutes')]})
        if attrs["kind"] == "before" and "at" in attrs:
            raise serializers.ValidationError({"at": [_('only an "evening_before" lead has at')]})
        if attrs["kind"] == "evening_before" and "minutes" in attrs:
            raise serializers.ValidationError({"minutes": [_('only a "before" lead has minutes')]})
        return attrs


class ConsentOut(serializers.ModelSerializer[Consent]):
    class Meta:
        model = Consent
        fields = [
            "id",
            "channel",
            "given_by",
            "relationship",
            "method",
            "wording",
            "given_at",
            "withdrawn_at",
        ]


class ChannelStateOut(serializers.Serializer[Any]):
    channel = serializers.ChoiceField(choices=Channel.choices)
    address = serializers.CharField()
    enabled = serializers.BooleanField()
    verified = serializers.BooleanField()
    consented = serializers.BooleanField(help_text="Consent on record and not withdrawn.")
    suppressed = serializers.BooleanField(help_text="Opted out (STOP, unsubscribe) or bounced.")
    ready = serializers.BooleanField(help_text="Reminders go out on this channel now.")


class PreferencesOut(serializers.Serializer[Any]):
    email_enabled = serializers.BooleanField()
    sms_enabled = serializers.BooleanField()
    lead_times = LeadTimeSerializer(many=True)
    quiet_start = LocalTimeField(format=WALL_TIME)
    quiet_end = LocalTimeField(format=WALL_TIME)
    paused = serializers.BooleanField()
    language = serializers.CharField()


class ContactOut(serializers.ModelSerializer[Contact]):
    """A contact as its readers see it. Needs ``suppressed`` in the context (the pairs from
    ``selectors.suppressed_addresses`` for the contacts shown)."""

    email_verified = serializers.SerializerMethodField()
    phone_verified = serializers.SerializerMethodField()
    preferences = serializers.SerializerMethodField()
    channels = serializers.SerializerMethodField()
    consents = ConsentOut(many=True, read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id",
            "patient",
            "role",
            "guardian",
            "name",
            "email",
            "phone",
            "email_verified",
            "phone_verified",
            "preferences",
            "channels",
            "consents",
            "created_at",
        ]

    def get_email_verified(self, contact: Contact) -> bool:
        return bool(contact.email) and contact.email_verified_at is not None

    def get_phone_verified(self, contact: Contact) -> bool:
        return bool(contact.phone) and contact.phone_verified_at is not None

    @extend_schema_field(PreferencesOut)
    def get_preferences(self, contact: Contact) -> dict[str, Any]:
        return dict(
            PreferencesOut(
                {
                    "email_enabled": contact.email_enabled,
                    "sms_enabled": contact.sms_enabled,
                    "lead_times": contact.lead_times,
                    "quiet_start": contact.quiet_start,
                    "quiet_end": contact.quiet_end,
                    "paused": contact.paused,
                    "language": contact.language,
                }
            ).data
        )

    @extend_schema_field(ChannelStateOut(many=True))
    def get_channels(self, contact: Contact) -> list[dict[str, Any]]:
        suppressed = self.context.get("suppressed", set())
        states = [channel_state(contact, channel, suppressed) for channel in ADDRESS_CHANNELS]
        return [
            {
                "channel": state.channel,
                "address": state.address,
                "enabled": state.enabled,
                "verified": state.verified,
                "consented": state.consented,
                "suppressed": state.suppressed,
                "ready": state.ready,
            }
            for state in states
        ]


class QuietHoursNoticeOut(serializers.Serializer[Any]):
    lead = serializers.CharField(
        help_text='The lead time moved: "evening_before", or minutes before as "60m".'
    )
    due = LocalTimeField(format=WALL_TIME, help_text="When the text was asked for (local).")
    arrives = LocalTimeField(
        format=WALL_TIME,
        allow_null=True,
        help_text="When it really arrives (local); null: not at all, since that would be "
        "after the session starts.",
    )
    next_day = serializers.BooleanField(help_text="It arrives the day after it was asked for.")
    message = serializers.CharField(help_text="A sentence that says so, to show as it is.")


class PreferencesSavedOut(ContactOut):
    """The contact as saved, and the text reminders its quiet hours move. Needs
    ``quiet_hours`` (the service's notices) in the context, as well as ``suppressed``."""

    quiet_hours_notices = serializers.SerializerMethodField()

    class Meta(ContactOut.Meta):
        fields = [*ContactOut.Meta.fields, "quiet_hours_notices"]

    @extend_schema_field(QuietHoursNoticeOut(many=True))
    def get_quiet_hours_notices(self, contact: Contact) -> list[dict[str, Any]]:
        notices = self.context.get("quiet_hours", [])
        return [dict(item) for item in QuietHoursNoticeOut(notices, many=True).data]


class PreferencesIn(serializers.Serializer[Any]):
    """Every field is optional: what is left out stays as it is."""

    email_enabled = serializers.BooleanField(required=False)
    sms_enabled = serializers.BooleanField(required=False)
    lead_times = LeadTimeSerializer(
        many=True,
        required=False,
        help_text=f"At most {MAX_LEAD_TIMES}; replaces the lead times. An empty list: no "
        "session reminders.",
    )
    quiet_start = LocalTimeField(
        required=False, help_text="No text messages from this local time... (20:00 default)"
    )
    quiet_end = LocalTimeField(
        required=False, help_text="...until this one (09:00 default). Equal: no quiet hours."
    )
    paused = serializers.BooleanField(required=False, help_text="Stop every reminder.")
    language = serializers.CharField(required=False, max_length=10)

    def validate_lead_times(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if len(value) > MAX_LEAD_TIMES:
            raise serializers.ValidationError(at_most_lead_times())
        # The service takes the stored form: "at" as "HH:MM".
        return [
            {**lead, "at": lead["at"].strftime(WALL_TIME)} if "at" in lead else lead
            for lead in value
        ]


class ContactCreateIn(serializers.Serializer[Any]):
    patient = ScopedPrimaryKeyField(scope=patients_managed_by, model=Patient)
    role = serializers.ChoiceField(choices=Contact.Role.choices)
    guardian = ScopedPrimaryKeyField(
        scope=guardians_managed_by,
        model=Guardian,
        required=False,
        allow_null=True,
        help_text="For a guardian's contact: one of the patient's guardians.",
    )
    name = serializers.CharField(
        max_length=120, required=False, allow_blank=True, help_text="The person's name if blank."
    )
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    phone = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        help_text="A mobile number; stored in E.164. Without a country code it is read in the "
        "patient's country.",
    )
    language = serializers.CharField(
        max_length=10,
        required=False,
        help_text="en or es. When not given, the person's own language (their account's), else en.",
    )


class ContactUpdateIn(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=120, required=False)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)


class StaffConsentIn(serializers.Serializer[Any]):
    channel = serializers.ChoiceField(choices=Channel.choices)
    given_by = serializers.CharField(max_length=120, help_text="The person who agreed.")
    relationship = serializers.CharField(
        max_length=40, help_text="How they relate to the patient: self, mother, legal guardian."
    )
    method = serializers.ChoiceField(choices=Consent.Method.choices)
    given_at = serializers.DateTimeField(
        required=False, help_text="When they agreed (a paper form signed earlier); now if left out."
    )


class ChannelIn(serializers.Serializer[Any]):
    channel = serializers.ChoiceField(choices=Channel.choices)


class CodeIn(serializers.Serializer[Any]):
    code = serializers.CharField(max_length=12, help_text="The six digits sent by text message.")


class TokenIn(serializers.Serializer[Any]):
    token = serializers.CharField(max_length=500, help_text="From the link in the email.")


class VerificationOut(serializers.Serializer[Any]):
    channel = serializers.ChoiceField(choices=Channel.choices)
    to = serializers.CharField(help_text="Where the code or link went.")
    expires_at = serializers.DateTimeField()


class ConsentWordingOut(serializers.Serializer[Any]):
    email = serializers.CharField()
    sms = serializers.CharField()
