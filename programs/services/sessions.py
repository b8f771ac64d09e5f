"""The stored plan of a program: its planned sessions and doses, replaced from a date on.

programs/engine.py turns rows into the planner's values and back; this is the one place that
writes the planner's sessions as rows. The program services call it after every change that
moves the plan (activation, a review, a pause, a resume, a new baseline, a discharge).
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date

from django.db import transaction

from planner import Phase, Session
from planner.ramp import largest_next
from programs.engine import parameters_of
from programs.models import PlannedDose, PlannedSession, Program, ProgramActivity
from programs.signals import sessions_changed


def _kept_overrides(
    program: Program,
    new: Sequence[Session],
    by_key: dict[str, ProgramActivity],
    overrides: dict[tuple[date, int], tuple[int, str]],
) -> dict[tuple[date, int], tuple[int, str]]:
    """The amount and override reason of every new dose (by date and program activity)."""
    stored: dict[tuple[date, int], tuple[int, str]] = {}
    history: dict[int, list[tuple[date, int]]] = defaultdict(list)
    if overrides:
        # What stays stored (history, logged days) is what the new doses rise from.
        for day, activity_id, amount in (
            PlannedDose.objects.filter(session__program=program)
            .order_by("session__date")
            .values_list("session__date", "program_activity_id", "amount")
        ):
            history[activity_id].append((day, amount))
    params = parameters_of(program)
    for session in new:
        for dose in session.doses:
            row = by_key[dose.activity]
            amount, reason = overrides.get((session.date, row.id), (dose.amount, ""))
            if session.phase is Phase.PAUSED:
                amount = min(amount, dose.amount)
            elif amount > dose.amount:
                earlier = history[row.id][: bisect_left(history[row.id], (session.date,))]
                cap = params["impact_weekly_cap" if row.impact else "non_impact_weekly_cap"]
                ceiling = largest_next(earlier[-1][1], cap) if earlier else dose.amount
                amount = min(amount, max(ceiling, dose.amount))
            stored[(session.date, row.id)] = (amount, reason)
            if overrides:
                insort(history[row.id], (session.date, amount))
    return stored


def store_sessions(
    program: Program,
    activities: Sequence[ProgramActivity],
    sessions: Iterable[Session],
    *,
    from_date: date,
) -> None:
    """Replace the program's unlogged sessions from ``from_date`` on with ``sessions``.

    Logged sessions are history and stay; so does everything before ``from_date``. A dose a
    clinician set by hand keeps its amount and reason on its date while that activity is still
    planned then, except that a paused program never gets a dose above the held one, and a
    raised dose never rises above what the weekly cap allows over the dose before it in the
    new plan (a review that holds or steps back lowers the doses around it).
    """
    overrides = {
        (row.session.date, row.program_activity_id): (row.amount, row.override_reason)
        for row in PlannedDose.objects.filter(
            session__program=program, session__date__gte=from_date, session__log__isnull=True
        )
        .exclude(override_reason="")
        .select_related("session")
    }
    PlannedSession.objects.filter(program=program, date__gte=from_date, log__isnull=True).delete()
    kept_dates = set(
        PlannedSession.objects.filter(program=program, date__gte=from_date).values_list(
            "date", flat=True
        )
    )
    by_key = {row.key: row for row in activities}
    new = [session for session in sessions if session.date >= from_date]
    new = sorted(
        (session for session in new if session.date not in kept_dates), key=lambda s: s.date
    )
    rows = PlannedSession.objects.bulk_create(
        PlannedSession(
            program=program,
            date=session.date,
            week=session.week,
            step=session.step,
            phase=session.phase.value,
        )
        for session in new
    )
    stored = _kept_overrides(program, new, by_key, overrides)
    PlannedDose.objects.bulk_create(
        PlannedDose(
            session=row,
            program_activity=by_key[dose.activity],
            amount=stored[(session.date, by_key[dose.activity].id)][0],
            override_reason=stored[(session.date, by_key[dose.activity].id)][1],
            unit=dose.unit.value,
            times_per_day=dose.times_per_day,
            heart_rate_low=dose.heart_rate.low if dose.heart_rate else None,
            heart_rate_high=dose.heart_rate.high if dose.heart_rate else None,
            exertion_low=dose.exertion.low if dose.exertion else None,
            exertion_high=dose.exertion.high if dose.exertion else None,
            reserve_low=dose.reserve_fractions[0] if dose.reserve_fractions else None,
            reserve_high=dose.reserve_fractions[1] if dose.reserve_fractions else None,
        )
        for row, session in zip(rows, new, strict=True)
        for dose in session.doses
    )
    # Announced once the change is committed, so listeners read what was stored.
    program_id = program.id
    transaction.on_commit(
        lambda: sessions_changed.send_robust(
            sender=Program, program_id=program_id, from_date=from_date
        )
    )
