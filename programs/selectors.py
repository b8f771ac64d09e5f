"""Reads, and the one rule per object that decides who may see it.

A therapist or clinic admin sees their clinic's patients and everything hanging off them; a
patient sees themselves; a guardian sees the patients they are linked to. Every API view, web
page and export starts from a ``*_visible_to`` queryset here, so the rule lives in one place;
one object named by an id is found through the access functions built on them (programs.access).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    Field,
    Max,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)

from planner import AlertKind, Feasibility, Phase, PlannerInputError, assess_feasibility
from planner import fdi_due as planner_fdi_due
from planner.units import Unit, minutes_of
from programs.engine import program_plan
from programs.models import (
    Activity,
    ActivityLog,
    Alert,
    BoutLog,
    CheckIn,
    Guardian,
    Milestone,
    Patient,
    PlannedDose,
    PlannedSession,
    Program,
    ProgramActivity,
    ProgramRevision,
    ProgramTemplate,
    SessionLog,
    StaffMembership,
    TemplateActivity,
    User,
    WeeklyReview,
)
from programs.models.plans import DEFAULT_FDI_EVERY_WEEKS
from programs.services.common import local_today

RUNNING_STATUSES = (
    Program.Status.ACTIVE,
    Program.Status.PAUSED,
    Program.Status.MAINTENANCE,
    Program.Status.TAPERING,
)
ADHERENCE_WINDOW_DAYS = 14


def _anonymous(user: User | Any) -> bool:
    return not getattr(user, "is_authenticated", False)


def staff_clinic_ids(user: User) -> QuerySet[StaffMembership, int]:
    return StaffMembership.objects.filter(user=user).values_list("clinic_id", flat=True)


def is_staff_member(user: User) -> bool:
    return not _anonymous(user) and StaffMembership.objects.filter(user=user).exists()


def clinic_locale_of(user: User) -> str | None:
    """The locale (``Clinic.locale``) of the clinic a signed-in person's pages are for, in one
    query; None for someone of no clinic. Staff: the clinic they joined first, whose zone their
    pages are in too (web.times.staff_zone). A patient: their own clinic. A guardian: the
    clinic of the child they were linked to first. In that order, for someone who is more
    than one."""
    if _anonymous(user):
        return None
    staff = StaffMembership.objects.filter(user=OuterRef("pk")).order_by("pk")
    own = Patient.objects.filter(user=OuterRef("pk"))
    guarded = Guardian.objects.filter(user=OuterRef("pk")).order_by("pk")
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(
            staff_locale=Subquery(staff.values("clinic__locale")[:1]),
            own_locale=Subquery(own.values("clinic__locale")[:1]),
            guarded_locale=Subquery(guarded.values("patient__clinic__locale")[:1]),
        )
        .values_list("staff_locale", "own_locale", "guarded_locale")
        .first()
    )
    return next((locale for locale in row or () if locale), None)


def patients_visible_to(user: User) -> QuerySet[Patient]:
    if _anonymous(user):
        return Patient.objects.none()
    guarded = Guardian.objects.filter(user=user).values("patient_id")
    return Patient.objects.filter(
        Q(clinic_id__in=staff_clinic_ids(user)) | Q(user=user) | Q(id__in=guarded)
    )


def patients_managed_by(user: User) -> QuerySet[Patient]:
    """The patients whose records ``user`` may change: staff of the patient's clinic only."""
    if _anonymous(user):
        return Patient.objects.none()
    return Patient.objects.filter(clinic_id__in=staff_clinic_ids(user))


def patients_acted_for_by(user: User) -> QuerySet[Patient]:
    """The patients a patient or guardian may act for: themselves and their children."""
    if _anonymous(user):
        return Patient.objects.none()
    guarded = Guardian.objects.filter(user=user).values("patient_id")
    return Patient.objects.filter(Q(user=user) | Q(id__in=guarded))


def patient_acted_for(user: User, patient_id: int) -> Patient | None:
    """``patients_acted_for_by(user)``'s patient ``patient_id`` with only their time zone
    loaded; None when the user does not act for them. Today's session asks this on every
    request, so it is one query written out: building it with the ORM cost ten times more."""
    if _anonymous(user) or not -(2**63) <= patient_id < 2**63:  # the ORM finds no such id
        return None
    with connection.cursor() as cursor:
        cursor.execute(_acted_for_sql(), [patient_id, user.pk, user.pk])
        row = cursor.fetchone()
    return None if row is None else Patient.from_db(None, ["id", "time_zone"], row)


