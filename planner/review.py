"""The weekly review: what the week's logs and check-in mean for the weeks ahead.

The rules, in the order they are applied (DOMAIN.md, "Weekly review"):

1. A program paused for a clinician stays paused: only a clinician resumes it.
2. A red flag pauses progression at once, alerts the clinician and tells the patient to
   contact their doctor.
3. A gap without activity: 7-13 days steps back one week from the last completed level,
   14 days or more steps back two weeks and suggests a new baseline. Shorter gaps resume at
   the last completed level.
4. A flare holds the current quota (never stops it) and adds desensitization; flares that
   go on past two weeks alert the clinician.
5. Adherence below the threshold, or the quota missed in 2 of the last 3 sessions, holds.
6. Otherwise the program progresses to the next step.

Pain is not an input to any rule: a pain score may be recorded in the check-in, and it never
changes a dose.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from planner.errors import PlannerInputError
from planner.program import ActivityKind, ProgramPlan
from planner.reasons import Code, Reason, percent, reason
from planner.schedule import (
    Schedule,
    Session,
    in_current_ramp,
    regenerate_schedule,
    step_in_force,
)


class SessionStatus(StrEnum):
    DONE = "done"
    PARTIAL = "partial"
    MISSED = "missed"


class RedFlag(StrEnum):
    """Signs that are not AMPS and need a doctor (DOMAIN.md, "Safety: red flags")."""

    FEVER = "fever"
    RASH = "rash"
    JOINT_SWELLING = "joint_swelling"
    NIGHT_PAIN = "night_pain"
    BONE_PAIN = "bone_pain"
    WEIGHT_LOSS_OR_NIGHT_SWEATS = "weight_loss_or_night_sweats"
    BRUISING_OR_PALLOR = "bruising_or_pallor"
    LIMP = "limp"
    MUSCLE_WEAKNESS = "muscle_weakness"
    DARK_URINE = "dark_urine"
    CHEST_PAIN_OR_FAINTING = "chest_pain_or_fainting"
    SELF_HARM = "self_harm"


class Decision(StrEnum):
    PROGRESS = "progress"
    HOLD = "hold"
    STEP_BACK = "step_back"
    NEW_BASELINE = "new_baseline"
    PAUSE = "pause"


class AlertKind(StrEnum):
    # Thoughts of self-harm are not a red flag like joint swelling: they need someone to act
    # today, and the clinician records what was done.
    SELF_HARM = "self_harm"
    RED_FLAG = "red_flag"
    PERSISTENT_FLARE = "persistent_flare"
    LOW_ADHERENCE = "low_adherence"
    NO_ACTIVITY = "no_activity"


@dataclass(frozen=True)
class ActivityResult:
    """What was actually done of one activity: whole units, and exertion on OMNI 0-10."""

    activity: str
    amount: int
    exertion: int | None = None


@dataclass(frozen=True)
class SessionLog:
    """The log of the session planned on ``date``.

    A DONE log without a result for an activity counts that activity as done as planned.
    """

    date: date
    status: SessionStatus
    results: tuple[ActivityResult, ...] = ()

    def result_for(self, activity: str) -> ActivityResult | None:
        return next((result for result in self.results if result.activity == activity), None)


@dataclass(frozen=True)
class CheckIn:
    """The weekly check-in as far as the review needs it.

    ``pain`` (0-10) may be recorded; no rule reads it.
    """

    flare: bool = False
    red_flags: frozenset[RedFlag] = frozenset()
    pain: int | None = None


@dataclass(frozen=True)
class ReviewRules:
    """The review's thresholds; every one a clinician may change per program."""

    adherence_to_progress: float = 0.8
    low_adherence_alert: float = 0.5
    quota_window: int = 3
    quota_misses_to_hold: int = 2
    gap_days_step_back_one: int = 7
    gap_days_step_back_two: int = 14
    flare_weeks_before_alert: int = 2


@dataclass(frozen=True)
class Review:
    """A decision with the reasons a person can read, and the regenerated schedule.

    ``reasons`` are sentences as codes (planner.reasons): the decision's first, then what
    goes with it (flares that alert the clinician, a desensitization activity to add).
    ``patient_guidance`` is what the patient is told after red flags, or None.
    """

    week: int
    decision: Decision
    reasons: tuple[Reason, ...]
    step: int
    next_step: int
    step_back_weeks: int
    adherence: float
    sessions_planned: int
    sessions_done: int
    alerts: tuple[AlertKind, ...]
    add_desensitization: bool
    patient_guidance: Reason | None
    schedule: Schedule


