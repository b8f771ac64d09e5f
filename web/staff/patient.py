"""The patient page for staff: who the patient is, their current program and its plan against
what was done (one chart per activity, week by week), logs, check-ins, weekly reviews, the
revision history and open alerts; and the program's actions (pause, resume, discharge,
override a dose), each a POST to a service.

Every view of the page leaves one AuditEvent, as the staff API does for each record it reads.
The page reads a fixed number of queries whatever the program's length.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from planner import Decision, PlannerInputError
from programs import selectors, services
from programs.access import access_patient, access_program
from programs.models import Patient, PlannedDose, Program, SessionLog
from programs.selectors import ActivityWeeks, PlanSummary
from programs.services.common import audit_record, local_today
from web.access import WebRequest, staff_page
from web.charts import Chart, Series
from web.forms import add_service_errors
from web.labels import (
    ALERT_KINDS,
    DECISIONS,
    DIAGNOSES,
    FDI_BANDS,
    PATIENT_STATUSES,
    PHASES,
    PROGRAM_STATUSES,
    RED_FLAGS,
    RELATIONS,
    REVIEW_TRIGGERS,
    SESSION_STATUSES,
    UNITS,
    word,
)
from web.staff.forms import (
    DischargeForm,
    DoseOverrideForm,
    PauseForm,
    RebaselineForm,
    ResumeForm,
    dose_label,
)
from web.times import shown_in

RECENT_LOGS = 14
RECENT_CHECK_INS = 10
RECENT_REVISIONS = 30
OVERRIDE_DAYS = 14
PAUSABLE = {Program.Status.ACTIVE, Program.Status.MAINTENANCE, Program.Status.TAPERING}


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def activity_chart(entry: ActivityWeeks, summary: PlanSummary) -> Chart:
    unit = word(UNITS, entry.unit)
    current = summary.current_week
    categories = [_("Week %(number)d") % {"number": week + 1} for week in summary.weeks]
    planned = [entry.planned.get(week, 0.0) for week in summary.weeks]
    done: list[float | None] = [
        entry.done.get(week, 0.0) if current is not None and week <= current else None
        for week in summary.weeks
    ]
    so_far = [week for week in summary.weeks if current is not None and week <= current]
    if so_far:
        text = _("Up to week %(week)d: %(done)s of %(planned)s %(unit)s planned were done.") % {
            "week": so_far[-1] + 1,
            "done": _number(sum(entry.done.get(week, 0.0) for week in so_far)),
            "planned": _number(sum(entry.planned.get(week, 0.0) for week in so_far)),
            "unit": unit,
        }
    else:
        text = _("The program has not started yet.")
    return Chart(
        title=_("%(activity)s: planned and done per week") % {"activity": entry.name},
        categories=categories,
        series=[
            Series(label=_("Planned"), values=planned, kind="bar", tone="planned"),
            Series(label=_("Done"), values=done, kind="bar", tone="done"),
        ],
        unit=unit,
        summary=text,
    )


def chosen_program(programs: list[Program]) -> Program | None:
    """The program the page is about: the newest running one, else the newest that is not a
    draft (a discharged program's history still matters)."""
    running = [program for program in programs if program.is_running]
    if running:
        return running[0]
    started = [program for program in programs if program.status != Program.Status.DRAFT]
    return started[0] if started else None


def _upcoming_doses(program: Program, today: date) -> list[PlannedDose]:
    return selectors.doses_open_to_override(program, today=today, days=OVERRIDE_DAYS)


@dataclass(frozen=True)
class LogRow:
    log: SessionLog
    status: str
    results: list[str]


@dataclass(frozen=True)
class CheckInRow:
    date: date
    submitted_at: datetime
    fdi: str
    sleep: str
    mood: str
    school: str
    flare: bool
    red_flags: list[str]


def _log_rows(program: Program, names: dict[int, tuple[str, str]]) -> list[LogRow]:
    rows = []
    for logged in selectors.recent_session_logs(program, limit=RECENT_LOGS):
        results = []
        for result in logged.results:
            name, unit = names.get(result.program_activity_id, ("", ""))
            text = _("%(activity)s: %(amount)s %(unit)s") % {
                "activity": name,
                "amount": result.amount,
                "unit": word(UNITS, unit),
            }
            if result.exertion is not None:
                text += " " + _("(exertion %(value)d of 10)") % {"value": result.exertion}
            results.append(text)
        rows.append(
            LogRow(
                log=logged.log,
                status=word(SESSION_STATUSES, logged.log.status),
                results=results,
            )
        )
    return rows


def _check_in_rows(patient: Patient) -> list[CheckInRow]:
    rows = []
    for check_in in selectors.patient_check_ins(patient)[:RECENT_CHECK_INS]:
        fdi = ""
        if check_in.fdi_total is not None:
            fdi = f"{check_in.fdi_total}"
            if check_in.fdi_band:
                fdi += f" ({word(FDI_BANDS, check_in.fdi_band)})"
        sleep_parts = []
        if check_in.sleep_hours is not None:
            sleep_parts.append(_("%(hours)s h") % {"hours": check_in.sleep_hours})
        if check_in.sleep_quality is not None:
            sleep_parts.append(_("quality %(value)d of 5") % {"value": check_in.sleep_quality})
        school = ""
        if check_in.school_days_scheduled is not None:
            school = _("%(attended)s of %(scheduled)s days") % {
                "attended": check_in.school_days_attended
                if check_in.school_days_attended is not None
                else "?",
                "scheduled": check_in.school_days_scheduled,
            }
        rows.append(
            CheckInRow(
                date=check_in.date,
                submitted_at=check_in.submitted_at,
                fdi=fdi,
                sleep=", ".join(sleep_parts),
                mood=_("%(value)d of 5") % {"value": check_in.mood}
                if check_in.mood is not None
                else "",
                school=school,
                flare=check_in.flare,
                red_flags=[word(RED_FLAGS, flag) for flag in check_in.red_flags],
            )
        )
    return rows


def _program_for(request: WebRequest, patient_id: int, program_id: int) -> Program:
    return access_program(
        request.user,
        program_id,
        queryset=Program.objects.select_related("patient").filter(patient_id=patient_id),
    )


def _page(
    request: WebRequest, patient_id: int, bound: dict[str, forms.Form] | None = None
) -> HttpResponse:
    record = access_patient(
        request.user,
        patient_id,
        manage=True,
        queryset=Patient.objects.select_related("clinic").prefetch_related(
            "therapists", "guardians"
        ),
    )
    audit_record(actor=request.user, patient=record, action="read", what="patient page")
    today = local_today(record)
    programs = selectors.patient_programs(record)
    program = chosen_program(programs)
    drafts = [candidate for candidate in programs if candidate.status == Program.Status.DRAFT]
    context: dict[str, Any] = {
        "patient": record,
        "age": record.age_on(today),
        "diagnosis": word(DIAGNOSES, record.diagnosis),
        # Set by the services: relapse watch from a discharge, active again from an activation.
        "patient_status": (
            word(PATIENT_STATUSES, record.status) if record.status != Patient.Status.ACTIVE else ""
        ),
        "therapists": [
            user.get_full_name() or user.get_username() for user in record.therapists.all()
        ],
        "guardians": [
            (guardian, word(RELATIONS, guardian.relation)) for guardian in record.guardians.all()
        ],
        "program": program,
        "drafts": drafts,
        "today": today,
        "alerts": [
            (alert, word(ALERT_KINDS, alert.kind))
            for alert in selectors.patient_open_alerts(request.user, record)
        ],
        "check_ins": _check_in_rows(record),
        # The form just refused, for the error summary at the top of the page.
        "refused_forms": list((bound or {}).values()),
    }
    if program is not None:
        summary = selectors.plan_summary(program, today)
        revisions = selectors.program_revisions(program, limit=RECENT_REVISIONS)
        reviews = selectors.program_reviews(program)
        bound = bound or {}
        doses = _upcoming_doses(program, today) if program.is_running else []
        context.update(
            {
                "status": word(PROGRAM_STATUSES, program.status),
                "phase": word(PHASES, summary.current_phase),
                "week": summary.current_week + 1 if summary.current_week is not None else None,
                "step": summary.current_step,
                "charts": [activity_chart(entry, summary) for entry in summary.activities],
                "logs": _log_rows(program, summary.names),
                "reviews": [
                    (
                        review,
                        word(DECISIONS, review.decision),
                        word(REVIEW_TRIGGERS, review.trigger),
                    )
                    for review in reviews
                ],
                "revisions": revisions,
                "can_pause": program.status in PAUSABLE,
                "can_rebaseline": program.status in PAUSABLE,
                # The latest review stepped back after 14 days or more and suggests one.
                "baseline_suggested": bool(reviews)
                and reviews[0].decision == Decision.NEW_BASELINE.value,
                "rebaseline_form": bound.get("rebaseline")
                or RebaselineForm(
                    prefix="rebaseline",
                    activities=selectors.program_activities(program),
                    today=today,
                ),
                "can_resume": program.status == Program.Status.PAUSED,
                "can_discharge": program.is_running,
                "pause_form": bound.get("pause") or PauseForm(prefix="pause"),
                "resume_form": bound.get("resume") or ResumeForm(prefix="resume"),
                "discharge_form": bound.get("discharge") or DischargeForm(prefix="discharge"),
                "override_form": bound.get("override")
                or DoseOverrideForm(prefix="override", doses=doses),
                "has_upcoming_doses": bool(doses),
            }
        )
    # The times of a patient's page are their clinic's, in its zone and written its way,
    # whichever clinic the user works at.
    with shown_in(record.clinic.time_zone, record.clinic.locale):
        return render(request, "web/staff/patient.html", context, status=400 if bound else 200)


@staff_page
def patient(request: WebRequest, patient_id: int) -> HttpResponse:
    return _page(request, patient_id)


def _done(request: WebRequest, patient_id: int, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("web:patient", patient_id=patient_id)


def _act(
    request: WebRequest,
    patient_id: int,
    name: str,
    form: forms.Form,
    act: Callable[[dict[str, Any]], object],
    done: Callable[[], str],
    aliases: Callable[[], Mapping[str, str]] | None = None,
) -> HttpResponse:
    """One of the program's actions: ``act`` calls its service with the form's cleaned data;
    done, back to the page with the ``done()`` message; refused by the form or the service,
    the page again with the problems on the form named ``name`` (``aliases()`` maps the
    service's names for fields to the form's)."""
    if form.is_valid():
        try:
            act(form.cleaned_data)
        except (ValidationError, PlannerInputError) as error:
            add_service_errors(form, error, aliases=aliases() if aliases else None)
        else:
            return _done(request, patient_id, done())
    return _page(request, patient_id, {name: form})


@require_POST
@staff_page
def pause(request: WebRequest, patient_id: int, program_id: int) -> HttpResponse:
    program = _program_for(request, patient_id, program_id)
    return _act(
        request,
        patient_id,
        "pause",
        PauseForm(request.POST, prefix="pause"),
        lambda data: services.program_pause(
            actor=request.user, program=program, reason=data["reason"]
        ),
        lambda: _("Program paused. Doses are held until you resume it."),
    )


@require_POST
@staff_page
def resume(request: WebRequest, patient_id: int, program_id: int) -> HttpResponse:
    program = _program_for(request, patient_id, program_id)
    return _act(
        request,
        patient_id,
        "resume",
        ResumeForm(request.POST, prefix="resume"),
        lambda data: services.program_resume(
            actor=request.user, program=program, reason=data["reason"], step=data["step"]
        ),
        lambda: _("Program resumed."),
    )


@require_POST
@staff_page
def discharge(request: WebRequest, patient_id: int, program_id: int) -> HttpResponse:
    program = _program_for(request, patient_id, program_id)
    return _act(
        request,
        patient_id,
        "discharge",
        DischargeForm(request.POST, prefix="discharge"),
        lambda data: services.program_discharge(
            actor=request.user, program=program, reason=data["reason"]
        ),
        lambda: (
            _("Program discharged. %(name)s is now on relapse watch.")
            % {"name": program.patient.first_name}
        ),
    )


@require_POST
@staff_page
def rebaseline(request: WebRequest, patient_id: int, program_id: int) -> HttpResponse:
    program = _program_for(request, patient_id, program_id)
    form = RebaselineForm(
        request.POST,
        prefix="rebaseline",
        activities=selectors.program_activities(program),
        today=local_today(program.patient),
    )
    return _act(
        request,
        patient_id,
        "rebaseline",
        form,
        lambda data: services.program_rebaseline(
            actor=request.user, program=program, baselines=form.baselines(), reason=data["reason"]
        ),
        lambda: _("New baseline recorded. The ramp starts again from it tomorrow."),
        aliases=form.aliases,  # they name the fields the form cleaned
    )


@require_POST
@staff_page
def override(request: WebRequest, patient_id: int, program_id: int) -> HttpResponse:
    program = _program_for(request, patient_id, program_id)
    today = local_today(program.patient)
    form = DoseOverrideForm(request.POST, prefix="override", doses=_upcoming_doses(program, today))
    # Read before the change: the message says what the dose was.
    before = dose_label(form.chosen_dose()) if form.is_valid() else ""
    return _act(
        request,
        patient_id,
        "override",
        form,
        lambda data: services.dose_override(
            actor=request.user,
            dose=form.chosen_dose(),
            amount=data["amount"],
            reason=data["reason"],
        ),
        lambda: (
            _("Dose changed: %(before)s is now %(amount)s %(unit)s.")
            % {
                "before": before,
                "amount": form.cleaned_data["amount"],
                "unit": word(UNITS, form.chosen_dose().unit),
            }
        ),
        aliases=lambda: {"session": "dose"},
    )
