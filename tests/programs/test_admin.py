"""The operator's admin: every record listed without a query per row, the service-only records
read-only, and the actions going through the services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.db.models import Model
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from planner import AlertKind
from programs import models, services
from programs.services.common import local_today
from tests.programs.factories import quiet_check_in

CHANGELISTS = [
    "user", "clinic", "staffmembership", "patient", "guardian", "activity", "programtemplate",
    "program", "programrevision", "plannedsession", "sessionlog", "checkin", "weeklyreview",
    "alert", "auditevent",
]  # fmt: skip
INLINE_ONLY = {
    "templateactivity", "programactivity", "planneddose", "activitylog", "boutlog", "milestone",
}  # fmt: skip


@dataclass
class ClinicSetup:
    """A clinic with a therapist, a global walking and textures library and a template."""

    clinic: models.Clinic
    therapist: models.User
    template: models.ProgramTemplate
    choices: list[int]


def make_user(username: str, **flags: bool) -> models.User:
    return models.User.objects.create_user(
        username=username, email=f"{username}@example.org", password=None, **flags
    )


@pytest.fixture
def operator() -> models.User:
    return make_user("operator", is_staff=True, is_superuser=True)


@pytest.fixture
def signed_in(client: Client, operator: models.User) -> Client:
    client.force_login(operator)
    return client


@pytest.fixture
def clinic() -> ClinicSetup:
    clinic = services.clinic_create(name="Lakeside Pain Clinic")
    therapist = make_user("pt")
    services.staff_add(user=therapist, clinic=clinic, role="therapist")
    walking = services.activity_create(clinic=None, name="Walking", kind="aerobic", unit="minutes")
    textures = services.activity_create(
        clinic=None, name="Textures", kind="desensitization", unit="seconds"
    )
    template = services.template_create(
        clinic=None,
        name="Home program",
        entries=[
            services.TemplateEntry(activity=walking, goal_quota=30),
            services.TemplateEntry(activity=textures, goal_quota=300, times_per_day=2),
        ],
    )
    return ClinicSetup(
        clinic=clinic, therapist=therapist, template=template, choices=[walking.id, textures.id]
    )


def patient_with_history(setting: ClinicSetup, name: str) -> models.Program:
    """A patient with a guardian, a program two weeks in with its first week logged and
    reviewed, a check-in and an open alert: a row in every list."""
    child = services.patient_create(
        actor=setting.therapist,
        clinic=setting.clinic,
        first_name=name,
        last_name="Okafor",
        date_of_birth=date(2012, 3, 1),
        diagnosis="juvenile_fibromyalgia",
        resting_heart_rate=72,
        therapists=[setting.therapist],
        user=make_user(name.lower()),
    )
    services.guardian_create(
        actor=setting.therapist,
        patient=child,
        first_name="Ngozi",
        last_name="Okafor",
        relation="mother",
        user=make_user(f"{name.lower()}-mum"),
    )
    start = local_today(child) - timedelta(weeks=2)
    program = services.program_create(
        actor=setting.therapist,
        patient=child,
        template=setting.template,
        start_date=start,
        goal_date=start + timedelta(weeks=8),
        goals="Walk to school with my friends.",
        activities=[
            services.ActivityChoice(activity_id=setting.choices[0], baseline_trials=[10, 12]),
            services.ActivityChoice(activity_id=setting.choices[1], baseline_trials=[60]),
        ],
    )
    program = services.program_activate(
        actor=setting.therapist, program=program, me_cfs_considered=True
    )
    first_week = models.PlannedSession.objects.filter(
        program=program, date__lt=start + timedelta(days=7)
    ).prefetch_related("doses")
    for session in first_week:
        results = [
            services.ResultInput(dose.program_activity_id, dose.amount, 4)
            for dose in session.doses.all()
        ]
        services.session_log(actor=child.user or setting.therapist, session=session, status="done",
                    results=results)  # fmt: skip
    services.weekly_review_run(program=program, today=start + timedelta(days=7))
    quiet_check_in(actor=setting.therapist, patient=child, fdi_answers=[1] * 15, mood=4)
    services.alert_raise(
        patient=child, program=program, kind=AlertKind.LOW_ADHERENCE, message="Low."
    )
    return program


def changelist(model: str) -> str:
    return reverse(f"admin:programs_{model}_changelist")


def admin_action(
    client: Client, action: str, obj: Model, *, follow: bool = False, **fields: str
) -> Any:
    """Run the admin action ``action`` on ``obj``, chosen on its model's list."""
    model = obj._meta.model_name
    assert model is not None
    data = {"action": action, "_selected_action": [obj.pk], **fields}
    return client.post(changelist(model), data, follow=follow)


def test_it_covers_every_model_of_the_clinic() -> None:
    registered = {model._meta.model_name for model in admin.site._registry}
    model_names = {model._meta.model_name for model in apps.get_app_config("programs").get_models()}

    assert model_names - registered == INLINE_ONLY
    assert registered >= set(CHANGELISTS)


@pytest.mark.slow  # one case per route: part of the route matrix
@pytest.mark.django_db
@pytest.mark.parametrize("model", CHANGELISTS)
def test_it_lists_every_record_without_a_query_per_row(
    signed_in: Client, clinic: ClinicSetup, model: str
) -> None:
    patient_with_history(clinic, "Maya")
    with CaptureQueriesContext(connection) as one_patient:
        first = signed_in.get(changelist(model))
    patient_with_history(clinic, "Lily")
    with CaptureQueriesContext(connection) as two_patients:
        second = signed_in.get(changelist(model))

    assert first.status_code == second.status_code == 200
    assert len(two_patients) == len(one_patient) > 0


