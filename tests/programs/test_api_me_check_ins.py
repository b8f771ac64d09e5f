"""/api/v1/me/: check-ins (red flags, guidance, the FDI), progress, and the writes a patient
may not make."""

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from programs.models import Alert, CheckIn, Patient, Program
from tests.clients import client_for
from tests.clock import NOW
from tests.programs.factories import (
    guardian,
    log_week,
    maya_on_program,
    patient,
    quiet_check_in,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]

FDI_OF_20 = [2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
# The two answers every check-in needs: no flare, and "none of these" red flags.
NOTHING_WORRYING = {"flare": False, "red_flags": [], "no_red_flags": True}


@pytest.fixture
def maya() -> Patient:
    """A 14-year-old with an account and a program that started two weeks ago."""
    return maya_on_program(started_weeks_ago=2, goals="Go back to dance class.")


def check_ins_url(person: Patient) -> str:
    return f"/api/v1/me/patients/{person.id}/check-ins/"


def fields_of(response: Any) -> list[str | None]:
    return [error["field"] for error in response.json()["errors"]]


def keys_in(value: Any) -> set[str]:
    """Every key anywhere in a JSON value."""
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in keys_in(item)}
    if isinstance(value, list):
        return {key for item in value for key in keys_in(item)}
    return set()


# -- Check-ins ------------------------------------------------------------------------------


def test_it_records_a_check_in_with_its_fdi_score(maya: Patient) -> None:
    payload = {
        "fdi_answers": FDI_OF_20,
        "sleep_hours": "8.5",
        "sleep_quality": 4,
        "mood": 3,
        "school_days_attended": 4,
        "school_days_scheduled": 5,
        **NOTHING_WORRYING,
    }

    response = client_for(maya.user).post(check_ins_url(maya), payload)

    body = response.json()
    assert response.status_code == 201
    assert (body["fdi_total"], body["fdi_band"], body["sleep_hours"]) == (20, "moderate", 8.5)
    assert (body["guidance"], body["program_paused"]) == (None, False)
    assert (body["guidance_kind"], body["guidance_code"], body["crisis_line"]) == (None, None, None)
    assert CheckIn.objects.get(patient=maya).submitted_by == maya.user


def test_it_accepts_a_check_in_with_nothing_but_the_two_answers_it_needs(maya: Patient) -> None:
    payload = {"flare": True, "red_flags": [], "no_red_flags": True}
    response = client_for(maya.user).post(check_ins_url(maya), payload)

    assert response.status_code == 201
    assert response.json()["fdi_total"] is None


def test_it_pauses_the_program_and_guides_the_patient_after_a_red_flag(maya: Patient) -> None:
    parent = guardian(patient=maya).user

    payload = {"flare": False, "red_flags": ["fever", "rash"]}
    response = client_for(parent).post(check_ins_url(maya), payload)

    body = response.json()
    assert response.status_code == 201
    assert body["program_paused"] is True
    assert "contact your doctor" in body["guidance"]
    assert Program.objects.get(patient=maya).status == Program.Status.PAUSED
    assert Alert.objects.get(patient=maya).kind == "red_flag"


def test_it_leads_with_the_crisis_line_for_thoughts_of_self_harm(maya: Patient) -> None:
    payload = {"flare": False, "red_flags": ["self_harm"]}
    response = client_for(maya.user).post(check_ins_url(maya), payload)

    body = response.json()
    assert response.status_code == 201
    assert body["guidance"].startswith("You are not alone") and "911" in body["guidance"]
    assert "not part of your pain condition" not in body["guidance"]
    assert (body["guidance_kind"], body["crisis_line"]["call"], body["crisis_line"]["text"]) == (
        "crisis", "tel:988", "sms:988"
    )  # fmt: skip
    assert body["guidance_code"] == "guidance.crisis"
    assert list(Alert.objects.filter(patient=maya).values_list("kind", flat=True)) == ["self_harm"]


def test_it_raises_a_self_harm_alert_and_a_red_flag_alert_for_both(maya: Patient) -> None:
    response = client_for(maya.user).post(
        check_ins_url(maya), {"flare": False, "red_flags": ["self_harm", "fever"]}
    )

    body = response.json()
    assert body["guidance"].count("988") == 1 and "contact your doctor" in body["guidance"]
    assert (body["guidance_kind"], body["guidance_code"]) == (
        "crisis",
        "guidance.crisis_and_doctor",
    )
    alerts = {alert.kind: alert.message_codes for alert in Alert.objects.filter(patient=maya)}
    assert sorted(alerts) == ["red_flag", "self_harm"]
    assert alerts["red_flag"][0]["params"]["flags"] == ["fever"]


