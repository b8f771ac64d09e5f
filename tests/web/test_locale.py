"""Dates and times are written as the signed-in person's clinic writes them (Clinic.locale,
web/locale.py): a US clinic's pages say "3:30 PM" and "Wednesday, March 11", an en-gb
clinic's "15:30" and "Wednesday 11 March"; anonymous pages keep the default (US), and the
API's dates stay ISO 8601 in any locale.

The instant used, 19:30 UTC on 11 March 2026, is 3:30 in the afternoon in New York.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.utils import translation
from django.utils.formats import date_format, time_format

from programs.models import Clinic, User
from programs.selectors import clinic_locale_of
from programs.services import invitation_create
from tests.programs import factories
from web.locale import LOCALE_KEY, ClinicLocaleMiddleware

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]

INSTANT = datetime(2026, 3, 11, 19, 30, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]
FORMAT_MODULES = {"en-us": "config.formats.en.formats", "en-gb": "config.formats.en_GB.formats"}


@pytest.fixture
def now() -> datetime:
    return INSTANT


def _format_names(module: str) -> set[str]:
    return {name for name in vars(import_module(module)) if name.endswith("_FORMAT")}


def test_each_locale_names_the_same_formats() -> None:
    us, gb = (_format_names(module) for module in FORMAT_MODULES.values())
    assert us == gb
    assert {"DATE_FORMAT", "TIME_FORMAT", "WEEKDAY_DATE_FORMAT"} <= us


def test_every_format_the_code_names_is_in_each_locale() -> None:
    used: set[str] = set()
    for folder in ("web", "reminders", "programs"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in {".py", ".html", ".txt"} and "migrations" not in path.parts:
                used |= set(re.findall(r"\b([A-Z]+(?:_[A-Z]+)*_FORMAT)\b", path.read_text()))
    assert used, "no format named anywhere: the search is broken"
    for module in FORMAT_MODULES.values():
        assert used <= _format_names(module), module


@pytest.mark.parametrize(
    ("locale", "day", "short", "clock"),
    [
        ("en-us", "Wednesday, March 11", "Mar 11", "3:30 PM"),
        ("en-gb", "Wednesday 11 March", "11 Mar", "15:30"),
        ("es-us", "miércoles 11 de marzo", "11 mar", "3:30 p.m."),
        ("es", "miércoles 11 de marzo", "11 mar", "15:30"),
    ],
)
def test_each_locale_writes_dates_and_times_its_way(
    locale: str, day: str, short: str, clock: str
) -> None:
    with translation.override(locale):
        assert date_format(INSTANT.date(), "WEEKDAY_DATE_FORMAT") == day
        assert date_format(INSTANT.date(), "SHORT_MONTH_DAY_FORMAT") == short
        assert time_format(time(15, 30), "TIME_FORMAT") == clock


@pytest.mark.parametrize(
    ("locale", "when"),
    [("es-us", "11 de mar de 2026, 3:30 p.m."), ("es", "11 de mar de 2026, 15:30")],
)
def test_spanish_writes_a_months_short_name_in_lowercase(locale: str, when: str) -> None:
    with translation.override(locale):
        assert date_format(datetime(2026, 3, 11, 15, 30), "DATETIME_FORMAT") == when


def _staff_of(locale: str) -> tuple[User, Clinic]:
    clinic = factories.ClinicFactory.create(locale=locale)
    staff = factories.therapist(clinic=clinic)
    child = factories.patient(clinic=clinic, therapists=[staff])
    factories.AlertFactory.create(patient=child, kind="no_activity", message="No activity.")
    return staff, clinic


@pytest.mark.parametrize(
    ("locale", "raised"), [("en-us", "Mar 11, 2026, 3:30 PM"), ("en-gb", "11 Mar 2026, 15:30")]
)
def test_a_staff_page_writes_times_as_the_clinic_does(
    client: Client, locale: str, raised: str
) -> None:
    staff, _clinic = _staff_of(locale)
    client.force_login(staff)

    body = client.get("/clinic/alerts/").content.decode()

    assert f'Raised <time datetime="{INSTANT.isoformat()}">{raised}</time>' in body


@pytest.mark.parametrize(
    ("locale", "today"), [("en-us", "Wednesday, March 11"), ("en-gb", "Wednesday 11 March")]
)
def test_a_patients_and_a_guardians_pages_are_written_as_their_clinic_does(
    client: Client, locale: str, today: str
) -> None:
    child = factories.patient(clinic=factories.ClinicFactory.create(locale=locale), with_user=True)
    factories.active_program(patient=child)
    parent = factories.guardian(patient=child)
    assert child.user is not None and parent.user is not None

    for user in (child.user, parent.user):
        client.force_login(user)
        body = client.get(f"/p/{child.pk}/today/").content.decode()
        assert f'<p class="meta">{today}' in body, user


def test_the_middleware_picks_the_clinic_each_person_belongs_to() -> None:
    gb = factories.ClinicFactory.create(locale="en-gb")
    us = factories.ClinicFactory.create(locale="en-us")
    first_gb = factories.therapist(clinic=gb)
    factories.StaffMembershipFactory.create(user=first_gb, clinic=us)
    first_us = factories.therapist(clinic=us)
    factories.StaffMembershipFactory.create(user=first_us, clinic=gb)
    child = factories.patient(clinic=gb, with_user=True)
    parent = factories.guardian(patient=child)

    # Staff: the clinic joined first, as for their pages' zone.
    assert clinic_locale_of(first_gb) == "en-gb"
    assert clinic_locale_of(first_us) == "en-us"
    assert (clinic_locale_of(child.user), clinic_locale_of(parent.user)) == ("en-gb", "en-gb")  # type: ignore[arg-type]
    assert clinic_locale_of(factories.UserFactory.create()) is None


def test_anonymous_pages_keep_the_default_and_sign_in_keeps_the_clinics_in_the_session(
    client: Client,
) -> None:
    staff, clinic = _staff_of("en-gb")
    child = factories.patient(clinic=clinic)
    _invitation, token = invitation_create(actor=staff, patient=child, role="patient")
    anonymous = client.get(f"/accounts/invitation/{token}/").content.decode()
    assert "until March 18, 2026." in anonymous and LOCALE_KEY not in client.session

    client.force_login(staff)

    assert client.session[LOCALE_KEY] == "en-gb"
    assert "15:30" in client.get("/clinic/alerts/").content.decode()


def test_a_locale_an_operator_changes_shows_at_the_next_page_without_signing_in_again(
    client: Client,
) -> None:
    staff, clinic = _staff_of("en-us")
    child = factories.patient(clinic=clinic, with_user=True)
    factories.active_program(patient=child)
    assert child.user is not None
    family = Client()
    family.force_login(child.user)
    client.force_login(staff)
    Clinic.objects.filter(pk=clinic.pk).update(locale="en-gb")

    assert "15:30" in client.get("/clinic/alerts/").content.decode()
    assert "Wednesday 11 March" in family.get(f"/p/{child.pk}/today/").content.decode()


def test_a_guardian_reads_each_childs_pages_as_that_childs_clinic_writes(
    client: Client,
) -> None:
    parent = factories.UserFactory.create()
    days = {}
    for locale in ("en-gb", "en-us"):
        child = factories.patient(clinic=factories.ClinicFactory.create(locale=locale))
        factories.active_program(patient=child)
        factories.guardian(patient=child, user=parent)
        days[locale] = child.pk
    client.force_login(parent)

    gb = client.get(f"/p/{days['en-gb']}/today/").content.decode()
    us = client.get(f"/p/{days['en-us']}/today/").content.decode()

    assert '<p class="meta">Wednesday 11 March' in gb
    assert '<p class="meta">Wednesday, March 11' in us


def _locale_seen_by(request: HttpRequest) -> str:
    seen: list[str | None] = []

    def page(request: HttpRequest) -> HttpResponse:
        seen.append(translation.get_language())
        return HttpResponse()

    ClinicLocaleMiddleware(page)(request)
    return seen[0] or ""


def _request_with_session_of(client: Client, user: User | None) -> HttpRequest:
    if user is not None:
        client.force_login(user)
    request = RequestFactory().get("/")
    engine = import_module(settings.SESSION_ENGINE)
    request.session = engine.SessionStore(client.session.session_key)
    request.COOKIES[settings.SESSION_COOKIE_NAME] = client.session.session_key or ""
    request.user = user or AnonymousUser()
    return request


@pytest.mark.parametrize("locale", ["en-gb", "en-us"])
def test_the_middleware_activates_the_signed_in_persons_clinics_locale(
    client: Client, locale: str
) -> None:
    staff, _clinic = _staff_of(locale)

    assert _locale_seen_by(_request_with_session_of(client, staff)) == locale


def test_the_middleware_leaves_anonymous_requests_in_the_default() -> None:
    request = RequestFactory().get("/")
    request.user = AnonymousUser()

    assert _locale_seen_by(request) == settings.LANGUAGE_CODE == "en-us"


def test_the_middleware_reads_the_locale_of_a_session_signed_in_before_it_was_kept(
    client: Client, django_assert_max_num_queries: Any
) -> None:
    staff, _clinic = _staff_of("en-gb")
    request = _request_with_session_of(client, staff)
    del request.session[LOCALE_KEY]

    with django_assert_max_num_queries(2):  # the session, then the locale
        assert _locale_seen_by(request) == "en-gb"
    assert LOCALE_KEY not in request.session  # never written: a family's session is not


def test_the_api_writes_iso_8601_for_a_person_of_an_en_gb_clinic(client: Client) -> None:
    staff, _clinic = _staff_of("en-gb")
    client.force_login(staff)  # the API also takes a session

    response = client.get("/api/v1/alerts/")

    (alert,) = response.json()["results"]
    assert response.status_code == 200
    assert alert["created_at"] in {INSTANT.isoformat(), INSTANT.isoformat().replace("+00:00", "Z")}
