"""Writes of what happened: session logs, check-ins, the weekly review and alerts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from planner import (
    ActivityResult,
    AlertKind,
    Decision,
    Phase,
    PlannerInputError,
    RedFlag,
    Review,
    SessionStatus,
    fdi_score,
    red_flag_guidance,
    weekly_review,
)
from planner import (
    CheckIn as EngineCheckIn,
)
from planner import (
    SessionLog as EngineSessionLog,
)
from programs import cache as today_cache
from programs.engine import (
    as_validation_error,
    program_plan,
    review_rules,
    store_sessions,
    stored_schedule,
)
from programs.models import (
    ActivityLog,
    Alert,
    CheckIn,
    Patient,
    PlannedSession,
    Program,
    SessionLog,
    User,
    WeeklyReview,
)
from programs.services.common import REVIEW_ACTOR, local_today, revision_record
from programs.services.programs import RUNNING, program_pause
from programs.signals import alert_raised

MAX_NOTE = 2000


@dataclass(frozen=True)
class ResultInput:
    program_activity_id: int
    amount: int
    exertion: int | None = None
    note: str = ""


@transaction.atomic
def session_log(
    *,
    actor: User,
    session: PlannedSession,
    status: str,
    results: Sequence[ResultInput] = (),
    note: str = "",
) -> SessionLog:
    """Log (or correct the log of) a session on or before the patient's today."""
    program = session.program
    if status not in {choice.value for choice in SessionStatus}:
        raise ValidationError({"status": ["must be one of done, partial, missed"]})
    if session.date > local_today(program.patient):
        raise ValidationError({"session": ["a session cannot be logged before its day"]})
    if program.status in (Program.Status.DRAFT, Program.Status.DISCHARGED):
        raise ValidationError({"session": ["this program is not running"]})
    if len(note) > MAX_NOTE:
        raise ValidationError({"note": [f"at most {MAX_NOTE} characters"]})
    planned = {dose.program_activity_id: dose for dose in session.doses.all()}
    seen: set[int] = set()
    for index, result in enumerate(results):
        where = f"results[{index}]"
        if result.program_activity_id not in planned:
            raise ValidationError({f"{where}.activity": ["is not planned in this session"]})
        if result.program_activity_id in seen:
            raise ValidationError({f"{where}.activity": ["is given twice"]})
        seen.add(result.program_activity_id)
        dose = planned[result.program_activity_id]
        if not 0 <= result.amount <= max(dose.amount * 10, 1000):
            raise ValidationError({f"{where}.amount": ["is not a plausible amount"]})
        if result.exertion is not None and not 0 <= result.exertion <= 10:
            raise ValidationError({f"{where}.exertion": ["is on the 0-10 scale"]})
        if len(result.note) > MAX_NOTE:
            raise ValidationError({f"{where}.note": [f"at most {MAX_NOTE} characters"]})
    today_cache.patient_changed(program.patient_id)
    log, _ = SessionLog.objects.update_or_create(
        session=session, defaults={"status": status, "note": note, "logged_by": actor}
    )
    log.results.all().delete()
    ActivityLog.objects.bulk_create(
        ActivityLog(
            session_log=log,
            program_activity_id=result.program_activity_id,
            amount=result.amount,
            exertion=result.exertion,
            note=result.note,
        )
        for result in results
    )
    return log


def alert_raise(
    *, patient: Patient, program: Program | None, kind: AlertKind, message: str
) -> Alert:
    """An alert for the clinician; one open alert of a kind per patient (red flags excepted,
    since each one needs its own look)."""
    if kind is not AlertKind.RED_FLAG:
        existing = Alert.objects.filter(
            patient=patient, kind=kind.value, acknowledged_at__isnull=True
        ).first()
        if existing is not None:
            return existing
    alert = Alert.objects.create(
        patient=patient,
        program=program,
        kind=kind.value,
        severity=Alert.SEVERITY[kind.value],
        message=message,
    )
    # Announced once the alert is committed (reminders emails the therapists on a red flag);
    # robust, so a listener's failure never undoes the alert or the check-in that raised it.
    alert_id, alert_kind = alert.pk, alert.kind
    transaction.on_commit(
        lambda: alert_raised.send_robust(sender=Alert, alert_id=alert_id, kind=alert_kind)
    )
    return alert


@transaction.atomic
def alert_acknowledge(*, actor: User, alert: Alert) -> Alert:
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.acknowledged_at is None:
        alert.acknowledged_by = actor
        alert.acknowledged_at = timezone.now()
        alert.save(update_fields=["acknowledged_by", "acknowledged_at"])
    return alert


@dataclass(frozen=True)
class CheckInResult:
    check_in: CheckIn
    guidance: str | None
    review: WeeklyReview | None


