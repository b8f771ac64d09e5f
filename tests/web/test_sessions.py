"""A staff session ends after WEB_STAFF_IDLE_MINUTES without a request; a family's lasts
WEB_SESSION_DAYS from signing in (web/accounts/idle.py)."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from programs.models import Patient
from tests.clock import NOW
from tests.programs.factories import UserFactory, therapist

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


def later(**delta: float) -> time_machine.travel:
    return time_machine.travel(NOW + timedelta(**delta), tick=False)


def test_a_staff_session_ends_after_thirty_idle_minutes_with_a_kind_word(client: Client) -> None:
    client.force_login(therapist())

    with later(minutes=30):
        response = client.get("/clinic/alerts/")
        page = client.get(response["Location"])

    assert response["Location"] == "/accounts/sign-in/?next=/clinic/alerts/"
    assert "_auth_user_id" not in client.session
    assert "You were signed out after 30 minutes without activity" in page.content.decode()


def test_a_form_sent_after_the_timeout_goes_to_the_sign_in_page(client: Client) -> None:
    client.force_login(therapist())

    with later(minutes=45):
        response = client.post("/clinic/alerts/1/acknowledge/")

    assert response["Location"] == "/accounts/sign-in/"
    assert "_auth_user_id" not in client.session


def test_a_staff_session_in_use_stays_signed_in(client: Client) -> None:
    client.force_login(therapist())

    statuses = []
    for minutes in range(0, 121, 20):
        with later(minutes=minutes):
            statuses.append(client.get("/clinic/").status_code)

    assert set(statuses) == {200}


def test_a_staff_session_writes_its_activity_at_most_once_a_minute(client: Client) -> None:
    client.force_login(therapist())

    def session_writes(**delta: float) -> int:
        with later(**delta), CaptureQueriesContext(connection) as queries:
            assert client.get("/clinic/").status_code == 200
        return sum(
            1
            for query in queries
            if "django_session" in query["sql"] and query["sql"].startswith("UPDATE")
        )

    assert session_writes(seconds=10) == 0
    assert session_writes(seconds=59) == 0
    assert session_writes(seconds=70) == 1
    assert session_writes(seconds=100) == 0


@override_settings(WEB_STAFF_IDLE_MINUTES=5)
def test_the_idle_time_is_a_setting(client: Client) -> None:
    client.force_login(therapist())

    with later(minutes=4, seconds=59):
        assert client.get("/clinic/").status_code == 200
    with later(minutes=10):
        assert client.get("/clinic/").status_code == 302


def test_an_idle_admin_session_ends_too(client: Client) -> None:
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))

    with later(minutes=31):
        response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/sign-in/")


def test_an_idle_staff_session_is_not_signed_in_on_the_api(client: Client) -> None:
    client.force_login(therapist())

    with later(minutes=31):
        response = client.get("/api/v1/caseload/")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_family_s_session_lasts_two_weeks_however_idle(client: Client, maya: Patient) -> None:
    assert maya.user is not None
    client.force_login(maya.user)

    with later(days=13, hours=23):
        idle_for_days = client.get(f"/p/{maya.pk}/week/")
    with later(days=14, minutes=1):
        two_weeks_on = client.get(f"/p/{maya.pk}/week/")

    assert idle_for_days.status_code == 200
    assert two_weeks_on.status_code == 302
    assert two_weeks_on["Location"].startswith("/accounts/sign-in/")


def test_a_family_s_pages_never_write_the_session(client: Client, maya: Patient) -> None:
    assert maya.user is not None
    client.force_login(maya.user)

    with later(hours=3), CaptureQueriesContext(connection) as queries:
        assert client.get(f"/p/{maya.pk}/week/").status_code == 200

    assert not [query for query in queries if query["sql"].startswith("UPDATE")]
