"""Who may use the staff API: a clinic's staff for their own clinic only; patients, guardians
and strangers never. Another clinic's objects are not found, as if they did not exist."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from planner import AlertKind
from programs.models import Alert, PlannedDose, ProgramRevision, User
from programs.services import alert_raise, check_in_submit
from programs.services.common import local_today
from tests.clients import client_for
from tests.programs import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


STAFF_LISTS = [
    "/api/v1/patients/", "/api/v1/guardians/", "/api/v1/programs/", "/api/v1/sessions/",
    "/api/v1/session-logs/", "/api/v1/check-ins/", "/api/v1/reviews/", "/api/v1/revisions/",
    "/api/v1/alerts/", "/api/v1/activities/", "/api/v1/templates/", "/api/v1/caseload/",
]  # fmt: skip


@dataclass
class OtherClinic:
    """Everything a clinic keeps, for clinic B: clinic A's therapist must find none of it."""

    patient: int
    guardian: int
    draft: int
    program: int
    session: int
    dose: int
    session_log: int
    check_in: int
    review: int
    revision: int
    alert: int
    activity: int
    template: int
    child_user: User
    parent_user: User


@pytest.fixture
def other_clinic() -> OtherClinic:
    clinic = factories.ClinicFactory.create(name="Hillside")
    staff = factories.therapist(clinic=clinic)
    child = factories.patient(clinic=clinic, therapists=[staff], with_user=True)
    parent = factories.guardian(patient=child)
    program = factories.active_program(patient=child, started_weeks_ago=1)
    log = factories.log_session(factories.sessions_of_week(program, 0)[0])
    check_in_submit(actor=staff, patient=child, red_flags=["fever"], flare=False)
    tomorrow = local_today(child) + timedelta(days=1)
    assert child.user is not None and parent.user is not None
    return OtherClinic(
        patient=child.id,
        guardian=parent.id,
        draft=factories.draft_program(patient=child).id,
        program=program.id,
        session=log.session_id,
        dose=PlannedDose.objects.filter(session__program=program, session__date=tomorrow).get().id,
        session_log=log.id,
        check_in=child.check_ins.get().id,
        review=program.reviews.get().id,
        revision=program.revisions.first().id,  # type: ignore[union-attr]
        alert=Alert.objects.get(patient=child).id,
        activity=factories.ActivityFactory.create(clinic=clinic).id,
        template=factories.ProgramTemplateFactory.create(clinic=clinic).id,
        child_user=child.user,
        parent_user=parent.user,
    )


@pytest.fixture
def api() -> APIClient:
    """Signed in as a therapist of clinic A, which has patients of its own."""
    clinic = factories.ClinicFactory.create(name="Riverside")
    staff = factories.therapist(clinic=clinic)
    factories.active_program(patient=factories.patient(clinic=clinic, therapists=[staff]))
    client = APIClient()
    client.force_authenticate(staff)
    return client


@pytest.mark.slow  # one case per route: part of the route matrix
@pytest.mark.parametrize("url", STAFF_LISTS)
def test_it_refuses_every_staff_list_to_a_patient_and_a_guardian(
    url: str, other_clinic: OtherClinic
) -> None:
    as_patient = client_for(other_clinic.child_user).get(url)
    as_guardian = client_for(other_clinic.parent_user).get(url)

    assert as_patient.status_code == 403 and as_patient.json()["code"] == "permission_denied"
    assert as_guardian.status_code == 403


@pytest.mark.parametrize("url", STAFF_LISTS)
def test_it_refuses_every_staff_list_to_a_stranger(url: str, db: None) -> None:
    response = APIClient().get(url)

    assert response.status_code in (401, 403)
    assert response.json()["status"] == response.status_code


def test_it_refuses_a_patient_their_own_record_and_changes_through_the_staff_api(
    other_clinic: OtherClinic,
) -> None:
    client = client_for(other_clinic.child_user)

    read = client.get(f"/api/v1/patients/{other_clinic.patient}/")
    pause = client.post(f"/api/v1/programs/{other_clinic.program}/pause/", {"reason": "Tired"})
    acknowledge = client.post(f"/api/v1/alerts/{other_clinic.alert}/acknowledge/")

    assert [read.status_code, pause.status_code, acknowledge.status_code] == [403, 403, 403]
    assert Alert.objects.get(id=other_clinic.alert).acknowledged_at is None


DETAIL_URLS = {
    "patients": "patient", "guardians": "guardian", "programs": "program",
    "sessions": "session", "session-logs": "session_log", "check-ins": "check_in",
    "reviews": "review", "revisions": "revision", "alerts": "alert", "activities": "activity",
    "templates": "template",
}  # fmt: skip


