"""Every staff read and change of a patient's record is audited (DOMAIN.md, "Privacy").

The walks below go through every route the API and the web pages have, so a new route cannot
forget its audit: a route that reads no patient's record must say so in ``NOT_RECORDS`` (with
why), a route of the clinic's pages that only changes something in ``WEB_CHANGES``, and one that
neither shows nor changes a patient's record (the activity library) in ``WEB_NOT_RECORDS``.
The audit outlives the patient: deleting one keeps who read their record and when.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.formats import date_format
from rest_framework.test import APIClient

from planner import AlertKind
from programs.admin import AuditedPatientRecord
from programs.models import (
    Alert,
    AuditEvent,
    CheckIn,
    Guardian,
    Invitation,
    Patient,
    Program,
    ProgramRevision,
    SessionLog,
    User,
    WeeklyReview,
)
from programs.services import (
    alert_raise,
    dose_override,
    invitation_create,
    program_discharge,
    program_pause,
    program_resume,
    weekly_review_run,
)
from programs.services.common import local_today
from reminders.models import Contact
from tests.programs import factories
from tests.reminders.factories import new_contact

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


@dataclass
class World:
    """One patient with a piece of every record a staff route can show."""

    staff: User
    patient: Patient
    guardian: Guardian
    program: Program
    draft: Program
    log: SessionLog
    check_in: CheckIn
    review: WeeklyReview
    revision: ProgramRevision
    alert: Alert
    contact: Contact
    invitation: Invitation


@pytest.fixture
def world() -> World:
    staff = factories.therapist(first_name="Jordan", last_name="Lee")
    clinic = staff.memberships.get().clinic
    child = factories.patient(clinic=clinic, therapists=[staff], with_user=True)
    guardian = factories.guardian(patient=child)
    program = factories.active_program(patient=child, started_weeks_ago=2, actor=staff)
    factories.log_week(program, week=0)
    review = weekly_review_run(program=program)
    assert review is not None
    check_in = factories.quiet_check_in(actor=staff, patient=child, fdi_answers=[1] * 15).check_in
    alert = alert_raise(
        patient=child, program=program, kind=AlertKind.LOW_ADHERENCE, message="Two of seven."
    )
    invitation, _ = invitation_create(
        actor=staff,
        patient=child,
        role="guardian",
        guardian_first_name="Ngozi",
        guardian_last_name="Okafor",
        relation="mother",
    )
    draft = factories.draft_program(patient=child, actor=staff)
    # The events the set-up itself left (the program's changes) are not what is under test.
    AuditEvent.objects.all().delete()
    return World(
        staff=staff,
        patient=child,
        guardian=guardian,
        program=program,
        draft=draft,
        log=SessionLog.objects.filter(session__program=program).first() or SessionLog(),
        check_in=check_in,
        review=review,
        revision=program.revisions.order_by("number").first() or ProgramRevision(),
        alert=alert,
        contact=new_contact(patient=child),
        invitation=invitation,
    )


# -- The routes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str  # namespaced: "web:caseload"
    path: str
    kwargs: tuple[str, ...]  # the URL's parameters
    callback: Any

    @property
    def reads(self) -> bool:
        """Whether the route answers GET. A viewset route says which methods it maps; a class
        view whether it has ``get``; a function view is asked (``WEB_CHANGES`` lists the
        clinic's pages that answer only POST, and a test holds them to it)."""
        actions = getattr(self.callback, "actions", None)
        if actions is not None:
            return "get" in actions
        view_class = getattr(self.callback, "view_class", None)
        if view_class is not None:
            return hasattr(view_class, "get")
        return True


def _routes(
    patterns: list[URLPattern | URLResolver], prefix: str = "", namespace: str = ""
) -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace or "") if part)
            yield from _routes(entry.url_patterns, prefix + str(entry.pattern), inner)
            continue
        pattern = entry.pattern
        converters = getattr(pattern, "converters", None)
        names = tuple(converters) if converters else tuple(pattern.regex.groupindex)
        if entry.name is None:
            continue
        name = f"{namespace}:{entry.name}" if namespace else entry.name
        yield Route(name, prefix + str(pattern), names, entry.callback)


ROUTES = list(_routes(get_resolver().url_patterns))


def api_reads() -> list[Route]:
    return [r for r in ROUTES if r.path.startswith("api/") and r.reads]


def clinic_pages() -> list[Route]:
    return [r for r in ROUTES if r.name.startswith("web:") and r.path.startswith("clinic/")]


