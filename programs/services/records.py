"""Writes of what happened: session logs, check-ins, the weekly review and alerts."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_stubs_ext import StrOrPromise

from planner import (
    FDI_ITEM_COUNT,
    ActivityResult,
    AlertKind,
    Decision,
    Phase,
    PlannerInputError,
    Reason,
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
from programs import reasons, selectors
from programs.engine import (
    as_validation_error,
    follow_goal_date,
    program_plan,
    review_rules,
    stored_schedule,
)
from programs.models import (
    ActivityLog,
    Alert,
    BoutLog,
    CheckIn,
    Patient,
    PlannedDose,
    PlannedSession,
    Program,
    SessionLog,
    User,
    WeeklyReview,
)
from programs.reasons import Say, say
from programs.services.common import (
    REVIEW_ACTOR,
    audit_change,
    create_unless_taken,
    local_today,
    revision_record,
)
from programs.services.inputs import at_most_characters, is_whole, refuse
from programs.services.milestones import milestones_reach
from programs.services.programs import RUNNING, program_pause
from programs.services.sessions import store_sessions
from programs.signals import alert_raised

logger = logging.getLogger(__name__)

MAX_NOTE = 2000


LOG_NOT_YET = _("This session’s day has not come yet. Nothing was saved.")
LOG_PAUSED = _("The program is paused: the therapist will restart it. Nothing was saved.")
LOG_DISCHARGED = _(
    "The program has ended, so its sessions can no longer be logged. Nothing was saved."
)
LOG_DRAFT = _("The program has not started yet. Nothing was saved.")


def session_log_refusal(session: PlannedSession, today: date) -> StrOrPromise | None:
    """Why ``session_log`` refuses this session on ``today`` (the patient's), or None.

    Not before its day. A paused program's sessions planned from the pause on (the engine
    plans them as held, phase "paused") wait for the clinician; the sessions before it are
    history, and a late log of one (yesterday's, typed in after a red flag paused the program
    today) is what the clinician reads before deciding to resume, so it is kept. A discharged
    program is closed: its logs were what the discharge was decided on."""
    program = session.program
    if session.date > today:
        return LOG_NOT_YET
    if program.status == Program.Status.DRAFT:
        return LOG_DRAFT
    if program.status == Program.Status.DISCHARGED:
        return LOG_DISCHARGED
    if program.status == Program.Status.PAUSED and session.phase == Phase.PAUSED.value:
        return LOG_PAUSED
    return None


def session_can_be_logged(session: PlannedSession, today: date) -> bool:
    """For pages that leave off a form that could not succeed."""
    return session_log_refusal(session, today) is None


@dataclass(frozen=True)
class ResultInput:
    program_activity_id: int
    amount: int
    exertion: int | None = None
    note: str = ""


@dataclass(frozen=True)
class SessionLogResult:
    log: SessionLog
    # True when the log was sent before with the same key: nothing new was saved.
    repeated: bool = False


MAX_SUBMISSION_KEY = 64


def session_for_keyed_write(session: PlannedSession, submission_key: str) -> PlannedSession:
    """Check a form's one-time key and lock ``session`` for the write it came with (called
    inside the write's transaction): one send of a session's log or bout at a time, so a
    second send of the same form waits here for the first to commit, then finds its key."""
    if len(submission_key) > MAX_SUBMISSION_KEY:
        raise refuse("submission_key", at_most_characters(MAX_SUBMISSION_KEY))
    return (
        PlannedSession.objects.select_for_update(of=("self",))
        .select_related("program__patient")
        .get(pk=session.pk)
    )


@transaction.atomic
def session_log(
    *,
    actor: User,
    session: PlannedSession,
    status: str,
    results: Sequence[ResultInput] = (),
    note: str = "",
    submission_key: str = "",
) -> SessionLogResult:
    """Log (or correct the log of) a session on or before the patient's today.

    ``submission_key`` is the one-time key of the form the log came from (made when the form
    was shown). The same form sent again (a phone sending, once back online, a log it kept;
    a double tap) finds the log it saved the first time: that log comes back with
    ``repeated`` set, and nothing is saved. A log from another form (another key, or none)
    corrects the earlier one, as it always has. A late log is for its own session's day,
    whenever it arrives; the program's state now decides whether it is taken
    (``session_log_refusal``)."""
    session = session_for_keyed_write(session, submission_key)
    if submission_key:
        earlier = SessionLog.objects.filter(submission_key=submission_key).first()
        if earlier is not None:
            if earlier.session_id != session.pk:
                raise refuse("submission_key", _("belongs to another session's log"))
            return SessionLogResult(log=earlier, repeated=True)
    program = session.program
    if status not in {choice.value for choice in SessionStatus}:
        raise refuse("status", _("must be one of done, partial, missed"))
    refusal = session_log_refusal(session, local_today(program.patient))
    if refusal is not None:
        raise ValidationError({"session": [refusal]})
    if len(note) > MAX_NOTE:
        raise refuse("note", at_most_characters(MAX_NOTE))
    planned = {dose.program_activity_id: dose for dose in session.doses.all()}
    seen: set[int] = set()
    for index, result in enumerate(results):
        where = f"results[{index}]"
        if result.program_activity_id not in planned:
            raise refuse(f"{where}.activity", _("is not planned in this session"))
        if result.program_activity_id in seen:
            raise refuse(f"{where}.activity", _("is given twice"))
        seen.add(result.program_activity_id)
        check_logged_amount(
            planned[result.program_activity_id], result.amount, result.exertion, where=f"{where}."
        )
        if len(result.note) > MAX_NOTE:
            raise refuse(f"{where}.note", at_most_characters(MAX_NOTE))
    # The log says what the whole day was: bouts the guided session saved one by one give way
    # to it (programs/services/guided.py).
    BoutLog.objects.filter(session=session).delete()
    log = session_log_write(
        actor=actor,
        session=session,
        status=status,
        results=results,
        note=note,
        submission_key=submission_key,
        whole_day=True,
    )
    return SessionLogResult(log=log)


def check_logged_amount(
    dose: PlannedDose, amount: int, exertion: int | None, *, where: str = ""
) -> None:
    """An amount done of ``dose`` (whole, 0 to ten times the dose, at least 1,000) and an
    exertion on the OMNI scale (0-10) or none; ``where`` prefixes the fields' names."""
    if not is_whole(amount) or not 0 <= amount <= max(dose.amount * 10, 1000):
        raise refuse(f"{where}amount", _("is not a plausible amount"))
    if exertion is not None and (not is_whole(exertion) or not 0 <= exertion <= 10):
        raise refuse(f"{where}exertion", _("is on the 0-10 scale"))


