from unittest import mock

import pytest
from django.db import OperationalError, connections
from django.test import Client
from pytest_django import Settings


@pytest.mark.django_db
@pytest.mark.requires_redis
def test_it_says_ok_when_the_database_and_redis_answer(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}


@pytest.mark.django_db
def test_it_names_redis_when_redis_does_not_answer(
    client: Client, settings: Settings, closed_port: int
) -> None:
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port}/0"

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "ok",
        "redis": "unavailable: ConnectionError",
    }


@pytest.mark.django_db
def test_it_names_the_database_when_the_database_does_not_answer(client: Client) -> None:
    refused = OperationalError("connection refused")
    with mock.patch.object(connections["default"], "cursor", side_effect=refused):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["database"] == "unavailable: OperationalError"


def test_it_only_answers_reads(client: Client) -> None:
    response = client.post("/healthz")

    assert response.status_code == 405
