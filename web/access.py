"""Who a web page is for, decided once per request through the selectors' visibility rules.

Patient pages carry the patient's id in their URL (/p/<id>/...), so a guardian of two children
can keep a page for each open and every link says whose it is. `patient_page` resolves that id
through `programs.access.access_household`, which also lists the other children for the
switcher, in one query (with the patient's clinic, whose locale the page is written in, in
the signed-in person's language). Staff pages go through `staff_page`, which loads the user's
clinic memberships once, and shows the page's times in the clinic's zone and locale
(web.locale).

Every object a page names by id is looked up through its access function (programs.access,
reminders.access); both decorators turn the ``AccessDenied`` it raises into the page's 404
(an object hidden from the user, as for an id of nothing) or 403 (seen, but not theirs to
change).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, Concatenate, ParamSpec

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation

from programs.access import AccessDenied, access_household
from programs.models import Clinic, Patient, StaffMembership, User
from web.locale import page_locale
from web.times import shown_in, staff_locale, staff_zone

P = ParamSpec("P")
# Which child a guardian looked at last, so "/" brings them back to it. A cookie rather than
# the session: writing the session would cost every switch three queries, and the value is
# only a preference (every page checks access itself).
PATIENT_COOKIE = "gradus_patient"


@dataclass(frozen=True)
class Household:
    """The patient a page is about, and every patient the signed-in user acts for.

    Each patient carries ``relation`` ("self" or the guardian's relation) and
    ``program_status`` from ``patients_acted_for_summary``.
    """

    patient: Patient
    members: list[Patient]

    @property
    def others(self) -> list[Patient]:
        return [member for member in self.members if member.pk != self.patient.pk]

    @property
    def is_self(self) -> bool:
        return getattr(self.patient, "relation", None) == "self"


@dataclass(frozen=True)
class StaffContext:
    memberships: list[StaffMembership] = field(default_factory=list)

    @property
    def clinics(self) -> list[Clinic]:
        return [membership.clinic for membership in self.memberships]

    @property
    def time_zone(self) -> str:
        return staff_zone(self.memberships)

    @property
    def locale(self) -> str:
        return staff_locale(self.memberships)

    @property
    def is_clinic_admin(self) -> bool:
        return any(
            membership.role == StaffMembership.Role.CLINIC_ADMIN for membership in self.memberships
        )


class WebRequest(HttpRequest):
    """An HttpRequest as the decorators below leave it (for type checking only)."""

    user: User
    household: Household
    staff: StaffContext


def signed_in_user(request: HttpRequest) -> User | None:
    user = getattr(request, "user", None)
    return user if isinstance(user, User) and user.is_authenticated else None


def as_http(denied: AccessDenied) -> Exception:
    """An access function's refusal as a page answers it."""
    if denied.hidden:
        return Http404(denied.detail or "Not found.")
    return PermissionDenied(denied.detail)


def household_for(user: User, patient_id: object) -> Household:
    if not isinstance(patient_id, int):
        raise AccessDenied()
    patient, members = access_household(user, patient_id)
    return Household(patient=patient, members=members)


def remembered_patient(request: HttpRequest) -> int | None:
    value = request.COOKIES.get(PATIENT_COOKIE, "")
    # isdigit alone lets through digits int() refuses, such as "²".
    return int(value) if value.isascii() and value.isdigit() else None


def remember_patient(request: HttpRequest, response: HttpResponse, patient_id: int) -> None:
    if remembered_patient(request) != patient_id:
        response.set_cookie(
            PATIENT_COOKIE,
            str(patient_id),
            max_age=365 * 24 * 60 * 60,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )


def patient_page(
    view: Callable[Concatenate[WebRequest, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """A page about the patient named by the URL's ``patient_id``, for that patient or their
    guardian, in the person's language and their clinic's locale. Anyone else gets 404, so
    an id reveals nothing; anonymous visitors sign in."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        user = signed_in_user(request)
        if user is None:
            return redirect_to_login(request.get_full_path())
        try:
            household = household_for(user, kwargs.get("patient_id"))
        except AccessDenied:
            raise Http404("No such patient.") from None
        web_request: Any = request
        web_request.household = household
        try:
            # In the person's words, written as the patient's clinic writes dates and times
            # (web.locale).
            with translation.override(page_locale(household.patient.clinic.locale, user.language)):
                response = view(web_request, *args, **kwargs)
        except AccessDenied as denied:
            raise as_http(denied) from None
        remember_patient(request, response, household.patient.pk)
        return response

    return wrapper


def staff_page(
    view: Callable[Concatenate[WebRequest, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """A page for a clinic's therapists and admins; anyone else gets 403. The page's times are
    in the clinic's zone and written as it writes them (web.times)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        user = signed_in_user(request)
        if user is None:
            return redirect_to_login(request.get_full_path())
        memberships = list(StaffMembership.objects.filter(user=user).select_related("clinic"))
        if not memberships:
            raise PermissionDenied("These pages are for clinic staff.")
        web_request: Any = request
        web_request.staff = StaffContext(memberships=memberships)
        with shown_in(web_request.staff.time_zone, web_request.staff.locale):
            try:
                return view(web_request, *args, **kwargs)
            except AccessDenied as denied:
                raise as_http(denied) from None

    return wrapper
