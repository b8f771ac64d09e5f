"""The program builder: choose a template, enter the baseline trials and the goals, preview the
schedule as charts and a table, activate it with the ME/CFS confirmation.

Creating goes through the same checks as the staff API (its ``ProgramCreateIn`` serializer,
then ``services.program_create`` and the engine); every error they report is shown next to
the field it names, and nothing entered is lost. Editing a draft goes through the same
serializer and ``services.program_update_draft``, which changes the draft in place.

A patient follows one program at a time, so the builder says at once when the patient already
follows one, and what the therapist can do, rather than only at activation.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from planner import PlannerInputError, Schedule
from planner.units import Unit, minutes_of
from programs import reasons, selectors, services
from programs.access import access_draft, access_patient, access_program, access_template
from programs.api.errors import flatten_errors as flatten_api_errors
from programs.api.serializers import ProgramCreateIn, program_create_arguments
from programs.engine import DEFAULT_PARAMETERS, parameters_of
from programs.models import Patient, Program, ProgramActivity, ProgramTemplate, TemplateActivity
from programs.models.plans import DEFAULT_FDI_EVERY_WEEKS
from programs.services.common import audit_record, local_today
from programs.services.programs import DEFAULT_SESSION_TIME, running_program_state
from web.access import WebRequest, staff_page
from web.charts import Chart, Series
from web.labels import PHASES, UNITS, word
from web.staff.builder_forms import (
    ActivateForm,
    ActivityEntry,
    ActivityForm,
    ProgramForm,
)
from web.times import shown_in

# Who may use what


def _managed_patient(request: WebRequest, patient_id: int) -> Patient:
    patient = access_patient(
        request.user, patient_id, manage=True, queryset=Patient.objects.select_related("clinic")
    )
    audit_record(actor=request.user, patient=patient, action="read", what="program builder")
    return patient


def _managed_program(request: WebRequest, program_id: int) -> Program:
    program = access_program(
        request.user,
        program_id,
        queryset=Program.objects.select_related("patient__clinic", "template").prefetch_related(
            Prefetch("activities", queryset=ProgramActivity.objects.order_by("order", "id"))
        ),
    )
    audit_record(
        actor=request.user, patient=program.patient, action="read", what=f"program {program.pk}"
    )
    return program


def _render(
    request: WebRequest, patient: Patient, template_name: str, context: dict[str, Any]
) -> HttpResponse:
    # The times of pages about a patient are their clinic's, in its zone and written its way,
    # whichever clinic the user is at.
    with shown_in(patient.clinic.time_zone, patient.clinic.locale):
        return render(request, template_name, context)


def _int_param(request: WebRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if re.fullmatch(r"\d{1,18}", value) else None


# Step 2's starting point: a template, or a draft being edited


def _entry(
    row: TemplateActivity | ProgramActivity,
    *,
    include: bool = True,
    baseline_trials: Sequence[float] = (),
    start_intensity: str = "moderate",
    trials_day: date | None = None,
    pace: float | None = None,
) -> ActivityEntry:
    """An activity as the form starts from it, from a template's row or a draft's: what both
    hold, and what only a draft does (its trials, start intensity and pace)."""
    return ActivityEntry(
        activity=row.activity,
        include=include,
        goal_quota=row.goal_quota,
        start_fraction=row.start_fraction,
        weekdays=list(row.weekdays),
        times_per_day=row.times_per_day,
        goal_intensity=row.goal_intensity,
        baseline_trials=list(baseline_trials),
        start_intensity=start_intensity,
        trials_day=trials_day,
        pace=pace,
    )


def _entries_from_draft(
    draft: Program, template_rows: Sequence[TemplateActivity]
) -> list[ActivityEntry]:
    """The draft's activities as entered, then the template's others, left out."""
    rows = selectors.program_activities(draft)
    entries = [
        _entry(
            row,
            baseline_trials=[float(trial) for trial in row.baseline_trials],
            start_intensity=row.start_intensity,
            trials_day=date.fromisoformat(row.baseline_dates[0]) if row.baseline_dates else None,
            pace=row.metres_per_minute if row.unit == "metres" else row.seconds_per_repetition,
        )
        for row in rows
    ]
    chosen = {row.activity_id for row in rows}
    entries += [
        _entry(row, include=False) for row in template_rows if row.activity_id not in chosen
    ]
    return entries


def _program_initial(patient: Patient, template: ProgramTemplate | None) -> dict[str, Any]:
    start = local_today(patient)
    weeks = template.default_weeks if template is not None else 12
    return {
        "start_date": start,
        "goal_date": start + timedelta(weeks=weeks),
        "session_time": DEFAULT_SESSION_TIME,
        "fdi_every_weeks": DEFAULT_FDI_EVERY_WEEKS,
        **ProgramForm.initial_parameters(DEFAULT_PARAMETERS),
    }


def _draft_initial(draft: Program) -> dict[str, Any]:
    return {
        "goals": draft.goals,
        "start_date": draft.start_date,
        "goal_date": draft.goal_date,
        "session_time": draft.session_time,
        "fdi_every_weeks": draft.fdi_every_weeks,
        **ProgramForm.initial_parameters(parameters_of(draft)),
    }


# Errors from the serializer, the service and the engine, put back on the fields they name


_ACTIVITY_PATH = re.compile(r"^activities\[(\d+)\]\.?([a-z_]*)")
_ACTIVITY_FIELDS = {
    "baseline_trials": "baseline_trials",
    "start_quota": "baseline_trials",
    "start_fraction": "start_percent",
    "goal_quota": "goal_quota",
    "weekdays": "weekdays",
    "times_per_day": "times_per_day",
    "goal_intensity": "goal_intensity",
    "start_intensity": "start_intensity",
    "baseline_dates": "trials_day",
    "metres_per_minute": "pace",
    "seconds_per_repetition": "pace",
}


def _place_error(
    path: str | None,
    message: str,
    program_form: ProgramForm,
    activity_forms: Sequence[ActivityForm],
) -> None:
    """Add one reported problem to the form field ``path`` names, or to the form as a whole."""
    path = path or ""
    match = _ACTIVITY_PATH.match(path)
    if match and int(match.group(1)) < len(activity_forms):
        form = activity_forms[int(match.group(1))]
        name = _ACTIVITY_FIELDS.get(match.group(2))
        form.add_error(name if name in form.fields else None, message)
        return
    name = path.removeprefix("parameters.").removeprefix("heart_rate.")
    if name == "method":
        name = "max_hr_method"
    if name in program_form.fields:
        program_form.add_error(name, message)
    elif path.startswith("heart_rate."):
        program_form.add_error(
            None, _("The patient's heart-rate details: %(problem)s") % {"problem": message}
        )
    elif path == "activities":
        program_form.add_error(None, _("Include at least one activity."))
    else:
        program_form.add_error(None, message)


def _validation_problems(error: ValidationError) -> Iterable[tuple[str | None, str]]:
    if hasattr(error, "error_dict"):
        for path, errors in error.error_dict.items():
            for problem in errors:
                for message in problem.messages:
                    yield path, message
    else:
        for message in error.messages:
            yield None, message


@dataclass
class BuilderForms:
    program: ProgramForm
    activities: list[ActivityForm] = field(default_factory=list)

    def is_valid(self) -> bool:
        results = [self.program.is_valid(), *(form.is_valid() for form in self.activities)]
        return all(results)

    @property
    def chosen(self) -> list[ActivityForm]:
        return [form for form in self.activities if form.cleaned_data.get("include")]


def _save_draft(
    request: WebRequest,
    patient: Patient,
    template: ProgramTemplate | None,
    forms: BuilderForms,
    draft: Program | None,
) -> Program | None:
    """The draft the forms describe (a new one, or ``draft`` changed in place), or None with
    every problem on its field."""
    chosen = forms.chosen
    payload = {
        "patient": patient.pk,
        "template": template.pk if template is not None else None,
        "start_date": forms.program.cleaned_data["start_date"],
        "goal_date": forms.program.cleaned_data["goal_date"],
        "goals": forms.program.cleaned_data["goals"],
        "session_time": forms.program.cleaned_data["session_time"],
        "activities": [form.choice_data() for form in chosen],
        "parameters": forms.program.parameters(DEFAULT_PARAMETERS),
    }
    if forms.program.cleaned_data.get("fdi_every_weeks") is not None:  # else the default
        payload["fdi_every_weeks"] = forms.program.cleaned_data["fdi_every_weeks"]
    serializer = ProgramCreateIn(
        data=payload, context={"request": SimpleNamespace(user=request.user)}
    )
    if not serializer.is_valid():
        for problem in flatten_api_errors(serializer.errors):
            _place_error(problem["field"], str(problem["message"]), forms.program, chosen)
        return None
    arguments = program_create_arguments(serializer.validated_data)
    try:
        if draft is None:
            return services.program_create(actor=request.user, **arguments)
        return services.program_update_draft(actor=request.user, program=draft, **arguments)
    except ValidationError as error:
        for path, message in _validation_problems(error):
            _place_error(path, message, forms.program, chosen)
    except PlannerInputError as error:
        _place_error(error.field, reasons.text(error.reason), forms.program, chosen)
    return None


def _running_context(patient: Patient) -> dict[str, Any]:
    """The program the patient already follows, if any, for the builder's notice."""
    running = selectors.current_program(patient)
    return {
        "running": running,
        "running_state": running_program_state(running) if running is not None else "",
    }


