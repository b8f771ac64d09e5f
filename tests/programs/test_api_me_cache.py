"""Today's session is cached (programs/cache.py): every change that alters the answer shows
at once, every change that takes the access away is refused at once, and a warm cache answers
without a query."""

import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token, TokenProxy
from rest_framework.test import APIClient

from programs import cache as today_cache
from programs import services
from programs.models import Guardian, Patient, PlannedSession, Program, User
from programs.services.common import local_today
from programs.services.tokens import token_expires_at
from tests.clients import token_client_for
from tests.clock import NOW
from tests.programs import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


@pytest.fixture
def maya() -> Patient:
    return factories.maya_on_program(
        started_weeks_ago=2,
        activities=[factories.activity_choice(factories.ActivityFactory.create(name="Walking"))],
    )


def client_of(person: Patient) -> APIClient:
    return token_client_for(person.user)


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
    return factories.therapist(clinic=person.clinic)


def test_a_warm_cache_answers_without_a_query_with_the_same_body(maya: Patient) -> None:
    client = client_of(maya)
    cold = today_of(client, maya)

    with CaptureQueriesContext(connection) as queries:
        warm = today_of(client, maya)

    assert warm == cold
    assert len(queries) == 0


def test_a_log_shows_at_once(maya: Patient) -> None:
    client = client_of(maya)
    assert today_of(client, maya)["session"]["log"] is None

    factories.log_session(session_on(maya))

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

    services.dose_override(actor=staff_of(maya), dose=dose, amount=before - 2, reason="Exams week")

    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        assert today_of(client, maya)["session"]["doses"][0]["amount"] == before - 2


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
    stranger = factories.patient(with_user=True, clinic=maya.clinic)

    response = client_of(stranger).get(f"/api/v1/me/patients/{maya.id}/today/")

    assert response.status_code == 404


