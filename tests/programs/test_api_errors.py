"""Bodies the API cannot read (malformed, nested too deeply, too large) answer in the one error
format, on the token endpoint before anyone signs in and on an endpoint that needs a token."""

import json
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.test import RequestFactory
from rest_framework.test import APIClient

from config import urls
from programs.api.errors import bad_request, server_error
from programs.models import Patient, Program
from programs.services.common import local_today
from tests.clients import token_client_for
from tests.programs.factories import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
DEEP = b"[" * 1000 + b"]" * 1000


def signed_in(person: Patient) -> APIClient:
    return token_client_for(person.user)


def check_ins(person: Patient) -> str:
    return f"/api/v1/me/patients/{person.id}/check-ins/"


def test_json_nested_a_thousand_deep_is_a_400_on_the_token_endpoint(db: None) -> None:
    response = APIClient().post(TOKEN, DEEP, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {
        "status": 400,
        "code": "parse_error",
        "detail": "The body's JSON nests arrays and objects more than 32 levels deep.",
        "errors": [],
    }


def test_json_nested_a_thousand_deep_is_a_400_with_a_token(maya: Patient) -> None:
    response = signed_in(maya).post(check_ins(maya), DEEP, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert not maya.check_ins.exists()


def test_json_just_too_deep_is_refused_and_just_deep_enough_is_read(maya: Patient) -> None:
    assert maya.user is not None
    username = maya.user.username

    def nested(levels: int) -> str:
        extra = json.loads("[" * (levels - 1) + "]" * (levels - 1))
        return json.dumps({"username": username, "password": PASSWORD, "extra": extra})

    too_deep = APIClient().post(TOKEN, nested(33), content_type="application/json")
    deep_enough = APIClient().post(TOKEN, nested(32), content_type="application/json")

    assert too_deep.status_code == 400
    assert deep_enough.status_code == 200


def test_malformed_json_says_what_is_wrong(db: None) -> None:
    response = APIClient().post(TOKEN, b'{"username": ', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert response.json()["detail"].startswith("The body is not valid JSON: Expecting value")


def test_a_body_that_is_not_utf8_is_a_400(db: None) -> None:
    response = APIClient().post(TOKEN, b'{"username": "\xff"}', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["detail"] == "The body is not valid JSON: it is not UTF-8 text."


TEN_MB = 10 * 1024 * 1024


def test_a_ten_megabyte_body_is_a_413_on_the_token_endpoint(db: None) -> None:
    body = json.dumps({"username": "a" * TEN_MB, "password": "x"})

    response = APIClient().post(TOKEN, body, content_type="application/json")

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "status": 413,
        "code": "too_large",
        "detail": "The body is too large: this API reads at most "
        f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.",
        "errors": [],
    }


def test_a_ten_megabyte_form_is_a_413_with_a_token(maya: Patient) -> None:
    body = "note=" + "a" * TEN_MB

    response = signed_in(maya).post(
        check_ins(maya), body, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert not maya.check_ins.exists()


def test_a_ten_megabyte_json_body_is_a_413_with_a_token(maya: Patient) -> None:
    body = json.dumps({"note": "a" * TEN_MB})

    response = signed_in(maya).post(check_ins(maya), body, content_type="application/json")

    assert response.status_code == 413


def test_django_s_own_400_and_500_are_in_the_one_error_format_under_the_api() -> None:
    request = RequestFactory().post(TOKEN)

    too_large = bad_request(request, RequestDataTooBig("too big"))
    crashed = server_error(request)

    assert (urls.handler400, urls.handler500) == (
        "programs.api.errors.bad_request",
        "programs.api.errors.server_error",
    )
    assert (too_large.status_code, json.loads(too_large.content)["code"]) == (413, "too_large")
    assert (crashed.status_code, json.loads(crashed.content)["code"]) == (500, "error")


def test_django_s_own_400_stays_a_page_outside_the_api() -> None:
    response = bad_request(RequestFactory().post("/accounts/sign-in/"), RequestDataTooBig("big"))

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def test_the_schema_documents_413_where_a_body_is_read(db: None) -> None:
    paths = APIClient().get("/api/schema/?format=json").json()["paths"]

    assert "413" in paths[TOKEN]["post"]["responses"]
    assert "413" in paths["/api/v1/me/patients/{patient_id}/check-ins/"]["post"]["responses"]
    assert "413" not in paths["/api/v1/me/"]["get"]["responses"]


def log_naming_an_activity_twice(client: APIClient, person: Patient, **headers: Any) -> Any:
    session = Program.objects.get(patient=person).sessions.get(date=local_today(person))
    key = session.doses.select_related("program_activity")[0].program_activity.key
    twice = [{"activity": key, "amount": 5}, {"activity": key, "amount": 6}]
    return client.post(
        f"/api/v1/me/patients/{person.id}/sessions/{session.id}/log/",
        {"status": "done", "results": twice},
        format="json",
        **headers,
    )


@pytest.mark.usefixtures("frozen_clock")
def test_an_error_is_answered_in_the_language_the_request_accepts(maya: Patient) -> None:
    response = log_naming_an_activity_twice(signed_in(maya), maya, HTTP_ACCEPT_LANGUAGE="es")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["detail"] == "Los datos enviados no son válidos."
    assert response.json()["errors"] == [
        {"field": "results[1].activity", "message": "aparece dos veces"}
    ]
