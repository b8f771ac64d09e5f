"""/api/v1/me/: the guided session through the API. A dose done several times a day shows each
time in today's session and is logged one time at a time, by the same service and with the
same refusals as the web's guided session (programs/services/guided.py); the milestones show in
the progress and are celebrated once (programs/services/milestones.py)."""

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from programs.models import BoutLog, Milestone, Patient, PlannedSession, Program, SessionLog
from programs.services import program_pause
from programs.services.common import local_today
from tests.clients import client_for, token_client_for
from tests.clock import NOW
from tests.programs import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]

KEY = "0d5e0c9e-5a4f-4b8e-9b8e-6c1f7d2a3b41"


@pytest.fixture
def maya() -> Patient:
    """Maya, on a program whose soft-towel rubbing (3 minutes) is done twice a day."""
    person = factories.patient(with_user=True, first_name="Maya")
    factories.guided_program(patient=person)
    return person


def today_session(person: Patient) -> PlannedSession:
    return Program.objects.get(patient=person).sessions.get(date=local_today(person))


def today_url(person: Patient) -> str:
    return f"/api/v1/me/patients/{person.id}/today/"


def bouts_url(person: Patient, session: PlannedSession) -> str:
    return f"/api/v1/me/patients/{person.id}/sessions/{session.id}/bouts/"


def dose_of(body: dict[str, Any], key: str) -> dict[str, Any]:
    return next(dose for dose in body["doses"] if dose["activity"] == key)


def fields_of(response: Any) -> list[str | None]:
    return [error["field"] for error in response.json()["errors"]]


def send(person: Patient, session: PlannedSession, body: dict[str, Any], **headers: str) -> Any:
    return client_for(person.user).post(
        bouts_url(person, session), body, format="json", headers=headers
    )


def test_today_shows_each_time_of_a_dose_done_twice_a_day(maya: Patient) -> None:
    session = client_for(maya.user).get(today_url(maya)).json()["session"]

    towel = dose_of(session, "soft-towel")
    assert towel["times_per_day"] == 2
    assert towel["bouts"] == [
        {"number": 1, "amount": None, "exertion": None},
        {"number": 2, "amount": None, "exertion": None},
    ]
    assert dose_of(session, "walking")["bouts"] is None  # once a day: nothing to split


def test_it_logs_one_time_and_answers_with_the_session_as_it_now_is(maya: Patient) -> None:
    response = send(maya, today_session(maya), {"activity": "soft-towel", "bout": 1, "amount": 3})

    body = response.json()
    assert response.status_code == 201
    assert dose_of(body, "soft-towel")["bouts"][0] == {"number": 1, "amount": 3, "exertion": None}
    assert body["log"]["status"] == "partial"
    assert SessionLog.objects.get(session=today_session(maya)).logged_by == maya.user


def test_the_last_time_of_the_day_makes_the_session_done(maya: Patient) -> None:
    session = today_session(maya)
    for key, bout, amount in (
        ("walking", 1, 7),
        ("wall-squats", 1, 7),
        ("soft-towel", 1, 3),
        ("soft-towel", 2, 4),
    ):
        response = send(maya, session, {"activity": key, "bout": bout, "amount": amount})

    body = response.json()
    assert body["log"]["status"] == "done"
    towel = next(row for row in body["log"]["results"] if row["activity"] == "soft-towel")
    assert towel["amount"] == 3  # (3 + 4) // 2: the amount each time, as the logs hold it


def test_sending_a_time_again_replaces_it_with_200(maya: Patient) -> None:
    session = today_session(maya)
    send(maya, session, {"activity": "soft-towel", "bout": 2, "amount": 1})

    again = send(maya, session, {"activity": "soft-towel", "bout": 2, "amount": 3, "exertion": 5})

    assert again.status_code == 200
    assert dose_of(again.json(), "soft-towel")["bouts"][1] == {
        "number": 2,
        "amount": 3,
        "exertion": 5,
    }
    assert BoutLog.objects.filter(session=session).count() == 1