# What each read shows, as the URL's parameters; every one is about ``world.patient``.
API_READS: dict[str, Callable[[World], dict[str, int]]] = {
    "patient-list": lambda w: {},
    "patient-detail": lambda w: {"pk": w.patient.pk},
    "guardian-list": lambda w: {},
    "guardian-detail": lambda w: {"pk": w.guardian.pk},
    "program-list": lambda w: {},
    "program-detail": lambda w: {"pk": w.program.pk},
    "program-preview": lambda w: {"pk": w.program.pk},
    "session-list": lambda w: {},
    "session-detail": lambda w: {"pk": w.program.sessions.order_by("date")[0].pk},
    "session-log-list": lambda w: {},
    "session-log-detail": lambda w: {"pk": w.log.pk},
    "check-in-list": lambda w: {},
    "check-in-detail": lambda w: {"pk": w.check_in.pk},
    "review-list": lambda w: {},
    "review-detail": lambda w: {"pk": w.review.pk},
    "revision-list": lambda w: {},
    "revision-detail": lambda w: {"pk": w.revision.pk},
    "alert-list": lambda w: {},
    "alert-detail": lambda w: {"pk": w.alert.pk},
    "caseload-list": lambda w: {},
    "reminder-contact-list": lambda w: {},
    "reminder-contact-detail": lambda w: {"pk": w.contact.pk},
}
WEB_READS: dict[str, Callable[[World], dict[str, int]]] = {
    "web:caseload": lambda w: {},
    "web:alerts": lambda w: {},
    "web:patient": lambda w: {"patient_id": w.patient.pk},
    "web:program-new": lambda w: {"patient_id": w.patient.pk},
    "web:program-preview": lambda w: {"program_id": w.program.pk},
    "web:program-edit": lambda w: {"program_id": w.draft.pk},
    "web:program-discard": lambda w: {"program_id": w.draft.pk},
    "web:invite": lambda w: {},
}
# The clinic's pages that only change a record: each is audited by the service it calls
# (tests below and in the services' tests); a GET is refused.
WEB_CHANGES = {
    "web:acknowledge-alert": lambda w: {"alert_id": w.alert.pk},
    "web:program-pause": lambda w: {"patient_id": w.patient.pk, "program_id": w.program.pk},
    "web:program-resume": lambda w: {"patient_id": w.patient.pk, "program_id": w.program.pk},
    "web:program-discharge": lambda w: {"patient_id": w.patient.pk, "program_id": w.program.pk},
    "web:dose-override": lambda w: {"patient_id": w.patient.pk, "program_id": w.program.pk},
    "web:program-rebaseline": lambda w: {"patient_id": w.patient.pk, "program_id": w.program.pk},
    "web:program-activate": lambda w: {"program_id": w.program.pk},
    "web:invite-revoke": lambda w: {"invitation_id": w.invitation.pk},
}
# The clinic's pages that neither show nor change a patient's record, and why.
WEB_NOT_RECORDS = {
    "web:library": "the exercise library",
    "web:library-activity": "the exercise library",
    "web:library-media": "an activity's picture or video",
    "web:library-media-remove": "an activity's picture or video",
}
# Reads that show no patient's record, and why.
NOT_RECORDS = {
    "api-root": "the list of the API's routes",
    "api-schema": "the API's description",
    "api-docs": "the API's documentation page",
    "activity-list": "the exercise library",
    "activity-detail": "the exercise library",
    "template-list": "the clinic's program templates",
    "template-detail": "the clinic's program templates",
    "reminders-consent-wording": "the consent wording, the same for everyone",
    # /me/: a patient or guardian reading their own record, not staff reading someone's.
    "me": "the person's own record",
    "me-today": "the person's own record",
    "me-sessions": "the person's own record",
    "me-session-log": "the person's own record",
    "me-check-ins": "the person's own record",
    "me-check-in-due": "the person's own record",
    "me-progress": "the person's own record",
    "reminders-me-contacts": "the person's own record",
    "reminders-me-contact": "the person's own record",
}


def test_every_staff_read_route_is_classified() -> None:
    """A new read route fails here until it is audited (and listed above) or said not to
    show a patient's record."""
    api = {route.name for route in api_reads()}
    web = {route.name for route in clinic_pages()}

    assert sorted(api - API_READS.keys() - NOT_RECORDS.keys()) == []
    assert sorted(web - WEB_READS.keys() - WEB_CHANGES.keys() - WEB_NOT_RECORDS.keys()) == []
    listed = API_READS.keys() | WEB_READS.keys() | WEB_CHANGES.keys() | WEB_NOT_RECORDS.keys()
    assert sorted(listed - api - web) == []


@pytest.mark.slow  # one case per route: part of the route matrix
@pytest.mark.parametrize("name", sorted(API_READS))
def test_every_staff_api_read_leaves_an_audit_event(world: World, name: str) -> None:
    client = APIClient()
    client.force_authenticate(world.staff)

    response = client.get(reverse(name, kwargs=API_READS[name](world)))

    assert response.status_code == 200, response.content
    assert AuditEvent.objects.filter(
        actor=world.staff, patient=world.patient, action="read"
    ).exists(), f"{name} left no audit event"


@pytest.mark.slow  # one case per route: part of the route matrix
@pytest.mark.parametrize("name", sorted(WEB_READS))
def test_every_staff_page_leaves_an_audit_event(world: World, client: Client, name: str) -> None:
    client.force_login(world.staff)

    response = client.get(reverse(name, kwargs=WEB_READS[name](world)))

    assert response.status_code == 200
    assert AuditEvent.objects.filter(
        actor=world.staff, patient=world.patient, action="read"
    ).exists(), f"{name} left no audit event"


