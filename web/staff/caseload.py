"""The caseload (placeholder until the staff pages land)."""

from django.http import HttpResponse
from django.shortcuts import render

from web.access import WebRequest, staff_page


@staff_page
def caseload(request: WebRequest) -> HttpResponse:
    return render(request, "web/staff/caseload.html")
