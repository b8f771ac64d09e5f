"""The patient's forms: logging a session and the weekly check-in.

They check input the way the API's serializers do (programs/api/me_serializers.py) and leave
every rule about what may be logged or submitted to the services, whose ValidationErrors come
back here as errors on the field they name (``web.forms.add_service_errors``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_stubs_ext import StrOrPromise

from planner import RedFlag
from programs.api.me_serializers import MAX_AMOUNT, MAX_SCHOOL_DAYS
from programs.fdi import FDI_ANSWERS, FDI_ITEMS
from programs.models import PlannedDose, PlannedSession
from programs.services import records
from programs.services.records import MAX_NOTE
from web.forms import add_service_errors
from web.labels import UNITS, word

# -- Words the pages share -------------------------------------------------------------------

# The children's OMNI scale (Robertson et al. 2000) shows a child going up a hill, fresher at
# the bottom, worn out at the top; these say in words what each picture shows.
OMNI_WORDS: dict[int, StrOrPromise] = {
    0: _("Not tired at all — like sitting still"),
    2: _("A little tired — like walking slowly"),
    4: _("Getting tired — like climbing stairs"),
    6: _("Quite tired — like going up a steep hill"),
    8: _("Really tired — like running hard"),
    10: _("Very, very tired — can't go on"),
}
OMNI_SHORT: dict[int, StrOrPromise] = {
    0: _("not tired at all"),
    1: _("hardly tired"),
    2: _("a little tired"),
    3: _("a little tired"),
    4: _("getting tired"),
    5: _("getting tired"),
    6: _("quite tired"),
    7: _("quite tired"),
    8: _("really tired"),
    9: _("really tired"),
    10: _("very, very tired"),
}


def amount_text(amount: int, unit: str) -> str:
    """ "12 minutes", "1 repetition": an amount in words, in the right number."""
    if unit == "minutes":
        return ngettext("%(n)s minute", "%(n)s minutes", amount) % {"n": amount}
    if unit == "seconds":
        return ngettext("%(n)s second", "%(n)s seconds", amount) % {"n": amount}
    if unit == "repetitions":
        return ngettext("%(n)s repetition", "%(n)s repetitions", amount) % {"n": amount}
    if unit == "metres":
        return ngettext("%(n)s meter", "%(n)s meters", amount) % {"n": amount}
    return f"{amount} {unit}"


def times_text(times: int) -> str:
    if times == 1:
        return str(_("once today"))
    return ngettext("%(n)s time today", "%(n)s times today", times) % {"n": times}


# -- Logging a session -----------------------------------------------------------------------

DID_NOT_DO_IT = "missed"
DAMAGED = _("This form is damaged. Load the page again.")
# The latest moment a phone's clock may say (in milliseconds since 1970): 1 January 2100.
KEPT_AT_MAX = 4_102_444_800_000
# Rubbing textures, imagined or mirrored movement and stretching are not exercise that tires:
# asking how tiring they felt would only puzzle.
NO_EXERTION_KINDS = frozenset({"desensitization", "motor_imagery", "flexibility"})


class ActivityFields:
    """The fields of one planned activity in the log form, for the template."""

    def __init__(self, form: SessionLogForm, dose: PlannedDose) -> None:
        self.dose = dose
        self.amount = form[form.amount_name(dose)]
        name = form.exertion_name(dose)
        self.exertion = form[name] if name in form.fields else None


class SessionLogForm(forms.Form):
    """What was done of each planned activity (amount, prefilled with the plan, so doing it
    all is one tap) and how tiring it felt on the OMNI scale; a note for the session."""

    note = forms.CharField(
        label=_("Anything you want your therapist to know? (optional)"),
        required=False,
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # The form's one-time key, made when it is shown: the same form sent twice (a phone
    # sending a log it kept while offline, a double tap) saves one log. A page shown before
    # forms had one sends none, and logs as it always did.
    submission = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        session: PlannedSession,
        skipped: bool = False,
        for_self: bool = True,
        name: str = "",
        **kwargs: Any,
    ) -> None:
        """``for_self``: the patient logs; otherwise a guardian logs for ``name``, the child,
        and the questions are about them."""
        super().__init__(*args, **kwargs)
        self.fields["submission"].initial = uuid.uuid4().hex
        self.session = session
        self.skipped = skipped
        if not for_self:
            self.fields["note"].label = _("Anything the therapist should know? (optional)")
        self.doses: list[PlannedDose] = list(session.doses.all())
        log = getattr(session, "log", None)
        logged = {result.program_activity_id: result for result in log.results.all()} if log else {}
        if log is not None:
            self.fields["note"].initial = log.note
        for dose in self.doses:
            activity = dose.program_activity
            unit = word(UNITS, dose.unit)
            if dose.times_per_day > 1:
                label = _("%(activity)s: %(unit)s each time") % {
                    "activity": activity.name,
                    "unit": unit,
                }
            else:
                label = _("%(activity)s: %(unit)s done") % {"activity": activity.name, "unit": unit}
            result = logged.get(dose.program_activity_id)
            self.fields[self.amount_name(dose)] = forms.IntegerField(
                label=label,
                min_value=0,
                max_value=MAX_AMOUNT,
                required=False,
                initial=result.amount if result is not None else dose.amount,
                help_text=(
                    _("Planned: %(amount)s. Change it if you did more or less.")
                    if for_self
                    else _("Planned: %(amount)s. Change it if %(name)s did more or less.")
                )
                % {"amount": amount_text(dose.amount, dose.unit), "name": name},
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
            if activity.kind in NO_EXERTION_KINDS:
                continue
            self.fields[self.exertion_name(dose)] = forms.TypedChoiceField(
                label=(
                    _("%(activity)s: how tired did you feel?")
                    if for_self
                    else _("%(activity)s: how tired did %(name)s feel?")
                )
                % {"activity": activity.name, "name": name},
                choices=[(value, str(value)) for value in range(11)],
                coerce=int,
                empty_value=None,
                required=False,
                initial=result.exertion if result is not None else None,
                widget=forms.RadioSelect,
            )

    @staticmethod
    def amount_name(dose: PlannedDose) -> str:
        return f"{dose.program_activity.key}-amount"

    @staticmethod
    def exertion_name(dose: PlannedDose) -> str:
        return f"{dose.program_activity.key}-exertion"

    def activities(self) -> Iterator[ActivityFields]:
        for dose in self.doses:
            yield ActivityFields(self, dose)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.skipped:
            for dose in self.doses:
                name = self.amount_name(dose)
                if name in cleaned and cleaned[name] is None:
                    self.add_error(name, _("Enter how much you did (0 if none)."))
        return cleaned

    def clean_submission(self) -> str:
        key: str = self.cleaned_data["submission"]
        if key and not (key.isascii() and key.isalnum()):
            raise ValidationError(DAMAGED)
        return key

    def status(self, *, skipped: bool) -> str:
        """done when every quota was met, partial when some of it was done, missed when none
        (or when the patient said they could not do it)."""
        if skipped:
            return DID_NOT_DO_IT
        amounts = [(self.cleaned_data[self.amount_name(d)] or 0, d.amount) for d in self.doses]
        if amounts and all(done >= planned for done, planned in amounts):
            return "done"
        if any(done > 0 for done, _planned in amounts):
            return "partial"
        return DID_NOT_DO_IT

    def result_inputs(self, *, skipped: bool) -> list[dict[str, Any]]:
        """Keyword arguments for services.ResultInput, in dose order; none for a session not
        done, as the API's clients send it."""
        if skipped:
            return []
        return [
            {
                "program_activity_id": dose.program_activity_id,
                "amount": self.cleaned_data[self.amount_name(dose)],
                "exertion": self.cleaned_data.get(self.exertion_name(dose)),
            }
            for dose in self.doses
        ]

    def add_service_errors(self, error: ValidationError) -> None:
        """The service's errors (results[i].amount ...) on this form's fields: results are
        sent in dose order, so index i is the i-th dose."""
        names: dict[str, str] = {}
        for index, dose in enumerate(self.doses):
            names[f"results[{index}].amount"] = self.amount_name(dose)
            names[f"results[{index}].exertion"] = self.exertion_name(dose)
            names[f"results[{index}].note"] = "note"
        add_service_errors(self, error, names)


