"""The guided session: a session's activities one page at a time, then a finish screen.

Each page is a plain form (Done, or Did less with the amount; how tiring it felt for an
activity that tires), so the whole session works without JavaScript; web/static/web/session.js
adds the timer of a timed dose and the tap counter of a counted one. Each page saves one bout
through ``services.session_bout_log``: a dose done twice a day is two visits to its page, the
second one whenever it comes. The first pass goes through the activities once; the finish screen
offers the bouts still to do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import (
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from planner.units import TIMED_UNITS
from programs import selectors, services
from programs.access import access_own_session
from programs.models import BoutLog, PlannedDose, PlannedSession
from programs.services.common import local_today
from programs.services.records import session_log_refusal
from web.access import WebRequest, patient_page
from web.patient import queued
from web.patient.forms import amount_text
from web.patient.guided_forms import DONE, LESS, GuidedStepForm, asks_exertion
from web.patient.today import DoseLine, celebrations, dose_line, person_words

IMAGE_TYPES = (".svg", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif")
VIDEO_TYPES = (".mp4", ".webm", ".ogv", ".mov")


@dataclass
class Step:
    """One activity of the session, page ``index`` (from 1), and the bouts saved of it."""

    index: int
    line: DoseLine
    bouts: list[BoutLog] = field(default_factory=list)

    @property
    def times(self) -> int:
        return self.line.dose.times_per_day

    @property
    def next_bout(self) -> int | None:
        numbers = {bout.number for bout in self.bouts}
        return next((n for n in range(1, self.times + 1) if n not in numbers), None)

    @property
    def total(self) -> int:
        return sum(bout.amount for bout in self.bouts)


def _steps(session: PlannedSession) -> list[Step]:
    bouts = selectors.session_bouts(session)
    return [
        Step(
            index,
            dose_line(dose),
            [bout for bout in bouts if bout.program_activity_id == dose.program_activity_id],
        )
        for index, dose in enumerate(session.doses.all(), start=1)
    ]


def media_kind(url: str) -> str:
    """How to show an activity's picture or video: inline when it is ours (the page's policy
    loads images and media from this site only), as a link otherwise."""
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return "link"
    path = parts.path.lower()
    if path.endswith(IMAGE_TYPES):
        return "image"
    if path.endswith(VIDEO_TYPES):
        return "video"
    return "link"


def _urls(request: WebRequest, session: PlannedSession) -> dict[str, Any]:
    patient_id = request.household.patient.pk
    return {"patient_id": patient_id, "session_id": session.pk}


def _step_url(request: WebRequest, session: PlannedSession, index: int) -> str:
    return reverse("web:guide-step", kwargs={**_urls(request, session), "step": index})


def _finish_url(request: WebRequest, session: PlannedSession) -> str:
    return reverse("web:guide-finish", kwargs=_urls(request, session))


def _loggable(request: WebRequest, session: PlannedSession) -> HttpResponse | None:
    """None when the session can be logged today; otherwise the log page, which says why."""
    refusal = session_log_refusal(session, local_today(request.household.patient))
    if refusal is None:
        return None
    if request.method == "POST":
        messages.error(request, refusal)
    return HttpResponseRedirect(reverse("web:log", kwargs=_urls(request, session)))


@patient_page
def guide(request: WebRequest, patient_id: int, session_id: int) -> HttpResponse:
    """Start (or carry on with) the session: the first activity with a bout still to do."""
    session = access_own_session(request.household.patient, session_id)
    refused = _loggable(request, session)
    if refused is not None:
        return refused
    for step in _steps(session):
        if step.next_bout is not None:
            return redirect(_step_url(request, session, step.index))
    return redirect(_finish_url(request, session))


@patient_page
def guide_step(request: WebRequest, patient_id: int, session_id: int, step: int) -> HttpResponse:
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    session = access_own_session(request.household.patient, session_id)
    if queued.is_queued(request):
        return _queued_bout(request, session, step)
    refused = _loggable(request, session)
    if refused is not None:
        return refused
    steps = _steps(session)
    if not 1 <= step <= len(steps):
        return redirect(_finish_url(request, session))
    current = _posted_step(request, steps, steps[step - 1])
    if current is None:
        messages.error(request, NO_LONGER_PLANNED)
        return HttpResponseRedirect(reverse("web:guide", kwargs=_urls(request, session)))
    dose = current.line.dose
    asked = request.GET.get("bout", "")
    if len(asked) <= 2 and asked.isascii() and asked.isdigit() and 1 <= int(asked) <= current.times:
        bout = int(asked)
    else:
        bout = current.next_bout or current.times
    if request.method == "POST":
        result = LESS if request.POST.get("result") == LESS else DONE
        form = GuidedStepForm(
            request.POST, dose=dose, bout=bout, result=result, **person_words(request)
        )
        if form.is_valid():
            try:
                sent = _save_bout(request, session, dose, form)
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                if sent.repeated:
                    messages.info(request, BOUT_REPEATED)
                elif sent.newer_kept:
                    messages.info(request, _newer_kept(current))
                else:
                    messages.success(
                        request, gettext("Saved: %(name)s.") % {"name": current.line.name}
                    )
                return redirect(_onward_url(request, session, current.index))
    else:
        saved = next((b for b in current.bouts if b.number == bout), None)
        initial = {"amount": saved.amount, "exertion": saved.exertion} if saved else {}
        form = GuidedStepForm(dose=dose, bout=bout, initial=initial, **person_words(request))
    timed = dose.unit in TIMED_UNITS
    context: dict[str, Any] = {
        "session": session,
        "step": current,
        "line": current.line,
        "steps_count": len(steps),
        "bout": bout,
        "form": form,
        "asks_exertion": asks_exertion(dose),
        "media": media_kind(current.line.media_url),
        "timed": timed,
        "timer_seconds": dose.amount * (60 if dose.unit == "minutes" else 1),
        "counted": dose.unit == "repetitions",
        "storage_key": f"gradus-{session.pk}-{dose.program_activity_id}-{bout}",
        "less_open": result == LESS if request.method == "POST" else False,
        "finish_url": _finish_url(request, session),
    }
    return render(request, "web/patient/guide_step.html", context)


BOUT_REPEATED = _("This had already arrived, so it was not saved again.")


def _newer_kept(step: Step) -> str:
    return gettext("%(name)s was saved again after this page was opened, so that save stays.") % {
        "name": step.line.name
    }


NO_LONGER_PLANNED = _("This activity is no longer in the session. Nothing was saved.")


def _posted_step(request: WebRequest, steps: list[Step], shown: Step) -> Step | None:
    """The step of the activity a posted form names (its pages may be numbered otherwise
    since it was shown), None when the session no longer has it; or ``shown``, the step of
    the address, which a GET and a form of before the field mean."""
    posted = request.POST.get("activity", "") if request.method == "POST" else ""
    if not (posted.isascii() and posted.isdigit()):
        return shown
    if len(posted) > 18:  # no id is that long (and int() refuses over 4,300 digits)
        return None
    return next((s for s in steps if s.line.dose.program_activity_id == int(posted)), None)


def _save_bout(
    request: WebRequest, session: PlannedSession, dose: PlannedDose, form: GuidedStepForm
) -> services.BoutLogResult:
    return services.session_bout_log(
        actor=request.user,
        session=session,
        program_activity_id=dose.program_activity_id,
        bout=form.cleaned_data["bout"],
        amount=form.amount_done(),
        exertion=form.cleaned_data.get("exertion"),
        submission_key=form.cleaned_data["submission"],
        shown_at=form.cleaned_data["shown"],
    )


def _onward_url(request: WebRequest, session: PlannedSession, index: int) -> str:
    """After a save on page ``index``: the next activity with a bout still to do, or the end."""
    later = [s for s in _steps(session)[index:] if s.next_bout is not None]
    if later:
        return _step_url(request, session, later[0].index)
    return _finish_url(request, session)


def _queued_bout(request: WebRequest, session: PlannedSession, index: int) -> JsonResponse:
    """A bout the phone kept while it was offline (web/patient/queued.py): "saved" with where
    to go on, "repeated" when it had arrived before or a newer save of the bout stands,
    "refused" when the session can no longer be logged, "invalid" naming the fields."""
    steps = _steps(session)
    shown = steps[index - 1] if 1 <= index <= len(steps) else None
    current = _posted_step(request, steps, shown) if shown is not None else None
    if current is None:
        return queued.refused(NO_LONGER_PLANNED)
    dose = current.line.dose
    result = LESS if request.POST.get("result") == LESS else DONE
    form = GuidedStepForm(
        request.POST,
        dose=dose,
        bout=current.next_bout or current.times,
        result=result,
        **person_words(request),
    )
    if not form.is_valid():
        return queued.invalid(form)
    try:
        sent = _save_bout(request, session, dose, form)
    except ValidationError as error:
        refusal = session_log_refusal(session, local_today(request.household.patient))
        if refusal is not None:
            return queued.refused(refusal)
        form.add_service_errors(error)
        return queued.invalid(form)
    if sent.repeated:
        return queued.repeated(BOUT_REPEATED)
    if sent.newer_kept:
        return queued.repeated(_newer_kept(current))
    return queued.saved(
        gettext("Sent. Saved: %(name)s.") % {"name": current.line.name},
        url=_onward_url(request, session, current.index),
        link=_("Go on"),
    )


@dataclass(frozen=True)
class DoneToday:
    """One activity on the finish screen: what was done of it, and what is left for later."""

    step: Step
    done: str | None
    bouts_done: int
    later_url: str | None


def _done_today(request: WebRequest, session: PlannedSession, *, loggable: bool) -> list[DoneToday]:
    log = getattr(session, "log", None)
    logged = {result.program_activity_id: result for result in log.results.all()} if log else {}
    rows = []
    for step in _steps(session):
        dose = step.line.dose
        if step.bouts:
            done = amount_text(step.total, dose.unit) if step.total else None
            bouts_done = len(step.bouts)
        elif dose.program_activity_id in logged and logged[dose.program_activity_id].amount:
            amount = logged[dose.program_activity_id].amount * step.times
            done, bouts_done = amount_text(amount, dose.unit), step.times
        else:
            done, bouts_done = None, 0
        pending = loggable and step.next_bout is not None
        later = _step_url(request, session, step.index) if pending else None
        rows.append(DoneToday(step, done, bouts_done, later))
    return rows


@patient_page
def guide_finish(request: WebRequest, patient_id: int, session_id: int) -> HttpResponse:
    session = access_own_session(request.household.patient, session_id)
    program = session.program
    today = local_today(request.household.patient)
    context: dict[str, Any] = {
        "session": session,
        "rows": _done_today(request, session, loggable=session_log_refusal(session, today) is None),
        "week": selectors.week_so_far(program, session.date),
        "goals": program.goals,
        "milestones": celebrations(request, program),
        "is_today": session.date == today,
    }
    return render(request, "web/patient/guide_finish.html", context)
