"""The front door: send each signed-in user to their own starting page."""

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from programs import selectors
from web.access import remembered_patient, signed_in_user


def home(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if user is None:
        return redirect_to_login("/")
    if selectors.is_staff_member(user):
        return redirect("web:caseload")
    patient_ids = list(selectors.patients_acted_for_by(user).values_list("id", flat=True))
    if patient_ids:
        remembered = remembered_patient(request)
        chosen = remembered if remembered in patient_ids else patient_ids[0]
        return redirect("web:today", patient_id=chosen)
    if user.is_staff:
        return redirect("admin:index")
    return render(request, "web/unlinked.html", status=200)