def _running_program(patient: Patient) -> Program | None:
    return (
        patient.programs.exclude(status__in=[Program.Status.DRAFT, Program.Status.DISCHARGED])
        .order_by("-start_date")
        .first()
    )


@transaction.atomic
def check_in_submit(
    *,
    actor: User,
    patient: Patient,
    fdi_answers: Sequence[int] | None = None,
    sleep_hours: Decimal | None = None,
    sleep_quality: int | None = None,
    mood: int | None = None,
    school_days_attended: int | None = None,
    school_days_scheduled: int | None = None,
    flare: bool = False,
    red_flags: Sequence[str] = (),
    pain: int | None = None,
    today: date | None = None,
) -> CheckInResult:
    """Record a check-in. A red flag pauses progression, alerts the clinician at once and
    returns the guidance that tells the patient to contact their doctor.

    ``today`` dates a check-in recorded late (a paper form typed in afterwards); it defaults
    to the patient's local today and may not be after it."""
    flags: set[RedFlag] = set()
    for index, value in enumerate(red_flags):
        try:
            flags.add(RedFlag(value))
        except ValueError:
            raise ValidationError(
                {f"red_flags[{index}]": [f"{value!r} is not a red flag"]}
            ) from None
    fdi_total = None
    fdi_band = ""
    if fdi_answers is not None:
        try:
            score = fdi_score(list(fdi_answers))
        except PlannerInputError as error:
            field = error.field.replace("answers", "fdi_answers")
            raise ValidationError({field: [error.problem]}) from None
        fdi_total, fdi_band = score.total, score.band.value
    if (
        school_days_attended is not None
        and school_days_scheduled is not None
        and school_days_attended > school_days_scheduled
    ):
        raise ValidationError(
            {"school_days_attended": ["cannot be more than the school days scheduled"]}
        )
    patient_today = local_today(patient)
    if today is not None and today > patient_today:
        raise ValidationError({"date": ["a check-in cannot be dated in the future"]})
    today = today or patient_today
    program = _running_program(patient)
    check_in = CheckIn.objects.create(
        patient=patient,
        program=program,
        date=today,
        submitted_by=actor,
        fdi_answers=list(fdi_answers) if fdi_answers is not None else None,
        fdi_total=fdi_total,
        fdi_band=fdi_band,
        sleep_hours=sleep_hours,
        sleep_quality=sleep_quality,
        mood=mood,
        school_days_attended=school_days_attended,
        school_days_scheduled=school_days_scheduled,
        flare=flare,
        red_flags=sorted(flag.value for flag in flags),
        pain=pain,
    )
    review = None
    if flags:
        names = ", ".join(flag.value.replace("_", " ") for flag in sorted(flags))
        alert_raise(
            patient=patient,
            program=program,
            kind=AlertKind.RED_FLAG,
            message=f"Red flag reported on {today}: {names}. Progression is paused.",
        )
        if program is not None:
            review = weekly_review_run(
                program=program, trigger=WeeklyReview.Trigger.RED_FLAG, today=today
            )
            if review is None and program.status in RUNNING:
                # Nothing done yet to review (the first session is still ahead): progression
                # pauses all the same, until a clinician resumes it.
                program_pause(
                    actor=None,
                    program=program,
                    reason=f"Red flag reported ({names}) before the first session.",
                )
    return CheckInResult(
        check_in=check_in, guidance=red_flag_guidance(frozenset(flags)), review=review
    )


def _engine_logs(program: Program) -> list[EngineSessionLog]:
    logs = SessionLog.objects.filter(session__program=program).select_related("session")
    results = ActivityLog.objects.filter(session_log__session__program=program).select_related(
        "program_activity"
    )
    by_log: dict[int, list[ActivityResult]] = {}
    for result in results:
        by_log.setdefault(result.session_log_id, []).append(
            ActivityResult(
                activity=result.program_activity.key,
                amount=result.amount,
                exertion=result.exertion,
            )
        )
    return [
        EngineSessionLog(
            date=log.session.date,
            status=SessionStatus(log.status),
            results=tuple(by_log.get(log.id, ())),
        )
        for log in logs
    ]


