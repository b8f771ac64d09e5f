import pytest
from django.test import Client, override_settings
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
        for _ in range(7)
    ]

    # The web sign-in's limit: five wrong passwords for one username from one address.
    assert statuses[:5] == [400] * 5
    assert set(statuses[5:]) == {429}


def test_it_refuses_the_right_password_once_throttled_in_the_one_error_format(user: User) -> None:
    client = APIClient()
    for _ in range(5):
        client.post("/api/v1/auth/token/", {"username": "maya", "password": "x"})

    response = client.post(
        "/api/v1/auth/token/", {"username": "maya", "password": "a long demo password"}
    )

    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert "token" not in response.json()


def test_it_throttles_every_request_to_the_token_endpoint_per_address(db: None) -> None:
    client = APIClient()
    statuses = [
        client.post("/api/v1/auth/token/", {"username": f"nobody{n}", "password": "x"}).status_code
        for n in range(12)
    ]

    assert set(statuses[:10]) == {400}
    assert statuses[-1] == 429


def test_a_new_x_forwarded_for_on_each_try_is_still_throttled(user: User) -> None:
    client = APIClient()
    statuses = [
        client.post(
            "/api/v1/auth/token/",
            {"username": f"guess{n}", "password": "x"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        ).status_code
        for n in range(60)
    ]

    assert statuses.count(429) >= 40
    assert statuses[-1] == 429


@override_settings(NUM_PROXIES=1)
def test_behind_one_proxy_the_right_most_forwarded_address_is_the_client(user: User) -> None:
    client = APIClient(REMOTE_ADDR="10.0.0.1")  # the proxy
    for n in range(5):
        client.post(
            "/api/v1/auth/token/",
            {"username": "maya", "password": "x"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}, 198.51.100.7",
        )
    right = {"username": "maya", "password": "a long demo password"}

    same_client = client.post(
        "/api/v1/auth/token/", right, HTTP_X_FORWARDED_FOR="192.0.2.99, 198.51.100.7"
    )
    someone_else = client.post("/api/v1/auth/token/", right, HTTP_X_FORWARDED_FOR="198.51.100.8")

    assert same_client.status_code == 429
    assert someone_else.status_code == 200


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
