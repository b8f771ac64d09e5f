"""/api/v1/me/: who I am, today's session, upcoming sessions and logging, for patients and
guardians, and nobody else's."""

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from programs.models import Activity, Guardian, Patient, Program, SessionLog, User
from programs.services import program_discharge, program_pause
from programs.services.common import local_today
from tests.clients import client_for, token_client_for
from tests.clock import NOW
from tests.programs.factories import (
    ActivityFactory,
    ClinicFactory,
    UserFactory,
    active_program,
    activity_choice,
    clinician_of,
    guardian,
    log_session,
    maya_on_program,
    patient,
    therapist,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


def account(person: Patient) -> User:
    assert person.user is not None
    return person.user


def today_url(person: Patient) -> str:
    return f"/api/v1/me/patients/{person.id}/today/"


def log_url(person: Patient, session_id: int) -> str:
    return f"/api/v1/me/patients/{person.id}/sessions/{session_id}/log/"


def stair_climbing() -> Activity:
    return ActivityFactory.create(
        name="Stairs",
        kind="functional",
        unit="repetitions",
        instructions="Up and down one flight, holding the rail if you like.",
        media_url="https://example.org/stairs.mp4",
    )


@pytest.fixture
def maya() -> Patient:
    """A 14-year-old with an account and a program that started two weeks ago."""
    return maya_on_program(
        started_weeks_ago=2,
        activities=[
            activity_choice(ActivityFactory.create(name="Walking")),
            activity_choice(stair_climbing(), baseline_trials=[20, 20, 20], goal_quota=60),
        ],
        goals="Walk to school with my friends.",
    )


# -- Who I am -------------------------------------------------------------------------------


def test_it_tells_a_patient_who_they_are_and_that_they_act_for_themselves(maya: Patient) -> None:
    response = client_for(account(maya)).get("/api/v1/me/")

    body = response.json()
    assert response.status_code == 200
    assert body["roles"] == ["patient"]
    assert body["patients"] == [
        {"id": maya.id, "first_name": "Maya", "relation": "self", "program_status": "active"}
    ]


def test_it_lists_each_child_of_a_guardian_with_the_relation(maya: Patient) -> None:
    sister = patient(clinic=maya.clinic, first_name="Zoe")
    mother = guardian(patient=maya, relation=Guardian.Relation.MOTHER).user
    assert mother is not None
    guardian(patient=sister, user=mother, relation=Guardian.Relation.MOTHER)

    body = client_for(mother).get("/api/v1/me/").json()

    assert body["roles"] == ["guardian"]
    children = {(p["first_name"], p["relation"], p["program_status"]) for p in body["patients"]}
    assert children == {("Maya", "mother", "active"), ("Zoe", "mother", None)}


def test_it_refuses_a_staff_member_who_is_neither_patient_nor_guardian(maya: Patient) -> None:
    staff = therapist(clinic=maya.clinic)

    assert client_for(staff).get("/api/v1/me/").status_code == 403
    assert client_for(staff).get(today_url(maya)).status_code == 403


def test_it_lets_a_staff_member_who_is_also_a_parent_act_for_their_child(maya: Patient) -> None:
    parent = therapist(clinic=maya.clinic)
    guardian(patient=maya, user=parent)

    me = client_for(parent).get("/api/v1/me/").json()

    assert me["roles"] == ["guardian", "staff"]
    assert client_for(parent).get(today_url(maya)).status_code == 200


def test_it_refuses_an_anonymous_request(maya: Patient) -> None:
    assert APIClient().get("/api/v1/me/").status_code in (401, 403)
    assert APIClient().get(today_url(maya)).status_code in (401, 403)


# -- Who may act for whom -------------------------------------------------------------------


def test_it_lets_a_guardian_of_two_children_act_for_each_and_no_third(maya: Patient) -> None:
    brother = patient(clinic=maya.clinic)
    active_program(patient=brother, started_weeks_ago=1)
    stranger = patient(clinic=maya.clinic)
    parent = guardian(patient=maya).user
    assert parent is not None
    guardian(patient=brother, user=parent)
    client = client_for(parent)

    assert client.get(today_url(maya)).json()["session"] is not None
    assert client.get(today_url(brother)).json()["session"] is not None
    assert client.get(today_url(stranger)).status_code == 404


def test_it_hides_a_patient_of_another_clinic_behind_a_404(maya: Patient) -> None:
    elsewhere = patient(clinic=ClinicFactory.create(), with_user=True)
    active_program(patient=elsewhere)

    response = client_for(account(maya)).get(today_url(elsewhere))

    assert response.status_code == 404
    assert response.json()["errors"] == []


def test_it_answers_404_for_every_patient_endpoint_of_someone_else(maya: Patient) -> None:
    other = patient(clinic=maya.clinic, with_user=True)
    session = active_program(patient=other).sessions.get(date=local_today(other))
    client = client_for(account(maya))
    base = f"/api/v1/me/patients/{other.id}"

    assert client.get(f"{base}/sessions/").status_code == 404
    assert client.get(f"{base}/check-ins/").status_code == 404
    assert client.post(f"{base}/check-ins/", {"mood": 3}).status_code == 404
    assert client.get(f"{base}/progress/").status_code == 404
    assert client.post(f"{base}/sessions/{session.id}/log/", {"status": "done"}).status_code == 404


def test_it_answers_404_for_a_patient_id_too_large_for_the_database(maya: Patient) -> None:
    response = client_for(account(maya)).get("/api/v1/me/patients/99999999999999999999/today/")

    assert response.status_code == 404


# -- Today ----------------------------------------------------------------------------------


def test_it_shows_a_patient_today_s_session_with_each_dose(maya: Patient) -> None:
    response = client_for(account(maya)).get(today_url(maya))

    body = response.json()
    assert response.status_code == 200
    assert body["date"] == "2026-03-11"
    session = body["session"]
    assert (session["date"], session["week"], session["phase"]) == ("2026-03-11", 3, "build")
    assert session["log"] is None
    walking, stairs = session["doses"]
    assert walking["activity"] == "walking" and walking["unit"] == "minutes"
    assert walking["heart_rate"]["low"] < walking["heart_rate"]["high"]
    assert 0 <= walking["exertion"]["low"] <= walking["exertion"]["high"] <= 10
    assert stairs == {
        "activity": "stairs",
        "name": "Stairs",
        "kind": "functional",
        "amount": stairs["amount"],
        "unit": "repetitions",
        "times_per_day": 1,
        "heart_rate": None,
        "exertion": None,
        "instructions": "Up and down one flight, holding the rail if you like.",
        "media_url": "https://example.org/stairs.mp4",
        "bouts": None,  # once a day (tests/programs/test_api_me_guided.py has the others)
    }


def test_it_uses_the_patient_s_own_time_zone_for_today(db: None) -> None:
    # 15:00 UTC is already the next day in Auckland.
    kiwi = patient(clinic=ClinicFactory.create(time_zone="Pacific/Auckland"), with_user=True)
    active_program(patient=kiwi, started_days_ago=3)

    body = client_for(account(kiwi)).get(today_url(kiwi)).json()

    assert body["date"] == "2026-03-12"
    assert body["session"]["date"] == "2026-03-12"


def test_it_gives_the_next_session_s_date_when_there_is_none_today(db: None) -> None:
    person = patient(with_user=True)
    active_program(patient=person, started_days_ago=-3)

    body = client_for(account(person)).get(today_url(person)).json()

    assert body == {"date": "2026-03-11", "session": None, "next_session_date": "2026-03-14"}


def test_it_shows_today_s_log_once_logged(maya: Patient) -> None:
    log_session(Program.objects.get(patient=maya).sessions.get(date=local_today(maya)))

    session = client_for(account(maya)).get(today_url(maya)).json()["session"]

    assert session["log"]["status"] == "done"
    assert [result["activity"] for result in session["log"]["results"]] == ["walking", "stairs"]


def test_it_answers_today_in_at_most_six_queries_with_a_token(
    maya: Patient, django_assert_max_num_queries: Any
) -> None:
    log_session(Program.objects.get(patient=maya).sessions.get(date=local_today(maya)))
    client = token_client_for(account(maya))

    with django_assert_max_num_queries(6):
        response = client.get(today_url(maya))

    assert response.status_code == 200
    assert response.json()["session"]["log"] is not None


def test_it_answers_today_without_a_session_in_at_most_six_queries(
    django_assert_max_num_queries: Any,
) -> None:
    person = patient(with_user=True)
    active_program(patient=person, started_days_ago=-3)
    client = token_client_for(account(person))

    with django_assert_max_num_queries(6):
        response = client.get(today_url(person))

    assert response.json()["next_session_date"] == "2026-03-14"


# -- Upcoming sessions ----------------------------------------------------------------------


def test_it_lists_the_next_fourteen_days_by_default(maya: Patient) -> None:
    body = client_for(account(maya)).get(f"/api/v1/me/patients/{maya.id}/sessions/").json()

    dates = [session["date"] for session in body["results"]]
    assert body["count"] == 14
    assert dates[0] == "2026-03-11" and dates[-1] == "2026-03-24"
    assert len(body["results"][0]["doses"]) == 2


def test_it_lists_up_to_twenty_eight_days_and_no_more(maya: Patient) -> None:
    client = client_for(account(maya))
    url = f"/api/v1/me/patients/{maya.id}/sessions/"

    assert client.get(url, {"days": 28}).json()["count"] == 28
    response = client.get(url, {"days": 29})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "days"


def test_it_lists_upcoming_sessions_in_the_same_number_of_queries_for_1_or_28_days(
    maya: Patient,
) -> None:
    log_session(Program.objects.get(patient=maya).sessions.get(date=local_today(maya)))
    client = token_client_for(account(maya))
    url = f"/api/v1/me/patients/{maya.id}/sessions/"
    counts = []
    for days in (1, 28):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"days": days})
        assert response.json()["count"] == days
        counts.append(len(queries))

    assert counts[0] == counts[1]