def test_a_guardian_logs_a_time_for_their_child(maya: Patient) -> None:
    mum = factories.guardian(patient=maya).user

    response = client_for(mum).post(
        bouts_url(maya, today_session(maya)),
        {"activity": "soft-towel", "bout": 1, "amount": 3},
        format="json",
    )

    assert response.status_code == 201
    assert BoutLog.objects.get().logged_by == mum


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"activity": "soft-towel", "bout": 3, "amount": 3}, "bout"),  # twice a day
        ({"activity": "walking", "bout": 2, "amount": 7}, "bout"),  # once a day
        ({"activity": "soft-towel", "bout": 0, "amount": 3}, "bout"),
        ({"activity": "soft-towel", "bout": "one", "amount": 3}, "bout"),
        ({"activity": "swimming", "bout": 1, "amount": 3}, "activity"),
        ({"activity": "soft-towel", "bout": 1, "amount": 5000}, "amount"),
        ({"activity": "soft-towel", "bout": 1, "amount": -1}, "amount"),
        ({"activity": "soft-towel", "bout": 1, "amount": 3, "exertion": 11}, "exertion"),
        ({"bout": 1, "amount": 3}, "activity"),
    ],
)
def test_it_refuses_a_time_out_of_range_naming_the_field(
    maya: Patient, body: dict[str, Any], field: str
) -> None:
    response = send(maya, today_session(maya), body)

    assert response.status_code == 400
    assert fields_of(response) == [field]
    assert not BoutLog.objects.exists() and not SessionLog.objects.exists()


def test_it_refuses_a_session_whose_day_has_not_come_in_the_webs_words(maya: Patient) -> None:
    tomorrow = Program.objects.get(patient=maya).sessions.get(
        date=local_today(maya) + timedelta(days=1)
    )

    response = send(maya, tomorrow, {"activity": "soft-towel", "bout": 1, "amount": 3})

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "field": "session",
            "message": "This session\u2019s day has not come yet. Nothing was saved.",
        }
    ]
    assert not BoutLog.objects.exists()


def test_it_refuses_a_time_of_a_session_held_by_a_pause(maya: Patient) -> None:
    program = Program.objects.get(patient=maya)
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        program_pause(actor=factories.clinician_of(program), program=program, reason="Exams")

    response = send(maya, today_session(maya), {"activity": "soft-towel", "bout": 1, "amount": 3})

    assert response.status_code == 400 and fields_of(response) == ["session"]


def test_another_patients_session_is_not_found(maya: Patient) -> None:
    other = factories.patient(with_user=True, clinic=maya.clinic)
    factories.guided_program(patient=other)

    response = send(maya, today_session(other), {"activity": "soft-towel", "bout": 1, "amount": 3})
    through_own = client_for(maya.user).post(
        bouts_url(other, today_session(other)),
        {"activity": "soft-towel", "bout": 1, "amount": 3},
        format="json",
    )

    assert (response.status_code, through_own.status_code) == (404, 404)
    assert not BoutLog.objects.exists()


def test_a_time_sent_twice_with_its_key_is_saved_once_and_answered_alike(maya: Patient) -> None:
    session = today_session(maya)
    body = {"activity": "soft-towel", "bout": 1, "amount": 3}

    first = send(maya, session, body, **{"Idempotency-Key": KEY})
    second = send(maya, session, body, **{"Idempotency-Key": KEY})

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json() and second["Idempotent-Replayed"] == "true"
    assert BoutLog.objects.count() == 1


def test_todays_cached_answer_shows_a_time_once_it_is_logged(maya: Patient) -> None:
    client = token_client_for(maya.user)
    assert (
        dose_of(client.get(today_url(maya)).json()["session"], "soft-towel")["bouts"][0]["amount"]
        is None
    )

    send(maya, today_session(maya), {"activity": "soft-towel", "bout": 1, "amount": 3})

    towel = dose_of(client.get(today_url(maya)).json()["session"], "soft-towel")
    assert towel["bouts"][0]["amount"] == 3


def test_a_whole_session_log_clears_the_times(maya: Patient) -> None:
    session = today_session(maya)
    send(maya, session, {"activity": "soft-towel", "bout": 1, "amount": 3})

    client_for(maya.user).post(
        f"/api/v1/me/patients/{maya.id}/sessions/{session.id}/log/",
        {"status": "missed"},
        format="json",
    )

    towel = dose_of(client_for(maya.user).get(today_url(maya)).json()["session"], "soft-towel")
    assert [bout["amount"] for bout in towel["bouts"]] == [None, None]


