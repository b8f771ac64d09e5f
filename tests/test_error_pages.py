"""Our own 404 and 403 pages in development too, unless a developer asks for Django's
(DJANGO_DEBUG_PAGES); a refused page is logged once, as one line without a traceback."""

import logging

import pytest
from django.test import Client, override_settings

from tests.programs.factories import patient, therapist
from tests.test_settings import manage

pytestmark = pytest.mark.django_db

FRIENDLY_404 = "We could not find that page"
TECHNICAL_404 = "because you have <code>DEBUG = True</code>"


@override_settings(DEBUG=True)
def test_development_shows_our_404_for_an_address_nothing_answers(client: Client) -> None:
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert FRIENDLY_404 in response.content.decode()
    assert TECHNICAL_404 not in response.content.decode()


@override_settings(DEBUG=True)
def test_development_shows_our_404_for_a_record_that_is_not_there(client: Client) -> None:
    client.force_login(therapist())

    response = client.get("/clinic/patients/999999/")

    assert response.status_code == 404
    assert FRIENDLY_404 in response.content.decode()
    assert "Sign out" in response.content.decode()  # the page knows who is signed in


@override_settings(DEBUG=True)
def test_development_keeps_the_api_s_404_format(client: Client) -> None:
    response = client.get("/api/v1/patients/1.5/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@override_settings(DEBUG=True, DEBUG_PAGES=True)
def test_a_developer_may_ask_for_django_s_technical_404(client: Client) -> None:
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert TECHNICAL_404 in response.content.decode()


@override_settings(DEBUG=True)
def test_development_still_adds_the_slash_a_url_lacks(client: Client) -> None:
    response = client.get("/accounts/sign-in")

    assert response.status_code == 301
    assert response["Location"] == "/accounts/sign-in/"


def test_production_shows_our_404(client: Client) -> None:
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert FRIENDLY_404 in response.content.decode()


@override_settings(DEBUG=True)
def test_a_refused_page_shows_our_403_and_is_logged_once_without_a_traceback(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    person = patient(with_user=True)
    assert person.user is not None
    client.force_login(person.user)

    with caplog.at_level(logging.INFO):
        response = client.get("/clinic/")

    assert response.status_code == 403
    assert "This page is not for your account" in response.content.decode()
    refused = [record for record in caplog.records if record.name == "django.request"]
    assert [(r.levelname, r.getMessage(), r.exc_info) for r in refused] == [
        ("WARNING", "Forbidden (Permission denied): /clinic/", None)
    ]


LOG_A_REFUSAL = """
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.utils.log import log_response
try:
    raise PermissionDenied("These pages are for clinic staff.")
except PermissionDenied as error:
    log_response(
        "Forbidden (Permission denied): %s", "/clinic/",
        response=HttpResponse(status=403), exception=error,
    )
"""


@pytest.mark.slow
def test_development_prints_a_refusal_once_as_one_line() -> None:
    # A fresh process in development (DEBUG on), with the logging as a developer gets it.
    result = manage("shell", "--no-imports", "-c", LOG_A_REFUSAL)

    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert lines[0].endswith("WARNING django.request Forbidden (Permission denied): /clinic/")