# -- Logging a session ----------------------------------------------------------------------


def test_it_lets_a_patient_log_today_s_session(maya: Patient) -> None:
    session = Program.objects.get(patient=maya).sessions.get(date=local_today(maya))
    payload = {
        "status": "partial",
        "results": [
            {"activity": "walking", "amount": 5, "exertion": 6, "note": "windy"},
            {"activity": "stairs", "amount": 10},
        ],
        "note": "Did it after school.",
    }

    response = client_for(account(maya)).post(log_url(maya, session.id), payload)

    body = response.json()
    assert response.status_code == 201
    assert body["status"] == "partial" and body["session"] == session.id
    assert body["results"][0] == {
        "activity": "walking",
        "name": "Walking",
        "amount": 5,
        "exertion": 6,
        "note": "windy",
    }
    log = SessionLog.objects.get(session=session)
    assert log.logged_by == maya.user and log.results.count() == 2


def test_it_lets_a_guardian_log_for_their_child_and_answers_200_to_a_correction(
    maya: Patient,
) -> None:
    session = Program.objects.get(patient=maya).sessions.get(date=local_today(maya))
    parent = guardian(patient=maya).user
    assert parent is not None
    client = client_for(parent)

    first = client.post(log_url(maya, session.id), {"status": "missed"})
    second = client.post(log_url(maya, session.id), {"status": "done"})

    assert (first.status_code, second.status_code) == (201, 200)
    assert SessionLog.objects.get(session=session).status == "done"


