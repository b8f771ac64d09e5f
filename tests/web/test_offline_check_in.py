"""A check-in the phone kept while it was offline and sends once it is back (web/patient/
checkin.py, web/patient/queued.py): answered in a few words, dated the day it was kept, saved
once, and the page it is made on ready to be kept by the service worker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from programs.models import Alert, CheckIn, Patient
from programs.services.common import local_today
from tests.programs import factories
from tests.web.test_check_in import signed_in, submission_key, url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]

QUEUED = {"X-Gradus-Queued": "1"}
NO_FLARE_NO_FLAGS = {"flare": "no", "red_flags": ["none"]}


@pytest.fixture
def patient(client: Client, maya: Patient) -> Patient:
    signed_in(client, maya)
    return maya


def kept(days_ago: int) -> str:
    """A kept_at as the phone sends it: milliseconds since 1970, ``days_ago`` days back."""
    moment = datetime.now(tz=UTC) - timedelta(days=days_ago)
    return str(int(moment.timestamp() * 1000))


def send_kept(client: Client, patient: Patient, **fields: Any) -> Any:
    data = {**NO_FLARE_NO_FLAGS, "submission": "a" * 32, "kept_at": kept(0), **fields}
    return client.post(url(patient), data, headers=QUEUED)


def test_a_kept_check_in_is_saved_and_answered_with_where_to_see_it(
    client: Client, patient: Patient
) -> None:
    before = CheckIn.objects.filter(patient=patient).count()

    response = send_kept(client, patient)

    check_in = CheckIn.objects.filter(patient=patient).latest("id")
    assert response.status_code == 200
    assert response.json() == {
        "result": "saved",
        "message": "Sent. Your check-in has arrived.",
        "url": f"/p/{patient.pk}/check-in/{check_in.pk}/",
        "link": "See what was sent",
    }
    assert CheckIn.objects.filter(patient=patient).count() == before + 1


def test_a_kept_check_in_sent_twice_is_saved_once(client: Client, patient: Patient) -> None:
    before = CheckIn.objects.filter(patient=patient).count()

    send_kept(client, patient)
    again = send_kept(client, patient)

    assert again.status_code == 200
    assert again.json() == {
        "result": "repeated",
        "message": "This check-in had already arrived, so it was not sent again.",
    }
    assert CheckIn.objects.filter(patient=patient).count() == before + 1


def test_a_kept_check_in_is_dated_the_day_the_phone_kept_it(
    client: Client, patient: Patient
) -> None:
    send_kept(client, patient, kept_at=kept(3))

    check_in = CheckIn.objects.get(submission_key="a" * 32)
    assert check_in.date == local_today(patient) - timedelta(days=3)


def test_a_phone_clock_ahead_of_today_dates_it_today(client: Client, patient: Patient) -> None:
    send_kept(client, patient, kept_at=kept(-2))

    assert CheckIn.objects.get(submission_key="a" * 32).date == local_today(patient)


def test_a_kept_check_in_over_two_weeks_old_is_refused_with_the_reason(
    client: Client, patient: Patient
) -> None:
    before = CheckIn.objects.filter(patient=patient).count()

    response = send_kept(client, patient, kept_at=kept(15))

    assert response.status_code == 409
    assert response.json() == {
        "result": "refused",
        "message": "This check-in is more than two weeks old, so it no longer tells how the "
        "week went. Please send a new one.",
    }
    assert CheckIn.objects.filter(patient=patient).count() == before


def test_an_old_kept_red_flag_is_still_passed_on_and_pauses_from_today(
    client: Client, patient: Patient
) -> None:
    response = send_kept(client, patient, kept_at=kept(20), red_flags=["fever"])

    assert response.json()["result"] == "saved"
    alert = Alert.objects.get(patient=patient, kind="red_flag")
    today = local_today(patient)
    assert alert.message_codes[-1] == {
        "code": "alert.sent_late",
        "params": {"sent": today.isoformat()},
    }
    assert patient.programs.get().status == "paused"


def test_a_kept_check_in_missing_its_answers_names_each_field(
    client: Client, patient: Patient
) -> None:
    before = CheckIn.objects.filter(patient=patient).count()

    response = send_kept(client, patient, flare="", red_flags=[])

    assert response.status_code == 400
    body = response.json()
    assert body["result"] == "invalid"
    assert body["errors"] == {
        "flare": ["Please answer yes or no."],
        "red_flags": ["Please say which of these happened, or that none of them did."],
    }
    assert body["message"] == (
        "Please answer yes or no. Please say which of these happened, or that none of them did."
    )
    assert CheckIn.objects.filter(patient=patient).count() == before


def test_a_damaged_kept_at_is_refused_on_its_field(client: Client, patient: Patient) -> None:
    response = send_kept(client, patient, kept_at="yesterday")

    assert response.status_code == 400
    assert response.json()["errors"] == {"kept_at": ["This form is damaged. Load the page again."]}


def test_a_guardian_is_told_the_childs_check_in_arrived(client: Client) -> None:
    child = factories.patient(first_name="Ava")
    factories.active_program(patient=child, started_weeks_ago=1)
    parent = factories.guardian(patient=child).user
    assert parent is not None
    client.force_login(parent)

    response = send_kept(client, child)

    assert response.json()["message"] == "Sent. Ava\u2019s check-in has arrived."


def test_the_form_says_how_it_is_kept_offline_and_the_help_it_shows_then(
    client: Client, patient: Patient
) -> None:
    submission_key(client, patient)
    body = client.get(url(patient), follow=True).content.decode()

    assert 'data-offline-log="Your check-in"' in body
    assert 'data-offline-new data-offline-kept="check-in-kept"' in body
    assert '<div id="check-in-kept" class="check-in-kept" hidden>' in body
    assert 'data-if-sent="red_flags=self_harm" hidden' in body
    assert "red_flags=fever red_flags=rash" in body
    assert 'href="tel:988"' in body


def test_a_kept_red_flag_arrives_even_when_another_answer_was_left_half_done(
    client: Client, patient: Patient
) -> None:
    response = send_kept(client, patient, flare="", red_flags=["fever"], fdi_1="2")

    assert response.status_code == 200
    assert response.json()["result"] == "saved"
    assert "were not saved" in response.json()["message"]
    assert CheckIn.objects.filter(patient=patient).latest("id").red_flags == ["fever"]
    assert Alert.objects.filter(patient=patient, kind="red_flag").exists()


def test_a_kept_check_in_from_a_phone_clock_far_behind_is_dated_at_most_a_year_back(
    client: Client, patient: Patient
) -> None:
    send_kept(client, patient, kept_at="0", red_flags=["fever"])

    check_in = CheckIn.objects.filter(patient=patient).latest("id")
    assert check_in.date >= local_today(patient) - timedelta(days=366)
