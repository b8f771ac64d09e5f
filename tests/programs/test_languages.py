"""A person's own language (User.language) and the one rule that turns it and their clinic's
locale into the code Django activates (programs.locale)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from rest_framework.test import APIClient

from programs.locale import html_lang, locale_for, words_of
from programs.models import Patient, User
from programs.services import user_language_set
from tests.clients import token_client_for
from tests.programs import factories


@pytest.mark.parametrize(
    ("language", "clinic", "code"),
    [
        ("en", "en-us", "en-us"),
        ("en", "en-gb", "en-gb"),
        ("es", "en-us", "es-us"),
        ("es", "en-gb", "es"),
        ("es", "", "es-us"),  # no clinic: written as a US clinic writes
        ("", "en-gb", "en-gb"),  # not chosen: the clinic's own
        ("", "", "en-us"),
    ],
)
def test_the_words_are_the_persons_and_the_formats_their_clinics(
    language: str, clinic: str, code: str
) -> None:
    assert locale_for(language, clinic) == code


def test_a_code_of_a_language_not_offered_reads_as_english() -> None:
    assert (words_of("es-US"), words_of("en-gb"), words_of("fr"), words_of(None)) == (
        "es",
        "en",
        "en",
        "en",
    )


def test_a_code_is_written_as_html_lang_writes_it() -> None:
    assert [html_lang(code) for code in ("en-us", "es-us", "es", "en_GB")] == [
        "en-US",
        "es-US",
        "es",
        "en-GB",
    ]


@pytest.mark.django_db
def test_a_person_chooses_their_language() -> None:
    user = factories.UserFactory.create()

    user_language_set(user=user, language="es")

    assert User.objects.get(pk=user.pk).language == "es"


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["fr", "", "es-us", None, 1])
def test_a_language_not_offered_is_refused_naming_the_field(value: object) -> None:
    user = factories.UserFactory.create(language="en")

    with pytest.raises(ValidationError) as refused:
        user_language_set(user=user, language=value)  # type: ignore[arg-type]

    assert list(refused.value.message_dict) == ["language"]
    assert User.objects.get(pk=user.pk).language == "en"


# -- The API ------------------------------------------------------------------------------------


def _check_in_refused(client: APIClient, patient: Patient, language: str = "") -> dict[str, Any]:
    """A check-in the API refuses, asked for in ``language`` (no Accept-Language if "")."""
    url = f"/api/v1/me/patients/{patient.id}/check-ins/"
    headers = {"Accept-Language": language} if language else {}
    response = client.post(url, {"flare_up": "maybe"}, format="json", headers=headers)
    assert response.status_code == 400
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.django_db
def test_the_api_answers_in_spanish_with_the_same_codes_and_fields(maya: Patient) -> None:
    client = token_client_for(maya.user)

    english = _check_in_refused(client, maya, "en")
    spanish = _check_in_refused(client, maya, "es")

    assert spanish["detail"] == "Los datos enviados no son válidos."
    assert (
        (spanish["status"], spanish["code"])
        == (english["status"], english["code"])
        == (
            400,
            "invalid",
        )
    )
    fields = [error["field"] for error in spanish["errors"]]
    assert fields == [error["field"] for error in english["errors"]] and "flare" in fields
    assert spanish["errors"][fields.index("flare")]["message"].startswith("Indique si hubo")


def test_the_api_refuses_a_visitor_without_a_token_in_their_language(db: None) -> None:
    response = APIClient().get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="es")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.json()["detail"] == "Las credenciales de autenticación no se proveyeron."


def test_an_api_address_of_nothing_answers_in_the_language_asked(db: None) -> None:
    response = APIClient().get("/api/v1/nothing-here/", HTTP_ACCEPT_LANGUAGE="es")

    assert response.status_code == 404
    assert (response.json()["code"], response.json()["detail"]) == ("not_found", "No se encontró.")


@pytest.mark.django_db
def test_a_token_without_accept_language_answers_in_the_persons_own(maya: Patient) -> None:
    assert maya.user is not None
    user_language_set(user=maya.user, language="es")
    client = token_client_for(maya.user)

    asked = _check_in_refused(client, maya, "en")
    without = _check_in_refused(client, maya)

    assert asked["detail"] == "The input is not valid."  # the header, when sent, decides
    assert without["detail"] == "Los datos enviados no son válidos."
    # The person's language ended with the request.
    assert translation.get_language() == settings.LANGUAGE_CODE


@pytest.mark.django_db
def test_a_token_of_someone_with_no_language_answers_in_english(maya: Patient) -> None:
    assert maya.user is not None and maya.user.language == ""

    assert _check_in_refused(token_client_for(maya.user), maya)["detail"] == (
        "The input is not valid."
    )


@pytest.mark.django_db
def test_the_apis_dates_stay_iso_8601_in_spanish(maya: Patient) -> None:
    assert maya.user is not None
    user_language_set(user=maya.user, language="es")

    response = token_client_for(maya.user).get(f"/api/v1/me/patients/{maya.id}/today/")

    assert response.status_code == 200
    assert response["Content-Language"] == "es-us"
    assert date.fromisoformat(response.json()["date"])
