"""The guided session's pages (web/patient/guided.py): one activity a page, Done or Did less,
the OMNI scale for what tires, bouts, and the finish screen."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from programs import services
from programs.models import BoutLog, Patient, PlannedSession, Program, SessionLog
from programs.services.common import local_today
from tests.programs import factories
from web.patient.guided import media_kind

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(client: Client) -> Patient:
    person = factories.patient(with_user=True)
    factories.guided_program(patient=person)
    assert person.user is not None
    client.force_login(person.user)
    return person


@pytest.fixture
def session(patient: Patient) -> PlannedSession:
    return patient.programs.get().sessions.get(date=local_today(patient))


def guide_url(session: PlannedSession, tail: str = "") -> str:
    return f"/p/{session.program.patient_id}/sessions/{session.pk}/guide/{tail}"


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response
    return response.content.decode()


def test_today_offers_to_start_the_session(client: Client, session: PlannedSession) -> None:
    body = page(client, f"/p/{session.program.patient_id}/today/")

    assert "Start today\u2019s session" in body
    assert f'href="{guide_url(session)}"' in body


def test_today_offers_to_carry_on_after_a_first_activity(
    client: Client, session: PlannedSession
) -> None:
    client.post(guide_url(session, "1/"), {"bout": "1", "result": "done"})

    body = page(client, f"/p/{session.program.patient_id}/today/")

    assert "Carry on with today\u2019s session" in body


def test_today_shows_what_was_done_once_the_session_is(
    client: Client, session: PlannedSession
) -> None:
    factories.log_session(session)

    body = page(client, f"/p/{session.program.patient_id}/today/")

    assert "See what you did today" in body
    assert f'href="{guide_url(session, "done/")}"' in body


def test_starting_opens_the_first_activity(client: Client, session: PlannedSession) -> None:
    response = client.get(guide_url(session))

    assert response.status_code == 302
    assert response["Location"] == guide_url(session, "1/")


def test_a_timed_activity_shows_its_dose_big_and_a_timer(
    client: Client, session: PlannedSession
) -> None:
    body = page(client, guide_url(session, "1/"))

    assert "Activity 1 of 3" in body
    assert '<p class="dose-big">7 minutes</p>' in body
    assert 'data-timer data-seconds="420" data-unit="minutes"' in body
    assert "Walk at an easy pace." in body
    assert "web/session.js" in body


def test_an_activity_page_reads_in_a_few_queries(
    client: Client,
    session: PlannedSession,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    client.post(guide_url(session, "1/"), {"bout": "1", "result": "done"})

    with django_assert_max_num_queries(8):
        response = client.get(guide_url(session, "2/"))

    assert response.status_code == 200


def test_a_counted_activity_shows_a_tap_counter(client: Client, session: PlannedSession) -> None:
    body = page(client, guide_url(session, "2/"))

    assert 'data-counter data-target="7"' in body
    assert "Tap for each one" in body
    assert "data-timer" not in body


def test_exertion_is_one_scale_with_the_words_of_each_point(
    client: Client, session: PlannedSession
) -> None:
    body = page(client, guide_url(session, "1/"))

    assert body.count('name="exertion"') == 11
    assert body.count('<fieldset class="omni-line') == 1
    assert "<b>4</b> <span>Getting tired</span>" in body
    assert "<b>10</b> <span>Very, very tired</span>" in body


def test_desensitization_is_not_asked_how_tiring_it_was(
    client: Client, session: PlannedSession
) -> None:
    body = page(client, guide_url(session, "3/"))

    assert 'name="exertion"' not in body
    assert "Time 1 of 2 today" in body


def test_done_saves_the_planned_amount_and_goes_on(client: Client, session: PlannedSession) -> None:
    response = client.post(
        guide_url(session, "1/"), {"bout": "1", "result": "done", "exertion": "5"}
    )

    assert response["Location"] == guide_url(session, "2/")
    bout = BoutLog.objects.get()
    assert (bout.amount, bout.exertion, bout.number) == (7, 5, 1)


def test_did_less_saves_the_amount_typed(client: Client, session: PlannedSession) -> None:
    client.post(guide_url(session, "2/"), {"bout": "1", "result": "less", "amount": "4"})

    assert BoutLog.objects.get().amount == 4
    assert SessionLog.objects.get(session=session).status == "partial"


def test_did_less_without_an_amount_names_the_field(
    client: Client, session: PlannedSession
) -> None:
    response = client.post(guide_url(session, "2/"), {"bout": "1", "result": "less", "amount": ""})
    body = response.content.decode()

    assert response.status_code == 200
    assert "Enter how much you did (0 if none)." in body
    assert 'href="#id_amount"' in body
    assert not BoutLog.objects.exists()


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"amount": "5000"}, "is not a plausible amount"),
        ({"amount": "-2"}, "Ensure this value is greater than or equal to 0."),
        ({"amount": "3", "exertion": "11"}, "Select a valid choice."),
        ({"amount": "3", "bout": "2"}, "is 1 to 1 for this activity"),
    ],
)
def test_it_refuses_a_value_out_of_range_on_its_field(
    client: Client, session: PlannedSession, data: dict[str, str], words: str
) -> None:
    sent = {"bout": "1", "result": "less", **data}

    response = client.post(guide_url(session, "1/"), sent)

    assert response.status_code == 200
    assert words in response.content.decode()
    assert not BoutLog.objects.exists()


def test_a_twice_a_day_activity_is_logged_one_bout_at_a_time(
    client: Client, session: PlannedSession
) -> None:
    client.post(guide_url(session, "1/"), {"bout": "1", "result": "done"})
    client.post(guide_url(session, "2/"), {"bout": "1", "result": "done"})
    first = client.post(guide_url(session, "3/"), {"bout": "1", "result": "done"})
    later = page(client, guide_url(session, "3/"))
    second = client.post(guide_url(session, "3/"), {"bout": "2", "result": "done"})

    assert first["Location"] == guide_url(session, "done/")
    assert "Time 2 of 2 today" in later
    assert second["Location"] == guide_url(session, "done/")
    assert SessionLog.objects.get(session=session).status == "done"


def test_the_finish_screen_shows_the_day_the_week_and_the_way(
    client: Client, session: PlannedSession
) -> None:
    client.post(guide_url(session, "1/"), {"bout": "1", "result": "done"})
    client.post(guide_url(session, "2/"), {"bout": "1", "result": "less", "amount": "0"})
    client.post(guide_url(session, "3/"), {"bout": "1", "result": "done"})

    body = page(client, guide_url(session, "done/"))

    assert "<strong>7 minutes</strong>" in body
    assert "Not this time." in body
    assert "1 of 2 times" in body
    assert "One more time later today." in body
    assert "Week 1 of 13" in body
    assert "1 of 7 sessions done" in body
    assert "Walk to school with my friends." in body
    for word in ("pain", "hurt", "missed", "skipped", "failed"):
        assert word not in body.lower().split("<footer")[0]


def test_a_milestone_is_celebrated_once(client: Client) -> None:
    person = factories.patient(with_user=True)
    program = factories.guided_program(patient=person, started_weeks_ago=1)
    assert person.user is not None
    client.force_login(person.user)
    week = factories.sessions_of_week(program, 0)
    factories.log_week(program, week=0)

    first = page(client, guide_url(week[-1], "done/"))
    second = page(client, guide_url(week[-1], "done/"))

    assert "A whole week done!" in first
    assert "A whole week done!" not in second


def test_a_paused_programs_session_goes_to_the_log_page_which_says_why(client: Client) -> None:
    person = factories.patient(with_user=True)
    program = factories.guided_program(patient=person, started_weeks_ago=1)
    with time_machine.travel(timedelta(days=-1)):
        services.program_pause(
            actor=factories.clinician_of(program), program=program, reason="Checking a rash"
        )
    session = program.sessions.get(date=local_today(person))
    assert person.user is not None
    client.force_login(person.user)

    shown = client.get(guide_url(session, "1/"))
    sent = client.post(guide_url(session, "1/"), {"bout": "1", "result": "done"}, follow=True)

    assert shown["Location"] == f"/p/{person.pk}/sessions/{session.pk}/log/"
    assert "The program is paused" in sent.content.decode()
    assert not BoutLog.objects.exists()


def test_tomorrows_session_cannot_be_guided_yet(client: Client, patient: Patient) -> None:
    program: Program = patient.programs.get()
    tomorrow = program.sessions.get(date=local_today(patient) + timedelta(days=1))

    response = client.get(guide_url(tomorrow, "1/"))

    assert response["Location"].endswith(f"/sessions/{tomorrow.pk}/log/")


def test_another_patients_session_is_not_found(client: Client, patient: Patient) -> None:
    other = factories.patient()
    session = factories.guided_program(patient=other).sessions.get(date=local_today(other))

    response = client.get(f"/p/{patient.pk}/sessions/{session.pk}/guide/1/")

    assert response.status_code == 404


def test_the_pictures_of_other_sites_are_links_and_ours_are_shown() -> None:
    assert media_kind("https://example.org/squat.png") == "link"
    assert media_kind("/media/activities/squat.svg") == "image"
    assert media_kind("/media/activities/squat.mp4") == "video"
    assert media_kind("") == ""


def test_an_activity_shows_the_clinics_own_picture_with_its_alt_text(
    client: Client, session: PlannedSession
) -> None:
    walking = session.doses.get(program_activity__activity__name="Walking")
    services.activity_media_attach(
        activity=walking.program_activity.activity,
        upload=ContentFile(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, name="walk.png"),
        text="A girl walking on a path",
        allow_global=True,
    )

    body = page(client, guide_url(session, "1/"))

    assert 'alt="A girl walking on a path"' in body
    assert "/media/activities/" in body


# -- A guardian doing the session with their child -------------------------------------------


@pytest.fixture
def ava_with_parent(client: Client) -> PlannedSession:
    """Ava (no account of her own), in her first week, and her mother signed in."""
    ava = factories.patient(first_name="Ava")
    program = factories.guided_program(patient=ava, started_weeks_ago=1)
    parent = factories.guardian(patient=ava).user
    assert parent is not None
    client.force_login(parent)
    return program.sessions.get(date=local_today(ava))


def test_a_guardian_is_asked_what_their_child_did(
    client: Client, ava_with_parent: PlannedSession
) -> None:
    body = page(client, guide_url(ava_with_parent, "2/"))

    assert "How many repetitions did Ava do?" in body
    assert "How tired did Ava feel?" in body
    assert "0 is not tired at all, 10 is too tired to go on." in body
    assert "Save how much Ava did" in body
    assert 'data-offline-log="Wall squats for Ava on ' in body
    assert "I did" not in body and "did you" not in body


def test_a_guardian_is_told_what_their_child_still_has_to_say(
    client: Client, ava_with_parent: PlannedSession
) -> None:
    response = client.post(
        guide_url(ava_with_parent, "2/"), {"bout": "1", "result": "less", "amount": ""}
    )

    assert "Enter how much Ava did (0 if none)." in response.content.decode()


def test_a_guardian_sees_what_their_child_did_on_the_finish_screen(
    client: Client, ava_with_parent: PlannedSession
) -> None:
    program = ava_with_parent.program
    client.post(guide_url(ava_with_parent, "1/"), {"bout": "1", "result": "done"})
    factories.log_week(program, week=0)

    body = page(client, guide_url(ava_with_parent, "done/"))

    assert "What Ava did today" in body
    assert "On the way to Ava\u2019s goal:" in body
    assert "Still there if Ava wants it." in body
    assert "Ava showed up for every session of a week." in body
    assert "What you did" not in body and "your goal" not in body


def test_a_guardian_sees_their_childs_past_session_by_name(
    client: Client, ava_with_parent: PlannedSession
) -> None:
    earlier = ava_with_parent.program.sessions.filter(date__lt=ava_with_parent.date).first()
    assert earlier is not None

    body = page(client, guide_url(earlier, "done/"))

    assert "Ava\u2019s session on " in body
    assert "What Ava did</h2>" in body


def test_thousands_of_digits_in_a_step_form_or_address_are_no_500(
    client: Client, session: PlannedSession
) -> None:
    digits = "9" * 5000

    posted = client.post(
        guide_url(session, "1/"), {"bout": "1", "result": "done", "activity": digits}
    )
    shown = client.get(guide_url(session, "1/") + f"?bout={digits}")
    week = client.get(f"/p/{session.program.patient_id}/week/?week={digits}")

    assert posted.status_code < 500 and shown.status_code == 200 and week.status_code == 200
