import re
from collections.abc import Sequence
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from programs import models, services
from programs.services.common import local_today
from tests.programs import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def user() -> models.User:
    """The therapist whose caseload each test reads."""
    return factories.therapist()


@pytest.fixture
def clinic(user: models.User) -> models.Clinic:
    return user.memberships.get().clinic


def names_in_order(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/clinic/patients/\d+/">([^<]+)</a>', html)


def check_in(
    patient: models.Patient, *, days_ago: int, fdi: int, red_flags: Sequence[str] = ()
) -> models.CheckIn:
    return factories.CheckInFactory.create(
        patient=patient,
        date=local_today(patient) - timedelta(days=days_ago),
        fdi_total=fdi,
        red_flags=list(red_flags),
    )


def alert(patient: models.Patient, kind: str = "no_activity") -> models.Alert:
    return factories.AlertFactory.create(patient=patient, kind=kind)


def signed_in(client: Client, user: models.User) -> Client:
    client.force_login(user)
    return client


def test_it_lists_each_patient_with_program_week_and_adherence(
    client: Client, user: models.User, clinic: models.Clinic
) -> None:
    child = factories.patient(clinic=clinic, therapists=[user])
    program = factories.active_program(patient=child, started_weeks_ago=2, actor=user)
    factories.log_week(program, week=1)
    response = signed_in(client, user).get("/clinic/")
    body = response.content.decode()
    assert response.status_code == 200
    assert f"{child.last_name}, {child.first_name}" in body
    assert "Build, week 3" in body
    assert "50%" in body  # week 1 done, week 0 not: 7 of the last 14 days


def test_it_says_which_way_the_fdi_went_in_words(
    client: Client, user: models.User, clinic: models.Clinic
) -> None:
    better, worse = factories.patient(clinic=clinic), factories.patient(clinic=clinic)
    check_in(better, days_ago=14, fdi=30)
    check_in(better, days_ago=0, fdi=26)
    check_in(worse, days_ago=14, fdi=20)
    check_in(worse, days_ago=0, fdi=21)
    body = signed_in(client, user).get("/clinic/").content.decode()
    assert "4 points lower (better)" in body
    assert "1 point higher (worse)" in body


def test_it_makes_a_red_flag_stand_out(
    client: Client, user: models.User, clinic: models.Clinic
) -> None:
    child = factories.patient(clinic=clinic)
    alert(child, "red_flag")
    alert(child, "low_adherence")
    body = signed_in(client, user).get("/clinic/").content.decode()
    assert 'class="red-flag-row"' in body
    assert '<span class="badge bad">Red flag</span>' in body
    assert '<span class="badge warn">Low adherence</span>' in body


@pytest.mark.parametrize("sort", ["name", "-name", "adherence", "-open_alerts"])
def test_it_puts_thoughts_of_self_harm_first_whatever_the_sort(
    client: Client, user: models.User, clinic: models.Clinic, sort: str
) -> None:
    factories.patient(clinic=clinic, first_name="Ann", last_name="Abbott")
    flagged = factories.patient(clinic=clinic, first_name="Zoe", last_name="Young")
    alert(factories.patient(clinic=clinic, first_name="Max", last_name="Moss"), "red_flag")
    alert(factories.patient(clinic=clinic, first_name="Lin", last_name="Lowe"), "red_flag")
    alert(flagged, "self_harm")

    body = signed_in(client, user).get(f"/clinic/?sort={sort}").content.decode()

    assert names_in_order(body)[0] == "Young, Zoe"
    assert 'class="self-harm-row"' in body
    assert '<span class="badge urgent">Thoughts of self-harm</span>' in body


def test_it_audits_each_patient_the_caseload_shows(
    client: Client, user: models.User, clinic: models.Clinic
) -> None:
    shown = [factories.patient(clinic=clinic) for _ in range(3)]
    factories.patient()  # another clinic's

    signed_in(client, user).get("/clinic/")

    reads = models.AuditEvent.objects.filter(actor=user, action="read", what="caseload page")
    assert sorted(reads.values_list("patient_id", flat=True)) == [child.pk for child in shown]


def test_it_sorts_by_a_column_and_marks_it_for_screen_readers(
    client: Client, user: models.User, clinic: models.Clinic
) -> None:
    quiet = factories.patient(clinic=clinic, first_name="Quinn", last_name="Adams")
    busy = factories.patient(clinic=clinic, first_name="Bea", last_name="Zed")
    alert(busy)
    alert(busy, "low_adherence")
    alert(quiet)
    signed_in(client, user)
    by_name = client.get("/clinic/").content.decode()
    by_alerts = client.get("/clinic/?sort=-open_alerts").content.decode()
    assert names_in_order(by_name) == ["Adams, Quinn", "Zed, Bea"]
    assert names_in_order(by_alerts) == ["Zed, Bea", "Adams, Quinn"]
    assert 'aria-sort="descending"' in by_alerts
    assert 'href="?sort=open_alerts"' in by_alerts  # the next click sorts the other way


def test_it_keeps_the_filters_in_the_sort_links(client: Client, user: models.User) -> None:
    body = signed_in(client, user).get("/clinic/?q=ma&alerts=on").content.decode()
    assert 'href="?q=ma&amp;alerts=on&amp;sort=adherence"' in body


def test_it_finds_a_patient_by_name(
    client: Client, user: models.User, clinic: models.Clinic
) -> None:
    factories.patient(clinic=clinic, first_name="Maya", last_name="Thompson")
    factories.patient(clinic=clinic, first_name="Ethan", last_name="Brooks")
    body = signed_in(client, user).get("/clinic/?q=thomp").content.decode()
    assert names_in_order(body) == ["Thompson, Maya"]


def test_it_shows_only_my_patients_when_asked(
    client: Client, user: models.User, clinic: models.Clinic
) -> None:
    factories.patient(clinic=clinic, first_name="Mine", last_name="A", therapists=[user])
    factories.patient(clinic=clinic, first_name="Theirs", last_name="B")
    signed_in(client, user)
    assert len(names_in_order(client.get("/clinic/").content.decode())) == 2
    assert names_in_order(client.get("/clinic/?scope=mine").content.decode()) == ["A, Mine"]


def test_it_shows_only_patients_with_open_alerts_when_asked(
    client: Client, user: models.User, clinic: models.Clinic
) -> None:
    flagged = factories.patient(clinic=clinic, first_name="Flag", last_name="A")
    handled = factories.patient(clinic=clinic, first_name="Handled", last_name="B")
    alert(flagged)
    models.Alert.objects.filter(pk=alert(handled).pk).update(acknowledged_at=timezone.now())
    body = signed_in(client, user).get("/clinic/?alerts=on").content.decode()
    assert names_in_order(body) == ["A, Flag"]


def test_it_filters_by_program_status(
    client: Client, user: models.User, clinic: models.Clinic
) -> None:
    following = factories.patient(clinic=clinic, first_name="Following", last_name="A")
    factories.active_program(patient=following, actor=user)
    factories.patient(clinic=clinic, first_name="Waiting", last_name="B")
    signed_in(client, user)
    active = client.get("/clinic/?status=active").content.decode()
    none = client.get("/clinic/?status=none").content.decode()
    assert names_in_order(active) == ["A, Following"]
    assert names_in_order(none) == ["B, Waiting"]


def test_it_ignores_parameters_it_cannot_read(
    client: Client, user: models.User, clinic: models.Clinic
) -> None:
    factories.patient(clinic=clinic)
    response = signed_in(client, user).get("/clinic/?sort=pain&status=zzz&scope=x")
    assert response.status_code == 200
    assert len(names_in_order(response.content.decode())) == 1


def test_it_hides_another_clinics_patients(client: Client, user: models.User) -> None:
    factories.patient(first_name="Elsewhere")
    body = signed_in(client, user).get("/clinic/").content.decode()
    assert "Elsewhere" not in body
    assert "No patients yet." in body


def build_clinic(patient_count: int) -> models.User:
    """A clinic of ``patient_count`` patients, each with an active program three weeks in,
    logged sessions, two FDI check-ins and open alerts, written in bulk (services would take
    minutes for this many)."""
    user = factories.therapist()
    clinic = user.memberships.get().clinic
    today = local_today(factories.PatientFactory.build(clinic=clinic))
    born = date(today.year - 14, 1, 1)
    patients = models.Patient.objects.bulk_create(
        models.Patient(
            clinic=clinic, first_name=f"Pat{index:03}", last_name=f"Name{index % 17}",
            date_of_birth=born, time_zone=clinic.time_zone, diagnosis="crps",
        )
        for index in range(patient_count)
    )  # fmt: skip
    models.Patient.therapists.through.objects.bulk_create(
        models.Patient.therapists.through(patient_id=patient.pk, user_id=user.pk)
        for patient in patients[::2]
    )
    start = today - timedelta(days=20)
    programs = models.Program.objects.bulk_create(
        models.Program(
            patient=patient, status=models.Program.Status.ACTIVE, goals="Dance again.",
            start_date=start, goal_date=start + timedelta(weeks=12),
        )
        for patient in patients
    )  # fmt: skip
    sessions = models.PlannedSession.objects.bulk_create(
        models.PlannedSession(
            program=program, date=start + timedelta(days=day), week=day // 7, step=day // 7,
            phase="build",
        )
        for program in programs
        for day in range(28)
    )  # fmt: skip
    models.SessionLog.objects.bulk_create(
        models.SessionLog(session=session, status="done" if session.pk % 3 else "missed")
        for session in sessions
        if session.date < today
    )
    models.CheckIn.objects.bulk_create(
        models.CheckIn(
            patient=patient, date=today - timedelta(days=days_ago), fdi_total=20 + index % 7
        )
        for index, patient in enumerate(patients)
        for days_ago in (14, 0)
    )
    models.Alert.objects.bulk_create(
        models.Alert(
            patient=patient, kind=kind, severity=models.Alert.SEVERITY[kind], message="alert"
        )
        for index, patient in enumerate(patients)
        for kind in (["red_flag", "low_adherence"] if index % 5 == 0 else ["no_activity"])
    )
    return user


@pytest.mark.slow
def test_it_shows_200_patients_in_a_fixed_number_of_queries(
    client: Client, django_assert_max_num_queries: object
) -> None:
    user = build_clinic(200)
    signed_in(client, user)
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        response = client.get("/clinic/?sort=-fdi_change")
    assert len(names_in_order(response.content.decode())) == 200
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        filtered = client.get("/clinic/?scope=mine&alerts=on&status=active&q=pat&sort=adherence")
    assert len(names_in_order(filtered.content.decode())) == 100


@pytest.mark.slow
def test_it_answers_a_repeated_request_for_200_patients_with_every_row(
    client: Client, django_assert_max_num_queries: object
) -> None:
    # No wall-clock limit here: speed is measured by the benchmarks in bench/, not by tests.
    user = build_clinic(200)
    signed_in(client, user)
    client.get("/clinic/")
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        response = client.get("/clinic/")
    assert response.status_code == 200
    assert len(names_in_order(response.content.decode())) == 200


def test_the_caseload_and_the_patient_page_agree_on_a_restarted_patients_status(
    client: Client,
    user: models.User,
    clinic: models.Clinic,
) -> None:
    child = factories.patient(clinic=clinic, therapists=[user])
    first = factories.active_program(patient=child, started_weeks_ago=4, actor=user)
    services.program_discharge(actor=user, program=first)
    watched = signed_in(client, user).get("/clinic/").content.decode()
    factories.active_program(patient=child, actor=user)
    restarted = client.get("/clinic/").content.decode()
    assert "No running program" in watched and "Relapse watch after discharge" in watched
    assert "Build, week 1" in restarted and "Relapse watch" not in restarted
