"""The staff pages' forms: the caseload's filters, the alerts filter and the patient page's
actions. Each checks input only; the services decide what is allowed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from planner.units import MAX_AMOUNT
from programs.models import PlannedDose
from web.staff.labels import UNITS, word

MAX_TEXT = 2000

SORTS = ["name", "adherence", "last_activity", "fdi_change", "open_alerts"]


class CaseloadFilterForm(forms.Form):
    """The caseload's GET parameters. Anything unreadable falls back to its default, so a
    stale bookmark still shows the caseload."""

    q = forms.CharField(
        label=_("Search by name"), required=False, max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )  # fmt: skip
    scope = forms.ChoiceField(
        label=_("Patients"),
        required=False,
        choices=[("all", _("Everyone in my clinic")), ("mine", _("Only my patients"))],
    )
    alerts = forms.BooleanField(label=_("Only patients with open alerts"), required=False)
    status = forms.ChoiceField(
        label=_("Program status"),
        required=False,
        choices=[
            ("", _("Any")),
            ("active", _("Active")),
            ("paused", _("Paused")),
            ("maintenance", _("Maintenance")),
            ("tapering", _("Tapering")),
            ("none", _("No running program")),
        ],
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[(name, name) for name in SORTS] + [(f"-{name}", name) for name in SORTS],
        widget=forms.HiddenInput,
    )

    def chosen(self) -> dict[str, Any]:
        """The valid parameters; an invalid one is dropped (its default applies)."""
        self.is_valid()
        return getattr(self, "cleaned_data", {})


class AlertFilterForm(forms.Form):
    acknowledged = forms.BooleanField(label=_("Show acknowledged alerts too"), required=False)


class PauseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why pause the program?"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Every dose is held where it is from tomorrow until you resume."),
    )


class ResumeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for resuming"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    step = forms.IntegerField(
        label=_("Resume at step"),
        required=False,
        min_value=0,
        max_value=1000,
        help_text=_(
            "Leave blank to continue from the step it was held at. A lower step is an easier "
            "dose; step 0 is the start quota."
        ),
    )


class DischargeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for discharge"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirm = forms.BooleanField(
        label=_("I confirm: end this program; no sessions are planned from tomorrow"),
        error_messages={"required": _("Tick the box to confirm the discharge.")},
    )


def dose_label(dose: PlannedDose) -> str:
    return _("%(day)s: %(activity)s, %(amount)s %(unit)s") % {
        "day": date_format(dose.session.date, "D j M"),
        "activity": dose.program_activity.name,
        "amount": dose.amount,
        "unit": word(UNITS, dose.unit),
    }


class DoseOverrideForm(forms.Form):
    dose = forms.TypedChoiceField(label=_("Planned dose"), coerce=int, choices=[])
    amount = forms.IntegerField(
        label=_("New amount"),
        min_value=1,
        max_value=max(MAX_AMOUNT.values()),
        help_text=_("In the dose's own unit."),
    )
    reason = forms.CharField(
        label=_("Why change this dose?"), max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip

    def __init__(self, *args: Any, doses: Iterable[PlannedDose] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.doses = {dose.pk: dose for dose in doses}
        dose_field = self.fields["dose"]
        assert isinstance(dose_field, forms.TypedChoiceField)
        dose_field.choices = [("", _("Choose a dose"))] + [
            (dose.pk, dose_label(dose)) for dose in self.doses.values()
        ]

    def chosen_dose(self) -> PlannedDose:
        return self.doses[self.cleaned_data["dose"]]
