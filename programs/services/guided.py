"""The guided session's writes: one bout of one activity at a time.

How bouts are stored: a dose done N times a day (``times_per_day``) has N bouts, and each is
saved on its own as a ``BoutLog`` row (session, activity, bout number), when it is done: the
second of two can come hours after the first, from another phone. Each save rebuilds the day's
``SessionLog`` and its ``ActivityLog`` rows from the bouts, so every reader (the week, the
progress charts, the therapist's pages, the weekly review) keeps reading one log a day:
- an activity's amount is the total of its bouts shared over the planned bouts, rounded down
  ("3 times a day, 5 minutes each time": 5 + 5 + 3 is 4 each time), the unit the logs have
  always held; it meets the quota exactly when the whole day's total does, since
  floor(total / N) >= amount if and only if total >= amount x N;
- its exertion is the hardest any bout felt;
- an activity with no bout saved keeps what the log form gave it, or 0;
- the session is done when every activity's day total meets its dose, partly done when any
  was done, and not done otherwise. Its note stays.
The log form (``records.session_log``) writes the whole day at once and clears the bouts.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from programs.models import BoutLog, PlannedDose, PlannedSession, SessionLog, User
from programs.services.common import local_today
from programs.services.inputs import is_whole
from programs.services.records import (
    ResultInput,
    check_logged_amount,
    session_log_refusal,
    session_log_write,
)


def _day_results(
    doses: list[PlannedDose], bouts: list[BoutLog], earlier: SessionLog | None
) -> list[ResultInput]:
    logged = (
        {result.program_activity_id: result for result in earlier.results.all()} if earlier else {}
    )
    results = []
    for dose in doses:
        own = [bout for bout in bouts if bout.program_activity_id == dose.program_activity_id]
        if own:
            felt = [bout.exertion for bout in own if bout.exertion is not None]
            results.append(
                ResultInput(
                    program_activity_id=dose.program_activity_id,
                    amount=sum(bout.amount for bout in own) // dose.times_per_day,
                    exertion=max(felt) if felt else None,
                )
            )
        elif dose.program_activity_id in logged:
            result = logged[dose.program_activity_id]
            results.append(
                ResultInput(
                    program_activity_id=dose.program_activity_id,
                    amount=result.amount,
                    exertion=result.exertion,
                    note=result.note,
                )
            )
        else:
            results.append(ResultInput(program_activity_id=dose.program_activity_id, amount=0))
    return results


def _day_status(doses: list[PlannedDose], results: list[ResultInput]) -> str:
    done = {result.program_activity_id: result.amount for result in results}
    if doses and all(done.get(dose.program_activity_id, 0) >= dose.amount for dose in doses):
        return "done"
    if any(amount > 0 for amount in done.values()):
        return "partial"
    return "missed"


@transaction.atomic
def session_bout_log(
    *,
    actor: User,
    session: PlannedSession,
    program_activity_id: int,
    bout: int,
    amount: int,
    exertion: int | None = None,
) -> SessionLog:
    """Save bout ``bout`` (1 to the dose's times a day) of one planned activity: ``amount``
    in the dose's unit, ``exertion`` on the OMNI scale or none. Saving a bout again replaces
    it. The same days and programs are refused as by ``session_log``, with its words."""
    # One write of a session's bouts at a time (two phones, or a retry, at once): each
    # rebuilds the day's log from every bout saved, so the second waits for the first.
    session = (
        PlannedSession.objects.select_for_update(of=("self",))
        .select_related("program__patient")
        .get(pk=session.pk)
    )
    refusal = session_log_refusal(session, local_today(session.program.patient))
    if refusal is not None:
        raise ValidationError({"session": [refusal]})
    doses = list(session.doses.all())
    dose = next((d for d in doses if d.program_activity_id == program_activity_id), None)
    if dose is None:
        raise ValidationError({"activity": ["is not planned in this session"]})
    if not is_whole(bout) or not 1 <= bout <= dose.times_per_day:
        raise ValidationError({"bout": [f"is 1 to {dose.times_per_day} for this activity"]})
    check_logged_amount(dose, amount, exertion)
    BoutLog.objects.update_or_create(
        session=session,
        program_activity_id=program_activity_id,
        number=bout,
        defaults={"amount": amount, "exertion": exertion, "logged_by": actor},
    )
    earlier = SessionLog.objects.filter(session=session).prefetch_related("results").first()
    results = _day_results(doses, list(BoutLog.objects.filter(session=session)), earlier)
    return session_log_write(
        actor=actor,
        session=session,
        status=_day_status(doses, results),
        results=results,
        note=earlier.note if earlier is not None else "",
    )