@pytest.mark.django_db
def test_it_shows_a_program_with_its_activities_and_revisions(
    signed_in: Client, clinic: ClinicSetup
) -> None:
    program = patient_with_history(clinic, "Maya")

    response = signed_in.get(reverse("admin:programs_program_change", args=[program.pk]))

    assert response.status_code == 200
    assert b"Walk to school with my friends." in response.content
    assert b"Activated; ME/CFS exclusion considered." in response.content


@pytest.mark.django_db
def test_it_audits_opening_a_patients_record(
    signed_in: Client, clinic: ClinicSetup, operator: models.User
) -> None:
    program = patient_with_history(clinic, "Maya")

    response = signed_in.get(reverse("admin:programs_patient_change", args=[program.patient_id]))

    assert response.status_code == 200
    assert models.AuditEvent.objects.filter(
        actor=operator, patient=program.patient, action="read"
    ).exists()


@pytest.mark.django_db
def test_it_keeps_what_only_services_write_read_only(
    signed_in: Client, clinic: ClinicSetup
) -> None:
    program = patient_with_history(clinic, "Maya")
    session = program.sessions.first()
    assert session is not None

    add = signed_in.get(reverse("admin:programs_sessionlog_add"))
    change = signed_in.post(
        reverse("admin:programs_plannedsession_change", args=[session.pk]), {"week": 9}
    )

    assert add.status_code == 403
    assert change.status_code == 403
    assert models.PlannedSession.objects.get(pk=session.pk).week == session.week


@pytest.mark.django_db
def test_it_acknowledges_alerts_through_the_service(
    signed_in: Client, clinic: ClinicSetup, operator: models.User
) -> None:
    program = patient_with_history(clinic, "Maya")
    alert = models.Alert.objects.get(patient=program.patient)

    response = admin_action(signed_in, "acknowledge", alert)

    alert.refresh_from_db()
    assert response.status_code == 302
    assert alert.acknowledged_by == operator
    assert alert.acknowledged_at is not None


@pytest.mark.django_db
def test_it_asks_for_a_note_before_acknowledging_thoughts_of_self_harm(
    signed_in: Client, clinic: ClinicSetup, operator: models.User
) -> None:
    program = patient_with_history(clinic, "Maya")
    harm = services.alert_raise(
        patient=program.patient, program=program, kind=AlertKind.SELF_HARM, message="Self-harm"
    )
    chosen = {"action": "acknowledge", "_selected_action": [harm.pk]}

    asked = signed_in.post(changelist("alert"), chosen)
    blank = signed_in.post(changelist("alert"), {**chosen, "apply": "1"})
    signed_in.post(
        changelist("alert"), {**chosen, "apply": "1", f"note-{harm.pk}": "Rang the family."}
    )

    harm.refresh_from_db()
    assert asked.status_code == 200 and f'name="note-{harm.pk}"' in asked.content.decode()
    assert blank.status_code == 302
    assert (harm.acknowledged_by, harm.acknowledgement_note) == (operator, "Rang the family.")
    assert models.AuditEvent.objects.filter(actor=operator, detail="Rang the family.").count() == 1


@pytest.mark.django_db
def test_a_self_harm_alert_sent_without_its_note_stays_open(
    signed_in: Client, clinic: ClinicSetup
) -> None:
    program = patient_with_history(clinic, "Maya")
    harm = services.alert_raise(
        patient=program.patient, program=program, kind=AlertKind.SELF_HARM, message="Self-harm"
    )

    response = admin_action(signed_in, "acknowledge", harm, apply="1", follow=True)

    harm.refresh_from_db()
    assert harm.is_open
    assert "was not acknowledged" in response.content.decode()


@pytest.mark.django_db
def test_it_audits_each_patient_an_admin_list_shows(
    signed_in: Client, clinic: ClinicSetup, operator: models.User
) -> None:
    maya = patient_with_history(clinic, "Maya").patient
    lily = patient_with_history(clinic, "Lily").patient

    signed_in.get(changelist("checkin"))

    reads = models.AuditEvent.objects.filter(actor=operator, what="admin: check ins listed")
    assert sorted(reads.values_list("patient_id", flat=True)) == sorted([maya.pk, lily.pk])


@pytest.mark.django_db
def test_it_pauses_programs_through_the_service(signed_in: Client, clinic: ClinicSetup) -> None:
    program = patient_with_history(clinic, "Maya")

    response = admin_action(signed_in, "pause", program)

    program.refresh_from_db()
    assert response.status_code == 302
    assert program.status == models.Program.Status.PAUSED
    assert program.revisions.filter(reason__contains="Paused from the admin by operator").exists()


@pytest.mark.django_db
def test_it_reports_a_program_that_cannot_be_resumed(
    signed_in: Client, clinic: ClinicSetup
) -> None:
    program = patient_with_history(clinic, "Maya")

    response = admin_action(signed_in, "resume", program, follow=True)

    program.refresh_from_db()
    assert b"cannot be resumed" in response.content
    assert program.status == models.Program.Status.ACTIVE


@pytest.mark.django_db
def test_it_lets_no_one_but_staff_in(client: Client) -> None:
    client.force_login(make_user("patient-login"))

    response = client.get(changelist("patient"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
