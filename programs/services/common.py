"""What every service shares: the patient's clock, revisions and the audit trail."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from programs import reasons
from programs.engine import parameters_of
from programs.models import AuditEvent, Patient, Program, ProgramRevision, User

SYSTEM_ACTOR = "system"
REVIEW_ACTOR = "weekly review"

M = TypeVar("M", bound=models.Model)


def local_now(patient: Patient, now: datetime | None = None) -> datetime:
    return (now or timezone.now()).astimezone(ZoneInfo(patient.time_zone))


def local_today(patient: Patient, now: datetime | None = None) -> date:
    """The patient's own date: a session "today" is today where the patient lives."""
    return local_now(patient, now).date()


def actor_label(user: User | None, fallback: str = SYSTEM_ACTOR) -> str:
    if user is None:
        return fallback
    return user.get_full_name() or user.get_username()


def program_snapshot(program: Program) -> dict[str, Any]:
    return {
        "status": program.status,
        "start_date": program.start_date.isoformat(),
        "goal_date": program.goal_date.isoformat(),
        "session_time": program.session_time.isoformat(timespec="minutes"),
        "fdi_every_weeks": program.fdi_every_weeks,
        "planned_goal_date": (
            program.planned_goal_date.isoformat() if program.planned_goal_date else None
        ),
        "discharge_date": program.discharge_date.isoformat() if program.discharge_date else None,
        "goals": program.goals,
        "parameters": parameters_of(program),
        "activities": [
            {
                "key": row.key,
                "name": row.name,
                "kind": row.kind,
                "unit": row.unit,
                "impact": row.impact,
                "baseline_trials": row.baseline_trials,
                "start_fraction": row.start_fraction,
                "start_quota": row.start_quota,
                "goal_quota": row.goal_quota,
                "weekdays": row.weekdays,
                "times_per_day": row.times_per_day,
                "start_intensity": row.start_intensity,
                "goal_intensity": row.goal_intensity,
            }
            for row in program.activities.order_by("order", "id")
        ],
    }


def revision_record(
    *,
    program: Program,
    actor: User | None,
    said: Sequence[reasons.Said] = (),
    reason: str = "",
    label: str | None = None,
) -> ProgramRevision:
    """A new revision of the program. Every change a person makes to a program leaves one, so
    this is also where that change enters the audit trail.

    Why: what the service says (``said``, codes written in the reader's language), then what
    the person typed (``reason``, kept as they wrote it)."""
    last = program.revisions.order_by("-number").values_list("number", flat=True).first()
    why = [*said, *reasons.note(reason)]
    reason = reasons.english(why)
    revision = ProgramRevision.objects.create(
        program=program,
        number=(last or 0) + 1,
        actor=actor,
        actor_label=label or actor_label(actor),
        reason=reason,
        reason_codes=reasons.as_stored(why),
        snapshot=program_snapshot(program),
    )
    if actor is not None:
        audit_change(actor=actor, patient=program.patient, what=f"program {program.pk}: {reason}")
    return revision


def _event(*, actor: User, patient: Patient, action: str, what: str, detail: str) -> AuditEvent:
    return AuditEvent(
        actor=actor,
        patient=patient,
        patient_ref=patient.pk,
        patient_name=patient.full_name[:200],
        action=action,
        what=what[:200],
        detail=detail,
    )


def audit_record(
    *, actor: User, patient: Patient, action: str, what: str, detail: str = ""
) -> None:
    """Record that a staff member read or changed a patient's record."""
    _event(actor=actor, patient=patient, action=action, what=what, detail=detail).save()


def audit_change(*, actor: User, patient: Patient, what: str, detail: str = "") -> None:
    """Record that a staff member (or the patient or a guardian, on their own record) changed
    the patient's record."""
    audit_record(
        actor=actor, patient=patient, action=AuditEvent.Action.CHANGE, what=what, detail=detail
    )


def audit_reads(*, actor: User, patients: Iterable[Patient], what: str) -> None:
    """Record that a staff member read ``what`` of each of ``patients`` (a list shows many).

    One event per patient, so the trail answers "who read this patient's record?" for a list
    as for a page about one patient; all of them in one INSERT (PostgreSQL; SQLite splits a
    long list into inserts of 999 values), so a list costs one query more, not one per row.
    """
    unique = {patient.pk: patient for patient in patients}
    if not unique:
        return
    AuditEvent.objects.bulk_create(
        _event(actor=actor, patient=patient, action=AuditEvent.Action.READ, what=what, detail="")
        for patient in unique.values()
    )


def create_unless_taken(
    model: type[M], *, taken_by: Mapping[str, Any] | None, **fields: Any
) -> tuple[M, bool]:
    """Insert a ``model`` row with ``fields`` in a savepoint of the caller's transaction;
    returns it and True.

    When a unique constraint refuses the row because another request stored the same thing
    first (even at the same moment: PostgreSQL makes the second insert wait for the first to
    commit), that earlier row stands: the row found by the lookup ``taken_by`` is returned,
    with False. ``taken_by`` None says no such race is expected, and the error is raised."""
    try:
        with transaction.atomic():
            return model._default_manager.create(**fields), True
    except IntegrityError:
        if taken_by is None:
            raise
        return model._default_manager.get(**taken_by), False