# Step 1 and step 2


@staff_page
def program_new(request: WebRequest, patient_id: int) -> HttpResponse:
    """Step 1 without ``?template=``: choose a template (or continue a draft). Step 2 with it:
    the program form, prefilled from the template."""
    patient = _managed_patient(request, patient_id)
    templates = selectors.templates_for_patient(request.user, patient)
    draft_id = _int_param(request, "from")
    if draft_id is not None:
        # The old "Edit" link, from before drafts were edited in place.
        draft = _managed_draft(request, draft_id, patient=patient)
        return redirect(_edit_url(draft, _int_param(request, "template")))
    template_id = _int_param(request, "template")
    if template_id is None:
        if "template" in request.GET:
            messages.error(request, _("Choose a template first."))
        drafts = selectors.patient_drafts(request.user, patient)
        return _render(
            request,
            patient,
            "web/staff/program_new.html",
            {
                "patient": patient,
                "templates": list(templates),
                "drafts": list(drafts),
                **_running_context(patient),
            },
        )
    template = access_template(request.user, template_id, manage=False, queryset=templates)
    return _builder(request, patient, template, draft=None)


@staff_page
def program_edit(request: WebRequest, program_id: int) -> HttpResponse:
    """Step 2 for a draft: the form prefilled from what the draft holds; saving changes the
    draft itself. ``?template=`` offers another template's activities beside the draft's."""
    draft = _managed_draft(request, program_id)
    template: ProgramTemplate | None = draft.template
    template_id = _int_param(request, "template")
    if template_id is not None:
        template = access_template(
            request.user,
            template_id,
            manage=False,
            queryset=selectors.templates_for_patient(request.user, draft.patient),
        )
    return _builder(request, draft.patient, template, draft=draft)


