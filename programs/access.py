"""Who may reach one object named by an id: one access function per kind of object.

Every web page and API endpoint that takes an id from its URL (or its query string) looks the
object up here, so the decision lives in one place, built on the visibility selectors
(``programs.selectors``): the rule that lists the rows is the rule that finds one.

Each function takes the user, the id and, where it changes the answer, what is wanted
(``manage``), and returns the object or raises ``AccessDenied``. The error says whether the
object is hidden from the user (each interface answers 404, the same as for an id that
exists nowhere, so an id reveals nothing) or seen but not theirs to change (403). The web
turns it into Http404 or PermissionDenied (web.access), the API into its error format
(programs.api.errors).

``queryset`` says how to load the object (select_related, prefetches) and may narrow it (a
draft only, this patient's only); the rule is applied on top of it, so it can never widen
what the user reaches.

Who may call an area at all stays with the interface: the staff API and pages refuse anyone
who is not staff (403) before any lookup, and the /me/ API refuses a staff member who acts for
nobody (403) after a lookup here failed.
"""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from programs import selectors
from programs.models import (
    Activity,
    Alert,
    CheckIn,
    Guardian,
    Invitation,
    Patient,
    PlannedDose,
    PlannedSession,
    Program,
    ProgramRevision,
    ProgramTemplate,
    SessionLog,
    User,
    WeeklyReview,
)

M = TypeVar("M", bound=Model)

LIBRARY_READ_ONLY = _(
    "The global library is read-only; copy the entry into your clinic to change it."
)


class AccessDenied(Exception):
    """The user may not have the object they asked for.

    ``hidden``: the user may not know the object exists (an interface answers 404, as for an
    id of nothing). Otherwise they see it but may not do what they asked (403), and
    ``detail`` says why in words for them.
    """

    def __init__(self, detail: StrOrPromise = "", *, hidden: bool = True) -> None:
        super().__init__(detail or "Not found.")
        self.detail = detail
        self.hidden = hidden


def found(rule: QuerySet[M], object_id: int, queryset: QuerySet[M] | None = None) -> M:
    """The row ``object_id`` of ``rule`` (loaded as ``queryset`` says), or AccessDenied."""
    rows = rule if queryset is None else queryset.filter(pk__in=rule.values("pk"))
    row = rows.filter(pk=object_id).first()
    if row is None:
        raise AccessDenied()
    return row


def access_patient(
    user: User,
    patient_id: int,
    *,
    manage: bool,
    queryset: QuerySet[Patient] | None = None,
    time_zone_only: bool = False,
) -> Patient:
    """The patient ``patient_id``, read by someone who acts for them (``manage=False``: the
    patient themselves or a guardian, on the patient's pages and /me/), or managed by their
    clinic's staff (``manage=True``: the clinic's record, read and changed alike). A staff
    member who is also a parent acts for their child; they manage only their clinic's.

    ``time_zone_only`` loads just the id and time zone in one query written out (today's
    endpoint asks on every request; see ``selectors.patient_acted_for``)."""
    if manage:
        return found(selectors.patients_managed_by(user), patient_id, queryset)
    if time_zone_only:
        patient = selectors.patient_acted_for(user, patient_id)
        if patient is None:
            raise AccessDenied()
        return patient
    return found(selectors.patients_acted_for_by(user), patient_id, queryset)


def access_household(user: User, patient_id: int) -> tuple[Patient, list[Patient]]:
    """``access_patient(manage=False)`` for a page that also lists every patient the user
    acts for (a guardian's switcher), in one query: the patient and all of them, each with
    ``relation`` and ``program_status`` (``selectors.patients_acted_for_summary``)."""
    # With the clinic, whose zone and locale the page is shown in.
    members = list(selectors.patients_acted_for_summary(user).select_related("clinic"))
    for member in members:
        if member.pk == patient_id:
            return member, members
    raise AccessDenied()


# What a patient's own pages and /me/ name under a patient that ``access_patient`` gave them.


def access_own_session(patient: Patient, session_id: int) -> PlannedSession:
    """One of ``patient``'s sessions, in any of their programs, with its doses and log: the
    patient was given by ``access_patient(manage=False)``, so whoever acts for them reaches it."""
    session = selectors.patient_session(patient, session_id)
    if session is None:
        raise AccessDenied()
    return session