def session_log_write(
    *,
    actor: User,
    session: PlannedSession,
    status: str,
    results: Sequence[ResultInput],
    note: str,
    submission_key: str = "",
    whole_day: bool = False,
) -> SessionLog:
    """Store a checked log with its results (replacing any earlier one), then note the
    milestones it reached. Called inside the caller's transaction.

    ``whole_day`` is for a log of the whole day at once (``session_log``): it stores the
    form's one-time key ``submission_key`` and when it came (``whole_day_at``). The guided
    session's bouts rebuild the log without either, keeping the last whole-day log's key and
    time, so that form sent again is still found as sent, and a bout from a form shown
    before it still gives way to it."""
    today_cache.patient_changed(session.program.patient_id)
    defaults: dict[str, object] = {"status": status, "note": note, "logged_by": actor}
    if whole_day:
        defaults.update(submission_key=submission_key, whole_day_at=timezone.now())
    log, _ = SessionLog.objects.update_or_create(session=session, defaults=defaults)
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
    milestones_reach(
        session=session,
        status=status,
        amounts={result.program_activity_id: result.amount for result in results},
    )
    return log


# Alerts that each need their own look, however many are open: one per report.
ONE_PER_REPORT = frozenset({AlertKind.SELF_HARM, AlertKind.RED_FLAG})
MAX_ACKNOWLEDGEMENT_NOTE = MAX_NOTE