def test_the_browsable_api_still_renders_a_cached_answer(maya: Patient) -> None:
    client = client_of(maya)
    today_of(client, maya)

    response = client.get(f"/api/v1/me/patients/{maya.id}/today/", HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


# The grant: the token lookup and the access check are cached too, and every change that could
# take the access away shows at once.


def test_a_warm_cache_answers_with_the_same_headers(maya: Patient) -> None:
    client = client_of(maya)
    cold = client.get(f"/api/v1/me/patients/{maya.id}/today/")

    warm = client.get(f"/api/v1/me/patients/{maya.id}/today/")

    assert warm.content == cold.content
    assert dict(warm.headers) == dict(cold.headers)
    assert warm["Content-Type"] == "application/json"
    # Accept-Language too: an error answer is in the language asked for (LocaleMiddleware).
    assert (warm["Vary"], warm["Allow"]) == ("Accept, Accept-Language", "GET, HEAD, OPTIONS")


def test_a_guardian_s_warm_cache_answers_without_a_query(maya: Patient) -> None:
    parent = factories.guardian(patient=maya)
    client = token_client_for(parent.user)
    cold = client.get(f"/api/v1/me/patients/{maya.id}/today/").json()

    with CaptureQueriesContext(connection) as queries:
        warm = client.get(f"/api/v1/me/patients/{maya.id}/today/").json()

    assert warm == cold
    assert len(queries) == 0


def test_a_deleted_token_is_refused_at_once(maya: Patient) -> None:
    client = client_of(maya)
    today_of(client, maya)

    Token.objects.filter(user=maya.user).delete()

    response = client.get(f"/api/v1/me/patients/{maya.id}/today/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "authentication_failed"


def test_a_token_deleted_in_the_admin_is_refused_at_once(maya: Patient) -> None:
    client = client_of(maya)
    today_of(client, maya)

    TokenProxy.objects.filter(user=maya.user).delete()  # the admin's model for tokens

    assert client.get(f"/api/v1/me/patients/{maya.id}/today/").status_code == 401


def test_a_deactivated_user_is_refused_at_once(maya: Patient) -> None:
    client = client_of(maya)
    today_of(client, maya)
    assert maya.user is not None

    maya.user.is_active = False
    maya.user.save()

    response = client.get(f"/api/v1/me/patients/{maya.id}/today/")
    assert response.status_code == 401
    assert response.json()["detail"] == "User inactive or deleted."


def delete_the_user(parent: Guardian) -> None:
    assert parent.user is not None
    parent.user.delete()


def delete_the_guardian_link(parent: Guardian) -> None:
    Guardian.objects.filter(pk=parent.pk).delete()


def set_a_new_password(parent: Guardian) -> None:
    assert parent.user is not None
    parent.user.set_password("a brand new secret 77")
    parent.user.save()


@pytest.mark.parametrize(
    ("revoke", "status"),
    [
        pytest.param(delete_the_user, 401, id="a deleted user"),
        pytest.param(delete_the_guardian_link, 404, id="a deleted guardian link"),
        pytest.param(set_a_new_password, 401, id="a new password"),
    ],
)
def test_a_guardian_whose_access_is_revoked_is_refused_at_once(
    maya: Patient, revoke: Callable[[Guardian], None], status: int
) -> None:
    parent = factories.guardian(patient=maya)
    client = token_client_for(parent.user)
    assert client.get(f"/api/v1/me/patients/{maya.id}/today/").status_code == 200

    revoke(parent)

    assert client.get(f"/api/v1/me/patients/{maya.id}/today/").status_code == status


def test_a_guardian_link_given_to_another_user_is_refused_at_once(maya: Patient) -> None:
    parent = factories.guardian(patient=maya)
    client = token_client_for(parent.user)
    assert client.get(f"/api/v1/me/patients/{maya.id}/today/").status_code == 200

    parent.user = factories.UserFactory.create()
    parent.save()

    assert client.get(f"/api/v1/me/patients/{maya.id}/today/").status_code == 404


def test_a_guardian_link_moved_to_another_patient_is_refused_at_once(maya: Patient) -> None:
    parent = factories.guardian(patient=maya)
    client = token_client_for(parent.user)
    assert client.get(f"/api/v1/me/patients/{maya.id}/today/").status_code == 200

    parent.patient = factories.patient(clinic=maya.clinic)
    parent.save()

    assert client.get(f"/api/v1/me/patients/{maya.id}/today/").status_code == 404


def test_a_patient_s_account_given_to_another_user_is_refused_at_once(maya: Patient) -> None:
    client = client_of(maya)
    today_of(client, maya)

    maya.user = factories.UserFactory.create()
    maya.save()

    assert client.get(f"/api/v1/me/patients/{maya.id}/today/").status_code == 404


def test_a_guardian_sees_a_time_zone_changed_in_the_admin_at_once(maya: Patient) -> None:
    client = token_client_for(factories.guardian(patient=maya).user)
    # 15:00 UTC is already the next day in Auckland.
    assert client.get(f"/api/v1/me/patients/{maya.id}/today/").json()["date"] == "2026-03-11"

    maya.time_zone = "Pacific/Auckland"
    maya.save()  # as the admin does: no service, no patient_changed

    assert client.get(f"/api/v1/me/patients/{maya.id}/today/").json()["date"] == "2026-03-12"


def test_an_expired_token_is_refused_at_once_though_its_grant_is_cached(maya: Patient) -> None:
    client = client_of(maya)  # the token is issued now
    expiry = NOW + timedelta(days=settings.API_TOKEN_DAYS)
    with time_machine.travel(expiry - timedelta(seconds=30), tick=False):
        today_of(client, maya)
        with CaptureQueriesContext(connection) as queries:
            today_of(client, maya)  # answered from the grant
    assert len(queries) == 0

    with time_machine.travel(expiry + timedelta(seconds=30), tick=False):
        response = client.get(f"/api/v1/me/patients/{maya.id}/today/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["detail"] == "This token has expired. Sign in again for a new one."


def test_a_token_signed_out_is_refused_at_once(maya: Patient) -> None:
    client = client_of(maya)
    today_of(client, maya)

    assert client.post("/api/v1/auth/token/revoke/").status_code == 200

    response = client.get(f"/api/v1/me/patients/{maya.id}/today/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_a_grant_read_before_a_revocation_is_never_used(maya: Patient) -> None:
    """A request that read the token and the access just before a revocation committed stores
    its grant under the version it read first: no later request takes it."""
    client = client_of(maya)
    today_of(client, maya)  # the answer is cached
    token = Token.objects.get(user=maya.user)
    digest = today_cache.token_digest(token.key)
    version = today_cache.grant_version(digest)

    today_cache.tokens_changed([token.key])  # revoked meanwhile
    today_cache.store_grant(
        digest, maya.id, version, maya.time_zone, token_expires_at(token.created)
    )

    assert today_cache.lookup_today(digest, maya.id).body is None


def test_an_unusual_authorization_header_is_still_read_by_drf(maya: Patient) -> None:
    today_of(client_of(maya), maya)
    token = Token.objects.get(user=maya.user)
    url = f"/api/v1/me/patients/{maya.id}/today/"

    spaced = APIClient().get(url, HTTP_AUTHORIZATION=f"token  {token.key}")
    forged = APIClient().get(url, HTTP_AUTHORIZATION=f"Token {token.key}x")

    assert spaced.status_code == 200
    assert forged.status_code == 401


def test_indented_json_is_still_indented_from_the_cache(maya: Patient) -> None:
    client = client_of(maya)
    today_of(client, maya)

    response = client.get(
        f"/api/v1/me/patients/{maya.id}/today/", HTTP_ACCEPT="application/json; indent=2"
    )

    assert response.status_code == 200
    assert response.content.startswith(b'{\n  "date"')


@pytest.mark.requires_redis
def test_redis_answers_a_warm_request_alone_and_forgets_a_deleted_or_expired_token(
    maya: Patient,
) -> None:
    redis_cache = {
        "default": {
            "BACKEND": "config.cache.SharedClientRedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": f"test-today-{uuid.uuid4().hex}",
        }
    }
    with override_settings(CACHES=redis_cache):
        client = client_of(maya)
        cold = today_of(client, maya)
        with CaptureQueriesContext(connection) as queries:
            warm = today_of(client, maya)

        Token.objects.filter(user=maya.user).delete()
        revoked = client.get(f"/api/v1/me/patients/{maya.id}/today/")

        other = token_client_for(factories.guardian(patient=maya).user)
        expiry = NOW + timedelta(days=settings.API_TOKEN_DAYS)
        with time_machine.travel(expiry - timedelta(seconds=30), tick=False):
            today_of(other, maya)
        with time_machine.travel(expiry + timedelta(seconds=30), tick=False):
            expired = other.get(f"/api/v1/me/patients/{maya.id}/today/")

    assert (warm, len(queries)) == (cold, 0)
    assert revoked.status_code == 401
    assert expired.status_code == 401