def test_it_tells_the_patient_to_contact_their_doctor_for_other_red_flags(
    maya: Patient,
) -> None:
    response = client_for(maya.user).post(
        check_ins_url(maya), {"flare": False, "red_flags": ["rash"]}
    )

    body = response.json()
    assert (body["guidance_kind"], body["crisis_line"]) == ("contact_doctor", None)
    assert body["guidance_code"] == "guidance.contact_doctor"
    assert "988" not in body["guidance"]


def test_it_names_the_bad_fdi_answer(maya: Patient) -> None:
    answers = [0, 0, 0, 7, *[0] * 11]

    payload = {"fdi_answers": answers, **NOTHING_WORRYING}
    response = client_for(maya.user).post(check_ins_url(maya), payload)

    assert response.status_code == 400
    assert fields_of(response) == ["fdi_answers[3]"]
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"fdi_answers": [1] * 14}, "fdi_answers"),
        ({"fdi_answers": [*[1] * 14, "often"]}, "fdi_answers[14]"),
        ({"fdi_answers": "all fours"}, "fdi_answers"),
        ({"red_flags": ["fever", "headache"], "no_red_flags": False}, "red_flags[1]"),
        ({"sleep_quality": 6}, "sleep_quality"),
        ({"mood": 0}, "mood"),
        ({"sleep_hours": 25}, "sleep_hours"),
        ({"sleep_hours": "7.25"}, "sleep_hours"),
        ({"pain": 11}, "pain"),
        ({"school_days_attended": 6, "school_days_scheduled": 5}, "school_days_attended"),
        ({"school_days_attended": 8, "school_days_scheduled": 8}, "school_days_scheduled"),
        ({"school_days_attended": 6, "school_days_scheduled": 0}, "school_days_attended"),
        ({"school_days_attended": 2}, "school_days_scheduled"),
        ({"school_days_scheduled": 5}, "school_days_attended"),
        ({"flare": None}, "flare"),
        ({"red_flags": ["rash"], "no_red_flags": True}, "no_red_flags"),
    ],
)
def test_it_names_the_bad_field_of_a_check_in(
    maya: Patient, payload: dict[str, Any], field: str
) -> None:
    response = client_for(maya.user).post(check_ins_url(maya), {**NOTHING_WORRYING, **payload})

    assert response.status_code == 400
    assert field in fields_of(response)
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        (
            {"red_flags": [], "no_red_flags": True},
            "flare",
            "Say whether there was a flare-up this week: true or false.",
        ),
        (
            {"flare": False},
            "red_flags",
            "List the red flags reported; send [] together with no_red_flags: true when there "
            "were none.",
        ),
        (
            {"flare": False, "red_flags": []},
            "red_flags",
            "Please say which of these happened, or that none of them did.",
        ),
        (
            {**NOTHING_WORRYING, "sleep_hours": 25},
            "sleep_hours",
            "Enter the hours from 0 to 24, in half hours (for example 7.5).",
        ),
        (
            {**NOTHING_WORRYING, "school_days_scheduled": 8, "school_days_attended": 5},
            "school_days_scheduled",
            "Enter a number of days from 0 to 7.",
        ),
        (
            {**NOTHING_WORRYING, "school_days_scheduled": 0, "school_days_attended": 6},
            "school_days_attended",
            "Cannot be more than the 0 school days this week.",
        ),
        (
            {**NOTHING_WORRYING, "fdi_answers": [2] * 8 + [None] * 7},
            "fdi_answers",
            "Please answer all 15 questions about everyday activities (7 are missing).",
        ),
        (
            {**NOTHING_WORRYING, "red_flags": ["tired"], "no_red_flags": False},
            "red_flags[0]",
            "\u201ctired\u201d is not one of the red flags.",
        ),
    ],
)
def test_it_refuses_a_check_in_in_its_own_words(
    maya: Patient, payload: dict[str, Any], field: str, message: str
) -> None:
    response = client_for(maya.user).post(check_ins_url(maya), payload)

    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": field, "message": message}]
    assert not CheckIn.objects.exists()


