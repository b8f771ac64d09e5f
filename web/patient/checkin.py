"""The weekly check-in: function (the FDI), sleep, mood, school, a flare, and the red-flag
questions. It is submitted through ``services.check_in_submit``, as the API's CheckInsView does,
then the browser is sent straight to the check-in's own result page: a red flag's guidance
(the planner's text for those flags) is the first thing on it, and reloading that page or going
back cannot send the check-in, and raise its alert, a second time."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from planner import RedFlag
from programs import selectors, services
from programs.access import access_own_check_in
from programs.models import CheckIn, Program
from programs.services import records
from programs.services.common import local_today
from programs.services.records import check_in_late_refusal
from web.access import WebRequest, patient_page
from web.patient import queued
from web.patient.forms import CheckInForm

BAND_WORDS: dict[str, StrOrPromise] = {
    "none_or_minimal": _(
        "Everyday activities are going well. That is what all the work is for: keep it up."
    ),
    "moderate": _(
        "Some everyday activities are still hard. That is exactly what the program works on, "
        "one step at a time."
    ),
    "severe": _(
        "A lot of everyday activities are hard right now. The program is built to help with "
        "that, step by step, and your therapist will look at this with you."
    ),
}

# The form's one-time key is in its address (?form=...), not only in the form: a browser that
# fetches the page again on Back (and every browser may: pages with health data are not kept
# in its cache) then shows the same form, with the same key, instead of a new one.
FORM_KEY = "form"


def _form_key(value: str) -> str | None:
    return value if 0 < len(value) <= 64 and value.isascii() and value.isalnum() else None


def _fdi_not_asked(error: ValidationError) -> bool:
    """Whether the service refused the FDI's answers because it is not asked now."""
    refused = getattr(error, "error_dict", {}).get("fdi_answers", [])
    return any(message == str(records.FDI_NOT_DUE) for item in refused for message in item)