def alert_raise(
    *,
    patient: Patient,
    program: Program | None,
    kind: AlertKind,
    message: str = "",
    said: Sequence[reasons.Said] = (),
) -> Alert:
    """An alert for the clinician; one open alert of a kind per patient (self-harm and red
    flags excepted, since each one needs its own look). What happened: ``said`` (codes,
    written in the reader's language), or a ``message`` as it is."""
    if kind not in ONE_PER_REPORT:
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
        message=reasons.english(said) if said else message,
        message_codes=reasons.as_stored(said),
    )
    # Announced once the alert is committed (reminders emails the therapists on a red flag);
    # robust, so a listener's failure never undoes the alert or the check-in that raised it.
    alert_id, alert_kind = alert.pk, alert.kind
    transaction.on_commit(
        lambda: alert_raised.send_robust(sender=Alert, alert_id=alert_id, kind=alert_kind)
    )
    return alert


@transaction.atomic
def alert_acknowledge(*, actor: User, alert: Alert, note: str = "") -> Alert:
    """Mark the alert seen by ``actor``, with a note of what was done. Thoughts of self-harm
    need the note: the record must say how the patient was looked after, not only that
    someone clicked. Acknowledging again changes nothing."""
    note = note.strip()
    if len(note) > MAX_ACKNOWLEDGEMENT_NOTE:
        raise refuse("note", at_most_characters(MAX_ACKNOWLEDGEMENT_NOTE))
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.acknowledged_at is not None:
        return alert
    if alert.kind == AlertKind.SELF_HARM.value and not note:
        raise refuse("note", _("say briefly what was done (who spoke with whom, what was agreed)"))
    alert.acknowledged_by = actor
    alert.acknowledged_at = timezone.now()
    alert.acknowledgement_note = note
    alert.save(update_fields=["acknowledged_by", "acknowledged_at", "acknowledgement_note"])
    audit_change(
        actor=actor,
        patient=alert.patient,
        what=f"alert {alert.pk} ({alert.get_kind_display()}) acknowledged",
        detail=note,
    )
    return alert


@dataclass(frozen=True)
class CheckInResult:
    check_in: CheckIn
    # What the patient is told after red flags (planner.red_flag_guidance), or None.
    guidance: Reason | None
    review: WeeklyReview | None
    # True when the check-in was sent before (the same form's key): nothing new was saved.
    repeated: bool = False
    # The answers left out of a check-in that reported a red flag, for their problems (see
    # ``check_in_submit``): the page says which were not saved.
    not_saved: tuple[str, ...] = ()


def _running_program(patient: Patient) -> Program | None:
    return (
        patient.programs.exclude(status__in=[Program.Status.DRAFT, Program.Status.DISCHARGED])
        .order_by("-start_date")
        .first()
    )


# The ranges a person can type in a check-in, checked here so the web, the API and the admin
# refuse the same answers with the same words.
# Hours of sleep on a usual night: a night cannot hold more than a day. In half hours, as
# people tell it ("seven and a half") and as the form's number field steps: a tenth of an hour
# is a precision nobody remembers about a usual night, and would only look measured.
SLEEP_HOURS_MAX = 24
SLEEP_HOURS_STEP = Decimal("0.5")
# Sleep quality and mood: the five answers the form offers, 1 (very badly, very low) to 5.
SCALE_LOW, SCALE_HIGH = 1, 5
# Pain, when a client records it: the usual 0-10 numeric rating scale.
PAIN_MAX = 10
# School days in the check-in's week: a week has seven days (some schools teach on Saturdays).
SCHOOL_DAYS_MAX = 7
FDI_ANSWER_MAX = 4