def test_it_names_every_problem_of_a_check_in_at_once(maya: Patient) -> None:
    payload = {
        "flare": False,
        "red_flags": [],
        "fdi_answers": [1] * 10 + [None] * 5,
        "sleep_hours": "7.3",
        "school_days_scheduled": 3,
        "school_days_attended": 5,
    }

    response = client_for(maya.user).post(check_ins_url(maya), payload)

    assert response.status_code == 400
    assert fields_of(response) == [
        "fdi_answers",
        "sleep_hours",
        "school_days_attended",
        "red_flags",
    ]


def test_it_documents_the_answers_a_check_in_needs(maya: Patient) -> None:
    schema = client_for(maya.user).get("/api/schema/?format=json").json()
    body = schema["components"]["schemas"]["CheckInInputRequest"]

    assert set(body["required"]) == {"flare", "red_flags"}
    assert "no_red_flags" in body["properties"]
    assert body["properties"]["school_days_scheduled"]["maximum"] == 7


def test_it_lists_the_patient_s_check_ins_newest_first(maya: Patient) -> None:
    assert maya.user is not None
    quiet_check_in(actor=maya.user, patient=maya, mood=2)
    quiet_check_in(actor=maya.user, patient=maya, mood=4)

    body = client_for(maya.user).get(check_ins_url(maya)).json()

    assert body["count"] == 2
    assert [row["mood"] for row in body["results"]] == [4, 2]


def test_it_lists_check_ins_in_the_same_number_of_queries_for_one_or_many(
    maya: Patient,
) -> None:
    assert maya.user is not None
    client = client_for(maya.user)
    counts = []
    for how_many in (1, 10):
        while CheckIn.objects.count() < how_many:
            quiet_check_in(actor=maya.user, patient=maya, fdi_answers=FDI_OF_20)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(check_ins_url(maya)).json()["count"] == how_many
        counts.append(len(queries))

    assert counts[0] == counts[1]


# -- What the next check-in asks ------------------------------------------------------------


def due_url(person: Patient) -> str:
    return f"/api/v1/me/patients/{person.id}/check-ins/due/"


def test_the_first_check_in_asks_the_fdi_as_its_baseline_with_its_questions(
    maya: Patient,
) -> None:
    response = client_for(maya.user).get(due_url(maya))

    body = response.json()
    assert response.status_code == 200
    assert (body["check_in_due"], body["last_check_in"]) == (True, None)
    assert (body["fdi_due"], body["fdi_every_weeks"], body["fdi_last_answered"]) == (True, 2, None)
    assert [item["number"] for item in body["fdi_items"]] == list(range(1, 16))
    assert body["fdi_items"][1] == {"number": 2, "text": "Walking up stairs"}
    assert body["fdi_choices"][0] == {"value": 0, "text": "No trouble"}
    assert [choice["value"] for choice in body["fdi_choices"]] == [0, 1, 2, 3, 4]


def test_the_week_after_an_fdi_it_asks_no_fdi_and_the_check_in_waits(maya: Patient) -> None:
    assert maya.user is not None
    with time_machine.travel(NOW - timedelta(days=7), tick=False):
        quiet_check_in(actor=maya.user, patient=maya, fdi_answers=FDI_OF_20)

    body = client_for(maya.user).get(due_url(maya)).json()

    assert (body["check_in_due"], body["last_check_in"]) == (True, "2026-03-04")
    assert (body["fdi_due"], body["fdi_items"], body["fdi_last_answered"]) == (
        False, [], "2026-03-04"
    )  # fmt: skip


def test_a_check_in_sent_today_waits_no_more_and_a_guardian_reads_the_same(
    maya: Patient,
) -> None:
    client_for(maya.user).post(check_ins_url(maya), {"fdi_answers": FDI_OF_20, **NOTHING_WORRYING})
    parent = guardian(patient=maya).user

    body = client_for(parent).get(due_url(maya)).json()

    assert (body["check_in_due"], body["fdi_due"]) == (False, False)


def test_it_refuses_fdi_answers_when_the_fdi_is_not_due_naming_them(maya: Patient) -> None:
    assert maya.user is not None
    with time_machine.travel(NOW - timedelta(days=7), tick=False):
        quiet_check_in(actor=maya.user, patient=maya, fdi_answers=FDI_OF_20)

    response = client_for(maya.user).post(
        check_ins_url(maya), {"fdi_answers": FDI_OF_20, **NOTHING_WORRYING}, format="json"
    )

    assert response.status_code == 400
    assert fields_of(response) == ["fdi_answers"]
    assert CheckIn.objects.filter(patient=maya).count() == 1