def access_own_check_in(
    patient: Patient, check_in_id: int, *, queryset: QuerySet[CheckIn] | None = None
) -> CheckIn:
    """One of ``patient``'s check-ins (the patient given by ``access_patient(manage=False)``)."""
    return found(selectors.patient_check_ins(patient), check_in_id, queryset)


# The clinic's records: its staff read and change them alike, and nobody else reaches them by
# id (a patient or guardian reads theirs through their patient, ``access_patient``).


def access_guardian(
    user: User, guardian_id: int, *, queryset: QuerySet[Guardian] | None = None
) -> Guardian:
    return found(selectors.guardians_visible_to(user), guardian_id, queryset)


def access_program(
    user: User, program_id: int, *, queryset: QuerySet[Program] | None = None
) -> Program:
    return found(selectors.programs_managed_by(user), program_id, queryset)


def access_draft(
    user: User, program_id: int, *, queryset: QuerySet[Program] | None = None
) -> Program:
    """A program the user manages that is still a draft: any other is no draft of theirs."""
    rows = Program.objects.all() if queryset is None else queryset
    return access_program(user, program_id, queryset=rows.filter(status=Program.Status.DRAFT))


def access_session(
    user: User, session_id: int, *, queryset: QuerySet[PlannedSession] | None = None
) -> PlannedSession:
    return found(selectors.sessions_visible_to(user), session_id, queryset)


def access_dose(
    user: User, dose_id: int, *, queryset: QuerySet[PlannedDose] | None = None
) -> PlannedDose:
    doses = PlannedDose.objects.filter(
        session__program__in=selectors.programs_managed_by(user).values("id")
    )
    return found(doses, dose_id, queryset)


def access_session_log(
    user: User, log_id: int, *, queryset: QuerySet[SessionLog] | None = None
) -> SessionLog:
    return found(selectors.session_logs_visible_to(user), log_id, queryset)


def access_check_in(
    user: User, check_in_id: int, *, queryset: QuerySet[CheckIn] | None = None
) -> CheckIn:
    return found(selectors.check_ins_visible_to(user), check_in_id, queryset)


def access_review(
    user: User, review_id: int, *, queryset: QuerySet[WeeklyReview] | None = None
) -> WeeklyReview:
    return found(selectors.reviews_visible_to(user), review_id, queryset)


def access_revision(
    user: User, revision_id: int, *, queryset: QuerySet[ProgramRevision] | None = None
) -> ProgramRevision:
    return found(selectors.revisions_visible_to(user), revision_id, queryset)


def access_alert(user: User, alert_id: int, *, queryset: QuerySet[Alert] | None = None) -> Alert:
    return found(selectors.alerts_visible_to(user), alert_id, queryset)


def access_invitation(
    user: User, invitation_id: int, *, queryset: QuerySet[Invitation] | None = None
) -> Invitation:
    """An invitation to an account for one of the user's clinic's patients (or their guardian)."""
    invitations = Invitation.objects.filter(
        patient__in=selectors.patients_managed_by(user).values("id")
    )
    return found(invitations, invitation_id, queryset)


# The library: the global entries and the clinic's own, which every member of its staff reads;
# only the clinic's own may be changed (the global library is shared by every clinic).


def _library_entry(
    rule: QuerySet[M], entry_id: int, queryset: QuerySet[M] | None, manage: bool
) -> M:
    entry = found(rule, entry_id, queryset)
    if manage and getattr(entry, "clinic_id", None) is None:
        raise AccessDenied(LIBRARY_READ_ONLY, hidden=False)
    return entry


def access_activity(
    user: User, activity_id: int, *, manage: bool, queryset: QuerySet[Activity] | None = None
) -> Activity:
    return _library_entry(selectors.activities_visible_to(user), activity_id, queryset, manage)


def access_activity_media(user: User, activity_id: int) -> Activity:
    """An activity whose picture or video the user may see: staff of the clinics whose library
    holds it, and whoever acts for a patient whose program includes it."""
    return found(selectors.activities_shown_to(user), activity_id)


def access_template(
    user: User,
    template_id: int,
    *,
    manage: bool,
    queryset: QuerySet[ProgramTemplate] | None = None,
) -> ProgramTemplate:
    return _library_entry(selectors.templates_visible_to(user), template_id, queryset, manage)