def red_flag_guidance(red_flags: frozenset[RedFlag]) -> Reason | None:
    """The guidance for the patient after red flags; None when there are none.

    Other flags: the patient is told that this is not their pain condition and to contact
    their doctor today (GUIDANCE_CONTACT_DOCTOR). Thoughts of self-harm lead with the crisis
    line, said once: 988 to call or text, 911 for danger now (GUIDANCE_CRISIS); the other
    flags reported with them add only that a doctor should see those too
    (GUIDANCE_CRISIS_AND_DOCTOR).
    """
    if not red_flags:
        return None
    if RedFlag.SELF_HARM in red_flags:
        if red_flags == {RedFlag.SELF_HARM}:
            return reason(Code.GUIDANCE_CRISIS)
        return reason(Code.GUIDANCE_CRISIS_AND_DOCTOR)
    return reason(Code.GUIDANCE_CONTACT_DOCTOR)


def _did_something(session: Session, log: SessionLog | None) -> bool:
    """Whether the patient did any of the session: a log that is not "missed" and whose
    amounts (where given) are not all zero. "Done" with nothing done is not a session done."""
    if log is None or log.status is SessionStatus.MISSED:
        return False
    for dose in session.doses:
        result = log.result_for(dose.activity)
        if result is None or result.amount > 0:
            return True
    return not session.doses


def _quota_met(session: Session, log: SessionLog | None) -> bool:
    """Whether every dose's amount was reached. The amounts decide, not the status: a "done"
    log counts an activity without a result as done as planned, a "partial" one does not."""
    if log is None or log.status is SessionStatus.MISSED:
        return False
    for dose in session.doses:
        result = log.result_for(dose.activity)
        if result is None:
            if log.status is not SessionStatus.DONE:
                return False
        elif result.amount < dose.amount:
            return False
    return True


@dataclass(frozen=True)
class _WeekFacts:
    step: int
    planned: int
    done: int
    adherence: float
    at_quota: int
    quota_share: float
    quota_misses: int
    window: int
    last_completed_step: int | None
    gap_days: int


def _week_facts(
    schedule: Schedule,
    week: int,
    today: date,
    from_date: date,
    logs_by_date: dict[date, SessionLog],
    days_since_last_activity: int | None,
    rules: ReviewRules,
) -> _WeekFacts:
    past = [session for session in schedule.sessions if session.date <= today]
    this_week = [session for session in past if session.week == week]
    if not past:
        raise PlannerInputError("today", reason(Code.NO_SESSION_YET))
    # The week's step is the one its kept sessions end at, those after today included: an
    # earlier review may have re-planned them (a step back), and a hold repeats what the
    # week actually holds, not the step of the last session already past.
    kept_this_week = [
        session
        for session in schedule.sessions
        if session.week == week and session.date < from_date
    ]
    step = (kept_this_week or past)[-1].step
    done = sum(
        1 for session in this_week if _did_something(session, logs_by_date.get(session.date))
    )
    at_quota = sum(
        1 for session in this_week if _quota_met(session, logs_by_date.get(session.date))
    )
    planned = len(this_week)
    window = past[-rules.quota_window :]
    misses = sum(1 for session in window if not _quota_met(session, logs_by_date.get(session.date)))
    completed = [session for session in past if _quota_met(session, logs_by_date.get(session.date))]
    if days_since_last_activity is None:
        active_days = [
            session.date
            for session in past
            if _did_something(session, logs_by_date.get(session.date))
        ]
        last_active = max(active_days, default=schedule.start_date - timedelta(days=1))
        days_since_last_activity = (today - last_active).days
    return _WeekFacts(
        step=step,
        planned=planned,
        done=done,
        adherence=done / planned if planned else 1.0,
        at_quota=at_quota,
        quota_share=at_quota / planned if planned else 1.0,
        quota_misses=misses,
        window=len(window),
        last_completed_step=completed[-1].step if completed else None,
        gap_days=days_since_last_activity,
    )


