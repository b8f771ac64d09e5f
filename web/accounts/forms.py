"""The accounts pages' forms: signing in, resetting a password, inviting and accepting."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from programs import throttle
from programs.models import Guardian, Invitation, Patient

PASSWORD_HELP = _(
    "At least 8 characters, not only numbers, not a common password and not like your username."
)


THROTTLED = _(
    "Too many tries to sign in. To keep the account safe, please wait %(minutes)s minutes "
    "and try again, or reset your password."
)


class ThrottledSignIn:
    """Counting wrong passwords (programs/throttle.py) for a Django sign-in form: once the
    username, or the address, has had too many, the form refuses even the right password until
    the window ends. Mixed into the web's sign-in form and the admin's."""

    request: HttpRequest | None
    cleaned_data: dict[str, Any]

    def clean(self) -> dict[str, Any]:
        username = str(self.cleaned_data.get("username") or "")
        request = self.request
        if request is not None and throttle.sign_in_blocked(request, username):
            raise ValidationError(
                THROTTLED,
                code="throttled",
                params={"minutes": throttle.SIGN_IN.window_minutes},
            )
        try:
            cleaned: dict[str, Any] = super().clean()  # type: ignore[misc]
        except ValidationError as error:
            if request is not None and error.code == "invalid_login":
                throttle.sign_in_failed(request, username)
            raise
        if request is not None:
            throttle.sign_in_succeeded(request, username)
        return cleaned


class SignInForm(ThrottledSignIn, AuthenticationForm):
    """Django's sign-in, with our words and the sign-in throttles."""

    error_messages = {
        "invalid_login": _(
            "That username and password do not match. Check them and try again: both are "
            "case-sensitive."
        ),
        "inactive": _("This account is switched off. Ask your clinic for help."),
    }


class AdminSignInForm(ThrottledSignIn, AdminAuthenticationForm):
    """The admin's sign-in (/admin/login/), with the same throttles as the web's."""


class LanguageForm(forms.Form):
    """The language a person reads gradus in; the service (programs.services
    .user_language_set) checks it is one offered."""

    language = forms.CharField(
        label=_("Language"),
        widget=forms.RadioSelect(choices=settings.PEOPLE_LANGUAGES),
        error_messages={"required": _("Choose a language.")},
    )


class ResetRequestForm(PasswordResetForm):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("The address on your gradus account."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


# -- Invitations ------------------------------------------------------------------------------


class PatientChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Patient) -> str:
        return f"{obj.last_name}, {obj.first_name} ({obj.date_of_birth:%Y-%m-%d})"


class InviteForm(forms.Form):
    patient = PatientChoiceField(
        queryset=Patient.objects.none(),
        label=_("Patient"),
        empty_label=_("Choose a patient"),
    )
    role = forms.ChoiceField(
        label=_("Who is this invitation for?"),
        choices=Invitation.Role.choices,
        initial=Invitation.Role.PATIENT,
        widget=forms.RadioSelect,
    )
    guardian_first_name = forms.CharField(
        label=_("Parent or guardian's first name"),
        max_length=60,
        required=False,
        help_text=_("Only for a parent or guardian."),
    )
    guardian_last_name = forms.CharField(
        label=_("Parent or guardian's last name"),
        max_length=60,
        required=False,
        help_text=_("Only for a parent or guardian."),
    )
    relation = forms.ChoiceField(
        label=_("Relation to the patient"),
        choices=[("", _("Choose one")), *Guardian.Relation.choices],
        required=False,
        help_text=_("Only for a parent or guardian."),
    )
    email = forms.EmailField(
        label=_("Email address (optional)"),
        required=False,
        help_text=_(
            "We email the link to this address. Leave it blank to hand the link over in clinic."
        ),
    )

    def __init__(self, *args: Any, patients: QuerySet[Patient], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        patient_field = self.fields["patient"]
        assert isinstance(patient_field, forms.ModelChoiceField)
        patient_field.queryset = patients

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("role") == Invitation.Role.GUARDIAN:
            for name in ("guardian_first_name", "guardian_last_name", "relation"):
                if not cleaned.get(name):
                    self.add_error(name, _("Needed when inviting a parent or guardian."))
        return cleaned


class AcceptForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("You type this to sign in. Letters, digits and @ . + - _ only."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        help_text=PASSWORD_HELP,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        help_text=_("Type the same password, to be sure."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    email = forms.EmailField(
        label=_("Email address (optional)"),
        required=False,
        help_text=_("Lets you reset a forgotten password yourself."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords are not the same."))
        return cleaned


class NewPasswordForm(SetPasswordForm):
    """Django's set-password form, with help in plain words (its own is an HTML list)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("New password")
        self.fields["new_password1"].help_text = PASSWORD_HELP
        self.fields["new_password2"].label = _("New password again")
        self.fields["new_password2"].help_text = _("Type the same password, to be sure.")
