"""Factories for the clinic's records, and helpers that build what most tests start from.

The model factories save rows directly, for test set-up only. Anything with rules (programs,
their sessions, logs) is built through the services, so a test starts from a state the app
itself could have reached:

    clinic = ClinicFactory.create(time_zone="Europe/London")
    pt = therapist(clinic=clinic)
    child = patient(clinic=clinic, therapists=[pt])
    program = active_program(patient=child, started_weeks_ago=2)
    log_week(program, week=0)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from functools import cache
from typing import Any

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from factory.django import DjangoModelFactory

from programs import models
from programs.services import (
    ActivityChoice,
    CheckInResult,
    ResultInput,
    check_in_submit,
    program_activate,
    program_create,
    session_log,
)
from programs.services.common import local_today

PASSWORD = "a long demo password"


@cache
def password_hash() -> str:
    return make_password(PASSWORD)


class UserFactory(DjangoModelFactory[models.User]):
    class Meta:
        model = models.User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"Alex{n}")
    last_name = "Rivera"
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    # Every user signs in with PASSWORD; hashed once per process, since each hash takes the
    # better part of a second by design.
    password = factory.LazyFunction(lambda: password_hash())


class ClinicFactory(DjangoModelFactory[models.Clinic]):
    class Meta:
        model = models.Clinic

    name = factory.Sequence(lambda n: f"Clinic {n}")
    time_zone = "America/New_York"


class StaffMembershipFactory(DjangoModelFactory[models.StaffMembership]):
    class Meta:
        model = models.StaffMembership

    user = factory.SubFactory(UserFactory)
    clinic = factory.SubFactory(ClinicFactory)
    role = models.StaffMembership.Role.THERAPIST


class PatientFactory(DjangoModelFactory[models.Patient]):
    """A 14-year-old with juvenile fibromyalgia, in the clinic's time zone."""

    class Meta:
        model = models.Patient
        skip_postgeneration_save = True

    clinic = factory.SubFactory(ClinicFactory)
    first_name = factory.Sequence(lambda n: f"Maya{n}")
    last_name = "Okafor"
    date_of_birth = factory.LazyFunction(lambda: date(timezone.now().year - 14, 1, 1))
    time_zone = factory.LazyAttribute(lambda patient: patient.clinic.time_zone)
    diagnosis = models.Patient.Diagnosis.JUVENILE_FIBROMYALGIA
    resting_heart_rate = 72

    @factory.post_generation
    def therapists(
        self, create: bool, extracted: Sequence[models.User] | None, **kwargs: Any
    ) -> None:
        if create and extracted:
            self.therapists.set(extracted)


class GuardianFactory(DjangoModelFactory[models.Guardian]):
    class Meta:
        model = models.Guardian

    patient = factory.SubFactory(PatientFactory)
    user = factory.SubFactory(UserFactory)
    first_name = factory.Sequence(lambda n: f"Sam{n}")
    last_name = factory.LazyAttribute(lambda guardian: guardian.patient.last_name)
    relation = models.Guardian.Relation.PARENT


class ActivityFactory(DjangoModelFactory[models.Activity]):
    """A non-impact aerobic activity in minutes, from the global library."""

    class Meta:
        model = models.Activity

    clinic = None
    name = factory.Sequence(lambda n: f"Walking {n}")
    kind = "aerobic"
    unit = "minutes"
    impact = False


class ProgramTemplateFactory(DjangoModelFactory[models.ProgramTemplate]):
    class Meta:
        model = models.ProgramTemplate

    clinic = None
    name = factory.Sequence(lambda n: f"Outpatient protocol {n}")
    default_weeks = 12


class TemplateActivityFactory(DjangoModelFactory[models.TemplateActivity]):
    class Meta:
        model = models.TemplateActivity

    template = factory.SubFactory(ProgramTemplateFactory)
    activity = factory.SubFactory(ActivityFactory)
    order = factory.Sequence(lambda n: n)
    goal_quota = 30


