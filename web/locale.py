"""The locale a signed-in person's pages are written in: their clinic's (``Clinic.locale``),
so a US clinic's families and staff read "Wednesday, March 11" and "3:30 PM", and an en-gb
clinic's "Wednesday 11 March" and "15:30" (config/formats/). Anonymous pages keep
``settings.LANGUAGE_CODE``, as does the API signed in with a token (no session cookie), whose
dates are ISO 8601 in any locale.

Two places decide it, neither with a query of its own:
- ``ClinicLocaleMiddleware``, for every page of a signed-in person (the account pages, the
  admin, the browsable API too): the locale of their clinic (``clinic_locale_of``: staff, the
  clinic joined first; a patient, their own; a guardian, their first child's), read once at
  sign-in and kept in the session. It is never written there again: a family's pages never
  write the session (their sign-in lasts WEB_SESSION_DAYS from signing in, and a write would
  restart it). A session signed in before this was kept is read for each request instead.
- The page decorators (web.access), which load the clinic anyway: a staff page is in the
  locale of the clinic whose zone it is in, a patient's page in that patient's clinic's, and a
  page about one patient in their clinic's (web.times.shown_in). So a locale an operator
  changes shows at the next page, and a guardian of children at two clinics reads each
  child's pages as that child's clinic writes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from programs.models import User
from programs.selectors import clinic_locale_of

# The signed-in person's clinic's locale, or "" for someone of no clinic.
LOCALE_KEY = "gradus_locale"


def _on_signed_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is not None and isinstance(user, User):
        session[LOCALE_KEY] = clinic_locale_of(user) or ""


user_logged_in.connect(_on_signed_in, dispatch_uid="web.locale")


def request_locale(request: HttpRequest) -> str:
    """The locale ``request``'s pages are written in; "" for the default."""
    # Without a session cookie nobody is signed in, and reading the session would add
    # "Vary: Cookie" to answers that never had it (the API's, signed in with a token).
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return ""
    kept = request.session.get(LOCALE_KEY)
    if isinstance(kept, str):
        return kept
    user = getattr(request, "user", None)
    if not (isinstance(user, User) and user.is_authenticated):
        return ""
    return clinic_locale_of(user) or ""


class ClinicLocaleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        locale = request_locale(request)
        if not locale:
            return self.get_response(request)
        with translation.override(locale):
            return self.get_response(request)
