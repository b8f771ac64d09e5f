"""The access matrix: every role against every /api/v1/ route and method, with objects the
role must not reach: another clinic's for staff; another patient's, and everything behind the
staff API, for patients and guardians; everything for a stranger.

Each answer is 401 (anonymous) or 403/404 (signed in), never a success and never a 500. It is
the answer the same request gets for an id that exists nowhere, so an id reveals nothing. The
browsable API (text/html) answers with the same status. Lists a role may read hold only its
own clinic's rows, also when filtered by another clinic's ids. And nothing in the database
changes. Control tests make the same requests on the role's own objects and expect success,
so that each refusal is about the object and not a malformed request.

The routes are read from the URLconf (with any format-suffix twins a router adds): a route
without an entry in ROUTES_SPEC fails ``test_every_api_route_is_in_the_matrix``, so a new
endpoint cannot be forgotten.

The world (two clinics, each with a therapist, an admin, two patients with accounts and
guardians, programs, sessions, logs, check-ins, reviews, alerts, activities and templates) is
built once per module and xdist worker; each test runs in its own transaction, rolled back.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.db import transaction
from django.db.models import Model, Q
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from programs import models
from programs.api.filters import IdFilter
from programs.services import check_in_submit, program_pause, program_resume
from programs.services.common import local_today
from reminders.models import Contact
from reminders.services.contacts import email_verification_token
from tests.clock import NOW
from tests.programs.factories import (
    PASSWORD,
    ActivityFactory,
    ClinicFactory,
    GuardianFactory,
    ProgramTemplateFactory,
    TemplateActivityFactory,
    active_program,
    clinic_admin,
    draft_program,
    guardian,
    log_week,
    patient,
    sessions_of_week,
    therapist,
)
from tests.reminders.factories import new_contact

# The marker tells pytest-django to set up the test database; the world fixture below holds
# the data for the whole module, and each test's own transaction nests inside it.
pytestmark = [pytest.mark.django_db, pytest.mark.slow]

# An id no row has: the answer for it is the answer for "does not exist".
PHANTOM = 987_654_321
METHODS = ("get", "post", "put", "patch", "delete", "options")
SIGNED_IN_REFUSALS = frozenset({403, 404})
FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"


# -- The routes, from the URLconf --------------------------------------------------------------


@dataclass(frozen=True)
class ApiRoute:
    name: str
    kwargs: tuple[str, ...]  # the path's arguments; "format" for a router's suffix twin
    methods: frozenset[str]  # the methods the view answers (OPTIONS aside)
    view: type

    @property
    def id(self) -> str:
        return f"{self.name}.json" if "format" in self.kwargs else self.name

    def url(self, **kwargs: int) -> str:
        if "format" in self.kwargs:
            kwargs = {**kwargs, "format": "json"}  # type: ignore[dict-item]
        return reverse(self.name, kwargs=kwargs or None)


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def api_routes() -> list[ApiRoute]:
    """Every URL pattern under /api/v1/, with the methods its view answers."""
    routes = []
    for route, pattern in _walk(get_resolver().url_patterns):
        if not route.startswith("api/v1/"):
            continue
        callback = pattern.callback
        actions = getattr(callback, "actions", None)
        if actions is not None:  # a ViewSet: the router bound these methods
            view = callback.cls  # type: ignore[attr-defined]
            methods = frozenset(actions) - {"options"}
        else:
            view = callback.view_class  # type: ignore[attr-defined]
            methods = frozenset(
                m for m in view.http_method_names if m != "options" and hasattr(view, m)
            )
        routes.append(
            ApiRoute(
                name=pattern.name or route,
                kwargs=tuple(pattern.pattern.regex.groupindex),
                methods=methods,
                view=view,
            )
        )
    return routes


ROUTES = api_routes()


def mapped() -> list[ApiRoute]:
    """The routes with an entry below (the rest fail test_every_api_route_is_in_the_matrix)."""
    return [route for route in ROUTES if route.name in ROUTES_SPEC]


# -- What each route is about ------------------------------------------------------------------

# staff: the clinic's endpoints; me: a patient's or guardian's; public: open to anyone, the
# request itself being the credential (a password, a signed link); index: any signed-in user
# reads text that names no object; self: any signed-in user acts on their own account and
# names nothing else (signing out of the API): refused to anyone not signed in, and done by
# the control for someone who is.
Area = Literal["staff", "me", "public", "index", "self"]


@dataclass(frozen=True)
class Refs:
    """The ids a create request may name: a clinic's own, another clinic's, or none at all."""

    clinic: int
    patient: int
    guardian: int  # a guardian of that patient, without a reminder contact yet
    therapist: int
    activity: int
    template: int


# Each create names one object of ``other`` (another clinic's, in the matrix) among the user's
# own; with ``other`` the user's own clinic too it is a valid request (the control).
Create = Callable[[Refs, Refs], dict[str, Any]]


@dataclass(frozen=True)
class Spec:
    area: Area
    kind: str | None = None  # the kind of object the path names
    path_key: str = "pk"  # the path's argument that names it
    rows: str | None = None  # a list: the kind of its rows
    row_key: str = "id"
    # method -> a valid body, or what makes one from the world's ids
    bodies: dict[str, dict[str, Any] | Callable[[World], dict[str, Any]]] = field(
        default_factory=dict
    )
    creates: tuple[Create, ...] = ()  # a create: its bodies (below)
    control: str | None = None  # the tag of the object a control request needs
    # What the control may answer: a success, unless the request cannot succeed on purpose.
    control_status: frozenset[int] = frozenset(range(200, 300))
    # A public route: (a body that must be refused, its phantom twin) and a body that works.
    public: Callable[[World], tuple[dict[str, Any], dict[str, Any]]] | None = None
    public_control: Callable[[World], dict[str, Any]] | None = None


def _patient(own: Refs, other: Refs, **extra: Any) -> dict[str, Any]:
    return {
        "first_name": "Nia",
        "last_name": "Probe",
        "date_of_birth": "2012-05-01",
        "diagnosis": "juvenile_fibromyalgia",
        **extra,
    }


def _program(own: Refs, other: Refs, **extra: Any) -> dict[str, Any]:
    return {
        "patient": own.patient,
        "start_date": "2026-03-16",
        "goal_date": "2026-06-08",
        "goals": "Walk to school with my friends.",
        "activities": [{"activity": own.activity, "baseline_trials": [10, 12], "goal_quota": 30}],
        **extra,
    }


def _template(own: Refs, other: Refs, **extra: Any) -> dict[str, Any]:
    return {
        "name": "Probe protocol",
        "entries": [{"activity": own.activity, "goal_quota": 30}],
        **extra,
    }


def _wrong_password(world: World) -> tuple[dict[str, Any], dict[str, Any]]:
    """Another user's name with a wrong password, and a name nobody has: the same answer."""
    someone = world.roles["therapist_a"].user
    assert someone is not None
    wrong = "not the password"
    return (
        {"username": someone.username, "password": wrong},
        {"username": f"nobody{PHANTOM}", "password": wrong},
    )