@cache
def _acted_for_sql() -> str:
    def column(model: type[Model], name: str) -> str:
        field = model._meta.get_field(name)
        assert isinstance(field, Field) and field.column
        return connection.ops.quote_name(field.column)

    patients = connection.ops.quote_name(Patient._meta.db_table)
    guardians = connection.ops.quote_name(Guardian._meta.db_table)
    return (
        f"SELECT {column(Patient, 'id')}, {column(Patient, 'time_zone')} FROM {patients} "
        f"WHERE {column(Patient, 'id')} = %s AND ({column(Patient, 'user')} = %s OR "
        f"{column(Patient, 'id')} IN (SELECT {column(Guardian, 'patient')} FROM {guardians} "
        f"WHERE {column(Guardian, 'user')} = %s))"
    )


def patients_acted_for_summary(user: User) -> QuerySet[Patient]:
    """``patients_acted_for_by`` with ``relation`` ("self" or the guardian's relation) and
    ``program_status`` (of the newest program that is not a draft, or None), in one query."""
    if _anonymous(user):
        return Patient.objects.none()
    relation = Guardian.objects.filter(patient=OuterRef("pk"), user=user).values("relation")
    newest = (
        Program.objects.filter(patient=OuterRef("pk"))
        .exclude(status=Program.Status.DRAFT)
        .order_by("-start_date", "-id")
        .values("status")
    )
    return patients_acted_for_by(user).annotate(
        relation=Case(
            When(user=user, then=Value("self")),
            default=Subquery(relation[:1]),
            output_field=CharField(),
        ),
        program_status=Subquery(newest[:1]),
    )


def guardians_visible_to(user: User) -> QuerySet[Guardian]:
    """The guardians of the user's clinics' patients (staff only: like the four below, this is
    what the staff API lists, and a staff member who is also a parent or a patient elsewhere
    reads that child's record through /me/, not here)."""
    return Guardian.objects.filter(patient_id__in=patients_managed_by(user).values("id"))


def programs_visible_to(user: User) -> QuerySet[Program]:
    return Program.objects.filter(patient_id__in=patients_visible_to(user).values("id"))


def programs_managed_by(user: User) -> QuerySet[Program]:
    return Program.objects.filter(patient_id__in=patients_managed_by(user).values("id"))


def sessions_visible_to(user: User) -> QuerySet[PlannedSession]:
    return PlannedSession.objects.filter(program__in=programs_managed_by(user).values("id"))


def session_logs_visible_to(user: User) -> QuerySet[SessionLog]:
    return SessionLog.objects.filter(session__program__in=programs_managed_by(user).values("id"))


def check_ins_visible_to(user: User) -> QuerySet[CheckIn]:
    return CheckIn.objects.filter(patient_id__in=patients_managed_by(user).values("id"))


def patient_check_ins(patient: Patient) -> QuerySet[CheckIn]:
    return CheckIn.objects.filter(patient=patient).order_by("-date", "-id")


def check_in_sent_with(patient: Patient, *, submission_key: str) -> CheckIn | None:
    """The patient's check-in sent from the form with this one-time key, if one was."""
    return patient_check_ins(patient).filter(submission_key=submission_key).first()


def latest_check_in(patient: Patient) -> CheckIn | None:
    """The patient's newest check-in, with only its id and date loaded."""
    return patient_check_ins(patient).only("id", "date").first()


# The check-in is weekly: one this recent counts as this week's.
CHECK_IN_EVERY_DAYS = 7


def check_in_is_due(last: date | None, today: date) -> bool:
    """Whether the weekly check-in waits: none sent yet, or the last one a week old."""
    return last is None or (today - last).days >= CHECK_IN_EVERY_DAYS


@dataclass(frozen=True)
class FdiSchedule:
    """When a patient's check-in asks the 15 FDI questions (``fdi_schedule``)."""

    # Asked now: at the baseline, then every ``every_weeks`` weeks (``planner.fdi_due``).
    due: bool
    every_weeks: int
    last_answered: date | None
    # Answers are taken now: when due, and in the week after the last one was answered, so
    # a form opened while it was due and sent after another check-in answered it (the
    # guardian's, or the same person's from another phone) loses nothing typed.
    takes_answers: bool


def fdi_schedule(patient: Patient, *, today: date | None = None) -> FdiSchedule:
    """Whether the patient's check-in on ``today`` (their own today by default) asks the FDI,
    and whether it takes answers. The weeks are the running program's (from its start, every
    ``fdi_every_weeks``), its baseline the first FDI answered in it; without a running
    program, every default number of weeks after the patient's last FDI."""
    today = today or local_today(patient)
    program = current_program(patient)
    answered = CheckIn.objects.filter(patient=patient, fdi_total__isnull=False, date__lte=today)
    answered = answered.filter(program=program) if program is not None else answered
    last = answered.order_by("-date").values_list("date", flat=True).first()
    every_weeks = program.fdi_every_weeks if program is not None else DEFAULT_FDI_EVERY_WEEKS
    due = planner_fdi_due(
        today=today,
        last_answered=last,
        weeks_from=program.start_date if program is not None else last or today,
        every_weeks=every_weeks,
    )
    recent = last is not None and (today - last).days < CHECK_IN_EVERY_DAYS
    return FdiSchedule(
        due=due, every_weeks=every_weeks, last_answered=last, takes_answers=due or recent
    )


