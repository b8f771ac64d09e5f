"""Today's session and logging it, and the week: the pages a patient opens most, on a phone.

Today reads the patient's session through ``selectors.session_for_day`` (its doses, their
activities and the log come in three queries) and logs through ``services.session_log``, the
service the API's SessionLogView calls. Doing the whole session is one tap: every amount is
prefilled with the plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from programs import selectors, services
from programs.access import access_own_session
from programs.models import Activity, PlannedDose, PlannedSession, Program
from programs.services.common import local_today
from programs.services.records import session_can_be_logged, session_log_refusal
from web.access import WebRequest, patient_page
from web.labels import MILESTONES
from web.media import media_path
from web.patient import queued
from web.patient.forms import (
    OMNI_SHORT,
    OMNI_WORDS,
    SessionLogForm,
    amount_text,
    times_text,
)

PHASE_WORDS: dict[str, StrOrPromise] = {
    "build": _("Building up"),
    "maintain": _("Keeping it steady"),
    "taper": _("Winding down"),
    "paused": _("Holding steady"),
}
STATUS_WORDS: dict[str, StrOrPromise] = {
    "done": _("Done"),
    "partial": _("Did some"),
    "missed": _("Skipped"),
}
SKIP_BUTTON = "skipped"


def celebrations(
    request: WebRequest, program: Program | None, *, waiting: bool = True
) -> list[tuple[str, str]]:
    """The milestones of ``program`` not celebrated yet, in the reader's words, now marked
    shown: whichever page a log leads to (the guided finish screen, today's page after the
    form or a log sent from the phone's queue, the week after a past day's log) shows each
    one once. ``waiting`` is the selectors' ``milestones_waiting``, when the page read it:
    False spares the locking query."""
    if program is None or not waiting:
        return []
    household = request.household
    name = household.patient.first_name
    words = []
    for milestone in services.milestones_celebrate(program=program):
        own, theirs = MILESTONES[milestone.kind]
        title, line = own if household.is_self else theirs
        words.append((str(title) % {"name": name}, str(line) % {"name": name}))
    return words


def person_words(request: WebRequest) -> dict[str, Any]:
    """Whom the log form's questions are about: the patient, or a guardian's child."""
    household = request.household
    return {"for_self": household.is_self, "name": household.patient.first_name}


@dataclass(frozen=True)
class DoseMedia:
    """The clinic's picture or video of an activity: its address (web.media), whether it is an
    "image" or a "video", and its alt text (a picture) or caption (a video)."""

    url: str
    kind: str
    content_type: str
    text: str

    @property
    def is_image(self) -> bool:
        return self.kind == "image"


def dose_media(activity: Activity) -> DoseMedia | None:
    url = media_path(activity)
    if url is None:
        return None
    return DoseMedia(
        url=url,
        kind=activity.media_kind,
        content_type=activity.media_type,
        text=activity.media_text,
    )


@dataclass(frozen=True)
class DoseLine:
    """One planned activity as the page shows it."""

    dose: PlannedDose
    name: str
    amount: str
    times: str
    heart_rate: str | None
    exertion: str | None
    instructions: str
    media_url: str
    media: DoseMedia | None = None


def dose_line(dose: PlannedDose) -> DoseLine:
    activity = dose.program_activity
    heart_rate = None
    if dose.heart_rate_low is not None and dose.heart_rate_high is not None:
        heart_rate = gettext("%(low)s to %(high)s beats a minute") % {
            "low": dose.heart_rate_low,
            "high": dose.heart_rate_high,
        }
    exertion = None
    if dose.exertion_low is not None and dose.exertion_high is not None:
        exertion = gettext("%(low)s to %(high)s out of 10 (%(words)s)") % {
            "low": dose.exertion_low,
            "high": dose.exertion_high,
            "words": OMNI_SHORT.get(dose.exertion_low, ""),
        }
    return DoseLine(
        dose=dose,
        name=activity.name,
        amount=amount_text(dose.amount, dose.unit),
        times=times_text(dose.times_per_day),
        heart_rate=heart_rate,
        exertion=exertion,
        instructions=activity.activity.instructions,
        media_url=activity.activity.media_url,
        media=dose_media(activity.activity),
    )


def phase_text(session: PlannedSession) -> str:
    words = PHASE_WORDS.get(session.phase, session.phase)
    return gettext("%(phase)s · week %(week)s") % {"phase": words, "week": session.week + 1}


def _log_context(
    request: WebRequest, session: PlannedSession, form: SessionLogForm, today: date
) -> dict[str, Any]:
    log = getattr(session, "log", None)
    return {
        "session": session,
        "form": form,
        "is_today": session.date == today,
        "log": log,
        "log_status": STATUS_WORDS.get(log.status, log.status) if log is not None else None,
        "omni_words": OMNI_WORDS,
        "action": reverse(
            "web:log",
            kwargs={"patient_id": request.household.patient.pk, "session_id": session.pk},
        ),
    }


def _can_log(session: PlannedSession, today: date) -> bool:
    # The service's own rules (services.session_log): not before its day, not from a pause on,
    # not after discharge. Checked here only to leave the form off a page where it cannot
    # succeed.
    return session_can_be_logged(session, today)


@patient_page
def today(request: WebRequest, patient_id: int) -> HttpResponse:
    patient = request.household.patient
    day = local_today(patient)
    session = selectors.session_for_day(patient, day)
    context: dict[str, Any] = {
        "today": day,
        "session": session,
        "paused": _is_paused(request, session),
        "program_status": getattr(patient, "program_status", None),
    }
    if session is None:
        context["next_date"] = selectors.next_session_date(patient, after=day)
    else:
        context["doses"] = [dose_line(dose) for dose in session.doses.all()]
        context["phase"] = phase_text(session)
        context["milestones"] = celebrations(
            request, session.program, waiting=getattr(session, "milestones_waiting", True)
        )
        if _can_log(session, day):
            context.update(
                _log_context(
                    request, session, SessionLogForm(session=session, **person_words(request)), day
                )
            )
        else:
            context["log"] = getattr(session, "log", None)
    return render(request, "web/patient/today.html", context)


def _is_paused(request: WebRequest, session: PlannedSession | None) -> bool:
    if session is not None:
        return session.program.status == Program.Status.PAUSED
    return getattr(request.household.patient, "program_status", None) == Program.Status.PAUSED


@patient_page
def log(request: WebRequest, patient_id: int, session_id: int) -> HttpResponse:
    """Log one session (today's, from the today page's form, or a past day's, from the week),
    or change its log: the service replaces an earlier log."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    patient = request.household.patient
    session = access_own_session(patient, session_id)
    day = local_today(patient)
    refusal = session_log_refusal(session, day)
    if queued.is_queued(request):
        return _queued_log(request, session, refusal)
    if request.method == "POST" and refusal is not None:
        # Sent from a page shown before the program was paused or ended (or from a form
        # kept open): say so, in the service's words, and show the page as it is now.
        messages.error(request, refusal)
        return redirect("web:log", patient_id=patient.pk, session_id=session.pk)
    if request.method == "POST":
        skipped = SKIP_BUTTON in request.POST
        form = SessionLogForm(
            request.POST, session=session, skipped=skipped, **person_words(request)
        )
        if form.is_valid():
            try:
                sent = _submit(request, session, form, skipped=skipped)
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                if sent.repeated:
                    messages.info(request, LOG_REPEATED)
                elif skipped or form.status(skipped=False) == "missed":
                    messages.success(
                        request,
                        gettext("Logged. Thanks for telling us: next time is a fresh start."),
                    )
                else:
                    messages.success(request, gettext("Logged. Well done for showing up."))
                if session.date == day:
                    return redirect("web:today", patient_id=patient.pk)
                return redirect(
                    reverse("web:week", kwargs={"patient_id": patient.pk})
                    + f"?week={session.week + 1}"
                )
    else:
        form = SessionLogForm(session=session, **person_words(request))
    context: dict[str, Any] = {
        "session": session,
        "doses": [dose_line(dose) for dose in session.doses.all()],
        "phase": phase_text(session),
        "can_log": _can_log(session, day),
        "today": day,
        "held": session.program.status == Program.Status.PAUSED,
    }
    context.update(_log_context(request, session, form, day))
    return render(request, "web/patient/log.html", context)


# A log the page's script kept on the phone while it was offline is answered in a few words
# (web/patient/queued.py), not with a page.
LOG_REPEATED = _("This log had already arrived, so it was not saved again.")


def _submit(
    request: WebRequest, session: PlannedSession, form: SessionLogForm, *, skipped: bool
) -> services.SessionLogResult:
    return services.session_log(
        actor=request.user,
        session=session,
        status=form.status(skipped=skipped),
        results=[services.ResultInput(**values) for values in form.result_inputs(skipped=skipped)],
        note=form.cleaned_data["note"],
        submission_key=form.cleaned_data["submission"],
    )


def _queued_log(
    request: WebRequest, session: PlannedSession, refusal: StrOrPromise | None
) -> JsonResponse:
    """The answer to a kept log: "saved" (or "repeated": it had arrived before) and the
    phone forgets it; "refused" or "invalid" with the words to show, and the phone keeps it
    until the person has read them."""
    skipped = SKIP_BUTTON in request.POST
    form = SessionLogForm(request.POST, session=session, skipped=skipped)
    # The service decides (a log that had arrived before the program was paused is
    # "repeated", not refused); the refusal's words are the ones to show.
    sent = None
    if form.is_valid():
        try:
            sent = _submit(request, session, form, skipped=skipped)
        except ValidationError as error:
            form.add_service_errors(error)
    if sent is None:
        if refusal is not None:
            return queued.refused(refusal)
        return queued.invalid(form)
    if sent.repeated:
        return queued.repeated(LOG_REPEATED)
    return queued.saved(gettext("Sent. Your log has arrived."))


# -- This week -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Day:
    date: date
    session: PlannedSession | None
    status: str
    status_words: str
    doses: list[str]
    can_log: bool
    is_today: bool
    logged: bool = False


def _day(when: date, session: PlannedSession | None, today: date) -> Day:
    if session is None:
        return Day(when, None, "rest", gettext("Rest day"), [], False, when == today)
    log = getattr(session, "log", None)
    if log is not None:
        status, words = log.status, str(STATUS_WORDS.get(log.status, log.status))
    elif when == today:
        status, words = "today", gettext("Today: not logged yet")
    elif when < today:
        status, words = "unlogged", gettext("Not logged yet")
    else:
        status, words = "planned", gettext("Coming up")
    doses = [
        gettext("%(activity)s %(amount)s")
        % {"activity": dose.program_activity.name, "amount": amount_text(dose.amount, dose.unit)}
        + (
            ""
            if dose.times_per_day == 1
            else ", " + gettext("%(times)s times") % {"times": dose.times_per_day}
        )
        for dose in session.doses.all()
    ]
    return Day(
        when,
        session,
        status,
        words,
        doses,
        _can_log(session, today),
        when == today,
        log is not None,
    )


def _last_week(program: Program) -> int:
    end = program.discharge_date or program.planned_goal_date or program.goal_date
    return max(0, (end - program.start_date).days // 7)


@patient_page
def week(request: WebRequest, patient_id: int) -> HttpResponse:
    patient = request.household.patient
    today_ = local_today(patient)
    program = selectors.current_program(patient)
    context: dict[str, Any] = {"program": program, "today": today_}
    if program is None:
        return render(request, "web/patient/week.html", context)
    current = max(0, (today_ - program.start_date).days // 7)
    last = max(current, _last_week(program))
    shown = current
    asked = request.GET.get("week", "")
    # Not "²", which int() refuses, nor thousands of digits (no program has that many weeks).
    if len(asked) <= 4 and asked.isascii() and asked.isdigit():
        shown = min(max(int(asked) - 1, 0), last)
    first = program.start_date + timedelta(days=7 * shown)
    sessions = {
        session.date: session
        for session in selectors.sessions_between(patient, first=first, last=first + timedelta(6))
        if session.program_id == program.pk
    }
    days = [
        _day(first + timedelta(days=offset), sessions.get(first + timedelta(days=offset)), today_)
        for offset in range(7)
    ]
    due = [d for d in days if d.session is not None and d.date <= today_]
    context.update(
        {
            "days": days,
            "week_number": shown + 1,
            "is_current": shown == current,
            "first": first,
            "last": first + timedelta(days=6),
            "previous_week": shown if shown > 0 else None,
            "next_week": shown + 2 if shown < last else None,
            "sessions_due": len(due),
            "sessions_done": sum(1 for d in due if d.status in ("done", "partial")),
            "paused": program.status == Program.Status.PAUSED,
            "milestones": celebrations(
                request, program, waiting=getattr(program, "milestones_waiting", True)
            ),
        }
    )
    return render(request, "web/patient/week.html", context)