def _within_reach(
    plan: ProgramPlan, schedule: Schedule, from_date: date, step: int, pausing: bool
) -> int:
    """The step the re-planned weeks may start at without breaking a cap.

    The sessions kept before ``from_date`` may already follow another step than the week
    under review: a review held after its week has ended keeps the days already begun, and
    an earlier review may have lowered the weeks after it. Consecutive ramp steps are within
    the weekly cap, so each activity's first new session may be at most one step above its
    last kept one, counting the step the re-planned weeks gain before that session comes. A
    pause never rises above any step in force or already planned.
    """
    from_week = schedule.week_of(from_date)
    for activity in plan.activities:
        kept = [
            session.step
            for session in schedule.sessions
            if session.date < from_date and session.dose_for(activity.key) is not None
        ]
        if not kept:
            continue
        if pausing:
            planned = [
                session.step
                for session in schedule.sessions
                if session.date >= from_date and session.dose_for(activity.key) is not None
            ]
            step = min(step, kept[-1], *planned[:1])
            continue
        if kept[-1] >= schedule.last_build_step:
            continue  # every later step has the goal doses: no step can raise one
        first = next(
            from_date + timedelta(days=offset)
            for offset in range(7)
            if (from_date + timedelta(days=offset)).weekday() in activity.weekdays
        )
        step = min(step, kept[-1] + 1 - (schedule.week_of(first) - from_week))
    return max(step, 0)