def fdi_due(patient: Patient, *, today: date | None = None) -> bool:
    """Whether the patient's check-in asks the 15 FDI questions (``fdi_schedule``)."""
    return fdi_schedule(patient, today=today).due


@dataclass(frozen=True)
class CheckInDue:
    """What the patient's next check-in asks, for a client to build its form from."""

    # The weekly check-in waits: none sent yet, or the last one a week old.
    due: bool
    last_check_in: date | None
    fdi: FdiSchedule


def check_in_due(patient: Patient) -> CheckInDue:
    """Whether the weekly check-in waits today, and whether it asks the FDI."""
    today = local_today(patient)
    latest = latest_check_in(patient)
    last = latest.date if latest is not None else None
    return CheckInDue(
        due=check_in_is_due(last, today),
        last_check_in=last,
        fdi=fdi_schedule(patient, today=today),
    )


def reviews_visible_to(user: User) -> QuerySet[WeeklyReview]:
    return WeeklyReview.objects.filter(program__in=programs_managed_by(user).values("id"))


def revisions_visible_to(user: User) -> QuerySet[ProgramRevision]:
    return ProgramRevision.objects.filter(program__in=programs_managed_by(user).values("id"))


def alerts_visible_to(user: User) -> QuerySet[Alert]:
    """Alerts are for the clinic's staff, not for patients or guardians."""
    return Alert.objects.filter(patient_id__in=patients_managed_by(user).values("id"))


def open_alerts_visible_to(user: User) -> QuerySet[Alert]:
    return alerts_visible_to(user).filter(acknowledged_at__isnull=True)