@patient_page
def check_in(request: WebRequest, patient_id: int) -> HttpResponse:
    """Each form shown has a one-time key, saved with the check-in it sends: the same form sent
    again (a double tap, or Back and send, however much later) lands on the first one's
    result, and saves nothing and raises no alert a second time."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    patient = request.household.patient
    for_self = request.household.is_self
    if queued.is_queued(request):
        return _queued_check_in(request)
    key = _form_key(request.GET.get(FORM_KEY, ""))
    if request.method == "GET" and key is None:
        fresh = reverse("web:check-in", kwargs={"patient_id": patient.pk})
        return redirect(f"{fresh}?{urlencode({FORM_KEY: uuid.uuid4().hex})}")
    sent = None
    if request.method == "POST":
        # The FDI when it is due, or when the form sent answers it (shown while it was due):
        # the service decides whether they are taken (selectors.fdi_schedule), as for the API.
        ask_fdi = CheckInForm.fdi_sent(request.POST) or selectors.fdi_due(patient)
        form = CheckInForm(request.POST, for_self=for_self, ask_fdi=ask_fdi)
        valid = form.is_valid()
        flagged = None if valid else _red_flag_first(request, form)
        if flagged is not None:
            messages.warning(request, NOT_ALL_SAVED)
            return redirect(
                "web:check-in-done", patient_id=patient.pk, check_in_id=flagged.check_in.pk
            )
        if valid:
            try:
                result = services.check_in_submit(
                    actor=request.user,
                    patient=patient,
                    fdi_as_scheduled=True,
                    **form.service_arguments(),
                )
            except ValidationError as error:
                if _fdi_not_asked(error):
                    # A form kept open past the week the FDI was asked in: shown again
                    # without its questions (a radio button cannot be cleared), the rest kept.
                    form = CheckInForm(request.POST, for_self=for_self, ask_fdi=False)
                    form.is_valid()
                form.add_service_errors(error)
            else:
                if result.repeated:
                    messages.info(request, CHECK_IN_REPEATED)
                elif result.not_saved:
                    messages.warning(request, NOT_ALL_SAVED)
                return redirect(
                    "web:check-in-done", patient_id=patient.pk, check_in_id=result.check_in.pk
                )
    else:
        form = CheckInForm(
            for_self=for_self, ask_fdi=selectors.fdi_due(patient), initial={"submission": key}
        )
        # Back to a form already sent: say so before anything is typed again. (A GET always
        # has a key here: one without was sent off to get one above.)
        sent = selectors.check_in_sent_with(patient, submission_key=key) if key else None
    latest = selectors.latest_check_in(patient)
    due = selectors.check_in_is_due(latest.date if latest else None, local_today(patient))
    recent = None if due else latest
    return render(
        request,
        "web/patient/check_in.html",
        {"form": form, "recent": recent, "sent": sent, **OFFLINE_FLAGS},
    )


# Which answers a check-in kept offline shows help for at once (data-if-sent, offline.js):
# the crisis line after thoughts of self-harm; "contact your doctor" after any other red flag.
OFFLINE_FLAGS = {
    "doctor_flags": " ".join(
        f"red_flags={flag.value}" for flag in RedFlag if flag is not RedFlag.SELF_HARM
    ),
    "any_flag": " ".join(f"red_flags={flag.value}" for flag in RedFlag),
}

# The oldest day a kept check-in is dated (its phone's clock may be anything): a red flag in
# one older than the late limit is still taken, but dated no earlier than this.
KEPT_AT_MOST = timedelta(days=366)

NOT_ALL_SAVED = _(
    "What you told us about how you are was passed on to the therapist. Some other answers "
    "had a problem and were not saved: you can send them in a new check-in."
)


def _red_flag_first(
    request: WebRequest, form: CheckInForm, *, made_on: date | None = None
) -> records.CheckInResult | None:
    """A check-in refused by its form that still reports a red flag: the flag is sent on at
    once with the answers that were fine (the service leaves out any it refuses), so a red
    flag never waits for another answer to be fixed. None when it reports none, or the
    service refuses it too."""
    if not form.reports_red_flag():
        return None
    try:
        return services.check_in_submit(
            actor=request.user,
            patient=request.household.patient,
            fdi_as_scheduled=True,
            made_on=made_on,
            **form.service_arguments(),
        )
    except ValidationError:
        return None


CHECK_IN_REPEATED = _(
    "This check-in was already sent, so it was not sent again. To change an answer, send a "
    "new check-in."
)


def _queued_check_in(request: WebRequest) -> JsonResponse:
    """A check-in the phone kept while it was offline (web/patient/queued.py): dated the day
    it was kept, by the phone's clock in the patient's zone (never after today); refused when
    it is too old to tell about its week, unless it reports a red flag."""
    patient = request.household.patient
    ask_fdi = CheckInForm.fdi_sent(request.POST) or selectors.fdi_due(patient)
    form = CheckInForm(request.POST, for_self=request.household.is_self, ask_fdi=ask_fdi)
    valid = form.is_valid()
    today = local_today(patient)
    made_on = None
    kept_at = form.cleaned_data.get("kept_at")
    if kept_at is not None:
        kept = datetime.fromtimestamp(kept_at / 1000, tz=UTC)
        made_on = max(min(local_today(patient, now=kept), today), today - KEPT_AT_MOST)
    if not valid:
        flagged = _red_flag_first(request, form, made_on=made_on)
        if flagged is None:
            return queued.invalid(form)
        return _queued_saved(request, flagged, extra=NOT_ALL_SAVED)
    arguments = form.service_arguments()
    try:
        result = services.check_in_submit(
            actor=request.user,
            patient=patient,
            made_on=made_on,
            fdi_as_scheduled=True,
            **arguments,
        )
    except ValidationError as error:
        refusal = check_in_late_refusal(made_on, today, red_flags=arguments["red_flags"])
        if refusal is not None:
            return queued.refused(refusal)
        form.add_service_errors(error)
        return queued.invalid(form)
    if result.repeated:
        return queued.repeated(_("This check-in had already arrived, so it was not sent again."))
    return _queued_saved(request, result, extra=NOT_ALL_SAVED if result.not_saved else None)


def _queued_saved(
    request: WebRequest, result: records.CheckInResult, *, extra: StrOrPromise | None
) -> JsonResponse:
    patient = request.household.patient
    done = reverse(
        "web:check-in-done", kwargs={"patient_id": patient.pk, "check_in_id": result.check_in.pk}
    )
    if request.household.is_self:
        message = gettext("Sent. Your check-in has arrived.")
    else:
        message = gettext("Sent. %(name)s’s check-in has arrived.") % {"name": patient.first_name}
    if extra is not None:
        message = f"{message} {extra}"
    return queued.saved(message, url=done, link=_("See what was sent"))


@patient_page
def check_in_done(request: WebRequest, patient_id: int, check_in_id: int) -> HttpResponse:
    """A submitted check-in's answer: after a red flag, the guidance before anything else; after
    thoughts of self-harm, the crisis line (988, to call or text, and 911 for danger now)."""
    check_in = access_own_check_in(
        request.household.patient,
        check_in_id,
        queryset=CheckIn.objects.select_related("program"),
    )
    program = check_in.program
    flags = frozenset(RedFlag(flag) for flag in check_in.red_flags)
    context: dict[str, Any] = {
        "check_in": check_in,
        # The guidance is the template's own words, in the page's language (not the planner's
        # English red_flag_guidance): thoughts of self-harm lead with the crisis line and link
        # it; other red flags say to contact the doctor, the child's for a guardian.
        "self_harm": RedFlag.SELF_HARM in flags,
        "other_flags": bool(flags - {RedFlag.SELF_HARM}),
        "red_flag": bool(flags),
        # A red flag pauses the program at once (services.check_in_submit's review).
        "paused": program is not None and program.status == Program.Status.PAUSED,
        "has_program": program is not None,
        "band_words": BAND_WORDS.get(check_in.fdi_band),
    }
    return render(request, "web/patient/check_in_done.html", context)