def weekly_review(
    plan: ProgramPlan,
    schedule: Schedule,
    *,
    week: int,
    today: date,
    logs: Sequence[SessionLog],
    check_in: CheckIn | None = None,
    days_since_last_activity: int | None = None,
    previous_flare_weeks: int = 0,
    paused: bool = False,
    rules: ReviewRules = ReviewRules(),
    replan_from: date | None = None,
) -> Review:
    """Review program week ``week`` on ``today`` and re-plan every session after today.

    ``logs`` are the session logs so far (a planned session without a log by ``today`` was
    missed). ``days_since_last_activity`` defaults to what the logs show.
    ``previous_flare_weeks`` counts the consecutive weeks before this one with a flare.
    ``paused`` says the program is already paused for a clinician.

    Sessions on or before ``today``, and every session of weeks before ``week``, are never
    changed. ``replan_from`` keeps more: a review stored late (after its week has ended, and
    after a clinician may have re-planned the days since) changes nothing before that date,
    and the new plan rises from the sessions actually kept, never two steps in a week. The
    same inputs always give the same review, so running it twice is harmless.
    """
    if week < 0:
        raise PlannerInputError("week", reason(Code.NOT_NEGATIVE))
    if today < schedule.week_start(week):
        raise PlannerInputError("today", reason(Code.BEFORE_WEEK, week=week))
    if days_since_last_activity is not None and days_since_last_activity < 0:
        raise PlannerInputError("days_since_last_activity", reason(Code.NOT_NEGATIVE))
    if previous_flare_weeks < 0:
        raise PlannerInputError("previous_flare_weeks", reason(Code.NOT_NEGATIVE))
    check_in = check_in or CheckIn()
    # A paused schedule is only un-paused by a clinician (``resume_schedule``).
    paused = paused or schedule.paused
    logs_by_date = {log.date: log for log in logs}
    # Steps are compared below: read the sessions of an earlier ramp in the current one's.
    view = in_current_ramp(plan, schedule)
    from_date = max(today + timedelta(days=1), schedule.week_start(week + 1))
    if check_in.red_flags or paused:
        from_date = today + timedelta(days=1)
    if replan_from is not None:
        from_date = max(from_date, replan_from)
    facts = _week_facts(view, week, today, from_date, logs_by_date, days_since_last_activity, rules)

    alerts: list[AlertKind] = []
    add_desensitization = False
    step_back = 0
    guidance = red_flag_guidance(check_in.red_flags)
    superseded = (
        plan.ramp_start is not None
        and schedule.week_start(week + 1) <= plan.ramp_start
        and not (paused or check_in.red_flags)
    )
    if superseded:
        # A review stored late, of a week that ended before a new baseline: the week says
        # nothing of the new ramp, which goes on as it was planned.
        return Review(
            week=week,
            decision=Decision.HOLD,
            reasons=(reason(Code.REVIEW_SUPERSEDED),),
            step=facts.step,
            next_step=facts.step,
            step_back_weeks=0,
            adherence=facts.adherence,
            sessions_planned=facts.planned,
            sessions_done=facts.done,
            alerts=(),
            add_desensitization=False,
            patient_guidance=None,
            schedule=schedule,
        )
    reasons: list[Reason] = []
    if paused and not check_in.red_flags:
        decision = Decision.PAUSE
        next_step = facts.step
        reasons.append(reason(Code.REVIEW_PAUSED))
    elif check_in.red_flags:
        decision = Decision.PAUSE
        next_step = facts.step
        alerts.append(AlertKind.RED_FLAG)
        flags = tuple(flag.value for flag in sorted(check_in.red_flags))
        reasons.append(reason(Code.REVIEW_RED_FLAG, flags=flags))
    elif facts.gap_days >= rules.gap_days_step_back_one:
        base = facts.last_completed_step if facts.last_completed_step is not None else 0
        alerts.append(AlertKind.NO_ACTIVITY)
        if facts.gap_days >= rules.gap_days_step_back_two:
            decision = Decision.NEW_BASELINE
            step_back = 2
            gap = Code.REVIEW_GAP_NEW_BASELINE
        else:
            decision = Decision.STEP_BACK
            step_back = 1
            gap = Code.REVIEW_GAP_STEP_BACK
        next_step = max(0, min(base, facts.step) - step_back)
        reasons.append(reason(gap, days=facts.gap_days))
    else:
        base = facts.step
        if facts.last_completed_step is not None and facts.gap_days >= 1:
            base = min(base, facts.last_completed_step)
        week_done = {
            "done": facts.done,
            "planned": facts.planned,
            "adherence": percent(facts.adherence),
        }
        needed = percent(rules.adherence_to_progress)
        if check_in.flare:
            decision = Decision.HOLD
            next_step = base
            add_desensitization = True
            reasons.append(Reason(Code.REVIEW_FLARE, week_done))
            if previous_flare_weeks >= rules.flare_weeks_before_alert:
                alerts.append(AlertKind.PERSISTENT_FLARE)
                reasons.append(reason(Code.REVIEW_FLARE_ALERT, weeks=previous_flare_weeks + 1))
        elif facts.adherence < rules.adherence_to_progress:
            decision = Decision.HOLD
            next_step = base
            reasons.append(Reason(Code.REVIEW_LOW_ADHERENCE, {**week_done, "needed": needed}))
        elif facts.quota_misses >= rules.quota_misses_to_hold:
            decision = Decision.HOLD
            next_step = base
            met = facts.window - facts.quota_misses
            reasons.append(reason(Code.REVIEW_QUOTA_MISSED, met=met, window=facts.window))
        elif facts.quota_share < rules.adherence_to_progress:
            decision = Decision.HOLD
            next_step = base
            reasons.append(
                reason(
                    Code.REVIEW_DOSES_SHORT,
                    full=facts.at_quota,
                    planned=facts.planned,
                    share=percent(facts.quota_share),
                    needed=needed,
                )
            )
        else:
            decision = Decision.PROGRESS
            next_step = base + 1
            reasons.append(Reason(Code.REVIEW_PROGRESS, week_done))
        if facts.adherence < rules.low_adherence_alert:
            alerts.append(AlertKind.LOW_ADHERENCE)

    has_desensitization = any(
        activity.kind is ActivityKind.DESENSITIZATION for activity in plan.activities
    )
    if add_desensitization and not has_desensitization:
        reasons.append(reason(Code.REVIEW_NO_DESENSITIZATION))
    next_step = _within_reach(plan, view, from_date, next_step, decision is Decision.PAUSE)
    regenerated = regenerate_schedule(
        plan,
        schedule,
        from_date=from_date,
        step=next_step,
        paused=decision is Decision.PAUSE,
        boost_desensitization=add_desensitization,
    )
    return Review(
        week=week,
        decision=decision,
        reasons=tuple(reasons),
        step=facts.step,
        next_step=next_step,
        step_back_weeks=step_back,
        adherence=facts.adherence,
        sessions_planned=facts.planned,
        sessions_done=facts.done,
        alerts=tuple(alerts),
        add_desensitization=add_desensitization,
        patient_guidance=guidance,
        schedule=regenerated,
    )


def resume_schedule(
    plan: ProgramPlan, schedule: Schedule, *, today: date, step: int | None = None
) -> Schedule:
    """A clinician resumes a paused program from tomorrow.

    The first week back repeats the step the program was held at, or ``step`` when the
    clinician chooses an easier one (0 is the start quota). A higher step is refused: every
    dose would rise past its weekly cap the day after the pause, and a step beyond the ramp
    would end the program at once. Progression continues from there.
    """
    held = step_in_force(plan, schedule, today)
    if step is None:
        step = held
    elif not isinstance(step, int) or isinstance(step, bool) or not 0 <= step <= held:
        if held == 0:
            problem = reason(Code.STEP_HELD_AT_ZERO)
        else:
            problem = reason(Code.STEP_ABOVE_HELD, held=held)
        raise PlannerInputError("step", problem)
    return regenerate_schedule(plan, schedule, from_date=today + timedelta(days=1), step=step)
