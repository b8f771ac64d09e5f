"""The guided session's one form: a bout of one activity, "Done" or "Did less" with the amount,
and how tiring it felt on the children's OMNI scale for an activity that tires.

It checks the shape (whole numbers, the exertion's eleven points) and leaves the ranges to
``services.session_bout_log``, whose refusals come back on the field they name.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from programs.api.me_serializers import MAX_AMOUNT
from programs.models import PlannedDose
from web.forms import add_service_errors
from web.labels import UNITS, word
from web.patient.forms import DAMAGED, NO_EXERTION_KINDS, OMNI_SHORT

DONE, LESS = "done", "less"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def asks_exertion(dose: PlannedDose) -> bool:
    """Only activities that tire (aerobic, functional, strengthening, hydrotherapy): rubbing
    textures, imagined or mirrored movement and stretching are left alone."""
    return dose.program_activity.kind not in NO_EXERTION_KINDS


class GuidedStepForm(forms.Form):
    bout = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=6)
    # The form's one-time key and the moment it was shown (microseconds since 1970, as
    # precise as the saves it is compared with), made when it is shown: the same save sent
    # twice (a phone sending a bout it kept while offline, a double tap) is saved once, and
    # never over a save of the bout made after this form was shown.
    submission = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    shown = forms.IntegerField(
        required=False,
        min_value=0,
        widget=forms.HiddenInput,
        error_messages={"invalid": DAMAGED, "min_value": DAMAGED},
    )
    # The activity the form is about, so a save kept on the phone goes to it even if the
    # session's pages were numbered otherwise when it arrives.
    activity = forms.IntegerField(
        required=False, min_value=1, widget=forms.HiddenInput, error_messages={"invalid": DAMAGED}
    )
    amount = forms.IntegerField(
        min_value=0,
        max_value=MAX_AMOUNT,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(
        self,
        *args: Any,
        dose: PlannedDose,
        bout: int,
        result: str = DONE,
        for_self: bool = True,
        name: str = "",
        **kwargs: Any,
    ) -> None:
        """``for_self``: the patient logs; otherwise a guardian logs for ``name``, the child,
        and the questions are about them (web.patient.today.person_words)."""
        super().__init__(*args, **kwargs)
        self.dose = dose
        self.result = result
        self.for_self = for_self
        self.name = name
        self.fields["bout"].initial = bout
        self.fields["submission"].initial = uuid.uuid4().hex
        self.fields["shown"].initial = (timezone.now() - EPOCH) // MICROSECOND
        self.fields["activity"].initial = dose.program_activity_id
        amount = self.fields["amount"]
        unit = word(UNITS, dose.unit)
        if for_self:
            amount.label = _("How many %(unit)s did you do?") % {"unit": unit}
        else:
            amount.label = _("How many %(unit)s did %(name)s do?") % {"unit": unit, "name": name}
        amount.initial = dose.amount
        if asks_exertion(dose):
            self.fields["exertion"] = forms.TypedChoiceField(
                label=(
                    _("How tired did you feel?")
                    if for_self
                    else _("How tired did %(name)s feel?") % {"name": name}
                ),
                choices=[(value, OMNI_SHORT[value]) for value in range(11)],
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
            )

    def clean_submission(self) -> str:
        key: str = self.cleaned_data["submission"]
        if key and not (key.isascii() and key.isalnum()):
            raise ValidationError(DAMAGED)
        return key

    def clean_shown(self) -> datetime | None:
        microseconds: int | None = self.cleaned_data["shown"]
        if microseconds is None:
            return None  # a page shown before forms had one
        try:
            shown = EPOCH + microseconds * MICROSECOND
        except OverflowError:
            raise ValidationError(DAMAGED) from None
        if shown > timezone.now():
            raise ValidationError(DAMAGED)
        return shown

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.result == LESS and "amount" in cleaned and cleaned["amount"] is None:
            if self.for_self:
                self.add_error("amount", _("Enter how much you did (0 if none)."))
            else:
                self.add_error(
                    "amount", _("Enter how much %(name)s did (0 if none).") % {"name": self.name}
                )
        return cleaned

    def amount_done(self) -> int:
        """The planned amount for "Done"; what was typed for "Did less"."""
        if self.result == LESS:
            amount: int = self.cleaned_data["amount"]
            return amount
        return self.dose.amount

    def add_service_errors(self, error: ValidationError) -> None:
        add_service_errors(
            self,
            error,
            {
                "session": "__all__",
                "activity": "__all__",
                "submission_key": "submission",
                "shown_at": "shown",
            },
        )
