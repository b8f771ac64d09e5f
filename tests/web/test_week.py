from datetime import timedelta

import pytest
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from programs.models import Patient, SessionLog
from programs.services.common import local_today
from tests.programs import factories

pytestmark = pytest.mark.django_db


def signed_in(client: Client, patient: Patient) -> None:
    assert patient.user is not None
    client.force_login(patient.user)


def test_it_shows_the_program_weeks_days_with_what_was_done(client: Client) -> None:
    patient = factories.patient(with_user=True)
    program = factories.active_program(patient=patient, started_days_ago=2)
    first, second, *_ = factories.sessions_of_week(program, 0)
    factories.log_session(first)
    factories.log_session(second, status="missed")
    signed_in(client, patient)
    body = client.get(f"/p/{patient.pk}/week/").content.decode()
    assert "<h1>This week</h1>" in body
    assert body.count("<h2>") == 7
    assert '<span class="badge good">Done</span>' in body
    assert '<span class="badge">Skipped</span>' in body
    assert "Today: not logged yet" in body
    assert "Coming up" in body
    assert "Sessions done so far: 1 of 3." in body


def test_it_gives_each_days_doses_briefly(client: Client) -> None:
    patient = factories.patient(with_user=True)
    program = factories.active_program(patient=patient)
    dose = factories.sessions_of_week(program, 0)[0].doses.get()
    signed_in(client, patient)
    body = client.get(f"/p/{patient.pk}/week/").content.decode()
    assert f"{dose.program_activity.name} {dose.amount} minutes" in body


def test_it_links_past_days_to_their_log_and_not_future_ones(client: Client) -> None:
    patient = factories.patient(with_user=True)
    program = factories.active_program(patient=patient, started_days_ago=1)
    yesterday, today, tomorrow, *_ = factories.sessions_of_week(program, 0)
    signed_in(client, patient)
    body = client.get(f"/p/{patient.pk}/week/").content.decode()
    assert f"/p/{patient.pk}/sessions/{yesterday.pk}/log/" in body
    assert f"/p/{patient.pk}/sessions/{today.pk}/log/" in body
    assert f"/p/{patient.pk}/sessions/{tomorrow.pk}/log/" not in body


def test_it_logs_yesterday_and_comes_back_to_the_week(client: Client) -> None:
    patient = factories.patient(with_user=True)
    program = factories.active_program(patient=patient, started_days_ago=1)
    yesterday = factories.sessions_of_week(program, 0)[0]
    assert yesterday.date == local_today(patient) - timedelta(days=1)
    dose = yesterday.doses.get()
    signed_in(client, patient)
    page = client.get(f"/p/{patient.pk}/sessions/{yesterday.pk}/log/").content.decode()
    assert "I didn\u2019t do this one" in page
    response = client.post(
        f"/p/{patient.pk}/sessions/{yesterday.pk}/log/",
        {f"{dose.program_activity.key}-amount": dose.amount},
    )
    assert response["Location"] == f"/p/{patient.pk}/week/?week=1"
    assert SessionLog.objects.get(session=yesterday).status == "done"


def test_it_shows_an_earlier_week_when_asked(client: Client) -> None:
    patient = factories.patient(with_user=True)
    program = factories.active_program(patient=patient, started_weeks_ago=1)
    factories.log_week(program, week=0)
    signed_in(client, patient)
    body = client.get(f"/p/{patient.pk}/week/?week=1").content.decode()
    assert "<h1>Week 1</h1>" in body
    assert body.count('<span class="badge good">Done</span>') == 7
    assert "Back to this week" in body


def test_it_shows_this_week_for_a_week_it_cannot_read(client: Client) -> None:
    patient = factories.patient(with_user=True)
    factories.active_program(patient=patient, started_weeks_ago=1)
    signed_in(client, patient)
    response = client.get(f"/p/{patient.pk}/week/?week=\u00b2")
    assert response.status_code == 200
    assert "<h1>This week</h1>" in response.content.decode()


def test_it_says_so_when_there_is_no_program(client: Client) -> None:
    patient = factories.patient(with_user=True)
    signed_in(client, patient)
    body = client.get(f"/p/{patient.pk}/week/").content.decode()
    assert "There is no program here yet." in body


def test_it_reads_the_week_in_a_few_queries(
    client: Client, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    patient = factories.patient(with_user=True)
    program = factories.active_program(patient=patient, started_days_ago=3)
    factories.log_week(program, week=0, days=3)
    signed_in(client, patient)
    client.get(f"/p/{patient.pk}/week/")
    with django_assert_max_num_queries(8):
        response = client.get(f"/p/{patient.pk}/week/")
    assert response.status_code == 200