FLARE_MISSING = _("Please answer yes or no.")
RED_FLAGS_MISSING = _("Please say which of these happened, or that none of them did.")
RED_FLAGS_AND_NONE = _(
    "“None of these” was chosen together with a sign: please choose one or the other."
)
FDI_ANSWER_RANGE = _("Each answer is from 0 (no trouble) to 4 (impossible).")
SLEEP_HOURS_RANGE = _("Enter the hours from 0 to 24, in half hours (for example 7.5).")
SLEEP_QUALITY_RANGE = _("Choose from 1 (very badly) to 5 (very well).")
MOOD_RANGE = _("Choose from 1 (very low) to 5 (very good).")
PAIN_RANGE = _("Enter a number from 0 to 10.")
SCHOOL_DAYS_RANGE = _("Enter a number of days from 0 to 7.")
SCHOOL_DAYS_SCHEDULED_MISSING = _("Please say how many school days there were this week too.")
FDI_NOT_DUE = _(
    "The questions about everyday activities are not asked this week. Please send the "
    "check-in without them."
)


def _fdi_problems(answers: Sequence[int | None]) -> dict[str, list[StrOrPromise]]:
    problems: dict[str, list[StrOrPromise]] = {}
    if len(answers) > FDI_ITEM_COUNT:
        problems["fdi_answers"] = [
            _("There are 15 questions about everyday activities: send 15 answers, not %(n)s.")
            % {"n": len(answers)}
        ]
        return problems
    for index, answer in enumerate(answers):
        if answer is not None and not (is_whole(answer) and 0 <= answer <= FDI_ANSWER_MAX):
            problems[f"fdi_answers[{index}]"] = [FDI_ANSWER_RANGE]
    missing = FDI_ITEM_COUNT - sum(answer is not None for answer in answers)
    if missing:
        problems["fdi_answers"] = [
            ngettext(
                "Please answer all 15 questions about everyday activities (%(count)s is missing).",
                "Please answer all 15 questions about everyday activities (%(count)s are missing).",
                missing,
            )
            % {"count": missing}
        ]
    return problems


def _in_range(value: object, low: int, high: int) -> bool:
    return is_whole(value) and low <= value <= high  # type: ignore[operator]


def _sleep_hours_ok(value: Decimal) -> bool:
    try:
        hours = Decimal(value)
    except (TypeError, ValueError, ArithmeticError):
        return False
    return hours.is_finite() and 0 <= hours <= SLEEP_HOURS_MAX and hours % SLEEP_HOURS_STEP == 0