def _previous_flare_weeks(program: Program, week: int) -> int:
    """Consecutive weeks before ``week`` with a flare reported in a check-in."""
    flare_dates = program.check_ins.filter(flare=True).values_list("date", flat=True)
    flare_weeks = {(day - program.start_date).days // 7 for day in flare_dates}
    count = 0
    while week - count - 1 in flare_weeks:
        count += 1
    return count


def _week_check_in(
    program: Program, first: date, last: date, *, with_red_flags: bool
) -> EngineCheckIn:
    """The week's check-ins as the review reads them. A red flag acts once, when it is
    reported (``check_in_submit`` reviews and pauses at once): the end-of-week review does not
    read it again, or it would pause a program a clinician has since resumed."""
    rows = program.check_ins.filter(date__range=(first, last))
    flare = any(row.flare for row in rows)
    flags = frozenset(RedFlag(flag) for row in rows for flag in row.red_flags)
    return EngineCheckIn(flare=flare, red_flags=flags if with_red_flags else frozenset())


STATUS_FOR_PHASE = {
    Phase.BUILD: Program.Status.ACTIVE,
    Phase.MAINTAIN: Program.Status.MAINTENANCE,
    Phase.TAPER: Program.Status.TAPERING,
    Phase.PAUSED: Program.Status.PAUSED,
}


@transaction.atomic
def weekly_review_run(
    *,
    program: Program,
    trigger: str = WeeklyReview.Trigger.SCHEDULED,
    today: date | None = None,
) -> WeeklyReview | None:
    """Review the program's last finished week (or, on a red flag, the current one).

    Safe to run twice: the end-of-week review of a week is stored once and returned as it is
    on a second run. Returns None when there is no week to review yet.
    """
    program = Program.objects.select_for_update().select_related("patient").get(pk=program.pk)
    if not program.is_running:
        return None
    patient_today = today or local_today(program.patient)
    if trigger == WeeklyReview.Trigger.SCHEDULED:
        if program.discharge_date is not None:
            # The weeks end at discharge: a late run reviews the last week, not an empty one
            # after it (whose "gap" would step back and plan sessions past the end).
            patient_today = min(patient_today, program.discharge_date)
        week = (patient_today - program.start_date).days // 7 - 1
        if week < 0:
            return None
        existing = program.reviews.filter(week=week, trigger=trigger).first()
        if existing is not None:
            return existing
        review_day = program.start_date + timedelta(days=7 * week + 6)
    else:
        week = max(0, (patient_today - program.start_date).days // 7)
        review_day = patient_today
    if (
        review_day < program.start_date
        or not program.sessions.filter(date__lte=review_day).exists()
    ):
        # Nothing planned yet to review: a red flag before the first session.
        return None
    activities = list(program.activities.all())
    plan = program_plan(program, activities)
    schedule = stored_schedule(program, activities, plan)
    first_day = program.start_date + timedelta(days=7 * week)
    check_in = _week_check_in(
        program, first_day, review_day, with_red_flags=trigger == WeeklyReview.Trigger.RED_FLAG
    )
    # Days already gone are history even when the review runs late: only today on changes,
    # and the engine re-plans from there, rising from the sessions actually kept (a
    # clinician's resume since the week ended included), never two steps at once.
    from_date = max(review_day + timedelta(days=1), local_today(program.patient))
    try:
        outcome: Review = weekly_review(
            plan,
            schedule,
            week=week,
            today=review_day,
            logs=_engine_logs(program),
            check_in=check_in,
            previous_flare_weeks=_previous_flare_weeks(program, week),
            paused=program.status == Program.Status.PAUSED,
            rules=review_rules(program),
            replan_from=from_date,
        )
    except PlannerInputError as error:
        raise as_validation_error(error) from None
    try:
        with transaction.atomic():
            review = WeeklyReview.objects.create(
                program=program,
                week=week,
                trigger=trigger,
                decision=outcome.decision.value,
                reason=outcome.reason,
                step=outcome.step,
                next_step=outcome.next_step,
                adherence=outcome.adherence,
                sessions_planned=outcome.sessions_planned,
                sessions_done=outcome.sessions_done,
            )
    except IntegrityError:
        # Another run stored this week's review first.
        return program.reviews.get(week=week, trigger=trigger)
    store_sessions(program, activities, outcome.schedule.sessions, from_date=from_date)
    today_cache.patient_changed(program.patient_id)
    program.discharge_date = outcome.schedule.discharge_date
    if outcome.decision is Decision.PAUSE:
        program.status = Program.Status.PAUSED
        if not program.paused_reason:
            program.paused_reason = outcome.reason
    else:
        upcoming = [s for s in outcome.schedule.sessions if s.date >= from_date]
        if upcoming:
            program.status = STATUS_FOR_PHASE[upcoming[0].phase]
    program.save()
    for kind in outcome.alerts:
        if kind is AlertKind.RED_FLAG:
            continue  # raised by the check-in itself, at once
        alert_raise(patient=program.patient, program=program, kind=kind, message=outcome.reason)
    if outcome.decision is not Decision.PROGRESS:
        revision_record(
            program=program,
            actor=None,
            label=REVIEW_ACTOR,
            reason=f"Week {week + 1} review: {outcome.reason}",
        )
    return review