def test_upcoming_sessions_show_the_times_in_the_same_number_of_queries(maya: Patient) -> None:
    send(maya, today_session(maya), {"activity": "soft-towel", "bout": 1, "amount": 3})
    client = client_for(maya.user)
    url = f"/api/v1/me/patients/{maya.id}/sessions/"
    counts, bodies = [], []
    for days in (1, 14):
        with CaptureQueriesContext(connection) as queries:
            bodies.append(client.get(f"{url}?days={days}").json())
        counts.append(len(queries))

    assert counts[0] == counts[1]
    first_two = bodies[1]["results"][:2]
    assert [dose_of(row, "soft-towel")["bouts"][0]["amount"] for row in first_two] == [3, None]


# -- Milestones -----------------------------------------------------------------------------


@pytest.fixture
def first_week_done() -> Patient:
    """A patient who did every session of their program's first week: a first full week."""
    person = factories.patient(with_user=True, first_name="Zoe")
    program = factories.active_program(patient=person, started_weeks_ago=1)
    factories.log_week(program, week=0)
    return person


def progress_url(person: Patient) -> str:
    return f"/api/v1/me/patients/{person.id}/progress/"


def celebrate_url(person: Patient) -> str:
    return f"/api/v1/me/patients/{person.id}/milestones/celebrate/"


def test_the_progress_shows_a_milestone_reached_and_not_celebrated_yet(
    first_week_done: Patient,
) -> None:
    body = client_for(first_week_done.user).get(progress_url(first_week_done)).json()

    assert body["milestones"] == [
        {
            "kind": "first_full_week",
            "name": "First full week",
            "reached_on": str(sessions_of_week_0(first_week_done)[-1].date),
            "celebrated": False,
        }
    ]


def sessions_of_week_0(person: Patient) -> list[PlannedSession]:
    return factories.sessions_of_week(Program.objects.get(patient=person), 0)


def test_celebrating_hands_each_milestone_out_once(first_week_done: Patient) -> None:
    client = client_for(first_week_done.user)

    first = client.post(celebrate_url(first_week_done))
    second = client.post(celebrate_url(first_week_done))

    assert first.status_code == second.status_code == 200
    assert [milestone["kind"] for milestone in first.json()["milestones"]] == ["first_full_week"]
    assert first.json()["milestones"][0]["celebrated"] is True
    assert second.json() == {"milestones": []}
    progress = client.get(progress_url(first_week_done)).json()
    assert [milestone["celebrated"] for milestone in progress["milestones"]] == [True]


def test_a_guardian_celebrating_takes_it_from_the_patients_screens_too(
    first_week_done: Patient,
) -> None:
    mum = factories.guardian(patient=first_week_done).user

    theirs = client_for(mum).post(celebrate_url(first_week_done)).json()
    own = client_for(first_week_done.user).post(celebrate_url(first_week_done)).json()

    assert (len(theirs["milestones"]), own["milestones"]) == (1, [])


def test_a_celebration_sent_again_with_its_key_gets_the_first_answer(
    first_week_done: Patient,
) -> None:
    client = client_for(first_week_done.user)
    headers = {"Idempotency-Key": KEY}

    first = client.post(celebrate_url(first_week_done), headers=headers)
    again = client.post(celebrate_url(first_week_done), headers=headers)

    assert again.json() == first.json() and len(again.json()["milestones"]) == 1
    assert again["Idempotent-Replayed"] == "true"


def test_nothing_is_celebrated_without_a_program(db: None) -> None:
    person = factories.patient(with_user=True)

    response = client_for(person.user).post(celebrate_url(person))

    assert (response.status_code, response.json()) == (200, {"milestones": []})
    assert client_for(person.user).get(progress_url(person)).json()["milestones"] == []


def test_another_patients_milestones_are_not_found(first_week_done: Patient, maya: Patient) -> None:
    response = client_for(maya.user).post(celebrate_url(first_week_done))

    assert response.status_code == 404
    assert Milestone.objects.get().shown_at is None
