"""The staff API answers an input outside its range with a 400 naming the field (the service's
check, in the API's one error format) and saves nothing."""

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from programs.models import Patient, PlannedDose, Program, User
from programs.services import program_pause
from tests.clock import TODAY
from tests.programs.factories import ActivityFactory, active_program, patient, therapist

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


@pytest.fixture
def pt() -> User:
    return therapist()


@pytest.fixture
def api(pt: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(pt)
    return client


@pytest.fixture
def child(pt: User) -> Patient:
    return patient(clinic=pt.memberships.get().clinic, therapists=[pt])


def test_a_resume_at_step_99_is_refused_and_the_program_stays_paused(
    api: APIClient, child: Patient, pt: User
) -> None:
    program = active_program(patient=child, started_weeks_ago=2, actor=pt)
    program_pause(actor=pt, program=program, reason="Flu")

    response = api.post(f"/api/v1/programs/{program.id}/resume/", {"step": 99}, format="json")

    program.refresh_from_db()
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "step"
    assert "to 2, the step the program is held at" in response.json()["errors"][0]["message"]
    assert program.status == Program.Status.PAUSED and program.discharge_date is None


def test_an_override_to_the_same_amount_is_refused(
    api: APIClient, child: Patient, pt: User
) -> None:
    program = active_program(patient=child, actor=pt)
    dose = PlannedDose.objects.get(session__program=program, session__date=TODAY + timedelta(1))

    response = api.post(
        f"/api/v1/doses/{dose.id}/override/", {"amount": dose.amount, "reason": "Same"}
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "amount", "message": f"is already {dose.amount} minutes"}
    ]
    assert program.revisions.count() == 2


def test_a_weekly_cap_of_half_a_dose_a_week_is_refused(api: APIClient, child: Patient) -> None:
    walking = ActivityFactory.create()
    body = {
        "patient": child.id,
        "start_date": "2026-03-12",
        "goal_date": "2026-06-04",
        "goals": "Walk to school with my friends.",
        "activities": [{"activity": walking.id, "baseline_trials": [10], "goal_quota": 30}],
        "parameters": {"non_impact_weekly_cap": 0.5},
    }

    response = api.post("/api/v1/programs/", body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "parameters.non_impact_weekly_cap"
    assert not Program.objects.exists()


def test_a_patient_in_est5edt_is_refused(api: APIClient) -> None:
    body = {
        "first_name": "Maya",
        "last_name": "Okafor",
        "date_of_birth": "2012-03-01",
        "diagnosis": "crps",
        "time_zone": "EST5EDT",
    }

    response = api.post("/api/v1/patients/", body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "time_zone"
    assert not Patient.objects.exists()