@pytest.mark.slow  # one case per route: part of the route matrix
@pytest.mark.parametrize("name", sorted(WEB_CHANGES))
def test_the_clinic_pages_that_change_records_do_not_answer_a_read(
    world: World, client: Client, name: str
) -> None:
    client.force_login(world.staff)

    response = client.get(reverse(name, kwargs=WEB_CHANGES[name](world)))

    assert response.status_code == 405


def test_a_list_records_one_event_per_patient_it_shows(world: World) -> None:
    other = factories.patient(clinic=world.patient.clinic)
    factories.patient()  # another clinic's: never shown, never audited
    client = APIClient()
    client.force_authenticate(world.staff)

    client.get("/api/v1/patients/")

    reads = AuditEvent.objects.filter(actor=world.staff, what="API list: patients")
    assert sorted(reads.values_list("patient_ref", flat=True)) == sorted(
        [world.patient.pk, other.pk]
    )


def test_a_refused_read_leaves_no_audit_event(world: World) -> None:
    stranger = factories.therapist()
    client = APIClient()
    client.force_authenticate(stranger)

    response = client.get(f"/api/v1/patients/{world.patient.pk}/")

    assert response.status_code == 404
    assert not AuditEvent.objects.exists()


def test_every_admin_of_a_patients_record_audits_its_list_and_its_pages() -> None:
    """Models not in this list are the clinic's set-up, the library, accounts, the audit
    itself or provider traffic: none is a patient's record."""
    not_records = {
        "user", "clinic", "staffmembership", "activity", "programtemplate", "auditevent",
        "suppression", "inboundmessage", "token", "tokenproxy", "group",
        # Which API writes came with a key; the answers it holds are never shown.
        "idempotencykey",
    }  # fmt: skip
    for model, model_admin in admin.site._registry.items():
        if model._meta.model_name in not_records:
            continue
        assert isinstance(model_admin, AuditedPatientRecord), model


# -- Changes --------------------------------------------------------------------------------


def changes_of(world: World) -> list[str]:
    return list(
        AuditEvent.objects.filter(actor=world.staff, patient=world.patient, action="change")
        .order_by("id")
        .values_list("what", flat=True)
    )


def test_every_change_a_clinician_makes_to_a_program_is_audited(world: World) -> None:
    program = world.program
    later = program.sessions.filter(date__gt=local_today(world.patient)).order_by("date")[0]
    dose = later.doses.get()

    lower = dose.amount - 1  # a raise is held to the weekly cap; lowering is the clinician's call
    dose_override(actor=world.staff, dose=dose, amount=lower, reason="School trip")
    program_pause(actor=world.staff, program=program, reason="Holiday")
    program_resume(actor=world.staff, program=program)
    program_discharge(actor=world.staff, program=program, reason="Goals met")

    prefix = f"program {program.pk}: "
    assert changes_of(world) == [
        f"{prefix}{dose.program_activity.name} on {date_format(later.date)}: {dose.amount} "
        f"to {lower} "
        "minutes. School trip",
        f"{prefix}Paused: Holiday",
        f"{prefix}Resumed by a clinician.",
        f"{prefix}Discharged. Goals met",
    ]


def test_pausing_from_the_patient_page_and_resuming_through_the_api_are_audited(
    world: World, client: Client
) -> None:
    client.force_login(world.staff)
    api = APIClient()
    api.force_authenticate(world.staff)

    client.post(
        reverse("web:program-pause", kwargs=WEB_CHANGES["web:program-pause"](world)),
        {"pause-reason": "Holiday"},
    )
    api.post(f"/api/v1/programs/{world.program.pk}/resume/", {}, format="json")

    assert changes_of(world) == [
        f"program {world.program.pk}: Paused: Holiday",
        f"program {world.program.pk}: Resumed by a clinician.",
    ]


def test_acknowledging_an_alert_is_audited(world: World) -> None:
    api = APIClient()
    api.force_authenticate(world.staff)

    api.post(f"/api/v1/alerts/{world.alert.pk}/acknowledge/", {"note": "Phoned."}, format="json")

    event = AuditEvent.objects.get(action="change", patient=world.patient)
    assert event.what == f"alert {world.alert.pk} (low adherence) acknowledged"
    assert event.detail == "Phoned."


# -- The audit outlives the patient ---------------------------------------------------------


def test_the_audit_survives_the_patients_deletion(world: World, client: Client) -> None:
    client.force_login(world.staff)
    client.get(f"/clinic/patients/{world.patient.pk}/")
    patient_id, name = world.patient.pk, world.patient.full_name

    # Programs are protected from going with the patient by mistake: an erasure removes them
    # first, then the patient; the audit trail stays.
    world.patient.programs.all().delete()
    world.patient.delete()

    event = AuditEvent.objects.get(action="read", what="patient page")
    assert event.patient is None
    assert (event.patient_ref, event.patient_name, event.actor) == (patient_id, name, world.staff)