def alerts_inbox(user: User, *, include_acknowledged: bool) -> QuerySet[Alert]:
    """The alerts ``user`` may see, open ones first, then the most serious (thoughts of
    self-harm before anything else), then the newest; with their patient, program and
    acknowledger."""
    alerts = (
        alerts_visible_to(user)
        .select_related("patient", "program", "acknowledged_by")
        .annotate(
            open_first=Case(
                When(acknowledged_at__isnull=True, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by("-open_first", "-severity", "-created_at", "-id")
    )
    return alerts if include_acknowledged else alerts.filter(acknowledged_at__isnull=True)


def alert_red_flags(alerts: list[Alert]) -> dict[int, list[str]]:
    """The red flags each red-flag alert in ``alerts`` was raised for, by alert id: those of
    the newest flagged check-in of the patient submitted before the alert was created (the
    alert does not store them; it was created with that check-in). One query at most."""
    flagged = [alert for alert in alerts if alert.kind == AlertKind.RED_FLAG.value]
    if not flagged:
        return {}
    check_ins = list(
        CheckIn.objects.filter(patient_id__in={alert.patient_id for alert in flagged})
        .exclude(red_flags=[])
        .order_by("submitted_at")
        .values_list("patient_id", "submitted_at", "red_flags")
    )
    found: dict[int, list[str]] = {}
    for alert in flagged:
        match = None
        for patient_id, submitted_at, flags in check_ins:
            if patient_id == alert.patient_id and submitted_at <= alert.created_at:
                match = flags
        if match:
            found[alert.pk] = list(match)
    return found


def activities_visible_to(user: User) -> QuerySet[Activity]:
    """The global library and the user's clinics' own activities (staff only)."""
    if _anonymous(user):
        return Activity.objects.none()
    clinics = staff_clinic_ids(user)
    if not clinics.exists():
        return Activity.objects.none()
    return Activity.objects.filter(Q(clinic__isnull=True) | Q(clinic_id__in=clinics))


def activity_library(user: User) -> QuerySet[Activity]:
    """The activities the staff's library page lists (``activities_visible_to``: the global
    library and their clinics' own), by name, with each one's clinic."""
    return activities_visible_to(user).select_related("clinic").order_by("name", "id")


def activities_shown_to(user: User) -> QuerySet[Activity]:
    """The activities whose picture or video the user may see: the library their clinics' staff
    read (``activities_visible_to``), and every activity in a program of a patient they act for
    (the patient themselves, a guardian)."""
    if _anonymous(user):
        return Activity.objects.none()
    in_their_programs = ProgramActivity.objects.filter(
        program__patient_id__in=patients_acted_for_by(user).values("id")
    ).values("activity_id")
    return Activity.objects.filter(
        Q(pk__in=activities_visible_to(user).values("pk")) | Q(pk__in=in_their_programs)
    )


def templates_visible_to(user: User) -> QuerySet[ProgramTemplate]:
    if _anonymous(user):
        return ProgramTemplate.objects.none()
    clinics = staff_clinic_ids(user)
    if not clinics.exists():
        return ProgramTemplate.objects.none()
    return ProgramTemplate.objects.filter(Q(clinic__isnull=True) | Q(clinic_id__in=clinics))


def templates_for_patient(user: User, patient: Patient) -> QuerySet[ProgramTemplate]:
    """The active templates ``user`` may see that suit ``patient``: global ones and the
    patient's clinic's (a therapist of two clinics sees the other's too, which the service
    refuses), by name."""
    return (
        templates_visible_to(user)
        .filter(Q(clinic__isnull=True) | Q(clinic_id=patient.clinic_id))
        .filter(is_active=True)
        .order_by("name", "id")
    )


def template_activities(template: ProgramTemplate) -> list[TemplateActivity]:
    """The template's activities in its order, each with its library activity."""
    return list(template.template_activities.select_related("activity").order_by("order", "id"))


def program_activities(program: Program) -> list[ProgramActivity]:
    """The program's activities in its order, each with its library activity."""
    return list(program.activities.select_related("activity").order_by("order", "id"))


def patient_drafts(user: User, patient: Patient) -> QuerySet[Program]:
    """The patient's draft programs that ``user`` may change, the last changed first."""
    return (
        programs_managed_by(user)
        .filter(patient=patient, status=Program.Status.DRAFT)
        .select_related("template")
        .order_by("-updated_at", "-id")
    )


def program_feasibility(program: Program) -> Feasibility | None:
    """Whether the program's goals fit the weekly caps by its goal date, and if not the
    earliest date that can. None when the plan no longer holds together (the patient's details
    changed since it was drafted): the schedule then says more than this could."""
    try:
        return assess_feasibility(program_plan(program, list(program.activities.all())))
    except PlannerInputError:
        return None


def _milestones_waiting(program: Any) -> Exists:
    """Whether the program (an OuterRef to it) has a milestone not celebrated yet: a page asks
    the locking service ``milestones_celebrate`` only then."""
    return Exists(Milestone.objects.filter(program=program, shown_at__isnull=True))


def current_program(patient: Patient) -> Program | None:
    """The program the patient is following now (the newest running one), with
    ``milestones_waiting``."""
    return (
        Program.objects.filter(patient=patient, status__in=RUNNING_STATUSES)
        .annotate(milestones_waiting=_milestones_waiting(OuterRef("pk")))
        .order_by("-start_date", "-id")
        .first()
    )


def _session_queryset(*, with_bouts: bool = False) -> QuerySet[PlannedSession]:
    queryset = PlannedSession.objects.select_related("program", "log").prefetch_related(
        Prefetch(
            "doses",
            queryset=PlannedDose.objects.select_related("program_activity__activity").order_by(
                "program_activity__order", "id"
            ),
        ),
        Prefetch("log__results", queryset=ActivityLog.objects.select_related("program_activity")),
    )
    return queryset.prefetch_related(_bouts()) if with_bouts else queryset


def _bouts() -> Prefetch[Any]:
    return Prefetch("bouts", queryset=BoutLog.objects.order_by("program_activity_id", "number"))


def with_session_bouts(session: PlannedSession) -> PlannedSession:
    """``session`` (loaded by a selector here, with its doses) with the bouts saved of it read
    too, when one of its doses is done more than once a day: only those have bouts to show."""
    if any(dose.times_per_day > 1 for dose in session.doses.all()):
        prefetch_related_objects([session], _bouts())
    return session


def session_for_day(
    patient: Patient, day: date, *, with_bouts: bool = False
) -> PlannedSession | None:
    """The session of the patient's running program on ``day``, with doses and log, and
    ``milestones_waiting`` for its program; with ``with_bouts``, and the bouts saved of its
    doses done more than once a day."""
    session = (
        _session_queryset()
        .filter(program__patient=patient, program__status__in=RUNNING_STATUSES, date=day)
        .annotate(milestones_waiting=_milestones_waiting(OuterRef("program")))
        .order_by("-program__start_date")
        .first()
    )
    if session is not None and with_bouts:
        with_session_bouts(session)
    return session


def today_session(patient: Patient) -> PlannedSession | None:
    return session_for_day(patient, local_today(patient))


def next_session_date(patient: Patient, *, after: date) -> date | None:
    """The date of the patient's first session after ``after`` in their running program."""
    return (
        PlannedSession.objects.filter(
            program__patient=patient, program__status__in=RUNNING_STATUSES, date__gt=after
        )
        .order_by("date")
        .values_list("date", flat=True)
        .first()
    )


def patient_session(
    patient: Patient, session_id: int, *, with_bouts: bool = False
) -> PlannedSession | None:
    """One of the patient's sessions, in any of their programs, with its doses and log; with
    ``with_bouts``, and the bouts saved of its doses done more than once a day."""
    session = (
        _session_queryset()
        .select_related("program__patient")
        .filter(program__patient=patient, pk=session_id)
        .first()
    )
    if session is not None and with_bouts:
        with_session_bouts(session)
    return session


def upcoming_sessions(
    patient: Patient, *, days: int = 14, with_bouts: bool = False
) -> QuerySet[PlannedSession]:
    today = local_today(patient)
    return (
        _session_queryset(with_bouts=with_bouts)
        .filter(
            program__patient=patient,
            program__status__in=RUNNING_STATUSES,
            date__gte=today,
            date__lt=today + timedelta(days=days),
        )
        .order_by("date")
    )


def sessions_between(patient: Patient, *, first: date, last: date) -> QuerySet[PlannedSession]:
    """The sessions of the patient's running program from ``first`` to ``last`` (both
    included), with doses and log: the web's "This week"."""
    return (
        _session_queryset()
        .filter(
            program__patient=patient,
            program__status__in=RUNNING_STATUSES,
            date__gte=first,
            date__lte=last,
        )
        .order_by("date", "-program__start_date")
    )


DONE_STATUSES = ("done", "partial")


@dataclass
class CaseloadRow:
    patient: Patient
    program: Program | None
    week: int | None
    phase: str | None
    adherence: float | None
    sessions_planned: int
    sessions_done: int
    last_activity: date | None
    latest_fdi: int | None
    fdi_change: int | None
    open_alerts: int
    open_alert_kinds: list[str] = field(default_factory=list)


def caseload(user: User, patients: QuerySet[Patient] | None = None) -> list[CaseloadRow]:
    """One row per patient the user manages, in a fixed number of queries whatever the count.

    Adherence is over the last 14 days up to yesterday in each patient's own time zone
    (today's session may still be ahead of them).
    """
    rows = list(
        (patients if patients is not None else patients_managed_by(user)).select_related("clinic")
    )
    ids = [patient.id for patient in rows]
    programs: dict[int, Program] = {}
    for candidate in Program.objects.filter(
        patient_id__in=ids, status__in=RUNNING_STATUSES
    ).order_by("start_date", "id"):
        programs[candidate.patient_id] = candidate  # the newest wins
    todays = {patient.id: local_today(patient) for patient in rows}
    earliest = min(todays.values(), default=date.today()) - timedelta(days=ADHERENCE_WINDOW_DAYS)
    # Sessions after the latest of the patients' todays count for nothing below, and a program
    # has months of them ahead: read the window only.
    latest = max(todays.values(), default=date.today())
    window = (
        PlannedSession.objects.filter(
            program_id__in=[running.id for running in programs.values()],
            date__gte=earliest,
            date__lte=latest,
        )
        .values_list("program_id", "date", "phase", "week", "log__status")
        .order_by("date")
    )
    planned: dict[int, int] = defaultdict(int)
    done: dict[int, int] = defaultdict(int)
    current: dict[int, tuple[str, int]] = {}
    by_program = {running.id: running for running in programs.values()}
    for program_id, day, session_phase, session_week, status in window:
        patient_id = by_program[program_id].patient_id
        today = todays[patient_id]
        if day <= today:
            current[patient_id] = (session_phase, session_week)
        if today - timedelta(days=ADHERENCE_WINDOW_DAYS) <= day < today:
            planned[patient_id] += 1
            if status in DONE_STATUSES:
                done[patient_id] += 1
    last_activity = dict(
        SessionLog.objects.filter(session__program__patient_id__in=ids, status__in=DONE_STATUSES)
        .values("session__program__patient_id")
        .annotate(last=Max("session__date"))
        .values_list("session__program__patient_id", "last")
    )
    fdi: dict[int, list[int]] = defaultdict(list)
    for patient_id, total in (
        CheckIn.objects.filter(patient_id__in=ids, fdi_total__isnull=False)
        .order_by("patient_id", "-date", "-id")
        .values_list("patient_id", "fdi_total")
    ):
        if total is not None and len(fdi[patient_id]) < 2:
            fdi[patient_id].append(total)
    alerts: dict[int, list[str]] = defaultdict(list)
    for patient_id, kind in Alert.objects.filter(
        patient_id__in=ids, acknowledged_at__isnull=True
    ).values_list("patient_id", "kind"):
        alerts[patient_id].append(kind)
    result = []
    for patient in rows:
        program = programs.get(patient.id)
        phase: str | None = None
        week: int | None = None
        if patient.id in current:
            phase, week = current[patient.id]
        if program is not None and program.status == Program.Status.PAUSED:
            phase = Phase.PAUSED.value  # held for a clinician, whatever phase it was in
        scores = fdi.get(patient.id, [])
        result.append(
            CaseloadRow(
                patient=patient,
                program=program,
                week=week + 1 if week is not None else None,
                phase=phase,
                adherence=(done[patient.id] / planned[patient.id]) if planned[patient.id] else None,
                sessions_planned=planned[patient.id],
                sessions_done=done[patient.id],
                last_activity=last_activity.get(patient.id),
                latest_fdi=scores[0] if scores else None,
                fdi_change=scores[0] - scores[1] if len(scores) == 2 else None,
                open_alerts=len(alerts[patient.id]),
                open_alert_kinds=sorted(
                    set(alerts[patient.id]), key=lambda kind: (-Alert.SEVERITY.get(kind, 0), kind)
                ),
            )
        )
    return result


def caseload_patients(
    user: User, *, search: str = "", mine: bool = False, with_open_alerts: bool = False
) -> QuerySet[Patient]:
    """The patients ``user`` manages whose first or last name holds each word of ``search``;
    with ``mine``, only those the user is a therapist of; with ``with_open_alerts``, only those
    with an alert not yet acknowledged."""
    patients = patients_managed_by(user)
    for term in search.split():
        patients = patients.filter(Q(first_name__icontains=term) | Q(last_name__icontains=term))
    if mine:
        patients = patients.filter(therapists=user)
    if with_open_alerts:
        open_alerts = Alert.objects.filter(patient=OuterRef("pk"), acknowledged_at__isnull=True)
        patients = patients.filter(Exists(open_alerts))
    return patients


def self_harm_first(rows: list[CaseloadRow]) -> list[CaseloadRow]:
    """Rows with an open alert for thoughts of self-harm before all others, each group in the
    order it had: no sort may bury a patient someone must reach today."""
    urgent = [row for row in rows if AlertKind.SELF_HARM.value in row.open_alert_kinds]
    return urgent + [row for row in rows if AlertKind.SELF_HARM.value not in row.open_alert_kinds]


@dataclass
class WeekProgress:
    week: int
    start: date
    planned_minutes: float
    done_minutes: float
    sessions_planned: int
    sessions_done: int


@dataclass
class Progress:
    patient: Patient
    program: Program | None
    goals: str
    weeks: list[WeekProgress]
    adherence: float | None
    fdi: list[tuple[date, int]]
    # The phase and (1-based) week of the latest session on or before the patient's today.
    phase: str | None = None
    week: int | None = None
    # Sessions over the last 14 days up to yesterday (today's may still be ahead), as the
    # caseload counts them.
    recent_sessions_planned: int = 0
    recent_sessions_done: int = 0
    # The program's milestones reached, oldest first (``progress(with_milestones=True)``).
    milestones: list[Milestone] = field(default_factory=list)


def _logged_amounts(program: Program) -> dict[tuple[int, int], int]:
    """The amount logged for each (session id, program activity id) of ``program``."""
    return {
        (session_id, activity_id): amount
        for session_id, activity_id, amount in ActivityLog.objects.filter(
            session_log__session__program=program
        ).values_list("session_log__session_id", "program_activity_id", "amount")
    }


def progress_program(patient: Patient) -> Program | None:
    """The program a patient's progress is about: the one they follow, or else their newest."""
    return current_program(patient) or patient.programs.order_by("-start_date").first()


def progress(patient: Patient, *, with_milestones: bool = False) -> Progress:
    """What the patient did, week by week, against the plan; FDI over time; with
    ``with_milestones``, the milestones reached on the way. Pain is absent on purpose: the
    progress a patient sees leads with what they did."""
    program = progress_program(patient)
    fdi = [
        (day, total)
        for day, total in CheckIn.objects.filter(patient=patient, fdi_total__isnull=False)
        .order_by("date", "id")
        .values_list("date", "fdi_total")
        if total is not None
    ]
    if program is None:
        return Progress(patient, None, "", [], None, fdi)
    today = local_today(patient)
    weeks: dict[int, WeekProgress] = {}
    doses = (
        PlannedDose.objects.filter(session__program=program, session__date__lte=today)
        .values_list(
            "session__week", "session__date", "session_id", "amount", "unit", "times_per_day",
            "program_activity_id", "session__log__status", "session__phase",
        )
    )  # fmt: skip
    actual = _logged_amounts(program)
    sessions_seen: dict[int, set[int]] = defaultdict(set)
    sessions_done: dict[int, set[int]] = defaultdict(set)
    recent_planned: set[int] = set()
    recent_done: set[int] = set()
    recent_from = today - timedelta(days=ADHERENCE_WINDOW_DAYS)
    latest: tuple[date, str, int] | None = None
    for week, day, session_id, amount, unit, times, activity_id, status, phase in doses:
        if latest is None or day > latest[0]:
            latest = (day, phase, week + 1)
        if recent_from <= day < today:
            recent_planned.add(session_id)
            if status in DONE_STATUSES:
                recent_done.add(session_id)
        entry = weeks.setdefault(
            week,
            WeekProgress(week + 1, program.start_date + timedelta(days=7 * week), 0, 0, 0, 0),
        )
        planned_minutes = minutes_of(amount, Unit(unit)) * times
        entry.planned_minutes += planned_minutes
        sessions_seen[week].add(session_id)
        if status in DONE_STATUSES:
            sessions_done[week].add(session_id)
            done_amount = actual.get((session_id, activity_id))
            if done_amount is None:
                entry.done_minutes += planned_minutes if status == "done" else 0
            else:
                entry.done_minutes += minutes_of(done_amount, Unit(unit)) * times
    for week, entry in weeks.items():
        entry.sessions_planned = len(sessions_seen[week])
        entry.sessions_done = len(sessions_done[week])
        entry.planned_minutes = round(entry.planned_minutes, 1)
        entry.done_minutes = round(entry.done_minutes, 1)
    total_planned = sum(entry.sessions_planned for entry in weeks.values())
    total_done = sum(entry.sessions_done for entry in weeks.values())
    return Progress(
        patient=patient,
        program=program,
        goals=program.goals,
        weeks=[weeks[week] for week in sorted(weeks)],
        adherence=total_done / total_planned if total_planned else None,
        fdi=fdi,
        phase=latest[1] if latest else None,
        week=latest[2] if latest else None,
        recent_sessions_planned=len(recent_planned),
        recent_sessions_done=len(recent_done),
        milestones=list(program.milestones.order_by("reached_on", "id")) if with_milestones else [],
    )


def open_alert_counts(patient_ids: list[int]) -> dict[int, int]:
    return dict(
        Alert.objects.filter(patient_id__in=patient_ids, acknowledged_at__isnull=True)
        .values("patient_id")
        .annotate(count=Count("id"))
        .values_list("patient_id", "count")
    )


# The staff patient page


@dataclass
class ActivityWeeks:
    """One activity's planned and done amounts per program week (amount x times a day)."""

    activity_id: int
    name: str
    unit: str
    order: int
    planned: dict[int, float] = field(default_factory=lambda: defaultdict(float))
    done: dict[int, float] = field(default_factory=lambda: defaultdict(float))


@dataclass
class PlanSummary:
    activities: list[ActivityWeeks]
    weeks: list[int]  # every program week with a planned session, 0-based
    current_week: int | None  # the week of the latest session on or before today, 0-based
    current_phase: str | None
    current_step: int | None
    names: dict[int, tuple[str, str]]  # program activity id -> (name, unit)


def plan_summary(program: Program, today: date) -> PlanSummary:
    """The whole stored plan against the logs, in two queries however long the program.

    A session up to ``today`` logged "done" without amounts counts as done in full; one logged
    with amounts counts what was logged."""
    doses = PlannedDose.objects.filter(session__program=program).values_list(
        "session_id", "session__week", "session__date", "session__phase", "session__step",
        "session__log__status", "program_activity_id", "program_activity__name",
        "program_activity__order", "unit", "amount", "times_per_day",
    )  # fmt: skip
    actual = _logged_amounts(program)
    activities: dict[int, ActivityWeeks] = {}
    weeks: set[int] = set()
    latest: tuple[date, int, str, int] | None = None
    for row in doses:
        session_id, week, day, phase, step, status, activity_id, name, order, unit = row[:10]
        amount, times = row[10], row[11]
        weeks.add(week)
        entry = activities.get(activity_id)
        if entry is None:
            entry = activities[activity_id] = ActivityWeeks(activity_id, name, unit, order)
        entry.planned[week] += amount * times
        if day <= today:
            if latest is None or day > latest[0]:
                latest = (day, week, phase, step)
            done_amount = actual.get((session_id, activity_id))
            if done_amount is not None:
                entry.done[week] += done_amount * times
            elif status == "done":
                entry.done[week] += amount * times
    ordered = sorted(activities.values(), key=lambda entry: (entry.order, entry.activity_id))
    return PlanSummary(
        activities=ordered,
        weeks=sorted(weeks),
        current_week=latest[1] if latest else None,
        current_phase=latest[2] if latest else None,
        current_step=latest[3] if latest else None,
        names={entry.activity_id: (entry.name, entry.unit) for entry in ordered},
    )


def doses_open_to_override(program: Program, *, today: date, days: int) -> list[PlannedDose]:
    """The doses a clinician may still change: from tomorrow, over the next ``days`` days,
    with their session and activity."""
    return list(
        PlannedDose.objects.filter(
            session__program=program,
            session__date__gt=today,
            session__date__lte=today + timedelta(days=days),
        )
        .select_related("session", "program_activity")
        .order_by("session__date", "program_activity__order", "id")
    )


@dataclass(frozen=True)
class LoggedResult:
    program_activity_id: int
    amount: int
    exertion: int | None  # 0 to 10, when the patient gave it


@dataclass(frozen=True)
class LoggedSession:
    log: SessionLog
    results: list[LoggedResult]  # in the program's activity order


def recent_session_logs(program: Program, *, limit: int) -> list[LoggedSession]:
    """The program's ``limit`` newest session logs, newest first, each with what was logged
    per activity: two queries."""
    logs = list(
        SessionLog.objects.filter(session__program=program)
        .select_related("session")
        .order_by("-session__date")[:limit]
    )
    results: dict[int, list[LoggedResult]] = defaultdict(list)
    for log_id, activity_id, amount, exertion in (
        ActivityLog.objects.filter(session_log__in=[log.pk for log in logs])
        .order_by("program_activity__order", "id")
        .values_list("session_log_id", "program_activity_id", "amount", "exertion")
    ):
        results[log_id].append(LoggedResult(activity_id, amount, exertion))
    return [LoggedSession(log=log, results=results[log.pk]) for log in logs]


def patient_programs(patient: Patient) -> list[Program]:
    """Every program of the patient, drafts included, newest first, with its template."""
    return list(patient.programs.select_related("template").order_by("-start_date", "-id"))


def program_revisions(program: Program, *, limit: int) -> list[ProgramRevision]:
    """The program's ``limit`` newest revisions, newest first."""
    return list(program.revisions.order_by("-number")[:limit])


def program_reviews(program: Program) -> list[WeeklyReview]:
    """The program's weekly reviews, the latest week first."""
    return list(program.reviews.order_by("-week", "-created_at"))


def patient_open_alerts(user: User, patient: Patient) -> QuerySet[Alert]:
    """The patient's open alerts that ``user`` may see, the most serious and newest first."""
    return (
        open_alerts_visible_to(user)
        .filter(patient=patient)
        .order_by("-severity", "-created_at", "-id")
    )


@dataclass(frozen=True)
class ChildToday:
    """One patient of a household as the guardian's overview shows them: today's session
    (none, planned, or logged with its status) and whether this week's check-in waits."""

    patient: Patient
    today: date
    session: PlannedSession | None
    log_status: str | None
    check_in_due: bool

    @property
    def state(self) -> str:
        """ "done" (logged as done or partly done), "skipped" (logged as not done), "planned"
        or "none"."""
        if self.session is None:
            return "none"
        if self.log_status is None:
            return "planned"
        return "skipped" if self.log_status == "missed" else "done"


def household_today(user: User) -> list[ChildToday]:
    """Every patient ``user`` acts for with today's status, each on their own today (a family
    can span time zones): three queries however many children."""
    patients = list(patients_acted_for_summary(user).order_by("first_name", "id"))
    if not patients:
        return []
    days = {patient.pk: local_today(patient) for patient in patients}
    on_their_day = Q()
    for patient_id, day in days.items():
        on_their_day |= Q(program__patient_id=patient_id, date=day)
    sessions: dict[int, PlannedSession] = {}
    rows = (
        PlannedSession.objects.filter(on_their_day, program__status__in=RUNNING_STATUSES)
        .select_related("program", "log")
        .order_by("program__start_date", "program_id")
    )
    for session in rows:
        sessions[session.program.patient_id] = session  # the newest program's wins
    last_check_ins = dict(
        CheckIn.objects.filter(patient_id__in=days)
        .values("patient_id")
        .annotate(last=Max("date"))
        .values_list("patient_id", "last")
    )
    children = []
    for patient in patients:
        today_session = sessions.get(patient.pk)
        log = getattr(today_session, "log", None)
        children.append(
            ChildToday(
                patient=patient,
                today=days[patient.pk],
                session=today_session,
                log_status=log.status if log is not None else None,
                check_in_due=getattr(patient, "program_status", None) is not None
                and check_in_is_due(last_check_ins.get(patient.pk), days[patient.pk]),
            )
        )
    return children


# The guided session


def session_bouts(session: PlannedSession) -> list[BoutLog]:
    """The bouts the guided session saved of ``session``, by activity and number."""
    return list(BoutLog.objects.filter(session=session).order_by("program_activity_id", "number"))


@dataclass(frozen=True)
class WeekSoFar:
    """Where a day sits in its program: week ``number`` of ``weeks`` up to the goal date, and
    that week's sessions planned and done (or partly done) so far."""

    number: int
    weeks: int
    sessions_planned: int
    sessions_done: int


def week_so_far(program: Program, day: date) -> WeekSoFar:
    index = max(0, (day - program.start_date).days // 7)
    first = program.start_date + timedelta(days=7 * index)
    goal = program.planned_goal_date or program.goal_date
    counts = PlannedSession.objects.filter(
        program=program, date__gte=first, date__lte=first + timedelta(days=6)
    ).aggregate(planned=Count("id"), done=Count("id", filter=Q(log__status__in=DONE_STATUSES)))
    return WeekSoFar(
        number=index + 1,
        weeks=max(0, (goal - program.start_date).days // 7) + 1,
        sessions_planned=counts["planned"],
        sessions_done=counts["done"],
    )
