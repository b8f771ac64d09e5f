"""The forms of the reminder settings pages. They check what a person typed; the rules about
addresses, lead times and consent stay in reminders.services, whose ValidationErrors come back
here through ``add_service_errors`` as errors on the field they name."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import time
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from reminders.models import Channel
from reminders.phones import normalize_phone
from reminders.services import CONSENT_WORDING
from reminders.services.contacts import MAX_LEAD_TIMES

TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")

# The "before the session" times offered; a contact's own other times (set through the API
# or by the clinic) are offered too, so saving the form never drops them.
BEFORE_MINUTES = (15, 30, 60, 120)

# Which form field a service's error key belongs to.
SERVICE_FIELDS = {
    "role": "who",
    "guardian": "who",
    "lead_times": "before",
    "quiet_start": "quiet_start",
    "quiet_end": "quiet_end",
}


def minutes_label(minutes: int) -> str:
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(count)d hour before", "%(count)d hours before", hours) % {"count": hours}
    return ngettext("%(count)d minute before", "%(count)d minutes before", minutes) % {
        "count": minutes
    }


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form field it names (or on the form)."""
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, _sentence(message))
        return
    for key, messages in error.message_dict.items():
        base = key.split("[", 1)[0].split(".", 1)[0]
        name = SERVICE_FIELDS.get(base, base)
        for message in messages:
            if name in form.fields:
                form.add_error(name, _sentence(message))
            else:
                form.add_error(None, _sentence(message))


def _sentence(message: str) -> str:
    """The services word some errors as the end of a sentence ("is not the code we sent");
    a form shows each as a sentence of its own ("This is not the code we sent.")."""
    message = message.strip()
    if not message:
        return message
    if message.split(" ", 1)[0] in {"is", "has", "was", "must", "repeats"}:
        message = f"This {message}"
    message = message[0].upper() + message[1:]
    if message[-1] not in ".!?":
        message += "."
    return message


def _consent_field(channel: str) -> forms.BooleanField:
    label = (
        _("I agree to get reminder emails")
        if channel == Channel.EMAIL
        else _("I agree to get reminder text messages")
    )
    # The wording is what the consent record keeps, word for word, so it is shown as it is,
    # in the page's language (lazy: the form class is built once, before any request).
    return forms.BooleanField(
        label=label, required=False, help_text=CONSENT_WORDING[Channel(channel)]
    )


