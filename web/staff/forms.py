"""The staff pages' forms: the caseload's filters, the alerts filter and the patient page's
actions. Each checks input only; the services decide what is allowed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from planner.baseline import MAX_TRIALS as BASELINE_TRIALS
from planner.units import MAX_AMOUNT
from programs.models import PlannedDose, ProgramActivity
from programs.selectors import RUNNING_STATUSES
from programs.services import BaselineTrials
from programs.services.inputs import MAX_TEXT
from web.labels import PROGRAM_STATUSES, UNITS, word

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
            *((status.value, PROGRAM_STATUSES[status.value]) for status in RUNNING_STATUSES),
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


def reason_field(
    label: StrOrPromise, *, required: bool = True, help_text: StrOrPromise = ""
) -> forms.CharField:
    """A therapist's reason for changing a program: a short text the record keeps."""
    return forms.CharField(
        label=label,
        required=required,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=help_text,
    )


class PauseForm(forms.Form):
    reason = reason_field(
        _("Why pause the program?"),
        help_text=_("Every dose is held where it is from tomorrow until you resume."),
    )


class ResumeForm(forms.Form):
    reason = reason_field(_("Reason for resuming"), required=False)
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
    reason = reason_field(_("Reason for discharge"), required=False)
    confirm = forms.BooleanField(
        label=_("I confirm: end this program; no sessions are planned from tomorrow"),
        error_messages={"required": _("Tick the box to confirm the discharge.")},
    )


def dose_label(dose: PlannedDose) -> str:
    return _("%(day)s: %(activity)s, %(amount)s %(unit)s") % {
        "day": date_format(dose.session.date, "SHORT_WEEKDAY_DATE_FORMAT"),
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
    reason = reason_field(_("Why change this dose?"))

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


class RebaselineForm(forms.Form):
    """New baseline trials: for each activity re-tested, up to three trials with the day each
    was done. An activity left blank restarts from the dose it is at."""

    reason = reason_field(_("Why a new baseline?"), required=False)

    def __init__(
        self, *args: Any, activities: Iterable[ProgramActivity] = (), today: date, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.activities = list(activities)
        for row in self.activities:
            unit = word(UNITS, row.unit)
            for number in range(1, BASELINE_TRIALS + 1):
                self.fields[self.trial_name(row, number)] = forms.FloatField(
                    required=False,
                    min_value=0,
                    label=_("Trial %(number)s (%(unit)s)") % {"number": number, "unit": unit},
                )
                self.fields[self.day_name(row, number)] = forms.DateField(
                    required=False,
                    initial=today,
                    label=_("Day of trial %(number)s") % {"number": number},
                    widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                )

    @staticmethod
    def trial_name(row: ProgramActivity, number: int) -> str:
        return f"a{row.pk}_trial_{number}"

    @staticmethod
    def day_name(row: ProgramActivity, number: int) -> str:
        return f"a{row.pk}_day_{number}"

    def groups(
        self,
    ) -> list[tuple[ProgramActivity, list[tuple[forms.BoundField, forms.BoundField]]]]:
        """Each activity with its (trial, day) fields, for the template."""
        return [
            (
                row,
                [
                    (self[self.trial_name(row, number)], self[self.day_name(row, number)])
                    for number in range(1, BASELINE_TRIALS + 1)
                ],
            )
            for row in self.activities
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for row in self.activities:
            for number in range(1, BASELINE_TRIALS + 1):
                trial = cleaned.get(self.trial_name(row, number))
                if trial is not None and cleaned.get(self.day_name(row, number)) is None:
                    self.add_error(self.day_name(row, number), _("Enter the day of this trial."))
        if not self.errors and not self.baselines():
            raise forms.ValidationError(_("Enter the new trials of at least one activity."))
        return cleaned

    def baselines(self) -> list[BaselineTrials]:
        """The re-tested activities, as ``services.program_rebaseline`` takes them."""
        chosen = []
        for row in self.activities:
            pairs = [
                (self.cleaned_data.get(self.trial_name(row, number)),
                 self.cleaned_data.get(self.day_name(row, number)))
                for number in range(1, BASELINE_TRIALS + 1)
            ]  # fmt: skip
            filled = [(trial, day) for trial, day in pairs if trial is not None]
            if filled:
                chosen.append(
                    BaselineTrials(
                        program_activity_id=row.pk,
                        trials=[trial for trial, _ in filled],
                        dates=[day for _, day in filled if day is not None],
                    )
                )
        return chosen

    def aliases(self) -> dict[str, str]:
        """The service's field names (``baselines[0].trials[1]``) as this form's."""
        names: dict[str, str] = {}
        for index, entry in enumerate(self.baselines()):
            row = next(row for row in self.activities if row.pk == entry.program_activity_id)
            where = f"baselines[{index}]"
            first = self.trial_name(row, 1)
            for name in ("activity", "trials", "dates", "start_fraction"):
                names[f"{where}.{name}"] = first
            filled = [
                number
                for number in range(1, BASELINE_TRIALS + 1)
                if self.cleaned_data.get(self.trial_name(row, number)) is not None
            ]
            for position, number in enumerate(filled):
                names[f"{where}.trials[{position}]"] = self.trial_name(row, number)
                names[f"{where}.dates[{position}]"] = self.day_name(row, number)
        return names
