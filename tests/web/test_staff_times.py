"""Times on the staff pages are the clinic's wall-clock times (New York here), and say so;
what a patient did is shown in the patient's own zone, named when it is not the clinic's.

The instant used, 02:30 UTC on 12 March 2026, is still the evening of 11 March in New York
(10:30 PM, daylight time) and in Chicago (9:30 PM): a page showing UTC gets the day wrong too.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from programs import services
from programs.models import Alert, Patient, User
from tests.programs import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]

INSTANT = datetime(2026, 3, 12, 2, 30, tzinfo=UTC)
CLINIC_TIME = "Mar 11, 2026, 10:30 PM"
CAPTION = "Times are New York time (America/New_York)."


@pytest.fixture
def now() -> datetime:
    return INSTANT


def _therapist_with(**patient_fields: Any) -> tuple[User, Patient]:
    clinic = factories.ClinicFactory.create(time_zone="America/New_York")
    therapist = factories.therapist(clinic=clinic)
    child = factories.patient(clinic=clinic, therapists=[therapist], **patient_fields)
    return therapist, child


def _body(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_caseload_says_which_zone_its_times_are_in(client: Client) -> None:
    therapist, _child = _therapist_with()
    client.force_login(therapist)
    assert CAPTION in _body(client, "/clinic/")


def test_the_alerts_page_shows_when_an_alert_was_raised_and_acknowledged_in_clinic_time(
    client: Client,
) -> None:
    therapist, child = _therapist_with()
    factories.AlertFactory.create(
        patient=child, kind="no_activity", message="No activity for a week."
    )
    seen = factories.AlertFactory.create(patient=child, kind="low_adherence", message="Half done.")
    Alert.objects.filter(pk=seen.pk).update(
        acknowledged_by=therapist, acknowledged_at=INSTANT + timedelta(minutes=15)
    )
    client.force_login(therapist)
    body = _body(client, "/clinic/alerts/?acknowledged=on")
    assert f'Raised <time datetime="{INSTANT.isoformat()}">{CLINIC_TIME}</time>' in body
    assert "on <time" in body and "Mar 11, 2026, 10:45 PM</time>" in body
    assert "Mar 12, 2026" not in body
    assert CAPTION in body


def test_the_patient_page_shows_clinic_times_and_the_patients_own_times_named(
    client: Client,
) -> None:
    therapist, child = _therapist_with(time_zone="America/Chicago")
    program = factories.active_program(patient=child, actor=therapist, started_weeks_ago=1)
    today = program.sessions.get(date=INSTANT.astimezone(UTC).date() - timedelta(days=1))
    factories.log_session(today)
    factories.CheckInFactory.create(patient=child, program=program, date=today.date, mood=4)
    factories.AlertFactory.create(
        patient=child, kind="no_activity", message="No activity for a week."
    )
    client.force_login(therapist)
    body = _body(client, f"/clinic/patients/{child.pk}/")
    assert f'Raised <time datetime="{INSTANT.isoformat()}">{CLINIC_TIME}</time>' in body
    # The revision history (the program drafted and activated, by the therapist).
    assert f">{CLINIC_TIME}</time></th>" in body
    # When the session was logged and the check-in sent: Chicago's evening, and said so.
    assert body.count("Mar 11, 2026, 9:30 PM (Chicago time)</time>") == 2
    assert "Mar 12, 2026" not in body and CAPTION in body


def test_the_builder_and_preview_show_when_a_draft_was_last_changed_in_clinic_time(
    client: Client,
) -> None:
    therapist, child = _therapist_with()
    draft = factories.draft_program(patient=child, actor=therapist)
    client.force_login(therapist)
    for url in (
        f"/clinic/patients/{child.pk}/program/new/",
        f"/clinic/programs/{draft.pk}/",
        f"/clinic/programs/{draft.pk}/discard/",
    ):
        body = _body(client, url)
        assert f">{CLINIC_TIME}</time>" in body, url
        assert CAPTION in body, url


def test_the_patient_page_lists_drafts_with_when_each_was_last_changed(client: Client) -> None:
    therapist, child = _therapist_with()
    draft = factories.draft_program(patient=child, actor=therapist)
    client.force_login(therapist)
    body = _body(client, f"/clinic/patients/{child.pk}/")
    assert f'Last changed <time datetime="{INSTANT.isoformat()}">{CLINIC_TIME}</time>' in body
    assert f'href="/clinic/programs/{draft.pk}/edit/"' in body
    assert f'href="/clinic/programs/{draft.pk}/discard/"' in body


def test_pending_invitations_expire_at_a_clinic_time(client: Client) -> None:
    therapist, child = _therapist_with()
    services.invitation_create(actor=therapist, patient=child, role="patient")
    client.force_login(therapist)
    body = _body(client, "/clinic/invite/")
    assert ">Mar 18, 2026, 10:30 PM</time>" in body
    assert CAPTION in body


def test_a_therapist_of_a_clinic_elsewhere_sees_that_clinics_zone(client: Client) -> None:
    clinic = factories.ClinicFactory.create(time_zone="America/Los_Angeles")
    therapist = factories.therapist(clinic=clinic)
    child = factories.patient(clinic=clinic, therapists=[therapist])
    factories.AlertFactory.create(
        patient=child, kind="no_activity", message="No activity for a week."
    )
    client.force_login(therapist)
    body = _body(client, "/clinic/alerts/")
    assert "Mar 11, 2026, 7:30 PM</time>" in body
    assert "Times are Los Angeles time (America/Los_Angeles)." in body
