"""The page a verification email links to: GET asks, POST confirms.

A GET only shows a button, because mail scanners open links on their own; the POST (the
person pressing it) verifies. The signed token is the credential, so there is no sign-in and
no session for a forged request to ride on: hence no CSRF token.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from reminders.services import confirm_email_token


@csrf_exempt
@require_http_methods(["GET", "POST"])
def verify_email_page(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "GET":
        return render(request, "reminders/verify_email.html", {"state": "ask"})
    try:
        confirm_email_token(token=token)
    except ValidationError as error:
        problem = error.message_dict.get("token", [gettext("this link is not valid")])[0]
        return render(
            request,
            "reminders/verify_email.html",
            {"state": "failed", "problem": problem},
            status=400,
        )
    return render(request, "reminders/verify_email.html", {"state": "done"})
