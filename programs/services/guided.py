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

Each save of a bout comes with its form's one-time key, and the moment the form was shown:
the same save sent again (a phone sending, once back online, a bout it kept; a double tap)
is saved once, and a save from a form shown before the bout was saved again (or the whole
day logged with the log form) leaves that newer save as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from programs.models import BoutLog, PlannedDose, PlannedSession, SessionLog, User
from programs.services.common import local_today
from programs.services.inputs import is_whole, refuse
from programs.services.records import (
    ResultInput,
    check_logged_amount,
    session_for_keyed_write,
    session_log_refusal,
    session_log_write,
)


@dataclass(frozen=True)
class BoutLogResult:
    # The day's log as it is now (None only when nothing of the day is logged).
    log: SessionLog | None
    # True when this save had arrived before (the same form's key): nothing new was saved.
    repeated: bool = False
    # True when the bout (or the whole day) was saved again after this form was shown: that
    # newer save stays, and nothing was saved.
    newer_kept: bool = False


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
    submission_key: str = "",
    shown_at: datetime | None = None,
) -> BoutLogResult:
    """Save bout ``bout`` (1 to the dose's times a day) of one planned activity: ``amount``
    in the dose's unit, ``exertion`` on the OMNI scale or none. Saving a bout again replaces
    it. The same days and programs are refused as by ``session_log``, with its words.

    ``submission_key`` is the one-time key of the form the save came from, ``shown_at`` when
    that form was shown (not after now): a key saved before is ``repeated``, and a bout saved
    again after ``shown_at`` (or a day logged whole with the log form after it) is a newer
    save, kept as it is (``newer_kept``). Either way nothing is saved."""
    if shown_at is not None and shown_at > timezone.now():
        raise ValidationError({"shown_at": [_("The form's time is after now.")]})
    session = session_for_keyed_write(session, submission_key)
    if submission_key:
        earlier = BoutLog.objects.filter(submission_key=submission_key).first()
        if earlier is not None:
            if (earlier.session_id, earlier.program_activity_id, earlier.number) != (
                session.pk,
                program_activity_id,
                bout,
            ):
                raise ValidationError(
                    {"submission_key": [_("This form's key belongs to another save.")]}
                )
            return BoutLogResult(log=_day_log(session), repeated=True)
    refusal = session_log_refusal(session, local_today(session.program.patient))
    if refusal is not None:
        raise ValidationError({"session": [refusal]})
    doses = list(session.doses.all())
    dose = next((d for d in doses if d.program_activity_id == program_activity_id), None)
    if dose is None:
        raise ValidationError({"activity": [_("is not planned in this session")]})
    if not is_whole(bout) or not 1 <= bout <= dose.times_per_day:
        raise refuse(
            "bout",
            _("is 1 to %(high)s for this activity") % {"high": dose.times_per_day},
        )
    check_logged_amount(dose, amount, exertion)
    earlier_log = _day_log(session)
    if shown_at is not None and _saved_since(session, program_activity_id, bout, shown_at):
        return BoutLogResult(log=earlier_log, newer_kept=True)
    try:
        with transaction.atomic():
            BoutLog.objects.update_or_create(
                session=session,
                program_activity_id=program_activity_id,
                number=bout,
                defaults={
                    "amount": amount,
                    "exertion": exertion,
                    "logged_by": actor,
                    "submission_key": submission_key,
                },
            )
    except IntegrityError as error:
        # The key was taken at the same moment by a save of another session (which this
        # session's lock does not hold back): a key is one form's, so this one is refused.
        raise ValidationError(
            {"submission_key": [_("This form's key belongs to another save.")]}
        ) from error
    results = _day_results(doses, list(BoutLog.objects.filter(session=session)), earlier_log)
    log = session_log_write(
        actor=actor,
        session=session,
        status=_day_status(doses, results),
        results=results,
        note=earlier_log.note if earlier_log is not None else "",
    )
    return BoutLogResult(log=log)


def _day_log(session: PlannedSession) -> SessionLog | None:
    return SessionLog.objects.filter(session=session).prefetch_related("results").first()


def _saved_since(
    session: PlannedSession, program_activity_id: int, bout: int, shown_at: datetime
) -> bool:
    """Whether the bout was saved after ``shown_at``, or the whole day logged at once (the
    log form, the API's log: ``whole_day_at``) after it."""
    bout_saved = BoutLog.objects.filter(
        session=session,
        program_activity_id=program_activity_id,
        number=bout,
        logged_at__gt=shown_at,
    ).exists()
    return (
        bout_saved or SessionLog.objects.filter(session=session, whole_day_at__gt=shown_at).exists()
    )
