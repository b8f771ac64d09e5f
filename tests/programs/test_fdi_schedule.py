"""Issue 11: how often the check-in asks the FDI is the program's setting, ``fdi_every_weeks``
(DOMAIN: at baseline and every 2 weeks by default), within 1 to 12 weeks; the planner's rule
counts the program's weeks, and the staff API reads and writes the setting. The patient's and
guardian's check-in keeps the schedule in the service, so the web and the API keep it alike."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from planner import PlannerInputError, fdi_due
from programs import selectors
from programs.models import Activity, CheckIn, Patient
from programs.services import check_in_submit, records
from tests.clients import client_for, web_client_for
from tests.programs.factories import (
    ActivityFactory,
    draft_program,
    fdi_check_in,
    maya_on_program,
    patient,
)

START = date(2026, 3, 2)


@pytest.mark.parametrize(
    ("last", "today", "every", "due"),
    [
        (None, START, 2, True),  # baseline
        (START, START + timedelta(days=6), 2, False),
        (START, START + timedelta(days=13), 2, False),
        (START, START + timedelta(days=14), 2, True),
        # A week is the program's: an FDI late in week 0 is due again in week 2, not 14 days on.
        (START + timedelta(days=6), START + timedelta(days=14), 2, True),
        (START + timedelta(days=7), START + timedelta(days=20), 2, False),
        (START, START + timedelta(days=7), 1, True),
        (START, START + timedelta(days=20), 3, False),
        (START, START + timedelta(days=21), 3, True),
    ],
)
def test_the_planner_counts_the_programs_weeks(
    last: date | None, today: date, every: int, due: bool
) -> None:
    assert fdi_due(today=today, last_answered=last, weeks_from=START, every_weeks=every) is due


@pytest.mark.parametrize("every", [0, -1, True, 1.5])
def test_the_planner_refuses_an_interval_that_is_no_number_of_weeks(every: Any) -> None:
    with pytest.raises(PlannerInputError):
        fdi_due(today=START, last_answered=START, weeks_from=START, every_weeks=every)


@pytest.mark.django_db
def test_a_program_asks_every_two_weeks_by_default() -> None:
    program = draft_program()
    assert program.fdi_every_weeks == 2


@pytest.mark.django_db
@pytest.mark.parametrize("every", [1, 12])
def test_a_program_takes_an_interval_within_its_range(every: int) -> None:
    assert draft_program(fdi_every_weeks=every).fdi_every_weeks == every


@pytest.mark.django_db
@pytest.mark.parametrize("every", [0, 13, 2.5, True, "2"])
def test_a_program_refuses_an_interval_out_of_range_naming_it(every: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        draft_program(fdi_every_weeks=every)
    assert refused.value.message_dict == {
        "fdi_every_weeks": ["must be a whole number of weeks from 1 to 12"]
    }


@pytest.mark.django_db
def test_the_selector_asks_at_baseline_then_after_the_interval() -> None:
    maya = maya_on_program(started_weeks_ago=2)
    program = maya.programs.get()
    assert selectors.fdi_due(maya)
    fdi_check_in(maya, today=program.start_date + timedelta(days=8))
    assert not selectors.fdi_due(maya)  # answered in week 1, today is week 2
    assert selectors.fdi_due(maya, today=program.start_date + timedelta(weeks=3))


@pytest.mark.django_db
def test_the_selector_asks_a_patient_without_a_program_at_the_default_interval() -> None:
    alone: Patient = patient(with_user=True)
    assert selectors.fdi_due(alone)


# The staff API


@pytest.fixture
def walking() -> Activity:
    return ActivityFactory.create(name="Walking")


def body(walking: Activity, child: Patient, **changes: Any) -> dict[str, Any]:
    return {
        "patient": child.id,
        "start_date": "2026-03-12",
        "goal_date": "2026-06-04",
        "goals": "Walk to school with my friends.",
        "activities": [{"activity": walking.id, "baseline_trials": [20, 20], "goal_quota": 30}],
        **changes,
    }


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen_clock")
def test_the_api_writes_and_reads_the_interval(
    api: APIClient, child: Patient, walking: Activity
) -> None:
    created = api.post("/api/v1/programs/", body(walking, child, fdi_every_weeks=3), format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["fdi_every_weeks"] == 3
    draft_id = created.json()["id"]
    patched = api.patch(f"/api/v1/programs/{draft_id}/", {"goals": "Dance."}, format="json")
    assert patched.json()["fdi_every_weeks"] == 3  # a PATCH keeps what it does not name
    patched = api.patch(f"/api/v1/programs/{draft_id}/", {"fdi_every_weeks": 1}, format="json")
    assert patched.json()["fdi_every_weeks"] == 1


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen_clock")
def test_the_api_refuses_an_interval_out_of_range_naming_it(
    api: APIClient, child: Patient, walking: Activity
) -> None:
    refused = api.post("/api/v1/programs/", body(walking, child, fdi_every_weeks=13), format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "fdi_every_weeks"
    assert "from 1 to 12" in refused.json()["errors"][0]["message"]


# The rule the check-in keeps (services.check_in_submit with fdi_as_scheduled), which the web
# page and the API both send through


NOTHING_WORRYING: dict[str, Any] = {"flare": False, "red_flags": [], "no_red_flags": True}


def three_weeks_in(*, fdi_days_ago: int) -> Patient:
    """Maya in week 3 of a program that asks the FDI every two weeks, with an FDI answered
    ``fdi_days_ago`` days ago (in week 2: so not due again before week 4)."""
    maya = maya_on_program(started_weeks_ago=3)
    program = maya.programs.get()
    fdi_check_in(maya, today=program.start_date + timedelta(days=21 - fdi_days_ago))
    return maya


def scheduled(maya: Patient, **answers: Any) -> CheckIn:
    assert maya.user is not None
    return check_in_submit(
        actor=maya.user, patient=maya, fdi_as_scheduled=True, **{**NOTHING_WORRYING, **answers}
    ).check_in


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen_clock")
def test_the_check_in_refuses_fdi_answers_when_it_is_not_due_naming_them() -> None:
    maya = three_weeks_in(fdi_days_ago=7)
    before = CheckIn.objects.count()

    with pytest.raises(ValidationError) as refused:
        scheduled(maya, fdi_answers=[2] * 15, mood=4)

    assert list(refused.value.message_dict) == ["fdi_answers"]
    assert "not asked this week" in refused.value.message_dict["fdi_answers"][0]
    assert CheckIn.objects.count() == before


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen_clock")
def test_half_an_fdi_sent_when_not_due_is_told_it_is_not_asked_rather_than_what_is_missing() -> (
    None
):
    maya = three_weeks_in(fdi_days_ago=7)

    with pytest.raises(ValidationError) as refused:
        scheduled(maya, fdi_answers=[2, 2] + [None] * 13)

    assert refused.value.message_dict["fdi_answers"] == [str(records.FDI_NOT_DUE)]


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen_clock")
def test_the_week_after_an_fdi_another_one_is_still_taken() -> None:
    """A form opened while the FDI was due, sent after another check-in answered it (the
    guardian's, say): what was typed is kept."""
    maya = three_weeks_in(fdi_days_ago=5)
    assert not selectors.fdi_due(maya)

    assert scheduled(maya, fdi_answers=[2] * 15).fdi_total == 30


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen_clock")
def test_a_check_in_without_the_fdi_when_it_is_due_is_taken_and_it_is_asked_again() -> None:
    """Never refused: a red flag must not wait for 15 questions (DOMAIN: the FDI skipped when
    due is asked the next time)."""
    maya = maya_on_program(started_weeks_ago=2)
    assert selectors.fdi_due(maya)

    check_in = scheduled(maya, red_flags=["fever"], no_red_flags=False)

    assert check_in.fdi_total is None and check_in.red_flags == ["fever"]
    assert selectors.fdi_due(maya)


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen_clock")
def test_staff_typing_in_a_paper_fdi_off_the_schedule_is_taken() -> None:
    """The FDI at discharge and at the follow-ups is no part of the every-N-weeks rule."""
    maya = three_weeks_in(fdi_days_ago=7)
    staff = maya.programs.get().created_by
    assert staff is not None

    result = check_in_submit(actor=staff, patient=maya, fdi_answers=[1] * 15, **NOTHING_WORRYING)

    assert result.check_in.fdi_total == 15


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen_clock")
@pytest.mark.parametrize("days_ago", [5, 7])
def test_the_web_and_the_api_answer_alike_by_the_one_rule(days_ago: int) -> None:
    maya = three_weeks_in(fdi_days_ago=days_ago)
    web = web_client_for(maya.user)
    fdi = {f"fdi_{number}": "2" for number in range(1, 16)}
    page = web.post(f"/p/{maya.pk}/check-in/", {**fdi, "flare": "no", "red_flags": ["none"]})
    api = client_for(maya.user).post(
        f"/api/v1/me/patients/{maya.pk}/check-ins/",
        {"fdi_answers": [2] * 15, **NOTHING_WORRYING},
        format="json",
    )

    taken = days_ago < 7
    assert (page.status_code, api.status_code) == ((302, 201) if taken else (200, 400))
    assert CheckIn.objects.filter(patient=maya, fdi_total=30).count() == (2 if taken else 0)
    if not taken:
        assert api.json()["errors"][0]["field"] == "fdi_answers"
        assert "not asked this week" in page.content.decode()


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen_clock")
def test_a_red_flag_sent_with_an_fdi_off_its_schedule_is_taken_without_the_fdi() -> None:
    maya = three_weeks_in(fdi_days_ago=7)

    check_in = scheduled(maya, fdi_answers=[2] * 15, red_flags=["fever"], no_red_flags=False)

    assert check_in.red_flags == ["fever"] and check_in.fdi_answers is None
