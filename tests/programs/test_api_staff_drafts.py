"""The staff API on drafts: PUT and PATCH change a draft in place, DELETE discards it, and a
second program is refused in the same plain sentence the web pages show."""

from typing import Any

import pytest
from rest_framework.test import APIClient

from programs.models import Activity, AuditEvent, Patient, Program
from tests.clock import TODAY
from tests.programs.factories import ActivityFactory, active_program, draft_program, patient

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


@pytest.fixture
def walking() -> Activity:
    return ActivityFactory.create(name="Walking")


def body(walking: Activity, **changes: Any) -> dict[str, Any]:
    return {
        "start_date": "2026-03-12",
        "goal_date": "2026-06-04",
        "goals": "Walk to school with my friends.",
        "activities": [{"activity": walking.id, "baseline_trials": [20, 20], "goal_quota": 30}],
        **changes,
    }


def test_a_put_replaces_the_drafts_content_and_keeps_its_id(
    api: APIClient, child: Patient, walking: Activity
) -> None:
    draft = draft_program(patient=child, start_date=TODAY)

    response = api.put(f"/api/v1/programs/{draft.id}/", body(walking), format="json")

    assert response.status_code == 200, response.json()
    data = response.json()
    assert (data["id"], data["start_date"], data["status"]) == (draft.id, "2026-03-12", "draft")
    assert [(row["name"], row["start_quota"]) for row in data["activities"]] == [("Walking", 14)]
    assert data["latest_revision"]["reason"] == "Draft changed."
    assert Program.objects.filter(patient=child).count() == 1


def test_a_patch_changes_only_what_it_names(api: APIClient, child: Patient) -> None:
    draft = draft_program(patient=child, start_date=TODAY, parameters={"maintain_weeks": 4})
    activities = list(draft.activities.values_list("name", "start_quota", "goal_quota"))

    response = api.patch(
        f"/api/v1/programs/{draft.id}/",
        {"goals": "Dance at the recital.", "parameters": {"taper_weeks": 2}},
        format="json",
    )

    assert response.status_code == 200, response.json()
    draft.refresh_from_db()
    assert draft.goals == "Dance at the recital."
    assert draft.parameters == {"maintain_weeks": 4, "taper_weeks": 2}
    assert list(draft.activities.values_list("name", "start_quota", "goal_quota")) == activities


def test_a_refused_change_answers_in_the_error_format_and_changes_nothing(
    api: APIClient, child: Patient, walking: Activity
) -> None:
    draft = draft_program(patient=child, start_date=TODAY)
    running = active_program(
        patient=patient(clinic=child.clinic, therapists=list(child.therapists.all()))
    )

    too_high = body(walking, activities=[{"activity": walking.id, "baseline_trials": [50],
                                          "goal_quota": 30}])  # fmt: skip
    refused = api.put(f"/api/v1/programs/{draft.id}/", too_high, format="json")
    started = api.patch(f"/api/v1/programs/{running.id}/", {"goals": "Later"}, format="json")

    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "activities[0].start_quota"
    assert started.status_code == 400
    assert started.json()["code"] == "invalid"
    assert started.json()["errors"][0]["field"] == "status"
    draft.refresh_from_db()
    assert draft.activities.get().baseline_trials == [10, 10, 10]


def test_a_delete_discards_a_draft_and_only_a_draft(api: APIClient, child: Patient) -> None:
    draft = draft_program(patient=child)
    running = active_program(
        patient=patient(clinic=child.clinic, therapists=list(child.therapists.all()))
    )

    discarded = api.delete(f"/api/v1/programs/{draft.id}/")
    refused = api.delete(f"/api/v1/programs/{running.id}/")

    assert discarded.status_code == 204
    assert not Program.objects.filter(pk=draft.id).exists()
    discards = AuditEvent.objects.filter(patient=child, action="change", what__contains="discarded")
    assert discards.count() == 1
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "status"


def test_another_clinics_draft_is_not_found(api: APIClient, walking: Activity) -> None:
    theirs = draft_program(patient=patient())

    assert (
        api.put(f"/api/v1/programs/{theirs.id}/", body(walking), format="json").status_code == 404
    )
    assert api.delete(f"/api/v1/programs/{theirs.id}/").status_code == 404
    assert Program.objects.filter(pk=theirs.id).exists()


def test_a_second_program_is_refused_in_a_plain_sentence(api: APIClient, child: Patient) -> None:
    active_program(patient=child)
    draft = draft_program(patient=child)

    response = api.post(f"/api/v1/programs/{draft.id}/activate/", {"me_cfs_considered": True})

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "field": "patient",
            "message": "Maya already follows a program (active since March 11, 2026). "
            "Discharge it before starting this one.",
        }
    ]


def test_the_patients_status_is_active_again_once_a_new_program_starts(
    api: APIClient, child: Patient
) -> None:
    first = active_program(patient=child)
    api.post(f"/api/v1/programs/{first.id}/discharge/", {})
    watched = api.get(f"/api/v1/patients/{child.id}/").json()["status"]
    draft = draft_program(patient=child)

    api.post(f"/api/v1/programs/{draft.id}/activate/", {"me_cfs_considered": True})

    assert watched == "relapse_watch"
    assert api.get(f"/api/v1/patients/{child.id}/").json()["status"] == "active"