def _managed_draft(
    request: WebRequest, program_id: int, *, patient: Patient | None = None
) -> Program:
    drafts = Program.objects.select_related("patient__clinic", "template")
    if patient is not None:
        drafts = drafts.filter(patient=patient)
    draft = access_draft(request.user, program_id, queryset=drafts)
    audit_record(
        actor=request.user, patient=draft.patient, action="read", what=f"draft program {draft.pk}"
    )
    return draft


def _edit_url(draft: Program, template_id: int | None = None) -> str:
    url = reverse("web:program-edit", kwargs={"program_id": draft.pk})
    return f"{url}?template={template_id}" if template_id is not None else url


def _builder(
    request: WebRequest,
    patient: Patient,
    template: ProgramTemplate | None,
    *,
    draft: Program | None,
) -> HttpResponse:
    template_rows = selectors.template_activities(template) if template is not None else []
    if draft is not None:
        entries = _entries_from_draft(draft, template_rows)
        initial = _draft_initial(draft)
    else:
        entries = [_entry(row) for row in template_rows]
        initial = _program_initial(patient, template)
    data = request.POST if request.method == "POST" else None
    forms = BuilderForms(
        program=ProgramForm(data, initial=initial),
        activities=[
            ActivityForm(data, entry=entry, prefix=f"activity-{index}")
            for index, entry in enumerate(entries)
        ],
    )
    if request.method == "POST" and forms.is_valid():
        if not forms.chosen:
            forms.program.add_error(None, _("Include at least one activity."))
        else:
            program = _save_draft(request, patient, template, forms, draft)
            if program is not None:
                messages.success(
                    request,
                    _("Draft saved. Check the schedule, then activate it.")
                    if draft is None
                    else _("Draft updated. Check the schedule, then activate it."),
                )
                return redirect("web:program-preview", program_id=program.pk)
    return _render(
        request,
        patient,
        "web/staff/program_form.html",
        {
            "patient": patient,
            "template": template,
            "draft": draft,
            "forms": forms,
            "form": forms.program,
            "has_errors": bool(
                forms.program.errors or any(form.errors for form in forms.activities)
            ),
            "activity_errors": [
                (form, error) for form in forms.activities for error in form.non_field_errors()
            ],
            **_running_context(patient),
        },
    )


