"""Staff sessions end after WEB_STAFF_IDLE_MINUTES without a request; families' last
WEB_SESSION_DAYS from signing in.

A therapist's session opens every record of their clinic, often on a shared computer in a
clinic room, so it ends when nobody has used it for a while: the next request signs it out and
brings the sign-in page with a word about why. A patient's or guardian's session opens only
their own family's program, mostly on their own phone, so it lasts longer (Django's cookie
age, WEB_SESSION_DAYS).

Who counts as staff is decided once, at sign-in (a clinic membership, or the admin's is_staff),
and kept in the session with the time of the last activity; only those sessions carry it, so a
family's requests cost nothing here. The time is rewritten at most once a minute, so a staff
member's pages write the session once a minute at most, not at every request.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import ngettext

from programs.selectors import is_staff_member

# Seconds since the epoch of the staff session's last recorded activity.
ACTIVE_AT = "gradus_staff_active_at"
# Write the time again only when it is at least this old.
TOUCH_SECONDS = 60


def _on_signed_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is not None and (user.is_staff or is_staff_member(user)):
        session[ACTIVE_AT] = int(time.time())


user_logged_in.connect(_on_signed_in, dispatch_uid="web.accounts.idle")


class StaffIdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Without a session cookie there is no session to read, and reading one would add
        # "Vary: Cookie" to answers that never had it (the API's, signed in with a token).
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return self.get_response(request)
        active_at = request.session.get(ACTIVE_AT)
        if not isinstance(active_at, int):
            return self.get_response(request)
        now = int(time.time())
        idle = now - active_at
        if idle >= settings.WEB_STAFF_IDLE_MINUTES * 60:
            logout(request)
            if not request.path.startswith("/api/"):
                minutes = settings.WEB_STAFF_IDLE_MINUTES
                messages.info(request, signed_out_message(minutes))
                if request.method in ("GET", "HEAD"):
                    return redirect_to_login(request.get_full_path())
                # A form sent after the timeout: what it said is gone, and its address would
                # answer a GET with 405; after signing in, the start page.
                return redirect(settings.LOGIN_URL)
            # The API answers as it does to anyone not signed in (401, in its error format).
        elif idle >= TOUCH_SECONDS:
            request.session[ACTIVE_AT] = now
        return self.get_response(request)


def signed_out_message(minutes: int) -> str:
    return ngettext(
        "You were signed out after %(minutes)d minute without activity, to keep patients' "
        "records safe. Please sign in again.",
        "You were signed out after %(minutes)d minutes without activity, to keep patients' "
        "records safe. Please sign in again.",
        minutes,
    ) % {"minutes": minutes}
