import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from programs import services
from programs.models import Patient, PlannedDose, PlannedSession, Program, SessionLog, User
from programs.services.common import local_today
from tests.programs import factories

pytestmark = pytest.mark.django_db


def signed_in(client: Client, patient: Patient) -> None:
    assert patient.user is not None
    client.force_login(patient.user)


def walking_program(patient: Patient, **options: Any) -> Program:
    activity = factories.ActivityFactory.create(
        name="Walking", instructions="Walk at a steady pace you could keep up."
    )
    return factories.active_program(
        patient=patient, activities=[factories.activity_choice(activity)], **options
    )


def todays_session(program: Program) -> PlannedSession:
    return program.sessions.get(date=local_today(program.patient))


def signed_in_for_a_walk(client: Client) -> tuple[Patient, PlannedSession, PlannedDose]:
    """A patient on a walking program, signed in on ``client``: them, today's session and its
    one dose."""
    patient = factories.patient(with_user=True)
    session = todays_session(walking_program(patient))
    signed_in(client, patient)
    return patient, session, session.doses.get()


def log_url(patient: Patient, session: PlannedSession) -> str:
    return f"/p/{patient.pk}/sessions/{session.pk}/log/"


def test_it_shows_todays_activities_with_their_doses_and_instructions(client: Client) -> None:
    patient = factories.patient(with_user=True)
    program = walking_program(patient, started_weeks_ago=1)
    dose = todays_session(program).doses.get()
    signed_in(client, patient)
    response = client.get(f"/p/{patient.pk}/today/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Today</h1>" in body
    assert f"<strong>{dose.amount} minutes</strong>" in body
    assert "Walk at a steady pace you could keep up." in body
    assert "Building up · week 2" in body


def test_it_shows_the_heart_rate_and_exertion_targets(client: Client) -> None:
    patient = factories.patient(with_user=True)
    program = walking_program(patient)
    dose = todays_session(program).doses.get()
    assert dose.heart_rate_low is not None and dose.exertion_low is not None
    signed_in(client, patient)
    body = client.get(f"/p/{patient.pk}/today/").content.decode()
    assert f"{dose.heart_rate_low} to {dose.heart_rate_high} beats a minute" in body
    assert f"{dose.exertion_low} to {dose.exertion_high} out of 10" in body


def test_it_prefills_the_log_with_the_planned_amounts(client: Client) -> None:
    patient = factories.patient(with_user=True)
    program = walking_program(patient)
    session = todays_session(program)
    dose = session.doses.get()
    signed_in(client, patient)
    body = client.get(f"/p/{patient.pk}/today/").content.decode()
    assert f'action="{log_url(patient, session)}"' in body
    assert f'name="{dose.program_activity.key}-amount" value="{dose.amount}"' in body
    assert "Not tired at all" in body


def test_it_logs_the_whole_session_in_one_tap(client: Client) -> None:
    patient = factories.patient(with_user=True)
    program = walking_program(patient)
    session = todays_session(program)
    dose = session.doses.get()
    key = dose.program_activity.key
    signed_in(client, patient)
    response = client.post(
        log_url(patient, session), {f"{key}-amount": dose.amount, f"{key}-exertion": "4"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/p/{patient.pk}/today/"
    log = SessionLog.objects.get(session=session)
    assert log.status == "done"
    assert [(r.amount, r.exertion) for r in log.results.all()] == [(dose.amount, 4)]


def test_it_thanks_them_for_showing_up(client: Client) -> None:
    patient, session, dose = signed_in_for_a_walk(client)
    response = client.post(
        log_url(patient, session), {f"{dose.program_activity.key}-amount": dose.amount}, follow=True
    )
    body = response.content.decode()
    assert "Logged. Well done for showing up." in body
    assert "Change what you logged" in body


def test_it_logs_less_than_planned_as_partial(client: Client) -> None:
    patient, session, dose = signed_in_for_a_walk(client)
    client.post(log_url(patient, session), {f"{dose.program_activity.key}-amount": 2})
    assert SessionLog.objects.get(session=session).status == "partial"


def test_it_logs_a_skipped_session_without_results(client: Client) -> None:
    patient, session, dose = signed_in_for_a_walk(client)
    response = client.post(
        log_url(patient, session),
        {f"{dose.program_activity.key}-amount": "", "skipped": "1", "note": "School trip"},
        follow=True,
    )
    log = SessionLog.objects.get(session=session)
    assert (log.status, log.note, log.results.count()) == ("missed", "School trip", 0)
    assert "next time is a fresh start" in response.content.decode()


def test_it_changes_an_earlier_log(client: Client) -> None:
    patient = factories.patient(with_user=True)
    session = todays_session(walking_program(patient))
    dose = session.doses.get()
    factories.log_session(session, status="partial", amounts={dose.program_activity_id: 1})
    signed_in(client, patient)
    page = client.get(f"/p/{patient.pk}/today/").content.decode()
    assert 'value="1"' in page
    client.post(log_url(patient, session), {f"{dose.program_activity.key}-amount": dose.amount})
    log = SessionLog.objects.get(session=session)
    assert (log.status, log.results.get().amount) == ("done", dose.amount)


def test_it_names_the_field_when_an_amount_is_missing(client: Client) -> None:
    patient = factories.patient(with_user=True)
    session = todays_session(walking_program(patient))
    key = session.doses.get().program_activity.key
    signed_in(client, patient)
    response = client.post(log_url(patient, session), {f"{key}-amount": "", "note": "kept"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Walking: minutes done: Enter how much you did (0 if none)." in body
    assert "kept</textarea>" in body
    assert not SessionLog.objects.filter(session=session).exists()


def test_it_shows_the_services_refusal_on_the_field(client: Client) -> None:
    patient = factories.patient(with_user=True)
    session = todays_session(walking_program(patient))
    key = session.doses.get().program_activity.key
    signed_in(client, patient)
    response = client.post(log_url(patient, session), {f"{key}-amount": "5000"})
    assert response.status_code == 200
    assert "is not a plausible amount" in response.content.decode()
    assert not SessionLog.objects.filter(session=session).exists()


def log_five(client: Client, patient: Patient, session: PlannedSession) -> str:
    """Send five minutes of the session's one activity from its log form; the page shown next."""
    key = session.doses.get().program_activity.key
    response = client.post(log_url(patient, session), {f"{key}-amount": "5"}, follow=True)
    return response.content.decode()


def paused_yesterday(patient: Patient) -> Program:
    """A walking program that started a week ago and was paused yesterday: today's session
    and those after it are planned as held."""
    program = walking_program(patient, started_weeks_ago=1)
    with time_machine.travel(timedelta(days=-1)):
        services.program_pause(
            actor=factories.clinician_of(program), program=program, reason="Checking a rash"
        )
    return program


def tomorrows_session(patient: Patient) -> PlannedSession:
    program = walking_program(patient)
    return program.sessions.get(date=local_today(patient) + timedelta(days=1))


def todays_session_after_discharge(patient: Patient) -> PlannedSession:
    program = walking_program(patient)
    session = todays_session(program)
    services.program_discharge(actor=factories.clinician_of(program), program=program)
    return session


@pytest.mark.parametrize(
    ("session_of", "shown", "hidden"),
    [
        pytest.param(
            tomorrows_session,
            [
                "This session\u2019s day has not come yet. Nothing was saved.",
                "You can log this session on its day.",
            ],
            [],
            id="before_its_day",
        ),
        pytest.param(
            lambda patient: todays_session(paused_yesterday(patient)),
            [
                "The program is paused: the therapist will restart it. Nothing was saved.",
                "Logging is paused",
            ],
            ["Save what I did"],
            id="after_the_pause",
        ),
        pytest.param(
            todays_session_after_discharge,
            [
                "The program has ended, so its sessions can no longer be logged.",
                "Nothing was saved.",
            ],
            [],
            id="after_discharge",
        ),
    ],
)
def test_it_says_a_log_it_refuses_was_not_saved(
    client: Client,
    session_of: Callable[[Patient], PlannedSession],
    shown: list[str],
    hidden: list[str],
) -> None:
    patient = factories.patient(with_user=True)
    session = session_of(patient)
    signed_in(client, patient)
    body = log_five(client, patient, session)
    for text in shown:
        assert text in body
    for text in hidden:
        assert text not in body
    assert not SessionLog.objects.filter(session=session).exists()


def test_it_still_logs_a_session_from_before_the_pause(client: Client) -> None:
    patient = factories.patient(with_user=True)
    program = paused_yesterday(patient)
    before = program.sessions.get(date=local_today(patient) - timedelta(days=2))
    key = before.doses.get().program_activity.key
    signed_in(client, patient)
    assert "Save what I did" in client.get(log_url(patient, before)).content.decode()
    client.post(log_url(patient, before), {f"{key}-amount": "5"})
    assert SessionLog.objects.filter(session=before).exists()


def test_it_leaves_the_log_form_off_today_while_paused(client: Client) -> None:
    patient = factories.patient(with_user=True)
    paused_yesterday(patient)
    signed_in(client, patient)
    body = client.get(f"/p/{patient.pk}/today/").content.decode()
    assert "Your program is on hold" in body
    assert "Log what you did" not in body


def test_it_hides_another_patients_session(client: Client) -> None:
    patient = factories.patient(with_user=True)
    stranger = factories.patient(with_user=True)
    session = todays_session(walking_program(patient))
    signed_in(client, stranger)
    assert client.get(log_url(stranger, session)).status_code == 404
    assert client.post(log_url(patient, session), {}).status_code == 404


def test_it_says_kindly_when_there_is_no_session_today(client: Client) -> None:
    patient = factories.patient(with_user=True)
    today = local_today(patient)
    tomorrow = (today.weekday() + 1) % 7
    activity = factories.ActivityFactory.create()
    factories.active_program(
        patient=patient, activities=[factories.activity_choice(activity, weekdays=[tomorrow])]
    )
    signed_in(client, patient)
    body = client.get(f"/p/{patient.pk}/today/").content.decode()
    assert "No session today" in body
    next_day = today + timedelta(days=1)
    assert f"Your next session is on {next_day:%A}, {next_day:%B} {next_day.day}." in body


def test_it_says_plainly_when_the_clinic_has_paused_the_program(client: Client) -> None:
    patient = factories.patient(with_user=True)
    program = walking_program(patient)
    services.program_pause(
        actor=factories.clinician_of(program), program=program, reason="Checking a rash"
    )
    signed_in(client, patient)
    body = client.get(f"/p/{patient.pk}/today/").content.decode()
    assert "Your program is on hold" in body
    assert "Your clinic has paused your program" in body


def test_it_tells_a_guardian_about_their_childs_session(client: Client) -> None:
    child = factories.patient()
    link = factories.guardian(patient=child)
    walking_program(child)
    assert link.user is not None
    client.force_login(link.user)
    body = client.get(f"/p/{child.pk}/today/").content.decode()
    assert "Today\u2019s session" in body
    # Issue 11: the log form speaks to a parent about their child.
    name = child.first_name
    assert f"Log what {name} did" in body
    assert f"Save what {name} did" in body
    assert f"Walking: how tired did {name} feel?" in body
    assert "Log what you did" not in body and "Save what I did" not in body


def test_a_week_finished_with_the_plain_form_is_celebrated_on_the_week_once(
    client: Client,
) -> None:
    patient = factories.patient(with_user=True)
    program = walking_program(patient, started_weeks_ago=1)
    *earlier, last = factories.sessions_of_week(program, 0)
    for session in earlier:
        factories.log_session(session)
    signed_in(client, patient)
    dose = last.doses.get()

    sent = client.post(
        log_url(patient, last), {f"{dose.program_activity.key}-amount": dose.amount}, follow=True
    )
    again = client.get(f"/p/{patient.pk}/week/?week=1").content.decode()

    assert "A whole week done!" in sent.content.decode()
    assert "You showed up for every session of a week." in sent.content.decode()
    assert "A whole week done!" not in again


def test_todays_page_celebrates_a_milestone_in_a_guardians_words_once_for_the_household(
    client: Client,
) -> None:
    patient = factories.patient(with_user=True)
    program = walking_program(patient, started_weeks_ago=1)
    link = factories.guardian(patient=patient)
    factories.log_week(program, week=0)  # sent from the phone's queue: no page was shown
    assert link.user is not None
    client.force_login(link.user)

    parent = client.get(f"/p/{patient.pk}/today/").content.decode()
    signed_in(client, patient)
    child = client.get(f"/p/{patient.pk}/today/").content.decode()

    assert f"{patient.first_name} showed up for every session of a week." in parent
    assert "A whole week done!" not in child


def test_it_reads_todays_page_in_at_most_eight_queries_for_a_patient(
    client: Client, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    patient = factories.patient(with_user=True)
    session = todays_session(walking_program(patient))
    factories.log_session(session)
    signed_in(client, patient)
    with django_assert_max_num_queries(8):  # the first view, which also remembers the patient
        response = client.get(f"/p/{patient.pk}/today/")
    assert response.status_code == 200


def guardian_of_two_in_programs() -> tuple[User, Patient, Patient]:
    """One guardian's account for two patients of a clinic, each following a walking program."""
    first = factories.patient()
    second = factories.patient(clinic=first.clinic)
    link = factories.guardian(patient=first)
    factories.guardian(patient=second, user=link.user)
    walking_program(first)
    walking_program(second)
    assert link.user is not None
    return link.user, first, second


def test_it_reads_todays_page_in_at_most_eight_queries_for_a_guardian_of_two(
    client: Client, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    parent, first, second = guardian_of_two_in_programs()
    factories.log_session(todays_session(first.programs.get()))
    factories.log_session(todays_session(second.programs.get()))
    client.force_login(parent)
    client.get(f"/p/{first.pk}/today/")
    with django_assert_max_num_queries(8):  # switching to a child whose session is logged
        response = client.get(f"/p/{second.pk}/today/")
    assert response.status_code == 200
    assert f"Switch to {first.first_name}" in response.content.decode()


def test_it_switches_a_guardian_to_the_other_childs_today_in_at_most_eight_queries(
    client: Client, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    parent, first, second = guardian_of_two_in_programs()
    client.force_login(parent)
    client.get(f"/p/{first.pk}/today/")
    with django_assert_max_num_queries(8):  # the switch remembers the child in a cookie
        response = client.get(f"/p/{second.pk}/today/")
    assert response.status_code == 200


def test_it_reads_a_day_without_a_session_in_at_most_eight_queries(
    client: Client, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    patient = factories.patient(with_user=True)
    signed_in(client, patient)
    with django_assert_max_num_queries(8):
        response = client.get(f"/p/{patient.pk}/today/")
    assert "No session today" in response.content.decode()


def static_size(url: str) -> int:
    path = finders.find(url.removeprefix("/static/").split("?")[0])
    assert isinstance(path, str), url
    return Path(path).stat().st_size


def test_it_keeps_todays_page_with_its_css_and_js_under_100_kb(client: Client) -> None:
    patient = factories.patient(with_user=True)
    activities = [factories.activity_choice(goal_quota=15) for _ in range(4)]
    factories.active_program(patient=patient, activities=activities)
    signed_in(client, patient)
    html = client.get(f"/p/{patient.pk}/today/").content
    page = html.decode()
    stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
    scripts = re.findall(r'<script[^>]* src="([^"]+)"', page)
    assert "/static/web/patient.css" in stylesheets
    total = len(html) + sum(static_size(url) for url in stylesheets + scripts)
    assert total < 100_000


def test_it_does_not_ask_how_tiring_rubbing_textures_felt(client: Client) -> None:
    patient = factories.patient(with_user=True)
    textures = factories.ActivityFactory.create(
        name="Textures", kind="desensitization", unit="seconds"
    )
    program = factories.active_program(
        patient=patient,
        activities=[
            factories.activity_choice(textures, baseline_trials=[60, 60, 60], goal_quota=300)
        ],
    )
    key = todays_session(program).doses.get().program_activity.key
    signed_in(client, patient)
    body = client.get(f"/p/{patient.pk}/today/").content.decode()
    assert f'name="{key}-amount"' in body
    assert f'name="{key}-exertion"' not in body
