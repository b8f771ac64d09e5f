"""The staff patient page's new baseline: new trials restart the ramp tomorrow."""

from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from programs.models import AuditEvent, PlannedDose, Program
from programs.services.common import local_today
from tests.clock import AFTERNOON
from tests.programs.factories import active_program, clinician_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


@pytest.fixture
def now() -> datetime:
    """A Wednesday afternoon in New York."""
    return AFTERNOON


def url(program: Program) -> str:
    return reverse(
        "web:program-rebaseline",
        kwargs={"patient_id": program.patient_id, "program_id": program.pk},
    )


def signed_in(program: Program) -> Client:
    client = Client()
    client.force_login(clinician_of(program))
    return client


def test_the_patient_page_offers_a_new_baseline_for_each_activity() -> None:
    program = active_program(started_weeks_ago=3)
    row = program.activities.get()

    page = signed_in(program).get(reverse("web:patient", kwargs={"patient_id": program.patient_id}))

    assert page.status_code == 200
    assert b"Record the new baseline" in page.content
    assert f'name="rebaseline-a{row.pk}_trial_1"'.encode() in page.content


def test_new_trials_restart_the_ramp_tomorrow() -> None:
    program = active_program(started_weeks_ago=3)
    row = program.activities.get()
    today = local_today(program.patient)

    answer = signed_in(program).post(
        url(program),
        {
            f"rebaseline-a{row.pk}_trial_1": "8",
            f"rebaseline-a{row.pk}_day_1": today.isoformat(),
            f"rebaseline-a{row.pk}_trial_2": "9",
            f"rebaseline-a{row.pk}_day_2": (today - timedelta(days=2)).isoformat(),
            "rebaseline-reason": "Back after two weeks ill",
        },
    )

    program.refresh_from_db()
    tomorrow = today + timedelta(days=1)
    assert answer.status_code == 302
    assert program.ramp_start == tomorrow
    assert PlannedDose.objects.get(session__program=program, session__date=tomorrow).amount == 6
    assert AuditEvent.objects.filter(what__contains="New baseline").exists()


def test_a_trial_too_old_is_refused_at_its_day_and_changes_nothing() -> None:
    program = active_program(started_weeks_ago=3)
    row = program.activities.get()
    old = local_today(program.patient) - timedelta(days=9)

    answer = signed_in(program).post(
        url(program),
        {f"rebaseline-a{row.pk}_trial_1": "8", f"rebaseline-a{row.pk}_day_1": old.isoformat()},
    )

    program.refresh_from_db()
    assert answer.status_code == 400
    assert answer.context["rebaseline_form"].errors[f"a{row.pk}_day_1"]
    assert program.ramp_start is None


def test_a_new_baseline_with_no_trials_says_so() -> None:
    program = active_program(started_weeks_ago=3)

    answer = signed_in(program).post(url(program), {"rebaseline-reason": "Back"})

    assert answer.status_code == 400
    assert "at least one activity" in answer.content.decode()
