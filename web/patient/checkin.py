"""The weekly check-in: function (the FDI), sleep, mood, school, a flare, and the red-flag
questions. It is submitted through ``services.check_in_submit``, as the API's CheckInsView does,
then the browser is sent straight to the check-in's own result page: a red flag's guidance
(the planner's text for those flags) is the first thing on it, and reloading that page or going
back cannot send the check-in, and raise its alert, a second time."""

from __future__ import annotations

import time
import uuid
from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from planner import RedFlag, red_flag_guidance
from programs import selectors, services
from programs.models import Program
from programs.services.common import local_today
from web.access import WebRequest, patient_page
from web.forms import add_service_errors
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
# A check-in this recent counts as this week's.
RECENT_DAYS = 7


# Each check-in form carries a one-time submission key. A second POST with the same key (a
# double tap, a resent form) is sent to the first one's result instead of saving it, and
# raising its alert, twice.
SUBMISSION_SECONDS = 30 * 60
# How long a repeat waits for the first submission, still being saved, to finish.
SUBMISSION_WAIT_SECONDS = 5.0


def _submission_key(request: WebRequest) -> str | None:
    value = request.POST.get("submission", "")
    if not (0 < len(value) <= 64 and value.isascii() and value.isalnum()):
        return None
    return f"web:check-in-submission:{request.user.pk}:{value}"


def _earlier_result(key: str) -> int | None:
    """The check-in an earlier POST with this key saved, waiting briefly if it is under way;
    None when no earlier POST holds the key (this one now does)."""
    if cache.add(key, "pending", SUBMISSION_SECONDS):
        return None
    deadline = time.monotonic() + SUBMISSION_WAIT_SECONDS
    while True:
        saved = cache.get(key)
        if isinstance(saved, int):
            return saved
        if saved is None:  # the earlier one failed and let go: take the key
            return None if cache.add(key, "pending", SUBMISSION_SECONDS) else 0
        if time.monotonic() > deadline:
            return 0
        time.sleep(0.1)


@patient_page
def check_in(request: WebRequest, patient_id: int) -> HttpResponse:
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    patient = request.household.patient
    for_self = request.household.is_self
    if request.method == "POST":
        form = CheckInForm(request.POST, for_self=for_self)
        if form.is_valid():
            key = _submission_key(request)
            earlier = _earlier_result(key) if key else None
            if earlier is not None:
                if earlier:
                    return redirect("web:check-in-done", patient_id=patient.pk, check_in_id=earlier)
                # Still being saved after several seconds: show the form rather than save twice.
                messages.info(
                    request, _("Your check-in is still being sent. Please wait a moment.")
                )
                return redirect("web:check-in", patient_id=patient.pk)
            try:
                result = services.check_in_submit(
                    actor=request.user, patient=patient, **form.service_arguments()
                )
            except ValidationError as error:
                if key:
                    cache.delete(key)
                add_service_errors(form, error, form.service_field_names())
            except BaseException:
                if key:
                    cache.delete(key)
                raise
            else:
                if key:
                    cache.set(key, result.check_in.pk, SUBMISSION_SECONDS)
                return redirect(
                    "web:check-in-done", patient_id=patient.pk, check_in_id=result.check_in.pk
                )
    else:
        form = CheckInForm(for_self=for_self, initial={"submission": uuid.uuid4().hex})
    latest = selectors.patient_check_ins(patient).only("id", "date").first()
    recent = latest if latest and (local_today(patient) - latest.date).days < RECENT_DAYS else None
    return render(
        request,
        "web/patient/check_in.html",
        {"form": form, "recent": recent},
    )


@patient_page
def check_in_done(request: WebRequest, patient_id: int, check_in_id: int) -> HttpResponse:
    """A submitted check-in's answer: after a red flag, the guidance before anything else; after
    thoughts of self-harm, the crisis line (988, to call or text, and 911 for danger now)."""
    check_in = get_object_or_404(
        selectors.patient_check_ins(request.household.patient).select_related("program"),
        pk=check_in_id,
    )
    program = check_in.program
    flags = frozenset(RedFlag(flag) for flag in check_in.red_flags)
    context: dict[str, Any] = {
        "check_in": check_in,
        # Other red flags: the planner's "contact your doctor". Thoughts of self-harm: the
        # template's own words, which lead with the crisis line and link it.
        "guidance": red_flag_guidance(flags) if flags else None,
        "self_harm": RedFlag.SELF_HARM in flags,
        "other_flags": bool(flags - {RedFlag.SELF_HARM}),
        "red_flag": bool(flags),
        # A red flag pauses the program at once (services.check_in_submit's review).
        "paused": program is not None and program.status == Program.Status.PAUSED,
        "has_program": program is not None,
        "band_words": BAND_WORDS.get(check_in.fdi_band),
    }
    return render(request, "web/patient/check_in_done.html", context)