# -- The check-in ---------------------------------------------------------------------------

# The FDI's questions and answers are programs.fdi's, which the API asks too.
FDI_CHOICES = FDI_ANSWERS
SLEEP_QUALITY_CHOICES = [
    (1, _("Very badly")),
    (2, _("Badly")),
    (3, _("OK")),
    (4, _("Well")),
    (5, _("Very well")),
]
MOOD_CHOICES = [
    (1, _("Very low")),
    (2, _("Low")),
    (3, _("OK")),
    (4, _("Good")),
    (5, _("Very good")),
]
YES_NO = [("no", _("No")), ("yes", _("Yes"))]

RED_FLAG_LABELS: dict[str, StrOrPromise] = {
    RedFlag.FEVER: _("A fever (100.4 °F / 38 °C or more)"),
    RedFlag.RASH: _("A new rash"),
    RedFlag.JOINT_SWELLING: _("A swollen or warm joint"),
    RedFlag.NIGHT_PAIN: _("Pain at night that wakes you up"),
    RedFlag.BONE_PAIN: _("Pain deep in a bone"),
    RedFlag.WEIGHT_LOSS_OR_NIGHT_SWEATS: _(
        "Losing weight without trying, or sweating a lot at night"
    ),
    RedFlag.BRUISING_OR_PALLOR: _("Bruising easily, or looking very pale"),
    RedFlag.LIMP: _("Limping, or not able to stand or walk on a leg"),
    RedFlag.MUSCLE_WEAKNESS: _("Muscles that have become truly weak (not just tired or sore)"),
    RedFlag.DARK_URINE: _("Dark, cola-colored pee with sore or swollen muscles"),
    RedFlag.CHEST_PAIN_OR_FAINTING: _(
        "Chest pain, fainting, or very hard breathing while exercising"
    ),
    RedFlag.SELF_HARM: _("Thoughts of hurting yourself"),
}
# A guardian answers about their child.
RED_FLAG_LABELS_GUARDIAN: dict[str, StrOrPromise] = {
    **RED_FLAG_LABELS,
    RedFlag.NIGHT_PAIN: _("Pain at night that wakes your child up"),
    RedFlag.SELF_HARM: _("Thoughts of hurting themselves"),
}