class CheckInFactory(DjangoModelFactory[models.CheckIn]):
    """A check-in row saved as given, past the service's checks: for pages and lists that only
    read check-ins. A test of the checks themselves goes through check_in_submit."""

    class Meta:
        model = models.CheckIn

    patient = factory.SubFactory(PatientFactory)
    date = factory.LazyAttribute(lambda check_in: local_today(check_in.patient))


class AlertFactory(DjangoModelFactory[models.Alert]):
    """An open alert of `kind`, at the severity the app gives that kind."""

    class Meta:
        model = models.Alert

    patient = factory.SubFactory(PatientFactory)
    kind = "no_activity"
    severity = factory.LazyAttribute(lambda alert: models.Alert.SEVERITY[alert.kind])
    message = factory.LazyAttribute(lambda alert: f"{alert.kind} alert")


def therapist(*, clinic: models.Clinic | None = None, **user_fields: Any) -> models.User:
    """A user who works as a therapist at ``clinic`` (a new clinic when not given)."""
    user = UserFactory.create(**user_fields)
    StaffMembershipFactory.create(user=user, clinic=clinic or ClinicFactory.create())
    return user


def clinic_admin(*, clinic: models.Clinic | None = None, **user_fields: Any) -> models.User:
    user = UserFactory.create(**user_fields)
    StaffMembershipFactory.create(
        user=user,
        clinic=clinic or ClinicFactory.create(),
        role=models.StaffMembership.Role.CLINIC_ADMIN,
    )
    return user


def patient(
    *,
    clinic: models.Clinic | None = None,
    therapists: Sequence[models.User] = (),
    with_user: bool = False,
    **fields: Any,
) -> models.Patient:
    """A patient of ``clinic``; ``with_user`` gives them an account to sign in with."""
    if clinic is None:
        clinic = ClinicFactory.create(
            **({"time_zone": fields["time_zone"]} if "time_zone" in fields else {})
        )
    if with_user:
        fields.setdefault("user", UserFactory.create())
    return PatientFactory.create(clinic=clinic, therapists=list(therapists), **fields)


def guardian(
    *, patient: models.Patient, user: models.User | None = None, **fields: Any
) -> models.Guardian:
    """A guardian of ``patient`` with an account (a new user when not given)."""
    return GuardianFactory.create(patient=patient, user=user or UserFactory.create(), **fields)


def activity_choice(activity: models.Activity | None = None, **choice: Any) -> ActivityChoice:
    """``activity`` (a new walking activity when not given) with trials of 10 minutes, so a
    start quota of 7, and a goal of 30; ``choice`` overrides any ActivityChoice field."""
    activity = activity or ActivityFactory.create()
    values: dict[str, Any] = {"baseline_trials": [10, 10, 10], "goal_quota": 30}
    values.update(choice)
    return ActivityChoice(activity_id=activity.id, **values)


def _staff_actor(patient: models.Patient) -> models.User:
    """The patient's first therapist; a patient without one is given a new one."""
    assigned = patient.therapists.first()
    if assigned is None:
        assigned = therapist(clinic=patient.clinic)
        patient.therapists.add(assigned)
    return assigned


def draft_program(
    *,
    patient: models.Patient | None = None,
    start_date: date | None = None,
    weeks: int = 12,
    activities: Sequence[ActivityChoice] | None = None,
    actor: models.User | None = None,
    **options: Any,
) -> models.Program:
    """A draft program made by ``program_create``: walking from 7 to 30 minutes a day unless
    ``activities`` say otherwise, starting on the patient's today unless ``start_date`` does."""
    patient = patient or PatientFactory.create()
    start = start_date or local_today(patient)
    return program_create(
        actor=actor or _staff_actor(patient),
        patient=patient,
        start_date=start,
        goal_date=options.pop("goal_date", start + timedelta(weeks=weeks)),
        goals=options.pop("goals", "Walk to school with my friends."),
        activities=activities if activities is not None else [activity_choice()],
        **options,
    )


