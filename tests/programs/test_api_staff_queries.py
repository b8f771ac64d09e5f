"""Every staff list answers in the same number of queries whatever its page holds, and the
caseload of 200 patients in at most 10."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pytest_django import DjangoAssertNumQueries
from rest_framework.test import APIClient

from planner import AlertKind
from programs.models import Alert, Clinic, Patient, Program, User, WeeklyReview
from programs.services import alert_acknowledge, alert_raise, check_in_submit
from programs.services.common import revision_record
from tests.programs.factories import (
    ActivityFactory,
    ClinicFactory,
    ProgramTemplateFactory,
    TemplateActivityFactory,
    active_program,
    activity_choice,
    draft_program,
    guardian,
    log_session,
    patient,
    quiet_check_in,
    therapist,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


@dataclass
class World:
    clinic: Clinic
    staff: User
    child: Patient
    program: Program


@pytest.fixture
def world() -> World:
    clinic = ClinicFactory.create()
    staff = therapist(clinic=clinic)
    child = patient(clinic=clinic, therapists=[staff])
    # Two activities, so every session has more than one dose and every log more than one
    # result; started two weeks ago, so there are past sessions to log.
    program = active_program(
        patient=child,
        started_weeks_ago=2,
        activities=[activity_choice(), activity_choice(ActivityFactory.create(unit="seconds"),
                                                       goal_quota=60)],
    )  # fmt: skip
    return World(clinic, staff, child, program)


def add_patients(world: World, first: int, last: int) -> None:
    for _ in range(first, last):
        patient(clinic=world.clinic, therapists=[world.staff, therapist(clinic=world.clinic)])


def add_guardians(world: World, first: int, last: int) -> None:
    for _ in range(first, last):
        guardian(patient=world.child)


def add_programs(world: World, first: int, last: int) -> None:
    for _ in range(first, last):
        draft_program(patient=world.child, activities=[activity_choice(), activity_choice()])


def add_sessions_on_a_day(world: World, first: int, last: int) -> None:
    # One session on 2026-03-04 per program, logged.
    for _ in range(first, last):
        program = active_program(patient=patient(clinic=world.clinic), started_weeks_ago=1)
        log_session(program.sessions.get(date=date(2026, 3, 4)))


def add_session_logs(world: World, first: int, last: int) -> None:
    sessions = list(world.program.sessions.order_by("date"))
    for session in sessions[first:last]:
        log_session(session)


def add_check_ins(world: World, first: int, last: int) -> None:
    for index in range(first, last):
        check_in_submit(
            actor=world.staff,
            patient=world.child,
            fdi_answers=[index % 5] * 15,
            red_flags=["rash"] if index % 3 == 0 else [],
            no_red_flags=index % 3 != 0,
            flare=False,
        )


def add_reviews(world: World, first: int, last: int) -> None:
    for week in range(first, last):
        WeeklyReview.objects.create(
            program=world.program, week=week, trigger="scheduled", decision="progress",
            reason="Every session done.", step=week, next_step=week + 1, adherence=1.0,
            sessions_planned=7, sessions_done=7,
        )  # fmt: skip


def add_revisions(world: World, first: int, last: int) -> None:
    for index in range(first, last):
        revision_record(program=world.program, actor=world.staff, reason=f"Change {index}")


def add_alerts(world: World, first: int, last: int) -> None:
    for index in range(first, last):
        alert = alert_raise(
            patient=patient(clinic=world.clinic), program=None, kind=AlertKind.RED_FLAG,
            message="Fever",
        )  # fmt: skip
        if index % 2:
            alert_acknowledge(actor=therapist(clinic=world.clinic), alert=alert)


def add_activities(world: World, first: int, last: int) -> None:
    for _ in range(first, last):
        ActivityFactory.create(clinic=world.clinic)


def add_templates(world: World, first: int, last: int) -> None:
    for _ in range(first, last):
        template = ProgramTemplateFactory.create(clinic=world.clinic)
        TemplateActivityFactory.create(template=template)
        TemplateActivityFactory.create(template=template)


def add_caseload_patients(world: World, first: int, last: int) -> None:
    for index in range(first, last):
        child = patient(clinic=world.clinic, therapists=[world.staff])
        if index % 2:
            active_program(patient=child, started_weeks_ago=1)
            alert_raise(patient=child, program=None, kind=AlertKind.LOW_ADHERENCE, message="Low")
            quiet_check_in(actor=world.staff, patient=child, fdi_answers=[1] * 15)


@dataclass
class ListCase:
    url: str
    add: Callable[[World, int, int], None]


LISTS = {
    "patients": ListCase("/api/v1/patients/", add_patients),
    "guardians": ListCase("/api/v1/guardians/", add_guardians),
    "programs": ListCase("/api/v1/programs/", add_programs),
    "sessions": ListCase(
        "/api/v1/sessions/?date_after=2026-03-04&date_before=2026-03-04", add_sessions_on_a_day
    ),
    "session-logs": ListCase("/api/v1/session-logs/", add_session_logs),
    "check-ins": ListCase("/api/v1/check-ins/?patient={child}", add_check_ins),
    "reviews": ListCase("/api/v1/reviews/", add_reviews),
    "revisions": ListCase("/api/v1/revisions/", add_revisions),
    "alerts": ListCase("/api/v1/alerts/", add_alerts),
    "activities": ListCase("/api/v1/activities/", add_activities),
    "templates": ListCase("/api/v1/templates/", add_templates),
    "caseload": ListCase("/api/v1/caseload/", add_caseload_patients),
}


def count_queries(client: APIClient, url: str) -> tuple[int, int]:
    """(queries, rows on the page) of one GET."""
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, response.json()
    return len(context.captured_queries), len(response.json()["results"])


@pytest.mark.slow  # one case per route: part of the route matrix
@pytest.mark.parametrize("name", LISTS)
def test_it_answers_each_list_in_the_same_number_of_queries_for_2_and_10_more_rows(
    name: str, world: World
) -> None:
    case = LISTS[name]
    client = APIClient()
    client.force_authenticate(world.staff)
    url = case.url.format(child=world.child.id)
    _, before = count_queries(client, url)

    case.add(world, 0, 2)
    few, rows_few = count_queries(client, url)
    case.add(world, 2, 12)
    many, rows_many = count_queries(client, url)

    assert (rows_few - before, rows_many - before) == (2, 12)
    assert many == few, f"{name}: {few} queries for {rows_few} rows, {many} for {rows_many}"


def test_it_answers_the_caseload_of_200_patients_in_at_most_10_queries(
    world: World, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    patients = Patient.objects.bulk_create(
        Patient(
            clinic=world.clinic,
            first_name=f"Pat{index}",
            last_name="Ient",
            date_of_birth=date(2012, 1, 1),
            time_zone="America/New_York",
            diagnosis="juvenile_fibromyalgia",
        )
        for index in range(199)
    )
    Patient.therapists.through.objects.bulk_create(
        Patient.therapists.through(patient_id=child.id, user_id=world.staff.id)
        for child in patients[::2]
    )
    Alert.objects.bulk_create(
        Alert(patient=child, kind="no_activity", severity=1, message="Quiet")
        for child in patients[::3]
    )
    for child in patients[:3]:
        active_program(patient=child, started_weeks_ago=1)
        quiet_check_in(actor=world.staff, patient=child, fdi_answers=[2] * 15)
    client = APIClient()
    client.force_authenticate(world.staff)

    with django_assert_max_num_queries(10) as captured:
        response = client.get("/api/v1/caseload/?page_size=200&ordering=-open_alerts")

    assert response.status_code == 200 and response.json()["count"] == 200
    assert response.json()["results"][0]["open_alerts"] == 1
    assert len(captured) <= 10
