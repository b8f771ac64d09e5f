"""The progress page: goals first, minutes and sessions against the plan, the FDI over time,
and never pain."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pytest_django import DjangoAssertNumQueries

from programs.models import Patient, Program, User
from programs.selectors import local_today
from tests.programs import factories
from web.patient.progress import fdi_bands

pytestmark = pytest.mark.django_db

QUERY_LIMIT = 8


def _patient_with_weeks(weeks: int) -> tuple[Patient, User, Program]:
    patient = factories.patient(with_user=True)
    assert patient.user is not None
    program = factories.active_program(
        patient=patient, started_weeks_ago=weeks, goals="Walk to school with my friends."
    )
    for week in range(weeks):
        factories.log_week(program, week=week, days=3)
    return patient, patient.user, program


def _check_in(patient: Patient, days_ago: int, fdi: int, pain: int | None = None) -> None:
    factories.CheckInFactory.create(
        patient=patient,
        date=local_today(patient) - timedelta(days=days_ago),
        fdi_total=fdi,
        pain=pain,
    )


def _page(client: Client, patient: Patient) -> str:
    response = client.get(f"/p/{patient.pk}/progress/")
    assert response.status_code == 200
    return response.content.decode()


def test_it_leads_with_the_goals_in_the_patients_words(client: Client) -> None:
    patient, user, _program = _patient_with_weeks(2)
    client.force_login(user)
    body = _page(client, patient)
    assert body.index("Your goals") < body.index("Active minutes")
    assert "Walk to school with my friends." in body


def test_it_charts_minutes_and_sessions_against_the_plan(client: Client) -> None:
    patient, user, _program = _patient_with_weeks(2)
    client.force_login(user)
    body = _page(client, patient)
    assert "Active minutes each week" in body and "Sessions done each week" in body
    assert body.count("<svg") >= 2
    assert "Show the numbers as a table" in body
    assert "Sessions in the last 14 days" in body and "6 of 14" in body
    assert "Active minutes last week" in body
    assert 'aria-current="page">Progress' in body


def test_it_charts_the_fdi_with_its_bands(client: Client) -> None:
    patient, user, _program = _patient_with_weeks(2)
    _check_in(patient, 14, 30)
    _check_in(patient, 1, 22)
    client.force_login(user)
    body = _page(client, patient)
    assert "Everyday activities score (lower is better)" in body
    assert "Your latest score is 22, 8 lower than your first." in body
    assert "Little or no difficulty (0-12)" in body and "A lot of difficulty (30-60)" in body


def test_it_draws_the_bands_from_the_planners_cut_offs() -> None:
    bands = fdi_bands()
    assert [(band.low, band.high) for band in bands] == [(0, 13), (13, 30), (30, 60)]


def test_it_never_shows_pain(client: Client) -> None:
    patient, user, _program = _patient_with_weeks(2)
    _check_in(patient, 1, 20, pain=9)
    client.force_login(user)
    body = _page(client, patient).lower()
    assert "pain" not in body.replace("if you are thinking about hurting yourself", "")


def test_it_names_the_child_for_a_guardian(client: Client) -> None:
    patient, _user, _program = _patient_with_weeks(2)
    mum = factories.guardian(patient=patient)
    assert mum.user is not None
    client.force_login(mum.user)
    body = _page(client, patient)
    assert f"{patient.first_name}\u2019s progress" in body
    assert f"{patient.first_name}\u2019s goals" in body


def test_it_welcomes_a_patient_without_a_program(client: Client) -> None:
    patient = factories.patient(with_user=True)
    assert patient.user is not None
    client.force_login(patient.user)
    body = _page(client, patient)
    assert "You have no program yet." in body
    assert "No scores yet." in body


def test_it_hides_another_patients_progress(client: Client) -> None:
    patient, _user, _program = _patient_with_weeks(2)
    stranger = factories.patient(with_user=True)
    assert stranger.user is not None
    client.force_login(stranger.user)
    assert client.get(f"/p/{patient.pk}/progress/").status_code == 404


@pytest.mark.parametrize("weeks", [2, 10])
def test_it_reads_the_page_in_a_fixed_number_of_queries(
    client: Client, django_assert_max_num_queries: DjangoAssertNumQueries, weeks: int
) -> None:
    patient, user, _program = _patient_with_weeks(weeks)
    for days_ago in range(0, 7 * weeks, 14):
        _check_in(patient, days_ago, 30 - days_ago // 7)
    client.force_login(user)
    with django_assert_max_num_queries(QUERY_LIMIT):
        _page(client, patient)


def test_it_reads_as_many_queries_for_10_weeks_as_for_2(client: Client) -> None:
    counts = []
    for weeks in (2, 10):
        patient, user, _program = _patient_with_weeks(weeks)
        client.force_login(user)
        client.get(f"/p/{patient.pk}/progress/")
        with CaptureQueriesContext(connection) as queries:
            _page(client, patient)
        counts.append(len(queries))
    assert counts[0] == counts[1]
