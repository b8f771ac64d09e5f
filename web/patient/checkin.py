"""The weekly check-in: function (the FDI), sleep, mood, school, a flare, and the red-flag
questions. It is submitted through ``services.check_in_submit``, as the API's CheckInsView does;
a red flag's guidance (the service's own text) is shown on the very page that answers the
submit, so nothing stands between the patient and it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from planner import Decision, RedFlag
from programs import selectors, services
from programs.models import Program
from programs.services.common import local_today
from web.access import WebRequest, patient_page
from web.patient.forms import CheckInForm, add_service_errors

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


@patient_page
def check_in(request: WebRequest, patient_id: int) -> HttpResponse:
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    patient = request.household.patient
    for_self = request.household.is_self
    if request.method == "POST":
        form = CheckInForm(request.POST, for_self=for_self)
        if form.is_valid():
            try:
                result = services.check_in_submit(
                    actor=request.user, patient=patient, **form.service_arguments()
                )
            except ValidationError as error:
                add_service_errors(form, error, form.service_field_names())
            else:
                return _done(request, result)
    else:
        form = CheckInForm(for_self=for_self)
    latest = selectors.patient_check_ins(patient).only("id", "date").first()
    recent = latest if latest and (local_today(patient) - latest.date).days < RECENT_DAYS else None
    return render(
        request,
        "web/patient/check_in.html",
        {"form": form, "recent": recent},
    )


def _done(request: WebRequest, result: services.CheckInResult) -> HttpResponse:
    """The answer to a submitted check-in, rendered at once (status 200): after a red flag,
    the guidance comes before anything else on the page."""
    check_in = result.check_in
    program = check_in.program
    # The program row was read before the check-in: paused then, or paused by it now (as the
    # API's CheckInCreatedSerializer says it).
    paused = (program is not None and program.status == Program.Status.PAUSED) or (
        result.review is not None and result.review.decision == Decision.PAUSE
    )
    context: dict[str, Any] = {
        "check_in": check_in,
        "guidance": result.guidance,
        "self_harm": RedFlag.SELF_HARM.value in check_in.red_flags,
        "red_flag": bool(check_in.red_flags),
        "paused": paused,
        "has_program": program is not None,
        "band_words": BAND_WORDS.get(check_in.fdi_band),
    }
    return render(request, "web/patient/check_in_done.html", context)
