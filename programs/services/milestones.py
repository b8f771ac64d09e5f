"""Milestones on the way to the goal: reached when a log is written, celebrated once.

Three of them, each at most once a program (a unique constraint holds it even when two logs
race):
- the first full week: every session planned in a program week logged as done or partly done
  (showing up each day counts, as the week's page counts it);
- halfway: a session done (or partly) on or after the day halfway from the start date to the
  goal date the schedule reaches;
- the goal: a session done in full with every activity at its goal quota.

``milestones_reach`` runs inside the log's transaction (``records.session_log_write``), so a
correction never unreaches one; ``milestones_celebrate`` hands the finish screen the ones not
shown yet and marks them shown, so a reload, another phone or the guardian's account does not
show them again.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from programs.models import Milestone, PlannedSession, Program

SHOWED_UP = ("done", "partial")


def halfway_day(program: Program) -> date:
    """The day halfway from the start date to the goal date (the schedule's, when it has one)."""
    goal = program.planned_goal_date or program.goal_date
    return program.start_date + (goal - program.start_date) / 2


def _week_is_full(session: PlannedSession) -> bool:
    counts = PlannedSession.objects.filter(program=session.program_id, week=session.week).aggregate(
        planned=Count("id"), logged=Count("id", filter=Q(log__status__in=SHOWED_UP))
    )
    return bool(counts["planned"]) and counts["planned"] == counts["logged"]


def _goal_reached(session: PlannedSession, amounts: Mapping[int, int]) -> bool:
    doses = list(session.doses.all())
    return bool(doses) and all(
        amounts.get(dose.program_activity_id, 0) >= dose.program_activity.goal_quota
        for dose in doses
    )


def milestones_reach(
    *, session: PlannedSession, status: str, amounts: Mapping[int, int]
) -> list[Milestone]:
    """Store the milestones the log of ``session`` (its ``status``, and the amount done of each
    program activity) reaches for the first time; the new ones."""
    if status not in SHOWED_UP:
        return []
    program = session.program
    have = set(Milestone.objects.filter(program=program).values_list("kind", flat=True))
    kinds = []
    if Milestone.Kind.FIRST_FULL_WEEK not in have and _week_is_full(session):
        kinds.append(Milestone.Kind.FIRST_FULL_WEEK)
    if Milestone.Kind.HALFWAY not in have and session.date >= halfway_day(program):
        kinds.append(Milestone.Kind.HALFWAY)
    if (
        Milestone.Kind.GOAL_REACHED not in have
        and status == "done"
        and _goal_reached(session, amounts)
    ):
        kinds.append(Milestone.Kind.GOAL_REACHED)
    if not kinds:
        return []
    return Milestone.objects.bulk_create(
        [Milestone(program=program, kind=kind, reached_on=session.date) for kind in kinds],
        ignore_conflicts=True,
    )


@transaction.atomic
def milestones_celebrate(*, program: Program) -> list[Milestone]:
    """The milestones of ``program`` not celebrated yet, oldest first, now marked shown: each
    is handed out once, even to two screens opened at the same moment."""
    waiting = list(
        Milestone.objects.select_for_update()
        .filter(program=program, shown_at__isnull=True)
        .order_by("reached_on", "id")
    )
    if waiting:
        now = timezone.now()
        Milestone.objects.filter(pk__in=[milestone.pk for milestone in waiting]).update(
            shown_at=now
        )
        for milestone in waiting:
            milestone.shown_at = now  # as stored: a reader of the answer sees them celebrated
    return waiting