# The preview


@dataclass(frozen=True)
class WeekRow:
    number: int
    starts: date
    phases: list[str]
    phase_keys: list[str]
    sessions: int
    doses: list[str]
    minutes: int


@dataclass(frozen=True)
class PhaseSpan:
    name: str
    first_week: int
    last_week: int
    first_day: date
    last_day: date


def _amounts_text(amounts: list[int], times: int) -> str:
    if not amounts:
        return "\u2013"
    low, high = min(amounts), max(amounts)
    text = str(low) if low == high else f"{low}\u2013{high}"
    if times > 1:
        text = _("%(amount)s, %(times)s times a day") % {"amount": text, "times": times}
    return text


def _schedule_view(schedule: Schedule, activities: Sequence[ProgramActivity]) -> dict[str, Any]:
    """The schedule by week: the table's rows, the phases and the charts."""
    weeks: OrderedDict[int, list[Any]] = OrderedDict()
    for session in schedule.sessions:
        weeks.setdefault(session.week, []).append(session)
    rows: list[WeekRow] = []
    peaks: dict[str, list[int | None]] = {row.key: [] for row in activities}
    minutes_per_week: list[float | None] = []
    spans: list[PhaseSpan] = []
    for week, sessions in weeks.items():
        phases = list(OrderedDict.fromkeys(session.phase.value for session in sessions))
        doses = []
        for activity in activities:
            planned = [dose for s in sessions if (dose := s.dose_for(activity.key)) is not None]
            amounts = [dose.amount for dose in planned]
            times = max((dose.times_per_day for dose in planned), default=1)
            doses.append(_amounts_text(amounts, times))
            peaks[activity.key].append(max(amounts) if amounts else None)
        minutes = sum(
            minutes_of(dose.amount, Unit(dose.unit)) * dose.times_per_day
            for session in sessions
            for dose in session.doses
        )
        minutes_per_week.append(round(minutes))
        rows.append(
            WeekRow(
                number=week + 1,
                starts=schedule.week_start(week),
                phases=[word(PHASES, phase) for phase in phases],
                phase_keys=phases,
                sessions=len(sessions),
                doses=doses,
                minutes=round(minutes),
            )
        )
        for session in sessions:
            name = word(PHASES, session.phase.value)
            if spans and spans[-1].name == name:
                last = spans[-1]
                spans[-1] = PhaseSpan(name, last.first_week, week + 1, last.first_day, session.date)
            else:
                spans.append(PhaseSpan(name, week + 1, week + 1, session.date, session.date))
    categories = [_("Week %(number)s") % {"number": row.number} for row in rows]
    charts = [
        Chart(
            title=_("%(name)s: planned dose per session, by week") % {"name": activity.name},
            categories=categories,
            series=[
                Series(
                    label=_("Planned"),
                    values=list(peaks[activity.key]),
                    kind="bar",
                    tone="planned",
                )
            ],
            unit=word(UNITS, activity.unit),
            summary=_("From %(start)s to %(goal)s %(unit)s per session.")
            % {
                "start": activity.start_quota,
                "goal": activity.goal_quota,
                "unit": word(UNITS, activity.unit),
            },
        )
        for activity in activities
    ]
    if any(minutes_per_week):
        charts.append(
            Chart(
                title=_("Planned active minutes per week"),
                categories=categories,
                series=[
                    Series(
                        label=_("Planned minutes"),
                        values=minutes_per_week,
                        kind="line",
                        tone="line",
                    )
                ],
                unit=_("minutes"),
                summary=_("Timed activities only; counted ones (repetitions, meters) add none."),
            )
        )
    return {"weeks": rows, "phases": spans, "charts": charts}