def _password(world: World) -> dict[str, Any]:
    someone = world.roles["therapist_a"].user
    assert someone is not None
    return {"username": someone.username, "password": PASSWORD}


def _forged_link(world: World) -> tuple[dict[str, Any], dict[str, Any]]:
    """Clinic B's verification link, tampered with, and a token that was never one."""
    contact = Contact.objects.get(pk=world.of("contact", clinic="B", tag="self")[0].id)
    return {"token": email_verification_token(contact) + "x"}, {"token": "not-a-token"}


def _link(world: World) -> dict[str, Any]:
    contact = Contact.objects.get(pk=world.of("contact", clinic="A", tag="self")[0].id)
    return {"token": email_verification_token(contact)}


CONTACT_ID = "contact_id"
CHANNEL = {"channel": "email"}
# The code confirms nothing when none was sent: a 400 about the code shows the contact was found.
NO_CODE_SENT = frozenset({400})


def _new_baseline(world: World) -> dict[str, Any]:
    """New trials of the first activity of clinic A's first running program (the control's),
    done today."""
    program = world.of("program", clinic="A", tag="active")[0]
    row = models.ProgramActivity.objects.filter(program_id=program.id).order_by("order").first()
    assert row is not None and program.owner is not None
    today = local_today(world.patients[program.owner]).isoformat()
    return {"baselines": [{"activity": row.id, "trials": [8], "dates": [today]}]}


def _bout(world: World) -> dict[str, Any]:
    """The first time of the first activity of clinic A's due session (the control's)."""
    session = world.of("session", clinic="A", tag="due")[0]
    doses = models.PlannedDose.objects.filter(session_id=session.id).select_related(
        "program_activity"
    )
    first = doses.order_by("program_activity__order").first()
    assert first is not None
    return {"activity": first.program_activity.key, "bout": 1, "amount": first.amount}


# The routes that name a session under its patient: /me/patients/<id>/sessions/<id>/...
SESSION_ROUTES = frozenset({"me-session-log", "me-session-bouts"})


