"""Today's session and logging it, and the week (placeholder until the patient pages land)."""

from django.http import HttpResponse
from django.shortcuts import render

from web.access import WebRequest, patient_page


@patient_page
def today(request: WebRequest, patient_id: int) -> HttpResponse:
    return render(request, "web/patient/today.html")


week = today
