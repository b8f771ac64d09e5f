"""Issue 11: how often the check-in asks the FDI is the program's setting, ``fdi_every_weeks``
(DOMAIN: at baseline and every 2 weeks by default), within 1 to 12 weeks; the planner's rule
counts the program's weeks, and the staff API reads and writes the setting."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from planner import PlannerInputError, fdi_due
from programs import selectors
from programs.models import Activity, Patient
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