ROUTES_SPEC: dict[str, Spec] = {
    "api-token": Spec("public", public=_wrong_password, public_control=_password),
    "api-token-revoke": Spec("self"),
    "api-root": Spec("index"),
    "me": Spec("me", rows="acted_for"),
    "me-today": Spec("me", kind="patient", path_key="patient_id"),
    "me-progress": Spec("me", kind="patient", path_key="patient_id"),
    "me-milestones-celebrate": Spec(
        "me", kind="patient", path_key="patient_id", bodies={"post": {}}
    ),
    "me-sessions": Spec("me", kind="patient", path_key="patient_id", rows="session"),
    "me-check-ins": Spec(
        "me",
        kind="patient",
        path_key="patient_id",
        rows="check_in",
        bodies={"post": {"mood": 3, "flare": False, "red_flags": [], "no_red_flags": True}},
    ),
    "me-check-in-due": Spec("me", kind="patient", path_key="patient_id"),
    "me-session-log": Spec(
        "me", kind="session", bodies={"post": {"status": "missed"}}, control="due"
    ),
    "me-session-bouts": Spec("me", kind="session", bodies={"post": _bout}, control="due"),
    # Reminders: /api/v1/reminders/
    "reminders-consent-wording": Spec("index"),
    "reminders-email-verification": Spec("public", public=_forged_link, public_control=_link),
    "reminders-me-contacts": Spec("me", rows="contact"),
    "reminders-me-contact": Spec("me", kind="contact", path_key=CONTACT_ID, control="self"),
    "reminders-me-preferences": Spec(
        "me",
        kind="contact",
        path_key=CONTACT_ID,
        control="self",
        bodies={"patch": {"paused": True}},
    ),
    "reminders-me-consents": Spec(
        "me", kind="contact", path_key=CONTACT_ID, control="self", bodies={"post": CHANNEL}
    ),
    "reminders-me-consents-withdraw": Spec(
        "me", kind="contact", path_key=CONTACT_ID, control="self", bodies={"post": CHANNEL}
    ),
    "reminders-me-verification": Spec(
        "me", kind="contact", path_key=CONTACT_ID, control="self", bodies={"post": CHANNEL}
    ),
    "reminders-me-verification-confirm": Spec(
        "me",
        kind="contact",
        path_key=CONTACT_ID,
        control="self",
        bodies={"post": {"code": "123456"}},
        control_status=NO_CODE_SENT,
    ),
    "reminder-contact-list": Spec(
        "staff",
        rows="contact",
        creates=(
            lambda own, other: {
                "patient": other.patient,
                "role": "guardian",
                "guardian": other.guardian,
                "email": "ade@example.org",
            },
            lambda own, other: {
                "patient": own.patient,
                "role": "guardian",
                "guardian": other.guardian,
                "email": "ade@example.org",
            },
        ),
    ),
    "reminder-contact-detail": Spec("staff", kind="contact", bodies={"patch": {"name": "Renamed"}}),
    "reminder-contact-preferences": Spec(
        "staff", kind="contact", bodies={"patch": {"paused": True}}
    ),
    "reminder-contact-consents": Spec(
        "staff",
        kind="contact",
        bodies={
            "post": {**CHANNEL, "given_by": "Ade", "relationship": "mother", "method": "paper"}
        },
    ),
    "reminder-contact-withdraw-consent": Spec("staff", kind="contact", bodies={"post": CHANNEL}),
    "reminder-contact-verification": Spec("staff", kind="contact", bodies={"post": CHANNEL}),
    "reminder-contact-verification-confirm": Spec(
        "staff", kind="contact", bodies={"post": {"code": "123456"}}, control_status=NO_CODE_SENT
    ),
    "patient-list": Spec(
        "staff",
        rows="patient",
        creates=(
            lambda own, other: _patient(own, other, clinic=other.clinic),
            lambda own, other: _patient(own, other, therapists=[other.therapist]),
        ),
    ),
    "patient-detail": Spec("staff", kind="patient", bodies={"patch": {"last_name": "Changed"}}),
    "guardian-list": Spec(
        "staff",
        rows="guardian",
        creates=(
            lambda own, other: {
                "patient": other.patient,
                "first_name": "Ade",
                "last_name": "Probe",
                "relation": "mother",
            },
        ),
    ),
    "guardian-detail": Spec("staff", kind="guardian"),
    "program-list": Spec(
        "staff",
        rows="program",
        creates=(
            lambda own, other: _program(own, other, patient=other.patient),
            lambda own, other: _program(own, other, template=other.template),
            lambda own, other: _program(
                own,
                other,
                activities=[
                    {"activity": other.activity, "baseline_trials": [10], "goal_quota": 30}
                ],
            ),
        ),
    ),
    "program-detail": Spec(
        "staff",
        kind="program",
        control="draft",
        bodies={
            # A draft's patient stays its own: a PUT may leave it out.
            "put": lambda world: {
                name: value
                for name, value in _program(world.refs["A"], world.refs["A"]).items()
                if name != "patient"
            },
            "patch": {"goals": "Walk to school and back."},
            "delete": {},
        },
    ),
    "program-preview": Spec("staff", kind="program", control="active"),
    "program-activate": Spec(
        "staff", kind="program", control="draft", bodies={"post": {"me_cfs_considered": True}}
    ),
    "program-pause": Spec(
        "staff", kind="program", control="active", bodies={"post": {"reason": "A week away"}}
    ),
    "program-resume": Spec(
        "staff", kind="program", control="paused", bodies={"post": {"reason": "Back"}}
    ),
    "program-discharge": Spec(
        "staff", kind="program", control="active", bodies={"post": {"reason": "Goals met"}}
    ),
    "program-rebaseline": Spec(
        "staff", kind="program", control="active", bodies={"post": _new_baseline}
    ),
    "session-list": Spec("staff", rows="session"),
    "session-detail": Spec("staff", kind="session"),
    "dose-override": Spec(
        "staff", kind="dose", bodies={"post": {"amount": 5, "reason": "Tired this week"}}
    ),
    "session-log-list": Spec("staff", rows="session_log"),
    "session-log-detail": Spec("staff", kind="session_log"),
    "check-in-list": Spec("staff", rows="check_in"),
    "check-in-detail": Spec("staff", kind="check_in"),
    "review-list": Spec("staff", rows="review"),
    "review-detail": Spec("staff", kind="review"),
    "revision-list": Spec("staff", rows="revision"),
    "revision-detail": Spec("staff", kind="revision"),
    "alert-list": Spec("staff", rows="alert"),
    "alert-detail": Spec("staff", kind="alert"),
    "alert-acknowledge": Spec("staff", kind="alert", bodies={"post": {}}),
    "activity-list": Spec(
        "staff",
        rows="activity",
        creates=(
            lambda own, other: {
                "clinic": other.clinic,
                "name": "Probe hops",
                "kind": "aerobic",
                "unit": "minutes",
            },
        ),
    ),
    "activity-detail": Spec(
        "staff", kind="activity", control="own", bodies={"patch": {"name": "Renamed"}}
    ),
    # The control's empty body holds no file (400); removing a picture succeeds. The uploads
    # themselves are in test_media.py.
    "activity-media": Spec(
        "staff",
        kind="activity",
        control="own",
        control_status=frozenset({200, 400}),
        bodies={"put": {}, "delete": {}},
    ),
    "template-list": Spec(
        "staff",
        rows="template",
        creates=(
            lambda own, other: _template(own, other, clinic=other.clinic),
            lambda own, other: _template(
                own, other, entries=[{"activity": other.activity, "goal_quota": 30}]
            ),
        ),
    ),
    "template-detail": Spec("staff", kind="template"),
    "caseload-list": Spec("staff", rows="patient", row_key="patient"),
}