def _check_in_problems(
    *,
    fdi_answers: Sequence[int | None] | None,
    fdi_taken: bool,
    sleep_hours: Decimal | None,
    sleep_quality: int | None,
    mood: int | None,
    school_days_attended: int | None,
    school_days_scheduled: int | None,
    flare: bool | None,
    red_flags: Sequence[str] | None,
    no_red_flags: bool,
    pain: int | None,
) -> dict[str, list[StrOrPromise]]:
    """Every problem with a check-in's answers at once, by field, in the page's order: a
    person who left three things out is told about all three in one go."""
    problems: dict[str, list[StrOrPromise]] = {}
    if fdi_answers is not None:
        problems.update(_fdi_problems(fdi_answers) if fdi_taken else {"fdi_answers": [FDI_NOT_DUE]})
    if sleep_hours is not None and not _sleep_hours_ok(sleep_hours):
        problems["sleep_hours"] = [SLEEP_HOURS_RANGE]
    if sleep_quality is not None and not _in_range(sleep_quality, SCALE_LOW, SCALE_HIGH):
        problems["sleep_quality"] = [SLEEP_QUALITY_RANGE]
    if mood is not None and not _in_range(mood, SCALE_LOW, SCALE_HIGH):
        problems["mood"] = [MOOD_RANGE]
    scheduled_ok = school_days_scheduled is None or _in_range(
        school_days_scheduled, 0, SCHOOL_DAYS_MAX
    )
    if not scheduled_ok:
        problems["school_days_scheduled"] = [SCHOOL_DAYS_RANGE]
    if school_days_attended is not None:
        if not _in_range(school_days_attended, 0, SCHOOL_DAYS_MAX):
            problems["school_days_attended"] = [SCHOOL_DAYS_RANGE]
        elif school_days_scheduled is None:
            problems["school_days_scheduled"] = [SCHOOL_DAYS_SCHEDULED_MISSING]
        elif scheduled_ok and school_days_attended > school_days_scheduled:
            problems["school_days_attended"] = [
                ngettext(
                    "Cannot be more than the %(count)s school day this week.",
                    "Cannot be more than the %(count)s school days this week.",
                    school_days_scheduled,
                )
                % {"count": school_days_scheduled}
            ]
    elif scheduled_ok and school_days_scheduled:
        problems["school_days_attended"] = [
            ngettext(
                "Please say how many of the %(count)s school day were attended (0 if none).",
                "Please say how many of the %(count)s school days were attended (0 if none).",
                school_days_scheduled,
            )
            % {"count": school_days_scheduled}
        ]
    if pain is not None and not _in_range(pain, 0, PAIN_MAX):
        problems["pain"] = [PAIN_RANGE]
    if not isinstance(flare, bool):
        problems["flare"] = [FLARE_MISSING]
    if red_flags is None or (not red_flags and not no_red_flags):
        problems["red_flags"] = [RED_FLAGS_MISSING]
    else:
        for index, value in enumerate(red_flags):
            if value not in RED_FLAG_VALUES:
                problems[f"red_flags[{index}]"] = [
                    _("“%(value)s” is not one of the red flags.") % {"value": value}
                ]
        if red_flags and no_red_flags:
            problems["no_red_flags"] = [RED_FLAGS_AND_NONE]
    return problems


RED_FLAG_VALUES = frozenset(flag.value for flag in RedFlag)
# Problems that are no answer of the person's: with one of them, even a red flag is refused
# (and shown with its guidance by the page, which keeps what was typed).
NOT_ANSWERS = frozenset({"red_flags", "no_red_flags", "date", "made_on"})


def _red_flag_stands(problems: Mapping[str, object], red_flags: Sequence[str] | None) -> bool:
    """Whether a refused check-in still reports a red flag that can be passed on: one or more
    flags, each a known one, and no problem with the red-flag section or the date."""
    return bool(red_flags) and not any(
        name in NOT_ANSWERS or name.startswith("red_flags[") for name in problems
    )


# A check-in kept on the phone while it was offline (``made_on``) is taken for the day it was
# answered, up to two weeks later: the FDI's interval, and long after the week's review.
LATE_CHECK_IN_DAYS = 14
CHECK_IN_TOO_OLD = _(
    "This check-in is more than two weeks old, so it no longer tells how the week went. "
    "Please send a new one."
)
CHECK_IN_MADE_LATER = _("A check-in cannot be dated after today.")


def check_in_late_refusal(
    made_on: date | None, today: date, *, red_flags: Sequence[str]
) -> StrOrPromise | None:
    """Why ``check_in_submit`` refuses a check-in answered on ``made_on`` and sent on
    ``today`` (the patient's), or None. A red flag is always passed on, however late: the
    clinician must hear of it, and the program pauses as of today."""
    if made_on is None or red_flags:
        return None
    if (today - made_on).days > LATE_CHECK_IN_DAYS:
        return CHECK_IN_TOO_OLD
    return None


def _repeated(check_in: CheckIn) -> CheckInResult:
    flags = frozenset(RedFlag(flag) for flag in check_in.red_flags)
    return CheckInResult(
        check_in=check_in, guidance=red_flag_guidance(flags), review=None, repeated=True
    )


