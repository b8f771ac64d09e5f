"""The staff API through HTTP: what a therapist or clinic admin sees and can do."""

from datetime import date, timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from planner import AlertKind
from programs.models import (
    Activity,
    Alert,
    AuditEvent,
    Clinic,
    Patient,
    PlannedDose,
    Program,
    ProgramRevision,
    User,
    WeeklyReview,
)
from programs.services import alert_raise, check_in_submit, program_pause
from programs.services.common import actor_label
from tests.clock import TODAY
from tests.programs.factories import (
    ActivityFactory,
    ClinicFactory,
    ProgramTemplateFactory,
    StaffMembershipFactory,
    TemplateActivityFactory,
    active_program,
    draft_program,
    guardian,
    log_session,
    patient,
    quiet_check_in,
    sessions_of_week,
    therapist,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


def results(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.json()
    items: list[dict[str, Any]] = response.json()["results"]
    return items


def first_error(response: Any) -> dict[str, Any]:
    error: dict[str, Any] = response.json()["errors"][0]
    return error


# patients/


def test_it_lists_the_clinics_patients_with_their_therapists(
    api: APIClient, child: Patient, pt: User
) -> None:
    patient(clinic=ClinicFactory.create(), last_name="Elsewhere")

    rows = results(api.get("/api/v1/patients/"))

    assert [row["last_name"] for row in rows] == ["Okafor"]
    assert rows[0]["therapists"] == [{"id": pt.id, "name": actor_label(pt)}]


def test_it_filters_patients_by_status_diagnosis_and_therapist(
    api: APIClient, clinic: Clinic, child: Patient
) -> None:
    patient(clinic=clinic, last_name="Unassigned", diagnosis=Patient.Diagnosis.CRPS)
    patient(clinic=clinic, last_name="Done", status=Patient.Status.DISCHARGED)

    mine = results(api.get(f"/api/v1/patients/?therapist={child.therapists.get().id}"))
    crps = results(api.get("/api/v1/patients/?diagnosis=crps"))
    discharged = results(api.get("/api/v1/patients/?status=discharged"))

    assert [row["last_name"] for row in mine] == ["Okafor"]
    assert [row["last_name"] for row in crps] == ["Unassigned"]
    assert [row["last_name"] for row in discharged] == ["Done"]


def test_it_orders_patients_by_date_of_birth(api: APIClient, clinic: Clinic) -> None:
    patient(clinic=clinic, last_name="Younger", date_of_birth=date(2013, 5, 1))
    patient(clinic=clinic, last_name="Older", date_of_birth=date(2010, 5, 1))

    rows = results(api.get("/api/v1/patients/?ordering=-date_of_birth"))

    assert [row["last_name"] for row in rows] == ["Younger", "Older"]


def new_patient_body(**changes: Any) -> dict[str, Any]:
    """What a therapist sends to add Ana Silva, born 2012-02-03, with CRPS."""
    body = {"first_name": "Ana", "last_name": "Silva", "date_of_birth": "2012-02-03"}
    return {**body, "diagnosis": "crps", **changes}


def test_it_creates_a_patient_in_the_therapists_only_clinic(
    api: APIClient, clinic: Clinic, pt: User
) -> None:
    response = api.post("/api/v1/patients/", new_patient_body(therapists=[pt.id]))

    assert response.status_code == 201, response.json()
    assert response.json()["clinic"] == clinic.id
    assert response.json()["time_zone"] == clinic.time_zone
    assert Patient.objects.get(last_name="Silva").therapists.get() == pt


def test_it_asks_which_clinic_when_the_therapist_works_at_two(api: APIClient, pt: User) -> None:
    StaffMembershipFactory.create(user=pt, clinic=ClinicFactory.create())

    response = api.post("/api/v1/patients/", new_patient_body())

    assert response.status_code == 400
    assert first_error(response)["field"] == "clinic"


def test_it_names_a_birth_date_in_the_future(api: APIClient) -> None:
    response = api.post("/api/v1/patients/", new_patient_body(date_of_birth="2030-01-01"))

    assert response.status_code == 400
    assert first_error(response) == {"field": "date_of_birth", "message": "is in the future"}


def test_it_refuses_a_therapist_of_another_clinic(api: APIClient) -> None:
    stranger = therapist(clinic=ClinicFactory.create())

    response = api.post("/api/v1/patients/", new_patient_body(therapists=[stranger.id]))

    assert response.status_code == 400
    assert first_error(response)["field"] == "therapists"


def test_it_changes_a_patients_details_and_therapists(
    api: APIClient, clinic: Clinic, child: Patient
) -> None:
    colleague = therapist(clinic=clinic)

    response = api.patch(
        f"/api/v1/patients/{child.id}/",
        {"resting_heart_rate": 64, "therapists": [colleague.id], "status": "relapse_watch"},
    )

    child.refresh_from_db()
    assert response.status_code == 200, response.json()
    assert (child.resting_heart_rate, child.status) == (64, "relapse_watch")
    assert list(child.therapists.all()) == [colleague]


def test_it_records_one_audit_event_when_staff_read_a_patient(
    api: APIClient, child: Patient, pt: User
) -> None:
    guardian(patient=child)

    response = api.get(f"/api/v1/patients/{child.id}/")

    assert response.status_code == 200
    assert len(response.json()["guardians"]) == 1
    assert list(AuditEvent.objects.values_list("actor", "patient", "action")) == [
        (pt.id, child.id, "read")
    ]


# guardians/


def test_it_links_a_guardian_to_a_patient(api: APIClient, child: Patient) -> None:
    response = api.post(
        "/api/v1/guardians/",
        {"patient": child.id, "first_name": "Ngozi", "last_name": "Okafor", "relation": "mother"},
    )

    assert response.status_code == 201, response.json()
    assert response.json()["has_account"] is False
    assert child.guardians.get().relation == "mother"


def test_it_lists_a_patients_guardians(api: APIClient, clinic: Clinic, child: Patient) -> None:
    mother = guardian(patient=child, relation="mother")
    guardian(patient=patient(clinic=clinic))

    rows = results(api.get(f"/api/v1/guardians/?patient={child.id}"))
    one = api.get(f"/api/v1/guardians/{mother.id}/")

    assert [row["id"] for row in rows] == [mother.id]
    assert one.json()["relation"] == "mother"


# programs/


def walking_program_body(child: Patient, walking: Activity, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "patient": child.id,
        "start_date": "2026-03-12",
        "goal_date": "2026-06-04",
        "goals": "Walk to school with my friends.",
        "activities": [{"activity": walking.id, "baseline_trials": [10, 10, 10], "goal_quota": 30}],
    }
    body.update(changes)
    return body


def test_it_drafts_a_program_from_the_baseline_trials(api: APIClient, child: Patient) -> None:
    walking = ActivityFactory.create(name="Walking")

    response = api.post("/api/v1/programs/", walking_program_body(child, walking))

    body = response.json()
    assert response.status_code == 201, body
    assert body["status"] == "draft" and body["activities"][0]["start_quota"] == 7
    assert body["feasibility"]["feasible"] is True
    assert body["latest_revision"]["reason"] == "Program drafted."


def test_it_names_the_bad_baseline_trial(api: APIClient, child: Patient) -> None:
    walking = ActivityFactory.create()
    body = walking_program_body(child, walking)
    body["activities"][0]["baseline_trials"] = [10, -4]

    response = api.post("/api/v1/programs/", body)

    assert response.status_code == 400
    assert first_error(response)["field"] == "activities[0].baseline_trials[1]"
    assert not Program.objects.exists()


def test_it_names_the_goal_quota_an_activity_outside_the_template_needs(
    api: APIClient, child: Patient
) -> None:
    walking = ActivityFactory.create()
    body = walking_program_body(child, walking)
    del body["activities"][0]["goal_quota"]

    response = api.post("/api/v1/programs/", body)

    assert response.status_code == 400
    assert first_error(response)["field"] == "activities[0].goal_quota"


def test_it_takes_the_goal_from_the_template(api: APIClient, child: Patient) -> None:
    entry = TemplateActivityFactory.create(goal_quota=20, times_per_day=2)
    body = walking_program_body(child, entry.activity, template=entry.template.id)
    del body["activities"][0]["goal_quota"]

    response = api.post("/api/v1/programs/", body)

    assert response.status_code == 201, response.json()
    activity = response.json()["activities"][0]
    assert (activity["goal_quota"], activity["times_per_day"]) == (20, 2)


def test_it_names_an_unknown_or_out_of_range_parameter(api: APIClient, child: Patient) -> None:
    walking = ActivityFactory.create()

    unknown = api.post(
        "/api/v1/programs/", walking_program_body(child, walking, parameters={"speed": 2})
    )
    too_big = api.post(
        "/api/v1/programs/",
        walking_program_body(child, walking, parameters={"impact_weekly_cap": 3}),
    )

    assert first_error(unknown)["field"] == "parameters.speed"
    assert first_error(too_big)["field"] == "parameters.impact_weekly_cap"


def test_it_says_when_the_goals_cannot_be_reached_by_the_goal_date(
    api: APIClient, child: Patient
) -> None:
    walking = ActivityFactory.create()

    response = api.post(
        "/api/v1/programs/", walking_program_body(child, walking, goal_date="2026-03-26")
    )

    feasibility = response.json()["feasibility"]
    assert response.status_code == 201
    assert feasibility["feasible"] is False
    assert feasibility["earliest_goal_date"] > "2026-03-26"
    assert "cannot be reached" in feasibility["message"]


def test_it_previews_a_drafts_schedule_without_storing_it(api: APIClient, child: Patient) -> None:
    program = draft_program(patient=child, start_date=TODAY)

    response = api.get(f"/api/v1/programs/{program.id}/preview/")

    body = response.json()
    first = body["sessions"][0]
    assert response.status_code == 200, body
    assert (first["date"], first["week"], first["phase"]) == ("2026-03-11", 1, "build")
    assert first["doses"][0]["amount"] == 7 and first["doses"][0]["name"].startswith("Walking")
    assert not program.sessions.exists()


def test_it_previews_the_stored_schedule_of_a_running_program(
    api: APIClient, child: Patient
) -> None:
    program = active_program(patient=child)
    dose = PlannedDose.objects.get(session__program=program, session__date=TODAY + timedelta(1))
    api.post(f"/api/v1/doses/{dose.id}/override/", {"amount": 5, "reason": "Exams"})

    sessions = api.get(f"/api/v1/programs/{program.id}/preview/").json()["sessions"]

    amounts = {session["date"]: session["doses"][0]["amount"] for session in sessions}
    assert (amounts["2026-03-11"], amounts["2026-03-12"]) == (7, 5)


def test_it_refuses_a_start_date_more_than_a_year_away(api: APIClient, child: Patient) -> None:
    walking = ActivityFactory.create()
    body = walking_program_body(child, walking, start_date="9999-12-01", goal_date="9999-12-31")

    response = api.post("/api/v1/programs/", body)

    assert response.status_code == 400
    assert first_error(response)["field"] == "start_date"


def test_it_runs_a_program_from_draft_to_discharge(api: APIClient, child: Patient) -> None:
    walking = ActivityFactory.create()
    created = api.post("/api/v1/programs/", walking_program_body(child, walking)).json()
    url = f"/api/v1/programs/{created['id']}"

    preview = api.get(f"{url}/preview/")
    activated = api.post(f"{url}/activate/", {"me_cfs_considered": True})
    paused = api.post(f"{url}/pause/", {"reason": "Family holiday"})
    resumed = api.post(f"{url}/resume/", {"reason": "Back home"})
    discharged = api.post(f"{url}/discharge/", {"reason": "Goals met"})

    assert preview.status_code == 200 and preview.json()["sessions"]
    assert [r.json()["status"] for r in (activated, paused, resumed, discharged)] == [
        "active", "paused", "active", "discharged",
    ]  # fmt: skip
    assert ProgramRevision.objects.filter(program_id=created["id"]).count() == 5


def test_it_asks_the_clinician_to_confirm_me_cfs_was_considered(
    api: APIClient, child: Patient
) -> None:
    program = draft_program(patient=child)

    response = api.post(f"/api/v1/programs/{program.id}/activate/", {"me_cfs_considered": False})

    assert response.status_code == 400
    assert first_error(response)["field"] == "me_cfs_considered"
    assert Program.objects.get().status == "draft"


def test_it_refuses_to_pause_a_draft_or_preview_a_discharged_program(
    api: APIClient, child: Patient
) -> None:
    draft = draft_program(patient=child)
    running = active_program(patient=child)
    api.post(f"/api/v1/programs/{running.id}/discharge/", {})

    pause = api.post(f"/api/v1/programs/{draft.id}/pause/", {"reason": "Why not"})
    preview = api.get(f"/api/v1/programs/{running.id}/preview/")

    assert pause.status_code == 400 and first_error(pause)["field"] == "status"
    assert preview.status_code == 400 and first_error(preview)["field"] == "status"


def test_it_lists_programs_by_patient_and_status(
    api: APIClient, clinic: Clinic, child: Patient
) -> None:
    running = active_program(patient=child)
    draft_program(patient=child)
    active_program(patient=patient(clinic=clinic))

    rows = results(api.get(f"/api/v1/programs/?patient={child.id}&status=active"))

    assert [row["id"] for row in rows] == [running.id]
    assert rows[0]["parameters"]["maintain_weeks"] == 3


def test_it_records_one_audit_event_when_staff_read_a_program(
    api: APIClient, child: Patient
) -> None:
    program = active_program(patient=child)

    response = api.get(f"/api/v1/programs/{program.id}/")

    assert response.status_code == 200
    assert response.json()["planned_goal_date"] is not None
    assert AuditEvent.objects.filter(action="read", patient=child).count() == 1


# sessions/ and doses/


def test_it_lists_sessions_with_their_doses_and_log(api: APIClient, child: Patient) -> None:
    program = active_program(patient=child, started_weeks_ago=1)
    log_session(sessions_of_week(program, 0)[0])

    rows = results(api.get(f"/api/v1/sessions/?program={program.id}&date_before=2026-03-05"))

    assert [row["date"] for row in rows] == ["2026-03-04", "2026-03-05"]
    assert rows[0]["log"]["status"] == "done" and rows[0]["log"]["results"][0]["amount"] == 7
    assert rows[1]["log"] is None and rows[1]["doses"][0]["amount"] == 7


def test_it_filters_sessions_by_patient_date_and_phase(
    api: APIClient, clinic: Clinic, child: Patient
) -> None:
    active_program(patient=child)
    active_program(patient=patient(clinic=clinic))

    rows = results(
        api.get(
            f"/api/v1/sessions/?patient={child.id}&date_after=2026-03-12"
            "&date_before=2026-03-13&phase=build"
        )
    )
    none = results(
        api.get(f"/api/v1/sessions/?patient={child.id}&phase=taper&date_before=2026-04-01")
    )

    assert [(row["date"], row["patient"]) for row in rows] == [
        ("2026-03-12", child.id), ("2026-03-13", child.id)
    ]  # fmt: skip
    assert none == []


def test_it_overrides_a_future_dose_with_a_reason(api: APIClient, child: Patient) -> None:
    program = active_program(patient=child)
    dose = PlannedDose.objects.get(session__program=program, session__date=TODAY + timedelta(1))

    response = api.post(f"/api/v1/doses/{dose.id}/override/", {"amount": 5, "reason": "Exams"})

    assert response.status_code == 200, response.json()
    assert response.json()["amount"] == 5 and response.json()["override_reason"] == "Exams"
    assert "7 to 5" in program.revisions.order_by("-number").first().reason  # type: ignore[union-attr]


def test_it_refuses_to_override_todays_dose(api: APIClient, child: Patient) -> None:
    program = active_program(patient=child)
    dose = PlannedDose.objects.get(session__program=program, session__date=TODAY)

    response = api.post(f"/api/v1/doses/{dose.id}/override/", {"amount": 5, "reason": "Exams"})

    assert response.status_code == 400
    assert first_error(response)["field"] == "session"


# session-logs/, check-ins/, reviews/, revisions/


def test_it_lists_session_logs_with_results(api: APIClient, child: Patient) -> None:
    program = active_program(patient=child, started_weeks_ago=1)
    week = sessions_of_week(program, 0)
    log_session(week[0])
    log_session(week[1], status="missed")

    done = results(api.get(f"/api/v1/session-logs/?patient={child.id}&status=done"))
    missed = results(api.get(f"/api/v1/session-logs/?program={program.id}&status=missed"))

    assert [(row["date"], row["results"][0]["amount"]) for row in done] == [("2026-03-04", 7)]
    assert [(row["date"], row["results"]) for row in missed] == [("2026-03-05", [])]


def test_it_lists_a_patients_check_ins_and_audits_each_read(
    api: APIClient, child: Patient, pt: User
) -> None:
    quiet_check_in(actor=pt, patient=child, sleep_hours=None, mood=4)
    check_in_submit(actor=pt, patient=child, red_flags=["fever"], flare=False)

    flagged = results(api.get(f"/api/v1/check-ins/?patient={child.id}&has_red_flags=true"))
    everything = results(api.get(f"/api/v1/check-ins/?patient={child.id}"))

    assert [row["red_flags"] for row in flagged] == [["fever"]]
    assert len(everything) == 2
    assert AuditEvent.objects.filter(action="read", what="API list: check-ins").count() == 2


def test_it_lists_a_programs_reviews(api: APIClient, child: Patient, pt: User) -> None:
    program = active_program(patient=child)
    check_in_submit(actor=pt, patient=child, red_flags=["rash"], flare=False)

    rows = results(api.get(f"/api/v1/reviews/?program={program.id}&decision=pause"))

    assert len(rows) == 1
    assert (rows[0]["week"], rows[0]["trigger"]) == (1, "red_flag")
    assert WeeklyReview.objects.get().id == rows[0]["id"]


def test_a_review_gives_its_reason_in_the_readers_language_and_its_codes_beside_it(
    child: Patient, pt: User
) -> None:
    program = active_program(patient=child)
    check_in_submit(actor=pt, patient=child, red_flags=["rash"], flare=False)
    pt.language = "es"  # a Spanish-speaking therapist
    pt.save(update_fields=["language"])
    api = APIClient()
    api.force_login(pt)  # a session: its pages, and its API, are in its clinic's locale

    (row,) = results(api.get(f"/api/v1/reviews/?program={program.id}"))
    (alert,) = results(api.get(f"/api/v1/alerts/?patient={child.id}"))

    assert row["reason_codes"] == [{"code": "review.red_flag", "params": {"flags": ["rash"]}}]
    assert row["reason"].startswith("Se informó una señal de alarma (Erupción en la piel)")
    assert alert["message_codes"][0]["code"] == "alert.red_flag"
    assert alert["message"].startswith("Señal de alarma informada el")


def test_the_engines_refusal_carries_its_code_beside_the_words_in_the_readers_language(
    child: Patient, pt: User
) -> None:
    program = active_program(patient=child, started_weeks_ago=2, actor=pt)
    program_pause(actor=pt, program=program, reason="Flu")
    pt.language = "es"  # a Spanish-speaking therapist
    pt.save(update_fields=["language"])
    api = APIClient()
    api.force_login(pt)

    spanish = api.post(f"/api/v1/programs/{program.id}/resume/", {"step": 99}, format="json")
    api.logout()
    api.force_authenticate(pt)
    english = api.post(f"/api/v1/programs/{program.id}/resume/", {"step": 99}, format="json")

    assert first_error(spanish) == {
        "field": "step",
        "message": "debe ser de 0 (la cuota inicial) a 2, el paso en el que se detuvo el "
        "programa: un paso más alto subiría las dosis por encima de sus límites semanales",
        "code": "input.step_above_held",
    }
    assert first_error(english)["code"] == "input.step_above_held"
    assert first_error(english)["message"].startswith("must be from 0 (the start quota) to 2")


def test_it_lists_a_programs_revisions_newest_first(api: APIClient, child: Patient) -> None:
    program = active_program(patient=child)
    program_pause(actor=None, program=program, reason="Surgery")

    rows = results(api.get(f"/api/v1/revisions/?program={program.id}"))

    assert [row["number"] for row in rows] == [3, 2, 1]
    assert rows[0]["actor_label"] == "system" and rows[0]["snapshot"]["status"] == "paused"


# alerts/


def test_it_lists_open_alerts_most_serious_first(api: APIClient, child: Patient) -> None:
    program = active_program(patient=child)
    alert_raise(patient=child, program=program, kind=AlertKind.LOW_ADHERENCE, message="Low")
    alert_raise(patient=child, program=program, kind=AlertKind.RED_FLAG, message="Fever")

    rows = results(api.get("/api/v1/alerts/?open=true"))

    assert [row["kind"] for row in rows] == ["red_flag", "low_adherence"]
    assert rows[0]["patient_name"] == "Maya Okafor"


def test_it_acknowledges_an_alert(api: APIClient, child: Patient, pt: User) -> None:
    alert = alert_raise(patient=child, program=None, kind=AlertKind.NO_ACTIVITY, message="Quiet")

    response = api.post(f"/api/v1/alerts/{alert.id}/acknowledge/")

    assert response.status_code == 200
    assert response.json()["is_open"] is False
    assert results(api.get("/api/v1/alerts/?open=false"))[0]["acknowledged_by"] == actor_label(pt)
    assert Alert.objects.get().acknowledged_by == pt


# activities/ and templates/


def test_it_lists_the_global_library_and_the_clinics_own(api: APIClient, clinic: Clinic) -> None:
    ActivityFactory.create(name="Walking")
    ActivityFactory.create(name="Stairs", clinic=clinic, kind="functional", unit="repetitions")
    ActivityFactory.create(name="Secret", clinic=ClinicFactory.create())

    everything = results(api.get("/api/v1/activities/?ordering=-name"))
    counted = results(api.get("/api/v1/activities/?unit=repetitions&kind=functional"))

    assert [row["name"] for row in everything] == ["Walking", "Stairs"]
    assert [(row["name"], row["is_global"]) for row in counted] == [("Stairs", False)]
    assert everything[0]["media_url"] == ""


def test_it_adds_an_activity_to_the_clinics_library(api: APIClient, clinic: Clinic) -> None:
    response = api.post(
        "/api/v1/activities/",
        {"name": "Hopscotch", "kind": "functional", "unit": "repetitions", "impact": True},
    )

    assert response.status_code == 201, response.json()
    assert Activity.objects.get(name="Hopscotch").clinic == clinic


def test_it_changes_the_clinics_own_activity(api: APIClient, clinic: Clinic) -> None:
    stairs = ActivityFactory.create(name="Stairs", clinic=clinic)

    response = api.patch(f"/api/v1/activities/{stairs.id}/", {"instructions": "Hold the rail."})

    stairs.refresh_from_db()
    assert response.status_code == 200, response.json()
    assert stairs.instructions == "Hold the rail."


def test_it_refuses_to_change_the_global_library(api: APIClient) -> None:
    walking = ActivityFactory.create(name="Walking")

    response = api.patch(f"/api/v1/activities/{walking.id}/", {"name": "Strolling"})

    walking.refresh_from_db()
    assert response.status_code == 403
    assert walking.name == "Walking"


def test_it_creates_a_template_with_its_entries(api: APIClient, clinic: Clinic) -> None:
    walking = ActivityFactory.create(name="Walking")
    stairs = ActivityFactory.create(name="Stairs", clinic=clinic, unit="repetitions")

    response = api.post(
        "/api/v1/templates/",
        {"name": "AMPS home program", "entries": [
            {"activity": walking.id, "goal_quota": 30},
            {"activity": stairs.id, "goal_quota": 40, "weekdays": [0, 2, 4]},
        ]},
    )  # fmt: skip

    body = response.json()
    assert response.status_code == 201, body
    assert body["clinic"] == clinic.id
    assert [(e["activity_name"], e["weekdays"]) for e in body["entries"]] == [
        ("Walking", [0, 1, 2, 3, 4, 5, 6]), ("Stairs", [0, 2, 4])
    ]  # fmt: skip


def test_it_names_the_template_entry_that_is_wrong(api: APIClient, clinic: Clinic) -> None:
    walking = ActivityFactory.create(name="Walking")

    response = api.post(
        "/api/v1/templates/",
        {"name": "Too much", "entries": [
            {"activity": walking.id, "goal_quota": 30},
            {"activity": walking.id, "goal_quota": 500},
        ]},
    )  # fmt: skip

    assert response.status_code == 400
    assert first_error(response)["field"] == "entries[1].goal_quota"


def test_it_lists_templates_with_their_entries(api: APIClient, clinic: Clinic) -> None:
    ours = ProgramTemplateFactory.create(clinic=clinic, name="Walk-run")
    TemplateActivityFactory.create(template=ours)
    ProgramTemplateFactory.create(clinic=ClinicFactory.create(), name="Theirs")

    rows = results(api.get("/api/v1/templates/"))
    one = api.get(f"/api/v1/templates/{ours.id}/")

    assert [row["name"] for row in rows] == ["Walk-run"]
    assert len(one.json()["entries"]) == 1


# caseload/


def test_it_summarises_each_patient_of_the_caseload(
    api: APIClient, child: Patient, pt: User
) -> None:
    program = active_program(patient=child, started_weeks_ago=1)
    for session in sessions_of_week(program, 0)[:4]:
        log_session(session)
    quiet_check_in(actor=pt, patient=child, fdi_answers=[2] * 15)
    quiet_check_in(actor=pt, patient=child, fdi_answers=[1] * 15)

    row = results(api.get("/api/v1/caseload/"))[0]

    assert (row["patient"], row["program"], row["phase"], row["week"]) == (
        child.id, program.id, "build", 2
    )  # fmt: skip
    assert (row["sessions_planned"], row["sessions_done"]) == (7, 4)
    assert (row["last_activity"], row["latest_fdi"], row["fdi_change"]) == (
        "2026-03-07", 15, -15
    )  # fmt: skip


def test_it_shows_a_paused_program_as_paused_in_the_caseload(
    api: APIClient, child: Patient, pt: User
) -> None:
    active_program(patient=child, started_weeks_ago=1)
    check_in_submit(actor=pt, patient=child, red_flags=["rash"], flare=False)

    row = results(api.get("/api/v1/caseload/"))[0]

    assert row["phase"] == "paused"
    assert row["open_alert_kinds"] == ["red_flag"]


def test_it_filters_the_caseload_to_my_patients_with_open_alerts(
    api: APIClient, clinic: Clinic, child: Patient
) -> None:
    other = patient(clinic=clinic, last_name="Colleague")
    alert_raise(patient=other, program=None, kind=AlertKind.RED_FLAG, message="Fever")

    mine = results(api.get("/api/v1/caseload/?mine=true"))
    alerted = results(api.get("/api/v1/caseload/?has_open_alerts=true"))

    assert [row["patient"] for row in mine] == [child.id]
    assert [(row["patient"], row["open_alert_kinds"]) for row in alerted] == [
        (other.id, ["red_flag"])
    ]


def test_it_orders_the_caseload_by_adherence_with_unknowns_last(
    api: APIClient, clinic: Clinic, child: Patient
) -> None:
    keen = patient(clinic=clinic, last_name="Keen")
    quiet = patient(clinic=clinic, last_name="Quiet")
    for person, done in ((keen, 5), (quiet, 1)):
        program = active_program(patient=person, started_weeks_ago=1)
        for session in sessions_of_week(program, 0)[:done]:
            log_session(session)

    rows = results(api.get("/api/v1/caseload/?ordering=-adherence"))
    bad = api.get("/api/v1/caseload/?ordering=age")

    assert [row["patient"] for row in rows] == [keen.id, quiet.id, child.id]
    assert bad.status_code == 400 and first_error(bad)["field"] == "ordering"


def test_it_puts_thoughts_of_self_harm_first_in_the_caseload_whatever_the_ordering(
    api: APIClient, clinic: Clinic, child: Patient
) -> None:
    zoe = patient(clinic=clinic, last_name="Young")
    alert_raise(patient=child, program=None, kind=AlertKind.RED_FLAG, message="Fever")
    alert_raise(patient=zoe, program=None, kind=AlertKind.RED_FLAG, message="Rash")
    alert_raise(patient=zoe, program=None, kind=AlertKind.SELF_HARM, message="Self-harm")

    by_name = results(api.get("/api/v1/caseload/?ordering=name"))
    by_alerts = results(api.get("/api/v1/caseload/?ordering=open_alerts"))

    assert [row["patient"] for row in by_name] == [zoe.id, child.id]
    assert by_alerts[0]["open_alert_kinds"] == ["self_harm", "red_flag"]


def test_it_lists_self_harm_alerts_first_and_acknowledges_them_with_a_note(
    api: APIClient, clinic: Clinic, child: Patient, pt: User
) -> None:
    older = alert_raise(patient=child, program=None, kind=AlertKind.SELF_HARM, message="Harm")
    alert_raise(patient=child, program=None, kind=AlertKind.RED_FLAG, message="Fever")

    kinds = [row["kind"] for row in results(api.get("/api/v1/alerts/"))]
    refused = api.post(f"/api/v1/alerts/{older.id}/acknowledge/", {}, format="json")
    done = api.post(
        f"/api/v1/alerts/{older.id}/acknowledge/", {"note": "Called her dad."}, format="json"
    )

    assert kinds == ["self_harm", "red_flag"]
    assert refused.status_code == 400 and first_error(refused)["field"] == "note"
    assert (done.status_code, done.json()["acknowledgement_note"]) == (200, "Called her dad.")


def test_it_lets_a_clinic_admin_do_what_a_therapist_does(clinic: Clinic, child: Patient) -> None:
    admin = User.objects.create_user("admin-riverside")
    StaffMembershipFactory.create(user=admin, clinic=clinic, role="clinic_admin")
    client = APIClient()
    client.force_authenticate(admin)

    rows = results(client.get("/api/v1/patients/"))
    caseload = results(client.get("/api/v1/caseload/"))

    assert [row["id"] for row in rows] == [child.id]
    assert [row["patient"] for row in caseload] == [child.id]