# Where each kind of row lives: its model and the path to its clinic. Activities and templates
# with no clinic are the global library, which every clinic's staff may read.
KINDS: dict[str, tuple[type[Model], str]] = {
    "patient": (models.Patient, "clinic"),
    "guardian": (models.Guardian, "patient__clinic"),
    "program": (models.Program, "patient__clinic"),
    "session": (models.PlannedSession, "program__patient__clinic"),
    "dose": (models.PlannedDose, "session__program__patient__clinic"),
    "session_log": (models.SessionLog, "session__program__patient__clinic"),
    "check_in": (models.CheckIn, "patient__clinic"),
    "review": (models.WeeklyReview, "program__patient__clinic"),
    "revision": (models.ProgramRevision, "program__patient__clinic"),
    "alert": (models.Alert, "patient__clinic"),
    "activity": (models.Activity, "clinic"),
    "template": (models.ProgramTemplate, "clinic"),
    "contact": (Contact, "patient__clinic"),
}
# The id filters of the lists, by parameter name: the kind of object each names.
FILTER_KINDS = {"patient": "patient", "program": "program", "therapist": "staff_user"}


# -- The world ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Obj:
    kind: str
    id: int
    clinic: str | None  # "A", "B", or None for the global library
    owner: str | None = None  # the patient ("A1", "A2", "B1", "B2") it belongs to
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Role:
    name: str
    user: models.User | None
    staff: bool = False
    acts_for: frozenset[str] = frozenset()  # the patients this patient or guardian acts for

    @property
    def anonymous(self) -> bool:
        return self.user is None


@dataclass
class World:
    clinics: dict[str, models.Clinic]
    patients: dict[str, models.Patient]
    parents: dict[str, models.User]  # the guardian with an account of each patient
    objects: list[Obj]
    roles: dict[str, Role]
    refs: dict[str, Refs]
    tokens: dict[str, str]
    baseline: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)

    def of(self, kind: str, *, clinic: str | None = "any", tag: str | None = None) -> list[Obj]:
        return [
            obj
            for obj in self.objects
            if obj.kind == kind
            and (clinic == "any" or obj.clinic == clinic)
            and (tag is None or tag in obj.tags)
        ]

    def client(self, role: Role) -> APIClient:
        client = APIClient(raise_request_exception=False)
        if role.user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {self.tokens[role.name]}")
        return client


ROLE_NAMES = (
    "therapist_a",
    "admin_a",
    "patient_a1",
    "guardian_a1",
    "therapist_a_parent_b1",
    "anonymous",
)


def _people(world: World, clinic: str, label: str, staff: models.User, *, paused: bool) -> None:
    """A patient with an account, a guardian, a running program with a week logged, a draft
    (another patient's), and a red-flag check-in (an alert and a review); ``paused`` holds
    the program."""
    child = patient(clinic=world.clinics[clinic], therapists=[staff], with_user=True)
    parent = guardian(patient=child)
    # A second guardian, without an account or a reminder contact (one may be added for them).
    spare = GuardianFactory.create(
        patient=child, user=None, relation=models.Guardian.Relation.MOTHER
    )
    program = active_program(patient=child, started_weeks_ago=1, actor=staff)
    log_week(program, week=0)
    check_in_submit(actor=child.user, patient=child, red_flags=["fever"], flare=False)  # type: ignore[arg-type]
    program.refresh_from_db()
    # The red flag paused it; the clinician has since looked and resumed all but one.
    if program.status == models.Program.Status.PAUSED and not paused:
        program = program_resume(actor=staff, program=program, reason="Seen; no concern")
    elif program.status != models.Program.Status.PAUSED and paused:
        program = program_pause(actor=staff, program=program, reason="Exams")
    # A patient follows one running program at a time: the draft is a new patient's.
    draft = draft_program(
        patient=patient(clinic=world.clinics[clinic], therapists=[staff]), actor=staff
    )
    logged = (
        models.SessionLog.objects.filter(session__program=program).order_by("session__date").first()
    )
    assert logged is not None
    tomorrow = local_today(child) + timedelta(days=1)
    future = program.sessions.filter(date__gt=tomorrow).order_by("date").first()
    assert future is not None
    world.patients[label] = child
    assert parent.user is not None
    world.parents[label] = parent.user

    def add(kind: str, obj: Model, *tags: str) -> None:
        world.objects.append(Obj(kind, obj.pk, clinic, label, frozenset(tags)))

    add("patient", child)
    add("guardian", parent)
    add("guardian", spare, "spare")
    add("contact", new_contact(patient=child), "self")
    add("contact", new_contact(patient=child, guardian=parent), "guardian")
    add(
        "program", program, "paused" if program.status == models.Program.Status.PAUSED else "active"
    )
    add("program", draft, "draft")
    add("session", logged.session, "due")
    add("session", future, "future")
    add("dose", future.doses.first(), "future")  # type: ignore[arg-type]
    add("session_log", logged)
    add("check_in", child.check_ins.get())
    for review in program.reviews.all():
        add("review", review)
    add("revision", program.revisions.order_by("number").first())  # type: ignore[arg-type]
    add("alert", models.Alert.objects.get(patient=child))
    assert program.reviews.exists(), "the red flag should have run a review"
    assert sessions_of_week(program, 0)[0].date <= local_today(child)


