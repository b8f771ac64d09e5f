"""The overview for a guardian of several children: each child with today's status (a session
planned, done, or nothing today; the check-in waiting), from ``selectors.household_today``,
linked from the child switcher of every patient page."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from programs import selectors
from web.access import signed_in_user


def family(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if user is None:
        return redirect_to_login(request.get_full_path())
    children = selectors.household_today(user)
    if not children:
        raise Http404("Nobody to show.")
    if len(children) == 1:
        return redirect("web:today", patient_id=children[0].patient.pk)
    return render(request, "web/patient/family.html", {"children": children})
