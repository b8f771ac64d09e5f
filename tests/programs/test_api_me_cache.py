"""Today's session is cached (programs/cache.py): every change that alters the answer shows
at once, and a warm cache answers in two queries (the token, the access check)."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from programs import services
from programs.models import Patient, PlannedSession, Program, User
from programs.services.common import local_today
from tests.programs.factories import (
    ActivityFactory,
    active_program,
    activity_choice,
    log_session,
    patient,
    therapist,
)

pytestmark = pytest.mark.django_db

# A Wednesday afternoon in New York, the clinics' default time zone.
NOW = datetime(2026, 3, 11, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen_clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def maya() -> Patient:
    person = patient(with_user=True, first_name="Maya")
    active_program(
        patient=person,
        started_weeks_ago=2,
        activities=[activity_choice(ActivityFactory.create(name="Walking"))],
    )
    return person


def client_of(person: Patient) -> APIClient:
    assert person.user is not None
    client = APIClient()
    token = Token.objects.create(user=person.user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def today_of(client: APIClient, person: Patient) -> dict:
    response = client.get(f"/api/v1/me/patients/{person.id}/today/")
    assert response.status_code == 200
    body: dict = response.json()
    return body


def program_of(person: Patient) -> Program:
    return Program.objects.get(patient=person)


def session_on(person: Patient, days_ahead: int = 0) -> PlannedSession:
    day = local_today(person) + timedelta(days=days_ahead)
    return program_of(person).sessions.get(date=day)


def staff_of(person: Patient) -> User:
    return therapist(clinic=person.clinic)


def test_a_warm_cache_answers_in_two_queries_with_the_same_body(maya: Patient) -> None:
    client = client_of(maya)
    cold = today_of(client, maya)

    with CaptureQueriesContext(connection) as queries:
        warm = today_of(client, maya)

    assert warm == cold
    assert len(queries) <= 2


def test_a_log_shows_at_once(maya: Patient) -> None:
    client = client_of(maya)
    assert today_of(client, maya)["session"]["log"] is None

    log_session(session_on(maya))

    assert today_of(client, maya)["session"]["log"]["status"] == "done"


def test_a_log_through_the_api_shows_at_once(maya: Patient) -> None:
    client = client_of(maya)
    session = today_of(client, maya)["session"]

    response = client.post(
        f"/api/v1/me/patients/{maya.id}/sessions/{session['id']}/log/",
        {"status": "missed", "results": []},
        format="json",
    )

    assert response.status_code == 201
    assert today_of(client, maya)["session"]["log"]["status"] == "missed"


def test_an_override_changes_the_amount_at_once(maya: Patient) -> None:
    client = client_of(maya)
    # Only future doses can be overridden: look at tomorrow from tomorrow.
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        before = today_of(client, maya)["session"]["doses"][0]["amount"]
    dose = session_on(maya, days_ahead=1).doses.get()

    services.dose_override(actor=staff_of(maya), dose=dose, amount=before + 7, reason="Doing well")

    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        assert today_of(client, maya)["session"]["doses"][0]["amount"] == before + 7


def test_a_pause_changes_the_status_at_once(maya: Patient) -> None:
    client = client_of(maya)
    assert today_of(client, maya)["session"]["program_status"] == "active"

    services.program_pause(actor=staff_of(maya), program=program_of(maya), reason="Flare")

    assert today_of(client, maya)["session"]["program_status"] == "paused"


def test_a_discharge_takes_tomorrow_s_session_away_at_once(maya: Patient) -> None:
    client = client_of(maya)
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        assert today_of(client, maya)["session"] is not None

    services.program_discharge(actor=staff_of(maya), program=program_of(maya))

    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        body = today_of(client, maya)
    assert body["session"] is None
    assert body["next_session_date"] is None


def test_a_new_local_day_gives_a_new_session(maya: Patient) -> None:
    client = client_of(maya)
    first = today_of(client, maya)

    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        second = today_of(client, maya)

    assert second["date"] == (local_today(maya) + timedelta(days=1)).isoformat()
    assert second["session"]["id"] != first["session"]["id"]


def test_a_new_time_zone_shows_at_once(maya: Patient) -> None:
    client = client_of(maya)
    # 15:00 UTC is already the next day in Auckland.
    assert today_of(client, maya)["date"] == "2026-03-11"

    services.patient_update(actor=staff_of(maya), patient=maya, time_zone="Pacific/Auckland")

    assert today_of(client, maya)["date"] == "2026-03-12"


def test_an_activity_s_new_instructions_show_at_once(maya: Patient) -> None:
    client = client_of(maya)
    today_of(client, maya)
    activity = program_of(maya).activities.get().activity
    activity.clinic = maya.clinic
    activity.save()

    services.activity_update(activity=activity, instructions="Walk with a friend.")

    assert today_of(client, maya)["session"]["doses"][0]["instructions"] == "Walk with a friend."


def test_a_cached_answer_is_not_shown_to_anyone_else(maya: Patient) -> None:
    today_of(client_of(maya), maya)
    stranger = patient(with_user=True, clinic=maya.clinic)

    response = client_of(stranger).get(f"/api/v1/me/patients/{maya.id}/today/")

    assert response.status_code == 404


def test_the_browsable_api_still_renders_a_cached_answer(maya: Patient) -> None:
    client = client_of(maya)
    today_of(client, maya)

    response = client.get(f"/api/v1/me/patients/{maya.id}/today/", HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