def build_world() -> World:
    world = World(clinics={}, patients={}, parents={}, objects=[], roles={}, refs={}, tokens={})
    staff: dict[str, models.User] = {}
    admins: dict[str, models.User] = {}
    for clinic in ("A", "B"):
        world.clinics[clinic] = ClinicFactory.create(name=f"Clinic {clinic}")
        staff[clinic] = therapist(clinic=world.clinics[clinic])
        admins[clinic] = clinic_admin(clinic=world.clinics[clinic])
        world.objects += [
            Obj("staff_user", staff[clinic].id, clinic),
            Obj("staff_user", admins[clinic].id, clinic),
        ]
        _people(world, clinic, f"{clinic}1", staff[clinic], paused=False)
        _people(world, clinic, f"{clinic}2", staff[clinic], paused=True)
        own = ActivityFactory.create(clinic=world.clinics[clinic], name=f"Stairs {clinic}")
        template = ProgramTemplateFactory.create(clinic=world.clinics[clinic])
        TemplateActivityFactory.create(template=template, activity=own)
        world.objects += [
            Obj("activity", own.id, clinic, tags=frozenset({"own"})),
            Obj("template", template.id, clinic, tags=frozenset({"own"})),
        ]
        world.refs[clinic] = Refs(
            clinic=world.clinics[clinic].id,
            patient=world.patients[f"{clinic}1"].id,
            guardian=world.of("guardian", clinic=clinic, tag="spare")[0].id,
            therapist=staff[clinic].id,
            activity=own.id,
            template=template.id,
        )
    shared = ActivityFactory.create(name="Cycling (global)")
    shared_template = ProgramTemplateFactory.create(name="AMPS (global)")
    TemplateActivityFactory.create(template=shared_template, activity=shared)
    world.objects += [
        Obj("activity", shared.id, None, tags=frozenset({"global"})),
        Obj("template", shared_template.id, None, tags=frozenset({"global"})),
    ]
    world.refs["phantom"] = Refs(*[PHANTOM] * 6)

    a1 = world.patients["A1"]
    assert a1.user is not None
    # A therapist of clinic A who is also the parent of a patient of clinic B: that child is
    # theirs to act for through /me/, and no more theirs than any other through the staff API.
    parent_b1 = therapist(clinic=world.clinics["A"])
    world.objects.append(
        Obj("guardian", guardian(patient=world.patients["B1"], user=parent_b1).id, "B", "B1")
    )
    for role in (
        Role("therapist_a", staff["A"], staff=True),
        Role("therapist_a_parent_b1", parent_b1, staff=True, acts_for=frozenset({"B1"})),
        Role("admin_a", admins["A"], staff=True),
        Role("patient_a1", a1.user, acts_for=frozenset({"A1"})),
        Role("guardian_a1", world.parents["A1"], acts_for=frozenset({"A1"})),
        Role("anonymous", None),
    ):
        world.roles[role.name] = role
        if role.user is not None:
            world.tokens[role.name] = Token.objects.create(user=role.user).key
    # A cheap hash for every account: the sign-in probes check passwords, and the default
    # hasher takes half a second a time by design.
    models.User.objects.update(password=make_password(PASSWORD))
    world.baseline = snapshot()
    return world


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the app's tables and of the tokens, to compare before and after. The
    audit trail is left out: every permitted staff read adds to it, by design
    (tests/programs/test_audit.py holds what it records)."""
    tables: list[type[Model]] = [
        *apps.get_app_config("programs").get_models(),
        *apps.get_app_config("reminders").get_models(),
        Token,
    ]
    tables.remove(models.AuditEvent)
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values_list())
        for model in tables
    }


def changes(baseline: dict[str, list[tuple[Any, ...]]]) -> list[str]:
    now = snapshot()
    return [label for label, rows in now.items() if rows != baseline[label]]


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """Built once per module (and xdist worker) in a transaction rolled back at the end."""
    with (
        time_machine.travel(NOW, tick=False),
        override_settings(PASSWORD_HASHERS=[FAST_HASHER]),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        yield build_world()
        transaction.set_rollback(True)


# -- Requests ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


def send(
    world: World,
    role: Role,
    method: str,
    url: str,
    body: dict[str, Any] | None = None,
    *,
    html: bool = False,
) -> Answer:
    """One request as ``role``: a JSON body, and JSON (or the browsable API's HTML) back."""
    response = world.client(role).generic(
        method.upper(),
        url,
        json.dumps(body) if body is not None else "",
        content_type="application/json",
        HTTP_ACCEPT="text/html" if html else "application/json",
    )
    return Answer(response.status_code, response.content.decode())


@contextmanager
def rolled_back() -> Iterator[None]:
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@dataclass(frozen=True)
class Probe:
    """A request the role must be refused, and the same request naming no real object."""

    label: str
    kwargs: dict[str, int]
    body: dict[str, Any] | None
    phantom_kwargs: dict[str, int]
    phantom_body: dict[str, Any] | None
    compare_phantom: bool = True
    # Only these answers will do; the global library, say, is refused with 403, not hidden.
    expect: frozenset[int] | None = None


def forbidden(world: World, role: Role, spec: Spec, kind: str, method: str) -> list[Obj]:
    """The objects of ``kind`` the role must not reach through a route of ``spec.area``."""
    candidates = world.of(kind)
    if role.anonymous:
        # Everything is out of reach; one patient of each clinic and the library will do.
        return [obj for obj in candidates if obj.owner in (None, "A1", "B1")]
    if spec.area == "staff" and role.staff:
        hidden = [obj for obj in candidates if obj.clinic == "B"]
        if method not in ("get", "options"):
            hidden += [obj for obj in candidates if obj.clinic is None]  # read-only library
        return hidden
    if spec.area == "me" and role.acts_for:
        return [obj for obj in candidates if obj.owner not in role.acts_for]
    # The other side's endpoints: nothing there is theirs to reach. Their own patient, a
    # patient of the same clinic and one of the other clinic will do.
    return [obj for obj in candidates if obj.owner in (None, "A1", "A2", "B1")]


def _patient_of(world: World, obj: Obj) -> int:
    assert obj.owner is not None
    return world.patients[obj.owner].id


def body_of(spec: Spec, method: str, world: World) -> dict[str, Any] | None:
    body = spec.bodies.get(method)
    return body(world) if callable(body) else body


def probes(world: World, route: ApiRoute, role: Role, method: str) -> list[Probe]:
    spec = ROUTES_SPEC[route.name]
    body = body_of(spec, method, world)
    if spec.kind is None:
        if spec.creates and method == "post":
            # Another clinic's ids in the body: as unknown as ids that exist nowhere, so a
            # 400 naming the field will do for staff. Anyone else is refused outright.
            own = world.refs["A"]
            if not role.staff:
                valid = spec.creates[0](own, own)
                return [Probe("a valid body", {}, valid, {}, None, compare_phantom=False)]
            return [
                Probe(
                    f"body {index} naming clinic B's objects",
                    {},
                    create(own, world.refs["B"]),
                    {},
                    create(own, world.refs["phantom"]),
                    expect=frozenset({400, 403, 404}),
                )
                for index, create in enumerate(spec.creates)
            ]
        return [Probe("no object", {}, body, {}, body)]
    found = []
    for obj in forbidden(world, role, spec, spec.kind, method):
        label = f"{obj.kind} {obj.id} of {obj.owner or obj.clinic or 'the library'}"
        library = obj.clinic is None and method not in ("get", "options") and role.staff
        if route.name in SESSION_ROUTES:
            # The session's own patient, and the role's own patient with that session.
            owners = [(_patient_of(world, obj), PHANTOM)]
            owners += [(world.patients[own].id,) * 2 for own in sorted(role.acts_for)]
            found += [
                Probe(
                    f"{label} as patient {patient_id}",
                    {"patient_id": patient_id, "session_id": obj.id},
                    body,
                    {"patient_id": phantom_patient, "session_id": PHANTOM},
                    body,
                )
                for patient_id, phantom_patient in owners
            ]
            continue
        key = spec.path_key
        found.append(
            Probe(
                label,
                {key: obj.id},
                body,
                {key: PHANTOM},
                body,
                compare_phantom=not library,
                expect=frozenset({403}) if library else None,
            )
        )
    return found


def _normalized(answer: Answer, ids: list[int]) -> Any:
    """The answer's body with the quoted ids of a "does not exist" message made alike."""
    try:
        body = answer.json()
    except ValueError:
        return answer.text

    def scrub(value: Any) -> Any:
        if isinstance(value, str):
            for id_ in ids:
                value = value.replace(f'"{id_}"', '"<id>"')
            return value
        if isinstance(value, list):
            return [scrub(item) for item in value]
        if isinstance(value, dict):
            return {key: scrub(item) for key, item in value.items()}
        return value

    return scrub(body)


def _ids(probe: Probe) -> list[int]:
    found = [*probe.kwargs.values(), *probe.phantom_kwargs.values()]

    def walk(value: Any) -> None:
        if isinstance(value, int) and not isinstance(value, bool):
            found.append(value)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)

    walk(probe.body)
    walk(probe.phantom_body)
    return sorted(set(found), reverse=True)