def active_program(
    *,
    patient: models.Patient | None = None,
    started_weeks_ago: int = 0,
    started_days_ago: int = 0,
    actor: models.User | None = None,
    **options: Any,
) -> models.Program:
    """An ACTIVE program made by ``program_create`` and ``program_activate``, which started
    ``started_weeks_ago`` weeks (and ``started_days_ago`` days) before the patient's today.

    Takes the options of ``draft_program``; a negative age starts it in the future.
    """
    patient = patient or PatientFactory.create()
    actor = actor or _staff_actor(patient)
    start = local_today(patient) - timedelta(weeks=started_weeks_ago, days=started_days_ago)
    options.setdefault("start_date", start)
    program = draft_program(patient=patient, actor=actor, **options)
    return program_activate(actor=actor, program=program, me_cfs_considered=True)


def maya_on_program(**program: Any) -> models.Patient:
    """Maya, a patient with an account, on a program made by ``active_program`` with
    ``program``'s options."""
    person = patient(with_user=True, first_name="Maya")
    active_program(patient=person, **program)
    return person


def clinician_of(program: models.Program) -> models.User:
    """The clinician who made ``program``."""
    assert program.created_by is not None
    return program.created_by


def sessions_of_week(program: models.Program, week: int) -> list[models.PlannedSession]:
    return list(program.sessions.filter(week=week).order_by("date"))


def log_session(
    session: models.PlannedSession,
    *,
    status: str = "done",
    amounts: dict[int, int] | None = None,
    actor: models.User | None = None,
    submission_key: str = "",
) -> models.SessionLog:
    """Log ``session`` through ``session_log``; a done session does every planned dose unless
    ``amounts`` (program activity id to amount) say otherwise. ``submission_key``: the log
    form's one-time key, when it comes from one."""
    results = []
    if status != "missed":
        results = [
            ResultInput(
                program_activity_id=dose.program_activity_id,
                amount=(amounts or {}).get(dose.program_activity_id, dose.amount),
                exertion=4,
            )
            for dose in session.doses.all()
        ]
    program = session.program
    return session_log(
        actor=actor or program.patient.user or program.created_by or _staff_actor(program.patient),
        session=session,
        status=status,
        results=results,
        submission_key=submission_key,
    ).log


def log_week(program: models.Program, *, week: int, status: str = "done", days: int = 7) -> None:
    """Log the first ``days`` sessions of program week ``week`` with ``status``."""
    for session in sessions_of_week(program, week)[:days]:
        log_session(session, status=status)


def quiet_check_in(*, actor: models.User, patient: models.Patient, **answers: Any) -> CheckInResult:
    """A check-in through ``check_in_submit`` with no flare and "none of these" red flags; the
    other ``answers`` (FDI, mood, pain, today...) are passed on."""
    return check_in_submit(
        actor=actor, patient=patient, flare=False, red_flags=[], no_red_flags=True, **answers
    )


def fdi_check_in(patient: models.Patient, *, today: date, answer: int = 1) -> CheckInResult:
    """A check-in by the patient on ``today`` with the whole FDI answered ``answer``, no flare
    and no red flag."""
    assert patient.user is not None
    return check_in_submit(
        actor=patient.user,
        patient=patient,
        flare=False,
        red_flags=[],
        no_red_flags=True,
        fdi_answers=[answer] * 15,
        today=today,
    )


def guided_program(*, patient: models.Patient, **options: Any) -> models.Program:
    """An active program of the three kinds of dose a guided session meets: walking (timed, 7
    minutes, once a day), wall squats (counted, 7 repetitions) and rubbing a texture on the
    sensitive skin (desensitization, timed, 3 minutes twice a day)."""
    walking = ActivityFactory.create(name="Walking", instructions="Walk at an easy pace.")
    squats = ActivityFactory.create(
        name="Wall squats", kind="strengthening", unit="repetitions", instructions="Bend a little."
    )
    texture = ActivityFactory.create(
        name="Soft towel", kind="desensitization", unit="minutes", instructions="Rub gently."
    )
    return active_program(
        patient=patient,
        activities=[
            activity_choice(walking),
            activity_choice(squats, goal_quota=20),
            activity_choice(texture, baseline_trials=[4, 4, 4], goal_quota=10, times_per_day=2),
        ],
        **options,
    )
