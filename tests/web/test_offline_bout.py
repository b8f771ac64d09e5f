"""A bout of the guided session kept on the phone while it was offline and sent once it is back
(web/patient/guided.py, web/patient/queued.py): each form's save arrives once, never over a
newer save of the same bout, and is answered in a few words."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client

from programs import services
from programs.models import BoutLog, PlannedSession
from programs.services.common import local_today
from tests.programs import factories
from tests.web.test_guided import guide_url, page

pytestmark = pytest.mark.django_db

QUEUED = {"X-Gradus-Queued": "1"}


@pytest.fixture
def session(client: Client) -> PlannedSession:
    person = factories.patient(with_user=True)
    program = factories.guided_program(patient=person)
    assert person.user is not None
    client.force_login(person.user)
    return program.sessions.get(date=local_today(person))


def form_of(client: Client, url: str) -> dict[str, str]:
    """The hidden fields of the step's form as the page shows it: its bout, one-time key, the
    moment it was shown and its activity."""
    body = page(client, url)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', body))
    fields.pop("csrfmiddlewaretoken", None)
    return fields


def send(client: Client, url: str, fields: dict[str, str], **more: str) -> Any:
    return client.post(url, {**fields, "result": "done", **more}, headers=QUEUED)


def test_the_steps_form_carries_its_key_and_is_kept_offline(
    client: Client, session: PlannedSession
) -> None:
    body = page(client, guide_url(session, "3/"))
    first = form_of(client, guide_url(session, "3/"))
    second = form_of(client, guide_url(session, "3/"))

    assert 'data-offline-log="Soft towel (time 1 of 2) on ' in body
    assert set(first) == {"bout", "submission", "shown", "activity"}
    assert re.fullmatch(r"[0-9a-f]{32}", first["submission"])
    assert first["submission"] != second["submission"]


def test_a_kept_bout_is_saved_and_answered_with_where_to_go_on(
    client: Client, session: PlannedSession
) -> None:
    fields = form_of(client, guide_url(session, "1/"))

    response = send(client, guide_url(session, "1/"), fields)

    assert response.status_code == 200
    assert response.json() == {
        "result": "saved",
        "message": "Sent. Saved: Walking.",
        "url": guide_url(session, "2/"),
        "link": "Go on",
    }
    bout = BoutLog.objects.get(session=session)
    assert (bout.amount, bout.submission_key) == (7, fields["submission"])


def test_a_kept_bout_sent_twice_is_saved_once(client: Client, session: PlannedSession) -> None:
    fields = form_of(client, guide_url(session, "2/"))
    send(client, guide_url(session, "2/"), fields, result="less", amount="4")

    again = send(client, guide_url(session, "2/"), fields, result="less", amount="5")

    assert again.status_code == 200
    assert again.json() == {
        "result": "repeated",
        "message": "This had already arrived, so it was not saved again.",
    }
    assert BoutLog.objects.get(session=session).amount == 4


def test_a_replayed_bout_never_overwrites_a_newer_save_of_it(
    client: Client, session: PlannedSession
) -> None:
    url = guide_url(session, "2/")
    with time_machine.travel(timedelta(minutes=-30)):
        kept = form_of(client, url)  # the phone keeps a save of this form, offline
    newer = form_of(client, url)
    send(client, url, newer, result="less", amount="6")  # meanwhile, from another phone

    late = send(client, url, kept, result="less", amount="3")

    assert late.status_code == 200
    assert late.json() == {
        "result": "repeated",
        "message": "Wall squats was saved again after this page was opened, so that save stays.",
    }
    bout = BoutLog.objects.get(session=session)
    assert (bout.amount, bout.submission_key) == (6, newer["submission"])


def test_a_kept_bout_for_a_program_since_paused_is_refused_with_the_reason(
    client: Client, session: PlannedSession
) -> None:
    program = session.program
    fields = form_of(client, guide_url(session, "1/"))
    with time_machine.travel(timedelta(days=-1)):
        services.program_pause(
            actor=factories.clinician_of(program), program=program, reason="Checking a rash"
        )
    held = program.sessions.get(date=session.date)

    response = send(client, guide_url(held, "1/"), fields)

    assert response.status_code == 409
    assert response.json() == {
        "result": "refused",
        "message": "The program is paused: the therapist will restart it. Nothing was saved.",
    }
    assert not BoutLog.objects.exists()


def test_a_kept_bout_missing_its_amount_names_the_field(
    client: Client, session: PlannedSession
) -> None:
    fields = form_of(client, guide_url(session, "2/"))

    response = send(client, guide_url(session, "2/"), fields, result="less", amount="")

    assert response.status_code == 400
    assert response.json() == {
        "result": "invalid",
        "message": "Enter how much you did (0 if none).",
        "errors": {"amount": ["Enter how much you did (0 if none)."]},
    }
    assert not BoutLog.objects.exists()


def test_a_kept_bout_of_an_activity_no_longer_planned_is_refused(
    client: Client, session: PlannedSession
) -> None:
    fields = form_of(client, guide_url(session, "1/"))

    response = send(client, guide_url(session, "1/"), fields, activity="999999")

    assert response.status_code == 409
    assert response.json()["message"] == (
        "This activity is no longer in the session. Nothing was saved."
    )


def test_the_same_form_sent_twice_online_saves_once_and_says_so(
    client: Client, session: PlannedSession
) -> None:
    fields = form_of(client, guide_url(session, "1/"))
    client.post(guide_url(session, "1/"), {**fields, "result": "done"})

    again = client.post(guide_url(session, "1/"), {**fields, "result": "done"}, follow=True)

    assert "This had already arrived, so it was not saved again." in again.content.decode()
    assert BoutLog.objects.filter(session=session).count() == 1