def fdi_name(index: int) -> str:
    return f"fdi_{index + 1}"


NO_RED_FLAGS = "none"


@dataclass(frozen=True)
class FdiItem:
    """One FDI question for the template, and whether it was left out of a half-answered
    inventory (the service's one message names how many; these show which)."""

    field: forms.BoundField
    unanswered: bool


class CheckInForm(forms.Form):
    """The weekly check-in. Nothing is preselected: the flare question and the red-flag
    questions ("none of these" included) need an answer, the rest is optional, and the FDI
    is answered whole or not at all. Those rules and every range are the service's
    (``services.check_in_submit``, which the API shares): the form only reads what was sent,
    and the service's refusals come back on the fields they name, all at once."""

    # A one-time key per form shown (web.patient.checkin), so sending it twice saves once.
    submission = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    # When the phone kept a check-in made offline (web.patient.queued), sent along with it
    # and never shown: the check-in is dated that day.
    kept_at = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=KEPT_AT_MAX,
        widget=forms.HiddenInput,
        error_messages={
            "invalid": DAMAGED,
            "min_value": DAMAGED,
            "max_value": DAMAGED,
        },
    )

    sleep_hours = forms.DecimalField(
        label=_("About how many hours did you sleep on a usual night this week?"),
        required=False,
        error_messages={"invalid": records.SLEEP_HOURS_RANGE},
        widget=forms.NumberInput(
            attrs={
                "step": str(records.SLEEP_HOURS_STEP),
                "min": "0",
                "max": str(records.SLEEP_HOURS_MAX),
                "inputmode": "decimal",
            }
        ),
    )
    sleep_quality = forms.TypedChoiceField(
        label=_("How well did you sleep?"),
        choices=SLEEP_QUALITY_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": records.SLEEP_QUALITY_RANGE},
        widget=forms.RadioSelect,
    )
    mood = forms.TypedChoiceField(
        label=_("How has your mood been this week?"),
        choices=MOOD_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": records.MOOD_RANGE},
        widget=forms.RadioSelect,
    )
    school_days_scheduled = forms.IntegerField(
        label=_("School days this week"),
        help_text=_("How many days you were meant to be at school. Leave it empty in holidays."),
        required=False,
        error_messages={"invalid": records.SCHOOL_DAYS_RANGE},
        widget=forms.NumberInput(
            attrs={"inputmode": "numeric", "min": "0", "max": str(MAX_SCHOOL_DAYS)}
        ),
    )
    school_days_attended = forms.IntegerField(
        label=_("Days you went to school"),
        help_text=_("Count a day even if you were only there for part of it."),
        required=False,
        error_messages={"invalid": records.SCHOOL_DAYS_RANGE},
        widget=forms.NumberInput(
            attrs={"inputmode": "numeric", "min": "0", "max": str(MAX_SCHOOL_DAYS)}
        ),
    )
    flare = forms.ChoiceField(
        label=_("Did you have a flare-up this week?"),
        choices=YES_NO,
        required=False,
        error_messages={"invalid_choice": records.FLARE_MISSING},
        widget=forms.RadioSelect,
    )
    red_flags = forms.MultipleChoiceField(
        label=_("Have you had any of these this week?"),
        help_text=_(
            "These need someone to look at them, not more exercise. If you check one, we "
            "will tell you what to do and let your therapist know right away."
        ),
        choices=[*RED_FLAG_LABELS.items(), (NO_RED_FLAGS, _("None of these"))],
        required=False,
        error_messages={"invalid_choice": records.RED_FLAGS_MISSING},
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self, *args: Any, for_self: bool = True, ask_fdi: bool = True, **kwargs: Any
    ) -> None:
        """``ask_fdi``: the FDI is due (``selectors.fdi_due``); when it is not, the form leaves
        its 15 questions out."""
        super().__init__(*args, **kwargs)
        self.summary_labels: dict[str, StrOrPromise] = {}
        self.fdi_unanswered: set[str] = set()
        self.fdi_count = len(FDI_ITEMS) if ask_fdi else 0
        for index, item in enumerate(FDI_ITEMS[: self.fdi_count]):
            self.fields[fdi_name(index)] = forms.TypedChoiceField(
                label=item,
                choices=FDI_CHOICES,
                coerce=int,
                empty_value=None,
                required=False,
                error_messages={"invalid_choice": records.FDI_ANSWER_RANGE},
                widget=forms.RadioSelect,
            )
        if not for_self:
            self.fields["red_flags"].label = _("Has your child had any of these this week?")
            self.fields["red_flags"].help_text = _(
                "These need someone to look at them, not more exercise. If you check one, we "
                "will tell you what to do and let their therapist know right away."
            )
            self.fields["red_flags"].choices = [  # type: ignore[attr-defined]
                *RED_FLAG_LABELS_GUARDIAN.items(),
                (NO_RED_FLAGS, _("None of these")),
            ]
            self.fields["sleep_hours"].label = _(
                "About how many hours did your child sleep on a usual night this week?"
            )
            self.fields["sleep_quality"].label = _("How well did your child sleep?")
            self.fields["mood"].label = _("How has your child's mood been this week?")
            self.fields["school_days_scheduled"].help_text = _(
                "How many days your child was meant to be at school. Leave it empty in holidays."
            )
            self.fields["school_days_attended"].label = _("Days your child went to school")
            self.fields["flare"].label = _("Did your child have a flare-up this week?")

    def clean_submission(self) -> str:
        value: str = self.cleaned_data.get("submission") or ""
        # A key this page made (uuid4().hex); anything else is no key at all.
        return value if value.isascii() and value.isalnum() else ""

    @staticmethod
    def fdi_sent(data: Any) -> bool:
        """Whether a sent form answered any FDI question (a form shown when the FDI was due,
        sent after it stopped being due, keeps its answers)."""
        return any(data.get(fdi_name(index)) for index in range(len(FDI_ITEMS)))

    def fdi_items(self) -> list[FdiItem]:
        return [
            FdiItem(self[fdi_name(index)], fdi_name(index) in self.fdi_unanswered)
            for index in range(self.fdi_count)
        ]

    def _fdi_answers(self) -> list[int | None]:
        return [self.cleaned_data.get(fdi_name(index)) for index in range(self.fdi_count)]

    def reports_red_flag(self) -> bool:
        """Whether the form, valid or not, reports one or more red flags and nothing wrong
        with that section: then they are passed on whatever else needs fixing."""
        chosen = self.cleaned_data.get("red_flags") or [] if hasattr(self, "cleaned_data") else []
        flags = [value for value in chosen if value != NO_RED_FLAGS]
        return bool(flags) and NO_RED_FLAGS not in chosen and "red_flags" not in self.errors

    def service_arguments(self) -> dict[str, Any]:
        """Keyword arguments for services.check_in_submit: what was answered, as it was
        answered (an unanswered question is None, never a default)."""
        data = self.cleaned_data
        answers = self._fdi_answers()
        chosen = list(data.get("red_flags") or [])
        return {
            "fdi_answers": answers if any(answer is not None for answer in answers) else None,
            "sleep_hours": data.get("sleep_hours"),
            "sleep_quality": data.get("sleep_quality"),
            "mood": data.get("mood"),
            "school_days_attended": data.get("school_days_attended"),
            "school_days_scheduled": data.get("school_days_scheduled"),
            "flare": {"yes": True, "no": False}.get(data.get("flare") or ""),
            "red_flags": [value for value in chosen if value != NO_RED_FLAGS],
            "no_red_flags": NO_RED_FLAGS in chosen,
            "submission_key": data.get("submission") or "",
        }

    def add_service_errors(self, error: ValidationError) -> None:
        """The service's refusals on the questions they name. The FDI's one message ("7 are
        missing") goes on the first unanswered question, which the summary links to, under
        the section's name; the others are only marked."""
        names = {f"fdi_answers[{index}]": fdi_name(index) for index in range(self.fdi_count)}
        names.update({f"red_flags[{index}]": "red_flags" for index in range(len(RedFlag))})
        names["no_red_flags"] = "red_flags"
        unanswered = [
            fdi_name(index) for index, answer in enumerate(self._fdi_answers()) if answer is None
        ]
        if self.fdi_count and hasattr(error, "error_dict") and "fdi_answers" in error.error_dict:
            # Half answered: on the first question left out. Not asked this week (a form
            # kept open for more than a week): on the first question.
            first = unanswered[0] if unanswered else fdi_name(0)
            names["fdi_answers"] = first
            self.summary_labels[first] = _("Everyday activities")
            self.fdi_unanswered = set(unanswered)
        add_service_errors(self, error, names)