@pytest.mark.slow  # one case per route: part of the route matrix
@pytest.mark.parametrize(("prefix", "attribute"), DETAIL_URLS.items())
def test_it_does_not_find_another_clinics_objects(
    prefix: str, attribute: str, api: APIClient, other_clinic: OtherClinic
) -> None:
    response = api.get(f"/api/v1/{prefix}/{getattr(other_clinic, attribute)}/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.slow  # one case per route: part of the route matrix
@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/v1/programs/{draft}/activate/", {"me_cfs_considered": True}),
        ("/api/v1/programs/{program}/pause/", {"reason": "Not mine"}),
        ("/api/v1/programs/{program}/resume/", {}),
        ("/api/v1/programs/{program}/discharge/", {}),
        ("/api/v1/doses/{dose}/override/", {"amount": 3, "reason": "Not mine"}),
        ("/api/v1/alerts/{alert}/acknowledge/", {}),
    ],
)
def test_it_does_not_let_staff_change_another_clinics_programs_or_alerts(
    url: str, body: dict[str, object], api: APIClient, other_clinic: OtherClinic
) -> None:
    revisions = ProgramRevision.objects.count()

    response = api.post(url.format(**vars(other_clinic)), body)

    assert response.status_code == 404
    assert ProgramRevision.objects.count() == revisions
    assert Alert.objects.get(id=other_clinic.alert).acknowledged_at is None


def test_it_does_not_find_another_clinics_objects_to_change(
    api: APIClient, other_clinic: OtherClinic
) -> None:
    patient_change = api.patch(f"/api/v1/patients/{other_clinic.patient}/", {"last_name": "X"})
    activity_change = api.patch(f"/api/v1/activities/{other_clinic.activity}/", {"name": "X"})
    preview = api.get(f"/api/v1/programs/{other_clinic.program}/preview/")

    assert [patient_change.status_code, activity_change.status_code, preview.status_code] == [
        404, 404, 404
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/programs/", "patient"),
        ("/api/v1/guardians/", "patient"),
    ],
)
def test_it_treats_another_clinics_patient_in_a_body_as_unknown(
    url: str, field: str, api: APIClient, other_clinic: OtherClinic
) -> None:
    response = api.post(
        url,
        {"patient": other_clinic.patient, "first_name": "A", "last_name": "B",
         "relation": "mother", "start_date": "2026-03-12", "goal_date": "2026-06-01",
         "goals": "Run", "activities": [{"activity": other_clinic.activity,
                                          "baseline_trials": [5]}]},
    )  # fmt: skip

    assert response.status_code == 400
    assert field in [error["field"] for error in response.json()["errors"]]


def test_it_refuses_another_clinics_activity_in_a_program(
    api: APIClient, other_clinic: OtherClinic
) -> None:
    own_patient = api.get("/api/v1/patients/").json()["results"][0]["id"]

    response = api.post(
        "/api/v1/programs/",
        {"patient": own_patient, "start_date": "2026-03-12", "goal_date": "2026-06-01",
         "goals": "Run", "activities": [{"activity": other_clinic.activity,
                                          "baseline_trials": [5], "goal_quota": 10}]},
    )  # fmt: skip

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "activities[0].activity"


def test_it_lists_nothing_of_another_clinic(api: APIClient, other_clinic: OtherClinic) -> None:
    alerts = api.get("/api/v1/alerts/").json()["results"]
    check_ins = api.get(f"/api/v1/check-ins/?patient={other_clinic.patient}").json()["results"]
    caseload = api.get("/api/v1/caseload/").json()["results"]

    assert alerts == [] and check_ins == []
    assert other_clinic.patient not in [row["patient"] for row in caseload]


def test_it_keeps_an_alert_raised_for_another_clinic_out_of_the_inbox(
    api: APIClient, other_clinic: OtherClinic
) -> None:
    child = factories.patient(clinic=factories.ClinicFactory.create())
    alert_raise(patient=child, program=None, kind=AlertKind.NO_ACTIVITY, message="Quiet")

    response = api.get("/api/v1/alerts/?kind=no_activity")

    assert response.status_code == 200 and response.json()["count"] == 0


@pytest.mark.parametrize("key", ["abc", "1.5", "99999999999999999999999", "-1"])
def test_it_does_not_find_an_id_that_is_not_a_whole_number(key: str, api: APIClient) -> None:
    patient_read = api.get(f"/api/v1/patients/{key}/")
    program_action = api.post(f"/api/v1/programs/{key}/pause/", {"reason": "Tired"})

    assert (patient_read.status_code, program_action.status_code) == (404, 404)


@pytest.mark.parametrize(
    "query", ["patient=abc", "patient=99999999999999999999999", "date_after=yesterday"]
)
def test_it_names_a_malformed_filter(query: str, api: APIClient) -> None:
    response = api.get(f"/api/v1/check-ins/?{query}")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] in ("patient", "date")
