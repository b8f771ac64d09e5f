"""Each person reads gradus in their own language, written as their clinic writes dates and
times (web/locale.py, programs/locale.py): before sign-in the browser's language or the
switch on the sign-in page, after it the person's own (their settings page).

The instant used, 19:30 UTC on 11 March 2026, is 3:30 in the afternoon in New York.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.test import Client

from programs.models import Patient, User
from tests.programs import factories
from tests.reminders.factories import new_contact

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]

SIGN_IN = "/accounts/sign-in/"
SWITCH = "/accounts/language/switch/"
SETTINGS = "/accounts/language/"


@pytest.fixture
def now() -> datetime:
    return datetime(2026, 3, 11, 19, 30, tzinfo=UTC)


def _html_lang(body: str) -> str:
    found = re.search(r'<html lang="([^"]*)">', body)
    assert found is not None
    return found.group(1)


def _family(locale: str = "en-us", language: str = "") -> tuple[Patient, User]:
    """A child on a program at a clinic of ``locale``, and their guardian, who reads
    ``language``."""
    child = factories.patient(clinic=factories.ClinicFactory.create(locale=locale))
    factories.active_program(patient=child)
    parent = factories.guardian(patient=child, user=factories.UserFactory.create(language=language))
    assert parent.user is not None
    return child, parent.user


# -- Before sign-in -----------------------------------------------------------------------------


def test_the_sign_in_page_is_in_english_for_a_browser_that_asks_for_nothing(client: Client) -> None:
    body = client.get(SIGN_IN).content.decode()

    assert "<h1>Sign in</h1>" in body
    assert _html_lang(body) == "en-US"
    assert '<button type="submit" class="link" name="language" value="es" lang="es">Español' in body


def test_a_browser_that_asks_for_spanish_gets_the_sign_in_page_in_spanish(client: Client) -> None:
    response = client.get(SIGN_IN, HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9,en;q=0.5")

    body = response.content.decode()
    assert "<h1>Iniciar sesión</h1>" in body
    assert _html_lang(body) == "es-US"  # the words asked for, written as US clinics write
    assert response["Content-Language"] == "es-us"


def test_the_switch_on_the_sign_in_page_changes_its_language(client: Client) -> None:
    page = client.get(f"{SIGN_IN}?next=/clinic/").content.decode()
    assert 'action="/accounts/language/switch/"' in page
    assert 'name="next" value="/accounts/sign-in/?next=/clinic/"' in page

    switched = client.post(SWITCH, {"language": "es", "next": "/accounts/sign-in/?next=/clinic/"})

    assert switched.status_code == 302
    assert switched["Location"] == "/accounts/sign-in/?next=/clinic/"
    body = client.get(switched["Location"]).content.decode()
    assert "<h1>Iniciar sesión</h1>" in body
    assert 'value="es" lang="es" aria-current="true">Español' in body


def test_the_switch_wins_over_the_browsers_language(client: Client) -> None:
    client.post(SWITCH, {"language": "en", "next": SIGN_IN})

    body = client.get(SIGN_IN, HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "<h1>Sign in</h1>" in body


def test_the_switch_keeps_the_language_in_a_cookie_of_this_site_only(client: Client) -> None:
    response = client.post(SWITCH, {"language": "es", "next": SIGN_IN})

    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "es"
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_the_switch_refuses_a_language_not_offered_and_changes_nothing(client: Client) -> None:
    response = client.post(SWITCH, {"language": "fr", "next": SIGN_IN}, follow=True)

    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert "Choose English or Español." in response.content.decode()


def test_the_switch_never_sends_anyone_to_another_site(client: Client) -> None:
    response = client.post(SWITCH, {"language": "es", "next": "https://evil.example/"})

    assert response["Location"] == SIGN_IN


def test_the_switch_needs_a_post_with_the_pages_csrf_token() -> None:
    browser = Client(enforce_csrf_checks=True)

    assert browser.get(SWITCH).status_code == 405
    assert browser.post(SWITCH, {"language": "es", "next": SIGN_IN}).status_code == 403


def test_signing_in_with_no_language_chosen_keeps_the_sign_in_pages(client: Client) -> None:
    person = factories.UserFactory.create(language="")
    client.post(SWITCH, {"language": "es", "next": SIGN_IN})

    client.post(SIGN_IN, {"username": person.username, "password": factories.PASSWORD})

    assert User.objects.get(pk=person.pk).language == "es"


def test_signing_in_keeps_a_language_chosen_before(client: Client) -> None:
    person = factories.UserFactory.create(language="en")

    client.post(
        SIGN_IN,
        {"username": person.username, "password": factories.PASSWORD},
        HTTP_ACCEPT_LANGUAGE="es",
    )

    assert User.objects.get(pk=person.pk).language == "en"


# -- Signed in ----------------------------------------------------------------------------------


def test_a_spanish_speaking_guardian_at_a_us_clinic_reads_spanish_with_us_times(
    client: Client,
) -> None:
    child, parent = _family("en-us", "es")
    new_contact(patient=child, guardian=child.guardians.get())
    client.force_login(parent)

    today = client.get(f"/p/{child.pk}/today/").content.decode()
    reminders = client.get(f"/p/{child.pk}/reminders/").content.decode()

    assert "<h1>Hoy</h1>" in today
    assert '<p class="meta">miércoles 11 de marzo' in today
    assert _html_lang(today) == "es-US"
    assert "8 p.m. a 9 a.m." in reminders  # the quiet hours, 12-hour as US clinics write


def test_a_spanish_speaking_guardian_at_an_en_gb_clinic_reads_the_24_hour_clock(
    client: Client,
) -> None:
    child, parent = _family("en-gb", "es")
    new_contact(patient=child, guardian=child.guardians.get())
    client.force_login(parent)

    reminders = client.get(f"/p/{child.pk}/reminders/").content.decode()

    assert "20:00 a 09:00" in reminders
    assert _html_lang(reminders) == "es"


def test_the_browsers_language_does_not_override_the_persons_own(client: Client) -> None:
    child, parent = _family("en-us", "en")
    client.force_login(parent)

    body = client.get(f"/p/{child.pk}/today/", HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "<h1>Today</h1>" in body


def test_a_spanish_speaking_therapist_reads_the_staff_pages_in_spanish() -> None:
    clinic = factories.ClinicFactory.create(locale="en-us")
    staff = factories.therapist(clinic=clinic, language="es")
    child = factories.patient(clinic=clinic, therapists=[staff])
    factories.AlertFactory.create(patient=child, kind="no_activity", message="No activity.")
    client = Client()
    client.force_login(staff)

    body = client.get("/clinic/alerts/").content.decode()

    assert re.search(r"<time [^>]*>11 de mar de 2026, 3:30 p\.m\.</time>", body, re.IGNORECASE)
    assert _html_lang(body) == "es-US"


def test_every_signed_in_page_links_to_the_language_settings(client: Client) -> None:
    child, parent = _family()
    client.force_login(parent)

    body = client.get(f"/p/{child.pk}/today/").content.decode()

    assert f'href="{SETTINGS}"' in body
    assert 'action="/accounts/language/switch/"' not in body


def test_the_settings_page_offers_each_language_in_its_own_words(client: Client) -> None:
    _child, parent = _family(language="en")
    client.force_login(parent)

    body = client.get(SETTINGS).content.decode()

    assert '<label for="id_language_1" lang="es">' in body
    assert 'value="en" id="id_language_0" required checked' in body


def test_a_language_changed_in_the_settings_shows_at_the_next_page(client: Client) -> None:
    child, parent = _family("en-us", "en")
    client.force_login(parent)
    session_key = client.session.session_key

    saved = client.post(SETTINGS, {"language": "es"})
    today = client.get(f"/p/{child.pk}/today/")

    assert saved.status_code == 302 and saved["Location"] == SETTINGS
    assert User.objects.get(pk=parent.pk).language == "es"
    assert "<h1>Hoy</h1>" in today.content.decode()
    # Nothing was written to the session: a family's sign-in still ends when it would have.
    assert client.session.session_key == session_key
    assert settings.SESSION_COOKIE_NAME not in saved.cookies
    assert settings.SESSION_COOKIE_NAME not in today.cookies


def test_the_settings_say_the_change_was_saved_in_the_language_chosen(client: Client) -> None:
    _child, parent = _family("en-us", "en")
    client.force_login(parent)

    page = client.post(SETTINGS, {"language": "es"}, follow=True).content.decode()

    assert "Idioma guardado." in page
    assert "<h1>Idioma</h1>" in page


def test_a_language_changed_on_one_device_shows_on_every_other(client: Client) -> None:
    child, parent = _family("en-us", "en")
    client.force_login(parent)
    other = Client()
    other.force_login(parent)

    client.post(SETTINGS, {"language": "es"})

    assert "<h1>Hoy</h1>" in other.get(f"/p/{child.pk}/today/").content.decode()


def test_a_language_not_offered_is_refused_naming_the_field(client: Client) -> None:
    _child, parent = _family("en-us", "en")
    client.force_login(parent)

    response = client.post(SETTINGS, {"language": "fr"})

    body = response.content.decode()
    assert response.status_code == 400
    assert '<a href="#id_language">' in body
    assert re.search(r'id="id_language_error_1">This must be one of the languages offered', body)
    assert User.objects.get(pk=parent.pk).language == "en"


def test_the_settings_page_asks_anonymous_visitors_to_sign_in(client: Client) -> None:
    response = client.get(SETTINGS)

    assert response.status_code == 302
    assert response["Location"].startswith(f"{SIGN_IN}?next=")


def test_a_person_who_never_chose_reads_their_browsers_language(client: Client) -> None:
    child, parent = _family("en-us")
    User.objects.filter(pk=parent.pk).update(language="")  # signed in before languages
    client.force_login(parent)
    User.objects.filter(pk=parent.pk).update(language="")

    body = client.get(f"/p/{child.pk}/today/", HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "<h1>Hoy</h1>" in body


def test_a_guardian_of_children_at_two_clinics_reads_each_in_their_own_words(
    client: Client,
) -> None:
    parent = factories.UserFactory.create(language="es")
    children = {}
    for locale in ("en-gb", "en-us"):
        child = factories.patient(clinic=factories.ClinicFactory.create(locale=locale))
        factories.guardian(patient=child, user=parent)
        new_contact(patient=child, guardian=child.guardians.get())
        children[locale] = child.pk
    client.force_login(parent)

    gb = client.get(f"/p/{children['en-gb']}/reminders/").content.decode()
    us = client.get(f"/p/{children['en-us']}/reminders/").content.decode()

    assert "20:00 a 09:00" in gb
    assert "8 p.m. a 9 a.m." in us
