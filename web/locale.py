"""The language and locale a page is written in: the person's words, their clinic's formats.

A signed-in person reads their own language (``User.language``, chosen in their settings,
web.accounts.views.language), written as their clinic writes dates and times
(``Clinic.locale``): a Spanish-speaking parent at a US clinic reads "jueves 3 de diciembre,
3:30 p.m." (es-us), a therapist of an en-gb clinic "Thursday 3 December, 15:30" (en-gb). The
rule that makes one code of the two is ``programs.locale.locale_for``, shared with the API and
the reminders; ``page_locale`` below applies it for the pages.

Before sign-in, or for someone who has not chosen yet, the browser's language decides: the
language cookie the switch on the sign-in page sets (``language_switch``), else
Accept-Language (Django's LocaleMiddleware, among settings.LANGUAGES), written as a US
clinic writes (``settings.LANGUAGE_CODE``). Signing in with no language chosen keeps the
language of the page they signed in on as theirs. The API signed in with a token (no session
cookie) is in Accept-Language's language, or the token's person's when the header is absent
(programs.api.authentication); its dates are ISO 8601 in any locale.

Two places decide a signed-in person's code, neither with a query of its own:
- ``ClinicLocaleMiddleware``, for every request (the account pages, the admin, the browsable
  API too). The language is read from the person's row (``request.user``, which every page
  loads anyway), so a language changed on one phone is the language of every device at its
  next page, and nothing is written to the session for it. The clinic's locale
  (``clinic_locale_of``: staff, the clinic joined first; a patient, their own; a guardian,
  their first child's) is read once at sign-in and kept in the session. It is never written
  there again: a family's pages never write the session (their sign-in lasts
  WEB_SESSION_DAYS from signing in, and a write would restart it). A session signed in before
  this was kept is read for each request instead.
- The page decorators (web.access), which load the clinic anyway: a staff page is in the
  locale of the clinic whose zone it is in, a patient's page in that patient's clinic's, and a
  page about one patient in their clinic's (web.times.shown_in), each in the words the
  middleware chose. So a locale an operator changes shows at the next page, and a guardian of
  children at two clinics reads each child's pages as that child's clinic writes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from programs.locale import locale_for, words_of
from programs.models import User
from programs.selectors import clinic_locale_of
from programs.services import user_language_set

# The signed-in person's clinic's locale, or "" for someone of no clinic.
LOCALE_KEY = "gradus_locale"


def _on_signed_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if not isinstance(user, User):
        return
    session = getattr(request, "session", None)
    if session is not None:
        session[LOCALE_KEY] = clinic_locale_of(user) or ""
    if not user.language:
        # The language of the page they signed in on (the switch's, or their browser's).
        user_language_set(user=user, language=words_of(translation.get_language()))


user_logged_in.connect(_on_signed_in, dispatch_uid="web.locale")


def _signed_in(request: HttpRequest) -> User | None:
    # Without a session cookie nobody is signed in, and reading the session would add
    # "Vary: Cookie" to answers that never had it (the API's, signed in with a token).
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return None
    user = getattr(request, "user", None)
    return user if isinstance(user, User) and user.is_authenticated else None


def request_clinic_locale(request: HttpRequest, user: User | None) -> str:
    """The locale of the clinic ``request``'s signed-in person belongs to; "" for none."""
    if user is None:
        return ""
    kept = request.session.get(LOCALE_KEY)
    if isinstance(kept, str):
        return kept
    return clinic_locale_of(user) or ""


def request_locale(request: HttpRequest) -> str:
    """The code ``request``'s pages are written in (one of settings.LANGUAGES)."""
    user = _signed_in(request)
    # LocaleMiddleware's choice: the language cookie, else Accept-Language.
    browser = words_of(translation.get_language())
    language = (user.language if user is not None else "") or browser
    return locale_for(language, request_clinic_locale(request, user))


def page_locale(clinic_locale: str, language: str = "") -> str:
    """The code a page about a patient or a clinic of ``clinic_locale`` is written in: the
    words of ``language`` (the signed-in person's) or, when "" (not chosen), the request's
    (ClinicLocaleMiddleware's), with the clinic's formats."""
    return locale_for(language or words_of(translation.get_language()), clinic_locale)


class ClinicLocaleMiddleware:
    """After LocaleMiddleware, which leaves the browser's language active: this one puts the
    signed-in person's in its place, written as their clinic writes. Whatever a view
    activates inside (the API's token user, programs.api.authentication) ends with it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        locale = request_locale(request)
        with translation.override(locale):
            response = self.get_response(request)
            # What the answer is in; LocaleMiddleware would name the browser's language.
            response.headers.setdefault("Content-Language", translation.get_language())
        return response