def _preview_context(request: WebRequest, program: Program) -> dict[str, Any]:
    activities = list(program.activities.all())
    context: dict[str, Any] = {
        "program": program,
        "patient": program.patient,
        "activities": [
            {
                "row": row,
                "unit": word(UNITS, row.unit),
                "trials": ", ".join(f"{trial:g}" for trial in row.baseline_trials),
                "start_percent": round(row.start_fraction * 100),
            }
            for row in activities
        ],
        "is_draft": program.status == Program.Status.DRAFT,
        # Activation refuses a second running program; the page says so before it is tried.
        **(
            _running_context(program.patient)
            if program.status == Program.Status.DRAFT
            else {"running": None}
        ),
        "schedule": None,
        "problems": [],
    }
    try:
        schedule = services.program_preview(program=program)
    except ValidationError as error:
        context["problems"] = [message for _path, message in _validation_problems(error)]
        return context
    feasibility = schedule.feasibility
    names = {row.key: row.name for row in activities}
    context.update(
        schedule=schedule,
        feasibility=feasibility,
        limiting=", ".join(names.get(key, key) for key in feasibility.limiting_activities),
        **_schedule_view(schedule, activities),
    )
    return context


@staff_page
def program_preview(request: WebRequest, program_id: int) -> HttpResponse:
    program = _managed_program(request, program_id)
    context = _preview_context(request, program)
    context["activate_form"] = ActivateForm()
    return _render(request, program.patient, "web/staff/program_preview.html", context)


def _patient_page(patient_id: int) -> str:
    return reverse("web:patient", kwargs={"patient_id": patient_id})


@staff_page
@require_POST
def program_activate(request: WebRequest, program_id: int) -> HttpResponse:
    program = _managed_program(request, program_id)
    form = ActivateForm(request.POST)
    if program.status != Program.Status.DRAFT:
        messages.error(
            request,
            _("This program is %(status)s, not a draft, so it cannot be activated.")
            % {"status": program.get_status_display().lower()},
        )
        return redirect("web:program-preview", program_id=program.pk)
    if form.is_valid():
        try:
            program = services.program_activate(
                actor=request.user, program=program, me_cfs_considered=True
            )
        except ValidationError as error:
            for path, message in _validation_problems(error):
                form.add_error(
                    "me_cfs_considered" if path == "me_cfs_considered" else None, message
                )
        else:
            messages.success(
                request,
                _("The program for %(name)s is active from %(date)s.")
                % {
                    "name": program.patient.full_name,
                    "date": date_format(program.start_date, "DATE_FORMAT"),
                },
            )
            return HttpResponseRedirect(_patient_page(program.patient_id))
    context = _preview_context(request, program)
    context["activate_form"] = form
    return _render(request, program.patient, "web/staff/program_preview.html", context)


@staff_page
def program_discard(request: WebRequest, program_id: int) -> HttpResponse:
    """Discard a draft: a page that asks first (the draft's trials and goals go for good),
    then a POST to ``services.program_discard_draft``."""
    draft = _managed_draft(request, program_id)
    if request.method == "POST":
        patient = draft.patient
        try:
            services.program_discard_draft(actor=request.user, program=draft)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("web:program-preview", program_id=draft.pk)
        messages.success(
            request,
            _("The draft for %(name)s is discarded.") % {"name": patient.full_name},
        )
        return redirect("web:patient", patient_id=patient.pk)
    return _render(
        request,
        draft.patient,
        "web/staff/program_discard.html",
        {"program": draft, "patient": draft.patient},
    )