def test_it_refuses_to_log_a_future_session_naming_the_session(maya: Patient) -> None:
    tomorrow = local_today(maya) + timedelta(days=1)
    session = Program.objects.get(patient=maya).sessions.get(date=tomorrow)

    response = client_for(account(maya)).post(log_url(maya, session.id), {"status": "done"})

    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == ["session"]
    assert not SessionLog.objects.exists()


def test_it_refuses_a_log_after_the_pause_and_keeps_one_from_before(maya: Patient) -> None:
    program = Program.objects.get(patient=maya)
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        program_pause(actor=clinician_of(program), program=program, reason="Fever")
    today = program.sessions.get(date=local_today(maya))
    before = program.sessions.get(date=local_today(maya) - timedelta(days=3))
    client = client_for(account(maya))

    refused = client.post(log_url(maya, today.id), {"status": "missed"})
    kept = client.post(log_url(maya, before.id), {"status": "missed"})

    assert refused.status_code == 400
    assert refused.json()["errors"] == [
        {
            "field": "session",
            "message": "The program is paused: the therapist will restart it. Nothing was saved.",
        }
    ]
    assert kept.status_code == 201
    assert list(SessionLog.objects.values_list("session", flat=True)) == [before.id]


def test_it_refuses_a_log_after_discharge_naming_the_session(maya: Patient) -> None:
    program = Program.objects.get(patient=maya)
    yesterday = program.sessions.get(date=local_today(maya) - timedelta(days=1))
    program_discharge(actor=clinician_of(program), program=program)

    response = client_for(account(maya)).post(log_url(maya, yesterday.id), {"status": "done"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "session"
    assert "can no longer be logged" in response.json()["errors"][0]["message"]
    assert not SessionLog.objects.exists()


def test_it_answers_404_for_a_session_of_another_patient(maya: Patient) -> None:
    other = patient(clinic=maya.clinic)
    theirs = active_program(patient=other).sessions.get(date=local_today(other))

    response = client_for(account(maya)).post(log_url(maya, theirs.id), {"status": "done"})

    assert response.status_code == 404
    assert not SessionLog.objects.exists()


@pytest.mark.parametrize(
    ("result", "field"),
    [
        ({"activity": "walking", "amount": 5, "exertion": 11}, "results[0].exertion"),
        ({"activity": "walking", "amount": -1}, "results[0].amount"),
        ({"activity": "swimming", "amount": 5}, "results[0].activity"),
        ({"amount": 5}, "results[0].activity"),
    ],
)
def test_it_names_the_bad_field_of_a_log(maya: Patient, result: dict[str, Any], field: str) -> None:
    session = Program.objects.get(patient=maya).sessions.get(date=local_today(maya))

    response = client_for(account(maya)).post(
        log_url(maya, session.id), {"status": "done", "results": [result]}
    )

    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_it_names_the_status_when_it_is_not_done_partial_or_missed(maya: Patient) -> None:
    session = Program.objects.get(patient=maya).sessions.get(date=local_today(maya))

    response = client_for(account(maya)).post(log_url(maya, session.id), {"status": "skipped"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "status"


def test_it_names_an_activity_given_twice(maya: Patient) -> None:
    session = Program.objects.get(patient=maya).sessions.get(date=local_today(maya))
    twice = [{"activity": "walking", "amount": 5}, {"activity": "walking", "amount": 6}]

    response = client_for(account(maya)).post(
        log_url(maya, session.id), {"status": "done", "results": twice}
    )

    assert response.json()["errors"][0]["field"] == "results[1].activity"


def test_it_does_not_let_a_user_without_a_patient_act_for_anyone(maya: Patient) -> None:
    nobody = UserFactory.create()

    assert client_for(nobody).get("/api/v1/me/").json()["patients"] == []
    assert client_for(nobody).get(today_url(maya)).status_code == 404
