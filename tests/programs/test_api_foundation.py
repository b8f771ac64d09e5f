import pytest
from django.test import Client
from rest_framework.test import APIClient

from programs.models import User


@pytest.fixture
def user(db: None) -> User:
    return User.objects.create_user("maya", password="a long demo password")


def test_it_gives_a_token_for_a_username_and_password(user: User) -> None:
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "maya", "password": "a long demo password"}
    )

    assert response.status_code == 200
    assert len(response.json()["token"]) == 40


def test_it_refuses_a_wrong_password_in_the_one_error_format(user: User) -> None:
    response = APIClient().post("/api/v1/auth/token/", {"username": "maya", "password": "nope"})

    body = response.json()
    assert response.status_code == 400
    assert body["code"] == "invalid" and body["status"] == 400
    assert body["errors"][0]["field"] is None


def test_it_names_the_missing_field(user: User) -> None:
    response = APIClient().post("/api/v1/auth/token/", {"username": "maya"})

    assert response.json()["errors"] == [
        {"field": "password", "message": "This field is required."}
    ]


def test_it_throttles_repeated_login_attempts(user: User) -> None:
    client = APIClient()
    statuses = [
        client.post("/api/v1/auth/token/", {"username": "maya", "password": "x"}).status_code
        for _ in range(12)
    ]

    assert statuses[-1] == 429
    assert set(statuses[:10]) == {400}


def test_it_serves_the_openapi_schema_and_its_docs_page_without_a_cdn(db: None) -> None:
    schema = Client().get("/api/schema/")
    docs = Client().get("/api/docs/")

    assert schema.status_code == 200 and b"openapi: 3" in schema.content
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower() and b"unpkg" not in docs.content.lower()


def test_it_answers_an_anonymous_request_with_401(db: None) -> None:
    response = APIClient().get("/api/v1/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