def test_the_due_read_answers_in_a_few_queries(
    maya: Patient, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(4):
        assert client_for(maya.user).get(due_url(maya)).status_code == 200


# -- Progress -------------------------------------------------------------------------------


def test_it_shows_progress_as_minutes_done_adherence_and_fdi_without_pain(maya: Patient) -> None:
    program = Program.objects.get(patient=maya)
    log_week(program, week=0)
    assert maya.user is not None
    with time_machine.travel(NOW - timedelta(days=7), tick=False):
        quiet_check_in(actor=maya.user, patient=maya, fdi_answers=[3] * 15, pain=8)
    quiet_check_in(actor=maya.user, patient=maya, fdi_answers=FDI_OF_20, pain=7)

    response = client_for(maya.user).get(f"/api/v1/me/patients/{maya.id}/progress/")

    body = response.json()
    assert response.status_code == 200
    assert "pain" not in keys_in(body)
    first_week = body["weeks"][0]
    assert first_week["done_minutes"] == first_week["planned_minutes"] > 0
    assert (first_week["sessions_done"], first_week["sessions_planned"]) == (7, 7)
    assert body["fdi"] == [
        {"date": "2026-03-04", "total": 45, "band": "severe"},
        {"date": "2026-03-11", "total": 20, "band": "moderate"},
    ]
    assert (body["goals"], body["phase"], body["week"]) == ("Go back to dance class.", "build", 3)
    assert 0 < body["adherence"] < 1


def test_it_shows_empty_progress_for_a_patient_without_a_program(db: None) -> None:
    person = patient(with_user=True)

    body = client_for(person.user).get(f"/api/v1/me/patients/{person.id}/progress/").json()

    assert body["weeks"] == [] and body["adherence"] is None
    assert (body["program_status"], body["phase"], body["week"]) == (None, None, None)


# -- What a patient may not do --------------------------------------------------------------


def test_it_offers_a_patient_no_way_to_change_their_program(maya: Patient) -> None:
    client = client_for(maya.user)
    program = Program.objects.get(patient=maya)
    base = f"/api/v1/me/patients/{maya.id}"

    for url in (f"{base}/today/", f"{base}/sessions/", f"{base}/progress/", "/api/v1/me/"):
        assert client.patch(url, {"status": "paused"}).status_code == 405
        assert client.delete(url).status_code == 405
    program.refresh_from_db()
    assert program.status == Program.Status.ACTIVE


def test_it_forbids_a_patient_and_a_guardian_every_write_to_the_staff_program_endpoints(
    maya: Patient,
) -> None:
    program = Program.objects.get(patient=maya)
    dose = program.sessions.order_by("-date").first().doses.first()  # type: ignore[union-attr]
    assert dose is not None
    writes = [
        ("post", "/api/v1/programs/", {"patient": maya.id, "goals": "Run a 5k."}),
        ("patch", f"/api/v1/programs/{program.id}/", {"goals": "Run a 5k."}),
        ("put", f"/api/v1/programs/{program.id}/", {"goals": "Run a 5k."}),
        ("post", f"/api/v1/programs/{program.id}/pause/", {"reason": "I want a break."}),
        ("post", f"/api/v1/programs/{program.id}/discharge/", {}),
        ("post", f"/api/v1/doses/{dose.id}/override/", {"amount": 1, "reason": "too much"}),
        ("patch", f"/api/v1/patients/{maya.id}/", {"resting_heart_rate": 60}),
    ]

    for user in (maya.user, guardian(patient=maya).user):
        client = client_for(user)
        for method, url, body in writes:
            assert getattr(client, method)(url, body).status_code == 403, (method, url)
    program.refresh_from_db()
    assert (program.status, program.goals) == (Program.Status.ACTIVE, "Go back to dance class.")


def test_a_red_flag_is_taken_with_the_fields_left_out_named(maya: Patient) -> None:
    payload = {"flare": False, "red_flags": ["fever"], "fdi_answers": [2, 2] + [None] * 13}

    response = client_for(maya.user).post(check_ins_url(maya), payload)

    body = response.json()
    assert response.status_code == 201
    assert (body["not_saved"], body["fdi_answers"]) == (["fdi_answers"], None)
    assert Alert.objects.get(patient=maya).kind == "red_flag"
