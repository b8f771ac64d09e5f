"""Idempotency-Key on the API's writes: a request sent again with its key is done once and
answered as the first time; the same key with another request is refused."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from programs.api.idempotency import IdempotentWrites
from programs.models import Alert, CheckIn, IdempotencyKey, Patient, Program
from programs.services import check_in_submit
from programs.services.idempotency import idempotency_keys_expire
from programs.tasks import expire_idempotency_keys
from tests.clients import client_for
from tests.clock import NOW
from tests.concurrency import at_once
from tests.programs.factories import active_program, clinician_of, patient

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]

RED_FLAG: dict[str, Any] = {"flare": False, "red_flags": ["fever"]}
KEY = "6f1c2e1a-0b7d-4c43-9d55-1f0e7a3c2b90"


def check_ins_url(person: Patient) -> str:
    return f"/api/v1/me/patients/{person.id}/check-ins/"


def post(client: APIClient, url: str, body: dict[str, Any], key: str | None = KEY) -> Any:
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(url, body, format="json", headers=headers)


def test_a_check_in_sent_twice_with_its_key_is_saved_once_with_one_alert(maya: Patient) -> None:
    client = client_for(maya.user)

    first = post(client, check_ins_url(maya), RED_FLAG)
    second = post(client, check_ins_url(maya), RED_FLAG)

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json() and second["Idempotent-Replayed"] == "true"
    assert CheckIn.objects.count() == 1 and Alert.objects.count() == 1


def test_the_same_body_in_another_key_order_is_the_same_request(maya: Patient) -> None:
    client = client_for(maya.user)
    post(client, check_ins_url(maya), {"flare": False, "red_flags": ["fever"]})
    again = post(client, check_ins_url(maya), {"red_flags": ["fever"], "flare": False})
    assert again.status_code == 201 and CheckIn.objects.count() == 1


def test_a_key_sent_with_another_body_is_refused_and_does_nothing(maya: Patient) -> None:
    client = client_for(maya.user)
    post(client, check_ins_url(maya), RED_FLAG)

    other = post(client, check_ins_url(maya), {"flare": True, "red_flags": ["rash"]})

    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert set(other.json()) == {"status", "code", "detail", "errors"}
    assert CheckIn.objects.count() == 1 and Alert.objects.count() == 1


def test_without_a_key_the_same_check_in_twice_is_two_check_ins(maya: Patient) -> None:
    client = client_for(maya.user)
    post(client, check_ins_url(maya), RED_FLAG, key=None)
    post(client, check_ins_url(maya), RED_FLAG, key=None)
    assert CheckIn.objects.count() == 2


def test_a_refused_request_lets_its_key_go_for_the_corrected_one(maya: Patient) -> None:
    client = client_for(maya.user)

    refused = post(client, check_ins_url(maya), {"flare": False, "red_flags": []})
    corrected = post(client, check_ins_url(maya), {**RED_FLAG})

    assert (refused.status_code, corrected.status_code) == (400, 201)
    assert CheckIn.objects.count() == 1


def test_a_key_belongs_to_the_user_who_sent_it(maya: Patient) -> None:
    brother = patient(with_user=True, clinic=maya.clinic)
    active_program(patient=brother)
    post(client_for(maya.user), check_ins_url(maya), RED_FLAG)
    theirs = post(client_for(brother.user), check_ins_url(brother), RED_FLAG)
    assert theirs.status_code == 201 and CheckIn.objects.count() == 2


def test_a_key_is_forgotten_after_24_hours(maya: Patient) -> None:
    client = client_for(maya.user)
    post(client, check_ins_url(maya), RED_FLAG)
    with time_machine.travel(NOW + timedelta(hours=25), tick=False):
        later = post(client, check_ins_url(maya), RED_FLAG)
        assert idempotency_keys_expire() == 0  # the repeat replaced the old one
    assert later.status_code == 201 and "Idempotent-Replayed" not in later
    assert CheckIn.objects.count() == 2


def test_old_keys_are_deleted_by_the_hourly_task(maya: Patient) -> None:
    post(client_for(maya.user), check_ins_url(maya), RED_FLAG)
    with time_machine.travel(NOW + timedelta(hours=23), tick=False):
        assert expire_idempotency_keys.apply().get() == 0
    with time_machine.travel(NOW + timedelta(hours=25), tick=False):
        assert expire_idempotency_keys.apply().get() == 1
    assert not IdempotencyKey.objects.exists()
    assert "programs.expire_idempotency_keys" in settings.CELERY_BEAT_SCHEDULE


def test_a_key_that_is_not_one_is_refused_naming_the_header(maya: Patient) -> None:
    response = post(client_for(maya.user), check_ins_url(maya), RED_FLAG, key="two words")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert not CheckIn.objects.exists()


def test_a_staff_write_sent_twice_with_its_key_is_done_once(maya: Patient) -> None:
    program = Program.objects.get(patient=maya)
    client = client_for(clinician_of(program))
    url = f"/api/v1/programs/{program.id}/pause/"

    first = post(client, url, {"reason": "Checking a rash"})
    second = post(client, url, {"reason": "Checking a rash"})

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json() == first.json()
    assert program.revisions.filter(reason__startswith="Paused").count() == 1


def test_a_token_client_gets_the_same_answer_again(maya: Patient) -> None:
    assert maya.user is not None
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=maya.user).key}")
    first = post(client, check_ins_url(maya), RED_FLAG)
    second = post(client, check_ins_url(maya), RED_FLAG)
    assert second.json()["id"] == first.json()["id"]


def _views(patterns: list[URLPattern | URLResolver], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _views(entry.url_patterns, prefix + str(entry.pattern))
        else:
            yield prefix + str(entry.pattern), entry.callback


WRITES = {"post", "put", "patch", "delete"}
# Writes anyone may send, before signing in: there is no user to hold a key. And signing out,
# which is the same however often it is sent, and after which the key's owner is gone.
ANONYMOUS_WRITES = {
    "api/v1/auth/token/",
    "api/v1/reminders/email-verifications/",
    "api/v1/auth/token/revoke/",
}


def test_every_api_view_that_writes_honours_the_key() -> None:
    checked, missing = [], []
    for route, callback in _views(get_resolver().url_patterns):
        view = getattr(callback, "cls", None)
        if not route.startswith("api/") or view is None or route in ANONYMOUS_WRITES:
            continue
        actions = getattr(callback, "actions", None)  # a viewset's routes: method -> action
        writes = WRITES & set(actions) if actions else {m for m in WRITES if hasattr(view, m)}
        if writes:
            checked.append(route)
            if not issubclass(view, IdempotentWrites):
                missing.append(route)
    assert missing == []
    assert len(checked) > 15  # me/, staff and reminders writes were all looked at


def test_the_schema_documents_the_optional_header_on_writes_only(maya: Patient) -> None:
    schema = client_for(maya.user).get("/api/schema/?format=json").json()
    check_ins = schema["paths"]["/api/v1/me/patients/{patient_id}/check-ins/"]

    header = next(p for p in check_ins["post"]["parameters"] if p["name"] == "Idempotency-Key")
    assert (header["in"], header.get("required", False)) == ("header", False)
    assert "422" in check_ins["post"]["responses"]
    assert all(p["name"] != "Idempotency-Key" for p in check_ins["get"].get("parameters", []))


@pytest.mark.requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_copies_sent_at_once_with_one_key_save_one_check_in() -> None:
    person = patient(with_user=True)
    active_program(patient=person, started_weeks_ago=1)
    assert person.user is not None
    token = Token.objects.create(user=person.user).key
    answers: list[tuple[int, int]] = []

    def send() -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        response = post(client, check_ins_url(person), RED_FLAG)
        answers.append((response.status_code, response.json()["id"]))

    at_once(send, send)

    assert len(answers) == 2 and answers[0] == answers[1]
    assert CheckIn.objects.count() == 1 and Alert.objects.count() == 1


@pytest.mark.requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_copies_of_one_web_form_sent_at_once_save_one_check_in() -> None:
    person = active_program(started_weeks_ago=1).patient
    actor = clinician_of(person.programs.get())
    saved: list[int] = []

    def send() -> None:
        result = check_in_submit(actor=actor, patient=person, submission_key="form1", **RED_FLAG)
        saved.append(result.check_in.pk)

    at_once(send, send)

    assert len(saved) == 2 and saved[0] == saved[1]
    assert CheckIn.objects.count() == 1 and Alert.objects.count() == 1


def test_a_write_with_a_query_longer_than_the_stored_path_is_kept_once(maya: Patient) -> None:
    client = client_for(maya.user)
    url = check_ins_url(maya) + "?note=" + "x" * 3000

    first = post(client, url, RED_FLAG)
    second = post(client, url, RED_FLAG)

    assert (first.status_code, second.status_code) == (201, 201)
    assert CheckIn.objects.count() == 1