@transaction.atomic
def check_in_submit(
    *,
    actor: User,
    patient: Patient,
    flare: bool | None,
    red_flags: Sequence[str] | None,
    no_red_flags: bool = False,
    fdi_answers: Sequence[int | None] | None = None,
    sleep_hours: Decimal | None = None,
    sleep_quality: int | None = None,
    mood: int | None = None,
    school_days_attended: int | None = None,
    school_days_scheduled: int | None = None,
    pain: int | None = None,
    today: date | None = None,
    made_on: date | None = None,
    submission_key: str = "",
    fdi_as_scheduled: bool = False,
) -> CheckInResult:
    """Record a check-in. A red flag pauses progression, alerts the clinician at once and
    returns the guidance that tells the patient to contact their doctor; thoughts of
    self-harm raise their own, most urgent alert and lead the guidance with the crisis line.

    The flare question and the red-flag questions must be answered: ``flare`` True or False,
    and ``red_flags`` the signs reported, empty only with ``no_red_flags`` (the person said
    "none of these"), so a form sent empty is never read as "no flare, no red flag". Every
    other part is optional; the FDI is answered whole (15 answers) or not at all (None, or
    a list of nothing but None). Nothing is saved unless every answer is in its range.

    ``submission_key`` is the one-time key of the form it came from: a form sent again (a
    double tap, Back and send) returns the check-in it saved the first time, with
    ``repeated`` set, and saves nothing.

    ``today`` dates a check-in recorded late (a paper form typed in afterwards); it defaults
    to the patient's local today and may not be after it.

    ``fdi_as_scheduled`` is for the patient's and guardian's own weekly check-in (the web page
    and the API both set it): it takes the FDI's answers only when the schedule does
    (``selectors.fdi_schedule``: when it is due, and in the week after one was answered), and
    refuses them at any other time, naming ``fdi_answers``. An FDI left out when due is no
    refusal: a red flag is never held back by 15 questions, and the FDI is asked again the
    next time. Staff typing in a paper form leave it off: the FDI at discharge and at the
    follow-ups is taken whenever it comes.

    A check-in that reports a red flag is never refused for another answer's problem (a
    half-answered FDI, an FDI sent off its schedule, a mood out of range): the flag is passed
    on at once, the answers with problems are left out and named in ``not_saved``, and a
    flare left unanswered is stored as not reported. A problem with the red-flag section or
    the date still refuses it.

    ``made_on`` is the day a person answered a check-in that their phone kept while it was
    offline and sends now: it is dated that day (not after today). One answered more than
    ``LATE_CHECK_IN_DAYS`` days ago is refused (``check_in_late_refusal``) unless it reports a
    red flag; a red flag in it pauses the program as of today, as one sent today would."""
    earlier = None
    if submission_key:
        earlier = CheckIn.objects.filter(patient=patient, submission_key=submission_key).first()
    if fdi_answers is not None and all(answer is None for answer in fdi_answers):
        fdi_answers = None  # nothing answered: the FDI was skipped
    patient_today = local_today(patient)
    fdi_taken = (
        fdi_answers is None
        or not fdi_as_scheduled
        or selectors.fdi_schedule(patient, today=today or patient_today).takes_answers
    )
    problems = _check_in_problems(
        fdi_answers=fdi_answers,
        fdi_taken=fdi_taken,
        sleep_hours=sleep_hours,
        sleep_quality=sleep_quality,
        mood=mood,
        school_days_attended=school_days_attended,
        school_days_scheduled=school_days_scheduled,
        flare=flare,
        red_flags=red_flags,
        no_red_flags=no_red_flags,
        pain=pain,
    )
    if today is not None and today > patient_today:
        problems["date"] = [_("A check-in cannot be dated in the future.")]
    if made_on is not None and made_on > patient_today:
        problems["made_on"] = [CHECK_IN_MADE_LATER]
    elif made_on is not None and today is not None:
        problems["made_on"] = [
            _("is the day a kept check-in was answered: give it or a date, not both")
        ]
    not_saved: tuple[str, ...] = ()
    if problems and _red_flag_stands(problems, red_flags):
        # A red flag is never held back by another answer's problem (a half-answered FDI, a
        # mood out of range, an FDI sent off its schedule): the flag is passed on at once and
        # the answers with problems are left out, named in ``not_saved``. A flare left
        # unanswered is stored as not reported.
        not_saved = tuple(sorted({name.split("[")[0] for name in problems}))
        fdi_answers = None if "fdi_answers" in not_saved else fdi_answers
        sleep_hours = None if "sleep_hours" in not_saved else sleep_hours
        sleep_quality = None if "sleep_quality" in not_saved else sleep_quality
        mood = None if "mood" in not_saved else mood
        if {"school_days_attended", "school_days_scheduled"} & set(not_saved):
            school_days_attended = school_days_scheduled = None
        pain = None if "pain" in not_saved else pain
        flare = False if "flare" in not_saved else flare
        problems = {}
    if problems:
        raise ValidationError(problems)
    assert red_flags is not None and flare is not None  # both checked above
    flags = {RedFlag(value) for value in red_flags}
    if earlier is not None:
        answers = {
            "fdi_answers": list(fdi_answers) if fdi_answers is not None else None,
            "sleep_hours": sleep_hours,
            "sleep_quality": sleep_quality,
            "mood": mood,
            "school_days_attended": school_days_attended,
            "school_days_scheduled": school_days_scheduled,
            "flare": flare,
            "red_flags": sorted(flag.value for flag in flags),
            "pain": pain,
        }
        if all(getattr(earlier, name) == value for name, value in answers.items()):
            return _repeated(earlier)
        # The same form sent again with other answers (Back, a change, send): what the
        # person says now is a check-in of its own, a red flag newly ticked most of all.
        submission_key = ""
    refusal = check_in_late_refusal(made_on, patient_today, red_flags=red_flags)
    if refusal is not None:
        raise ValidationError({"made_on": [refusal]})
    fdi_total = None
    fdi_band = ""
    if fdi_answers is not None:
        score = fdi_score([int(answer or 0) for answer in fdi_answers])
        fdi_total, fdi_band = score.total, score.band.value
    # A red flag pauses progression from the day it is heard of: today, for a kept one.
    review_day = today or patient_today
    today = today or made_on or patient_today
    late = [] if today == review_day else [say(Say.ALERT_SENT_LATE, sent=review_day)]
    program = _running_program(patient)
    # The same form, sent again while the first was being saved, loses the race for its key:
    # the first one stands.
    check_in, new = create_unless_taken(
        CheckIn,
        taken_by={"patient": patient, "submission_key": submission_key} if submission_key else None,
        patient=patient,
        program=program,
        date=today,
        submitted_by=actor,
        submission_key=submission_key,
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
    if not new:
        return _repeated(check_in)
    review = None
    if RedFlag.SELF_HARM in flags:
        # Its own alert, apart from any other flag's: it asks for someone to reach the patient
        # today and a note of what was done, where a fever asks for a doctor's appointment.
        alert_raise(
            patient=patient,
            program=program,
            kind=AlertKind.SELF_HARM,
            said=[say(Say.ALERT_SELF_HARM, reported=today), *late],
        )
    others = tuple(flag.value for flag in sorted(flags - {RedFlag.SELF_HARM}))
    if others:
        alert_raise(
            patient=patient,
            program=program,
            kind=AlertKind.RED_FLAG,
            said=[say(Say.ALERT_RED_FLAG, reported=today, flags=others), *late],
        )
    if flags and program is not None:
        review = _pause_for_red_flag(program, flags, review_day, reported_on=today)
    return CheckInResult(
        check_in=check_in,
        guidance=red_flag_guidance(frozenset(flags)),
        review=review,
        not_saved=not_saved,
    )


def _pause_for_red_flag(
    program: Program, flags: set[RedFlag], today: date, *, reported_on: date | None = None
) -> WeeklyReview | None:
    """Progression pauses at once on a red flag: the red-flag review, or a pause when there is
    nothing to review yet. Whatever goes wrong in re-planning, the check-in and its alert
    stand (they are saved before this, in the same transaction), and the program is held.

    ``reported_on`` is the check-in's date when it is not ``today`` (a phone kept it while
    offline). One dated before this week is no part of this week's review, which would not
    see its flag: the program is paused without one."""
    names = tuple(flag.value for flag in sorted(flags))
    week = max(0, (today - program.start_date).days // 7)
    earlier_week = reported_on is not None and reported_on < program.start_date + timedelta(
        days=7 * week
    )
    try:
        with transaction.atomic():
            if earlier_week:
                if program.status in RUNNING:
                    program_pause(
                        actor=None,
                        program=program,
                        said=[say(Say.PAUSE_RED_FLAG_LATE, flags=names, reported=reported_on)],
                    )
                return None
            review = weekly_review_run(
                program=program, trigger=WeeklyReview.Trigger.RED_FLAG, today=today
            )
            if review is None and program.status in RUNNING:
                # Nothing done yet to review (the first session is still ahead): progression
                # pauses all the same, until a clinician resumes it.
                program_pause(
                    actor=None,
                    program=program,
                    said=[say(Say.PAUSE_RED_FLAG_BEFORE_FIRST, flags=names)],
                )
            return review
    except (ValidationError, PlannerInputError):
        # The alert has gone out; a clinician must look at the program anyway. Marked paused,
        # its sessions unchanged, so nothing is lost and nobody waits on the engine.
        logger.exception("program %s: the red-flag review failed; paused as it is", program.pk)
        why = [say(Say.PAUSE_RED_FLAG, flags=names)]
        Program.objects.filter(pk=program.pk, status__in=RUNNING).update(
            status=Program.Status.PAUSED,
            paused_reason=reasons.english(why),
            paused_reason_codes=reasons.as_stored(why),
        )
        today_cache.patient_changed(program.patient_id)
        return None


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
    review, new = create_unless_taken(
        WeeklyReview,
        taken_by={"program": program, "week": week, "trigger": trigger},
        program=program,
        week=week,
        trigger=trigger,
        decision=outcome.decision.value,
        reason=reasons.english(outcome.reasons),
        reason_codes=reasons.as_stored(outcome.reasons),
        step=outcome.step,
        next_step=outcome.next_step,
        adherence=outcome.adherence,
        sessions_planned=outcome.sessions_planned,
        sessions_done=outcome.sessions_done,
    )
    if not new:
        return review  # another run stored this week's review first
    store_sessions(program, activities, outcome.schedule.sessions, from_date=from_date)
    today_cache.patient_changed(program.patient_id)
    program.discharge_date = outcome.schedule.discharge_date
    follow_goal_date(program, plan, outcome.schedule)
    if outcome.decision is Decision.PAUSE:
        program.status = Program.Status.PAUSED
        if not program.paused_reason:
            program.paused_reason = reasons.english(outcome.reasons)
            program.paused_reason_codes = reasons.as_stored(outcome.reasons)
    else:
        upcoming = [s for s in outcome.schedule.sessions if s.date >= from_date]
        if upcoming:
            program.status = STATUS_FOR_PHASE[upcoming[0].phase]
    program.save()
    for kind in outcome.alerts:
        if kind is AlertKind.RED_FLAG:
            continue  # raised by the check-in itself, at once
        alert_raise(patient=program.patient, program=program, kind=kind, said=outcome.reasons)
    if outcome.decision is not Decision.PROGRESS:
        revision_record(
            program=program,
            actor=None,
            label=REVIEW_ACTOR,
            said=[say(Say.REVISION_WEEK_REVIEW, week=week + 1), *outcome.reasons],
        )
    return review
