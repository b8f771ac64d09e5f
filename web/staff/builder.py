"""The program builder: choose a template, enter baseline trials and goals, preview the
schedule, activate it."""

from django.http import Http404, HttpResponse
from django.shortcuts import render

from programs import selectors
from programs.models import Patient
from web.access import WebRequest, staff_page


def _managed_patient(request: WebRequest, patient_id: int) -> Patient:
    patient = selectors.patients_managed_by(request.user).filter(pk=patient_id).first()
    if patient is None:
        raise Http404("No such patient.")
    return patient


@staff_page
def program_new(request: WebRequest, patient_id: int) -> HttpResponse:
    patient = _managed_patient(request, patient_id)
    templates = selectors.templates_visible_to(request.user).order_by("name")
    return render(
        request,
        "web/staff/program_new.html",
        {"patient": patient, "templates": templates},
    )
