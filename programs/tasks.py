"""Celery tasks of programs: the end-of-week review and the discharge of finished programs.

Tasks are thin: they take ids, call one service, and are safe to run twice, because the
services are (the review of a week is stored once, a discharged program stays discharged).
Retries and time limits belong here; the rules belong to the services.

A red flag does not come through here: ``check_in_submit`` reviews and pauses at once, in
the check-in's own transaction, so progression stops even when Redis or the workers are down.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from celery import shared_task
from celery.schedules import crontab
from django.db import InterfaceError, OperationalError
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from programs.models import Program, WeeklyReview
from programs.selectors import RUNNING_STATUSES
from programs.services import program_complete, weekly_review_run
from programs.services.idempotency import idempotency_keys_expire

logger = logging.getLogger(__name__)

# Every UTC offset in use is a whole number of quarter hours, so a sweep at :00, :15, :30 and
# :45 UTC lands on every patient's local midnight: a week is reviewed as it ends, before the
# next week's first session, wherever the patient lives. Finding nothing due is one query.
SWEEP_MINUTES = 15
# A queued sweep or review older than the next sweep is worth nothing: the next sweep finds
# whatever is still due from the database. Expiring them keeps a backlog from piling up in
# Redis while the workers are down.
SWEEP_EXPIRES = SWEEP_MINUTES * 60
REVIEW_EXPIRES = 4 * SWEEP_MINUTES * 60
# The database going away, a lock timeout, SQLite's "database is locked": worth a retry.
# A ValidationError from the engine is not; it fails the task so that someone looks.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)
# A task about one program: retried on those with backoff, and stopped if it hangs.
ONE_PROGRAM_TASK: dict[str, Any] = {
    "autoretry_for": TRANSIENT_ERRORS,
    "max_retries": 3,
    "retry_backoff": 30,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "soft_time_limit": 60,
    "time_limit": 90,
}

BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "programs.run_weekly_reviews": {
        "task": "programs.run_weekly_reviews",
        "schedule": crontab(minute=f"*/{SWEEP_MINUTES}"),
        "options": {"expires": SWEEP_EXPIRES},
    },
    # The API's Idempotency-Keys are kept a day; once an hour, the older ones go.
    "programs.expire_idempotency_keys": {
        "task": "programs.expire_idempotency_keys",
        "schedule": crontab(minute=7),
        "options": {"expires": 3600},
    },
}


@dataclass(frozen=True)
class DueWork:
    """Programs with an end-of-week review to run, and programs to discharge."""

    reviews: list[int] = field(default_factory=list)
    completions: list[int] = field(default_factory=list)


def programs_due(now: datetime) -> DueWork:
    """Which running programs have a finished week without its review, or are past their
    discharge date with the last week reviewed, at ``now`` in each patient's time zone.

    One query, whatever the number of programs: no session is loaded to decide. Program weeks
    are 7-day blocks from the start date; the last finished week is the one before the week
    holding the patient's local today, and weeks stop at the discharge date.
    """
    # No time zone is more than 14 hours ahead of UTC, so no local date is after this one; a
    # program that starts within a week of it has no finished week anywhere.
    latest_local_date = now.astimezone(UTC).date() + timedelta(days=1)
    last_reviewed = (
        WeeklyReview.objects.filter(program=OuterRef("pk"), trigger=WeeklyReview.Trigger.SCHEDULED)
        .order_by("-week")
        .values("week")[:1]
    )
    candidates = (
        Program.objects.filter(
            status__in=RUNNING_STATUSES, start_date__lte=latest_local_date - timedelta(days=7)
        )
        .annotate(last_reviewed_week=Subquery(last_reviewed))
        .order_by("id")
        .values_list(
            "id", "start_date", "discharge_date", "patient__time_zone", "last_reviewed_week"
        )
    )
    local_dates: dict[str, date] = {}
    due = DueWork()
    for program_id, start, discharge, zone, last_reviewed_week in candidates:
        if zone not in local_dates:
            local_dates[zone] = now.astimezone(ZoneInfo(zone)).date()
        today = local_dates[zone]
        weeks_end = min(today, discharge) if discharge is not None else today
        last_finished_week = (weeks_end - start).days // 7 - 1
        if last_finished_week >= 0 and (
            last_reviewed_week is None or last_reviewed_week < last_finished_week
        ):
            due.reviews.append(program_id)
        elif discharge is not None and discharge <= today:
            # Only once the last week is reviewed: its review may hold the taper and move
            # the discharge date on.
            due.completions.append(program_id)
    return due


@shared_task(name="programs.run_weekly_reviews", soft_time_limit=120, time_limit=150)
def run_weekly_reviews() -> dict[str, int]:
    """Beat's sweep: queue a review for every week that has just ended in its patient's time
    zone, and a discharge for every finished program. Running it twice queues work twice,
    which the services shrug off."""
    due = programs_due(timezone.now())
    for program_id in due.reviews:
        review_program.apply_async((program_id,), expires=REVIEW_EXPIRES)
    for program_id in due.completions:
        complete_program.apply_async((program_id,), expires=REVIEW_EXPIRES)
    if due.reviews or due.completions:
        logger.info(
            "queued %d weekly reviews and %d discharges",
            len(due.reviews),
            len(due.completions),
        )
    return {"reviews": len(due.reviews), "completions": len(due.completions)}


@shared_task(name="programs.review_program", **ONE_PROGRAM_TASK)
def review_program(program_id: int) -> int | None:
    """Run the end-of-week review of the program's last finished week; the id of the stored
    review, or None when there is nothing to review (a program since discharged or gone)."""
    program = Program.objects.filter(pk=program_id).first()
    if program is None:
        return None
    review = weekly_review_run(program=program)
    return review.pk if review is not None else None


@shared_task(name="programs.complete_program", **ONE_PROGRAM_TASK)
def complete_program(program_id: int) -> str | None:
    """Discharge the program if its discharge date has come; its status after."""
    program = Program.objects.filter(pk=program_id).first()
    if program is None:
        return None
    return program_complete(program=program).status


@shared_task(
    name="programs.expire_idempotency_keys",
    autoretry_for=TRANSIENT_ERRORS,
    max_retries=2,
    soft_time_limit=60,
    time_limit=90,
)
def expire_idempotency_keys() -> int:
    """Forget the API's Idempotency-Keys older than a day (a repeat after that is a new
    request); safe to run twice."""
    return idempotency_keys_expire()