class Checker:
    """Runs the probes of one route for one role and gathers every problem, so that one test
    reports all of them (method, object and what went wrong)."""

    def __init__(self, world: World, route: ApiRoute, role: Role) -> None:
        self.world, self.route, self.role = world, route, role
        self.spec = ROUTES_SPEC[route.name]
        self.problems: list[str] = []
        self._phantoms: dict[str, Answer] = {}

    def problem(self, method: str, what: str, message: str) -> None:
        self.problems.append(f"{method.upper()} {self.route.id} ({what}): {message}")

    def send(self, method: str, url: str, body: Any = None, *, html: bool = False) -> Answer:
        return send(self.world, self.role, method, url, body, html=html)

    def refused(
        self, method: str, probe: Probe, *, html: bool = False, undeclared: bool = False
    ) -> Answer:
        """The probe must be refused, exactly as its phantom twin is. A method the route does
        not answer may also get 405, and OPTIONS a 200 that is no different for a phantom."""
        if self.role.anonymous:
            expect = frozenset({401})
        elif undeclared:
            expect = SIGNED_IN_REFUSALS | {405} | ({200} if method == "options" else set())
        else:
            expect = probe.expect or SIGNED_IN_REFUSALS
        answer = self.send(method, self.route.url(**probe.kwargs), probe.body)
        if answer.status not in expect:
            self.problem(method, probe.label, f"{answer.status}, expected {sorted(expect)}")
        compare = not undeclared or method == "options"  # only OPTIONS may answer 200
        if compare and probe.compare_phantom and (probe.kwargs or probe.body != probe.phantom_body):
            key = f"{method} {probe.phantom_kwargs} {json.dumps(probe.phantom_body)}"
            if key not in self._phantoms:
                self._phantoms[key] = self.send(
                    method, self.route.url(**probe.phantom_kwargs), probe.phantom_body
                )
            phantom = self._phantoms[key]
            ids = _ids(probe)
            if (answer.status, _normalized(answer, ids)) != (
                phantom.status,
                _normalized(phantom, ids),
            ):
                self.problem(
                    method,
                    probe.label,
                    f"answers {answer.status} {answer.text[:200]!r} where an id that exists "
                    f"nowhere gets {phantom.status} {phantom.text[:200]!r}",
                )
        if html and "format" not in self.route.kwargs:  # a suffix fixes the renderer
            page = self.send(method, self.route.url(**probe.kwargs), probe.body, html=True)
            if page.status != answer.status:
                self.problem(
                    method, f"{probe.label}, text/html", f"{page.status}, json gave {answer.status}"
                )
        return answer

    # What a role may do with a route, checked for leaks instead of refused.

    def lists_only_its_own(self, method: str) -> bool:
        """Whether the role may read this route (a list, who-am-I, an index): checked for what
        it shows rather than refused."""
        spec, role = self.spec, self.role
        if method != "get" or role.anonymous:
            return False
        if spec.area == "staff":
            return role.staff and spec.kind is None
        if spec.area == "me":
            return bool(role.acts_for) and spec.kind is None
        return spec.area == "index"

    def rows(self, url: str, what: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        next_url: str | None = f"{url}?page_size=200"
        while next_url:
            answer = self.send("get", next_url)
            if answer.status != 200:
                self.problem("get", what, f"{answer.status} for a list the role may read")
                break
            page = answer.json()
            found += page["results"]
            next_url = page["next"]
        return found

    def allowed(self, kind: str) -> set[int]:
        """The rows of ``kind`` the role may list: its clinic's and the global library for
        staff, the patients it acts for otherwise."""
        model, path = KINDS[kind]
        if self.spec.area == "staff":
            mine = Q(**{path: self.world.clinics["A"]}) | Q(**{f"{path}__isnull": True})
        else:
            ids = [self.world.patients[label].id for label in self.role.acts_for]
            mine = Q(**{f"{path.removesuffix('clinic')}id__in": ids})
        return set(model._default_manager.filter(mine).values_list("id", flat=True))

    def check_list(self) -> None:
        """Every page holds only the role's rows, and filtering by an id of someone else's
        finds nothing (or is refused), exactly as for an id of nothing."""
        assert self.spec.rows is not None
        url = self.route.url()
        seen = {row[self.spec.row_key] for row in self.rows(url, "the whole list")}
        if seen - self.allowed(self.spec.rows):
            others = seen - self.allowed(self.spec.rows)
            self.problem("get", "the whole list", f"lists rows not the role's: {others}")
        filterset = getattr(self.route.view, "filterset_class", None)
        filters = getattr(filterset, "base_filters", {})
        for name, declared in filters.items():
            if not isinstance(declared, IdFilter):
                continue
            if name not in FILTER_KINDS:
                self.problem("get", f"?{name}=", "an id filter the matrix does not know")
                continue
            for obj in forbidden(self.world, self.role, self.spec, FILTER_KINDS[name], "get"):
                query = f"{url}?{name}={obj.id}&page_size=200"
                answer = self.send("get", query)
                if answer.status == 200 and answer.json()["results"]:
                    self.problem("get", f"?{name}={obj.id}", "lists someone else's rows")
                elif answer.status not in (200, 400, 403, 404):
                    self.problem("get", f"?{name}={obj.id}", f"{answer.status}")
                phantom = self.send("get", f"{url}?{name}={PHANTOM}&page_size=200")
                if answer.status != phantom.status:
                    self.problem(
                        "get",
                        f"?{name}={obj.id}",
                        f"{answer.status}; {phantom.status} for an id of nothing",
                    )

    def check_acted_for(self) -> None:
        answer = self.send("get", self.route.url())
        own = {self.world.patients[label].id for label in self.role.acts_for}
        if answer.status != 200:
            self.problem("get", "who am I", f"{answer.status}")
        elif {row["id"] for row in answer.json()["patients"]} != own:
            self.problem("get", "who am I", f"lists {answer.json()['patients']}")

    def check_own_rows(self) -> None:
        """A patient's or guardian's lists under their own patient hold only that patient's."""
        for label in sorted(self.role.acts_for):
            child = self.world.patients[label]
            model, path = KINDS[self.spec.rows]  # type: ignore[index]
            allowed = set(
                model._default_manager.filter(
                    **{path.replace("clinic", "id"): child.id}
                ).values_list("id", flat=True)
            )
            seen = {row["id"] for row in self.rows(self.route.url(patient_id=child.id), label)}
            if seen - allowed:
                self.problem("get", f"patient {label}", f"lists others' rows: {seen - allowed}")

    def check_index(self) -> None:
        """Open to any signed-in user, and nothing in it but text (links, wording)."""
        answer = self.send("get", self.route.url())
        if answer.status != 200:
            self.problem("get", "index", f"{answer.status}")
            return
        body = answer.json()
        if not all(isinstance(value, str) for value in body.values()):
            self.problem("get", "index", f"holds more than text: {body}")

    def check_public(self, method: str) -> None:
        """Open to anyone: a request with a credential that does not hold is refused (400),
        exactly as one naming nothing at all, so it reveals nothing (whose account exists)."""
        assert self.spec.public is not None
        body, phantom_body = self.spec.public(self.world)
        answer = self.send(method, self.route.url(), body)
        phantom = self.send(method, self.route.url(), phantom_body)
        if answer.status != 400 or (answer.status, answer.text) != (phantom.status, phantom.text):
            self.problem(
                method,
                "a credential that does not hold",
                f"{answer.status} {answer.text[:200]!r}; "
                f"{phantom.status} {phantom.text[:200]!r} for one naming nothing",
            )

    def run(self) -> list[str]:
        spec, role = self.spec, self.role
        declared = sorted(self.route.methods)
        for method in declared:
            if spec.area == "public":
                self.check_public(method)
            elif spec.area == "self" and not role.anonymous:
                continue  # their own account: test_each_probe_works... does it
            elif self.lists_only_its_own(method):
                if spec.area == "index":
                    self.check_index()
                elif spec.rows == "acted_for":
                    self.check_acted_for()
                else:
                    self.check_list()
            else:
                found = probes(self.world, self.route, role, method)
                if not found:
                    self.problem(method, "-", "no object to probe with")
                for index, probe in enumerate(found):
                    self.refused(method, probe, html=index == 0)
                if method == "get" and spec.rows and spec.kind == "patient" and role.acts_for:
                    self.check_own_rows()
        # The methods the route does not answer: still refused, and never a 500.
        sample = probes(self.world, self.route, role, declared[0])[:1]
        html_done = False  # the browsable API once, for the first of them
        for method in METHODS:
            if method in self.route.methods:
                continue
            for probe in sample or [Probe("no object", {}, None, {}, None)]:
                if spec.area == "public" or (spec.area in ("index", "self") and not role.anonymous):
                    answer = self.send(method, self.route.url(**probe.kwargs))
                    if answer.status not in ((200, 405) if method == "options" else (405,)):
                        self.problem(method, probe.label, f"{answer.status}")
                else:
                    self.refused(method, probe, html=not html_done, undeclared=True)
                html_done = True
        # Nothing is rolled back between the requests above: whatever any of them changed
        # is still there to see.
        changed = changes(self.world.baseline)
        if changed:
            self.problems.append(f"the requests above changed {', '.join(changed)}")
        return self.problems


@pytest.mark.parametrize("role_name", ROLE_NAMES)
@pytest.mark.parametrize("route", mapped(), ids=lambda route: route.id)
def test_no_role_reaches_what_is_not_theirs(route: ApiRoute, role_name: str, world: World) -> None:
    problems = Checker(world, route, world.roles[role_name]).run()

    assert problems == [], "\n".join(problems)


def test_every_api_route_is_in_the_matrix() -> None:
    names = {route.name for route in ROUTES}

    assert sorted(names - ROUTES_SPEC.keys()) == [], "routes the matrix does not cover"
    assert sorted(ROUTES_SPEC.keys() - names) == [], "entries for routes that are gone"
    for route in ROUTES:
        spec = ROUTES_SPEC[route.name]
        for method in route.methods - {"get"}:
            if spec.kind is not None:
                assert method in spec.bodies, f"{method} {route.name} needs a valid body"
            elif spec.area == "staff":
                assert spec.creates, f"{method} {route.name} needs the bodies of a create"
        if "get" in route.methods and spec.kind is None and spec.area == "staff":
            assert spec.rows in KINDS, f"{route.name} needs the kind of its rows"


def _controls() -> list[Any]:
    """Each declared method of each route, and each body of a create."""
    found = []
    for route in mapped():
        spec = ROUTES_SPEC[route.name]
        for method in sorted(route.methods):
            count = len(spec.creates) if method == "post" and spec.creates else 1
            found += [
                pytest.param(route, method, index, id=f"{method.upper()} {route.id} {index}")
                for index in range(count)
            ]
    return found


@pytest.mark.parametrize(("route", "method", "index"), _controls())
def test_each_probe_works_on_what_the_role_may_reach(
    route: ApiRoute, method: str, index: int, world: World
) -> None:
    """The control: the matrix's requests succeed on the role's own objects, so each refusal
    above is about the object, not a malformed request. Rolled back like the rest."""
    spec = ROUTES_SPEC[route.name]
    body = body_of(spec, method, world)
    kwargs: dict[str, int] = {}
    role = world.roles["therapist_a" if spec.area in ("staff", "index", "self") else "patient_a1"]
    if spec.area == "public":
        assert spec.public_control is not None
        body = spec.public_control(world)
        role = world.roles["anonymous"]
    elif spec.creates and method == "post":
        body = spec.creates[index](world.refs["A"], world.refs["A"])
    elif spec.kind is not None:
        mine = world.of(spec.kind, clinic="A", tag=spec.control)
        if spec.area == "me":
            mine = [obj for obj in mine if obj.owner in role.acts_for]
        obj = mine[0]
        if route.name in SESSION_ROUTES:
            kwargs = {"patient_id": _patient_of(world, obj), "session_id": obj.id}
        else:
            kwargs = {spec.path_key: obj.id}
    url = route.url(**kwargs)

    with rolled_back():
        answer = send(world, role, method, url, body)
    cache.clear()  # what the first left there (a verification sent a minute ago, say)
    with rolled_back():
        page = send(world, role, method, url, body, html=True)

    assert answer.status in spec.control_status, answer.text[:500]
    # The browsable API shows a 204 (a discarded draft) as a page, with 200: DRF's own rule.
    assert page.status == (200 if answer.status == 204 else answer.status), page.text[:500]
