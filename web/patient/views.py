"""The patient's and guardian's pages (filled in by the patient pages' work)."""

from django.http import HttpResponse
from django.shortcuts import render

from web.access import WebRequest, patient_page


@patient_page
def today(request: WebRequest, patient_id: int) -> HttpResponse:
    return render(request, "web/patient/today.html")


week = checkin = progress = reminders = today