class AddressesForm(forms.Form):
    """An email address and a mobile number, with consent for each new channel."""

    email = forms.EmailField(
        label=_("Email address"),
        required=False,
        max_length=254,
        error_messages={"invalid": _("Enter an email address such as name@example.com.")},
    )
    phone = forms.CharField(
        label=_("Mobile number"),
        required=False,
        max_length=32,
        help_text=_(
            "For text messages. Add the country code if the number is not from the US, "
            "for example +44 7700 900123."
        ),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    email_consent = _consent_field(Channel.EMAIL)
    sms_consent = _consent_field(Channel.SMS)

    def __init__(
        self, *args: Any, consented: Iterable[str] = (), region: str = "US", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.region = region
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        # A channel agreed to already needs no box ticked again.
        self.consented = set(consented)
        if Channel.EMAIL in self.consented:
            del self.fields["email_consent"]
        if Channel.SMS in self.consented:
            del self.fields["sms_consent"]

    def clean_phone(self) -> str:
        """Checked here too, so a wrong number shows with the other errors at once; the
        service checks it again (the same function) when it saves."""
        phone = str(self.cleaned_data.get("phone") or "").strip()
        if phone:
            try:
                normalize_phone(phone, self.region)
            except ValidationError as error:
                raise ValidationError(error.message_dict.get("phone", error.messages)) from None
        return phone

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # What was typed, valid or not: a wrong address still needs its box ticked, and
        # saying both at once saves a second try.
        email = data.get("email") or str(self.data.get(self.add_prefix("email"), "")).strip()
        phone = data.get("phone") or str(self.data.get(self.add_prefix("phone"), "")).strip()
        if not email and not phone and not self.errors:
            self.add_error("email", _("Give an email address or a mobile number (or both)."))
        if email and "email_consent" in self.fields and not data.get("email_consent"):
            self.add_error("email_consent", _("Tick this box to get reminders by email."))
        if phone and "sms_consent" in self.fields and not data.get("sms_consent"):
            self.add_error("sms_consent", _("Tick this box to get reminders by text message."))
        return data

    def new_consents(self) -> list[str]:
        """The channels this form's person agreed to just now, for the addresses given."""
        channels = []
        if self.cleaned_data.get("email") and self.cleaned_data.get("email_consent"):
            channels.append(Channel.EMAIL.value)
        if self.cleaned_data.get("phone") and self.cleaned_data.get("sms_consent"):
            channels.append(Channel.SMS.value)
        return channels


class AddContactForm(AddressesForm):
    """A new contact: whose it is (when there is a choice), and its addresses."""

    who = forms.ChoiceField(label=_("Who gets these reminders?"), widget=forms.RadioSelect)

    field_order = ["who", "email", "email_consent", "phone", "sms_consent"]

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choices = choices
        who = self.fields["who"]
        assert isinstance(who, forms.ChoiceField)
        who.choices = choices
        if len(choices) == 1:
            # Nothing to choose: the page says whose contact it adds.
            del self.fields["who"]

    def role(self) -> str:
        return str(self.cleaned_data.get("who") or self.choices[0][0])


class PreferencesForm(forms.Form):
    """How and when a contact's reminders come, and the quiet hours for text messages and
    push notifications."""

    email_enabled = forms.BooleanField(label=_("Email reminders"), required=False)
    sms_enabled = forms.BooleanField(label=_("Text message reminders"), required=False)
    evening_before = forms.BooleanField(label=_("The evening before"), required=False)
    evening_at = forms.TimeField(
        label=_("Evening reminder time"),
        required=False,
        widget=TIME_INPUT,
        help_text=_("For example 19:00."),
        error_messages={"invalid": _("Enter a time such as 19:00.")},
    )
    before = forms.TypedMultipleChoiceField(
        label=_("Before the session"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    quiet_start = forms.TimeField(
        label=_("Quiet hours start"),
        widget=TIME_INPUT,
        error_messages={
            "invalid": _("Enter a time such as 20:00."),
            "required": _("Enter when quiet hours start, such as 20:00."),
        },
    )
    quiet_end = forms.TimeField(
        label=_("Quiet hours end"),
        widget=TIME_INPUT,
        help_text=_(
            "No text messages or notifications between these times, your local time. The "
            "same time twice means no quiet hours."
        ),
        error_messages={
            "invalid": _("Enter a time such as 09:00."),
            "required": _("Enter when quiet hours end, such as 09:00."),
        },
    )

    def __init__(
        self, *args: Any, channels: Iterable[str], own_minutes: Iterable[int] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        before = self.fields["before"]
        assert isinstance(before, forms.TypedMultipleChoiceField)
        offered = sorted(set(BEFORE_MINUTES) | set(own_minutes))
        before.choices = [(minutes, minutes_label(minutes)) for minutes in offered]
        # Only a channel with an address can be switched on here.
        channels = set(channels)
        if Channel.EMAIL not in channels:
            del self.fields["email_enabled"]
        if Channel.SMS not in channels:
            del self.fields["sms_enabled"]

    @staticmethod
    def initial_for(contact: Any) -> dict[str, Any]:
        evening = next(
            (lead for lead in contact.lead_times if lead.get("kind") == "evening_before"), None
        )
        return {
            "email_enabled": contact.email_enabled,
            "sms_enabled": contact.sms_enabled,
            "evening_before": evening is not None,
            "evening_at": time.fromisoformat(evening.get("at", "19:00")) if evening else time(19),
            "before": [
                lead["minutes"] for lead in contact.lead_times if lead.get("kind") == "before"
            ],
            "quiet_start": contact.quiet_start,
            "quiet_end": contact.quiet_end,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("evening_before")
            and data.get("evening_at") is None
            and "evening_at" not in self.errors
        ):
            self.add_error("evening_at", _("Enter a time for the evening reminder."))
        before = data.get("before") or []
        if not data.get("evening_before") and not before and "before" not in self.errors:
            self.add_error(
                "before",
                _(
                    "Choose at least one time. To get no reminders at all, use "
                    "“Stop all reminders” instead."
                ),
            )
        if len(before) + (1 if data.get("evening_before") else 0) > MAX_LEAD_TIMES:
            self.add_error(
                "before",
                _("Choose at most %(count)d times in all.") % {"count": MAX_LEAD_TIMES},
            )
        return data

    def lead_times(self) -> list[Mapping[str, Any]]:
        leads: list[Mapping[str, Any]] = []
        if self.cleaned_data.get("evening_before"):
            at = self.cleaned_data["evening_at"]
            leads.append({"kind": "evening_before", "at": at.strftime("%H:%M")})
        for minutes in sorted(self.cleaned_data.get("before") or [], reverse=True):
            leads.append({"kind": "before", "minutes": minutes})
        return leads


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=12,
        help_text=_("The 6 digits in the text message we sent."),
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "size": 8}
        ),
        error_messages={"required": _("Enter the 6-digit code from the text message.")},
    )
