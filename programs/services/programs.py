"""Writes to programs: create from a template with baseline trials, activate, pause, resume,
discharge, override a dose. Each runs in one transaction and leaves a revision."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, time, timedelta
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from planner import (
    IntensityBand,
    Phase,
    PlannerInputError,
    Schedule,
    Session,
    regenerate_schedule,
    resume_schedule,
    start_quota,
)
from planner.ramp import largest_next
from planner.units import MAX_AMOUNT, Unit
from programs import cache as today_cache
from programs.engine import (
    DEFAULT_PARAMETERS,
    activity_plan,
    as_validation_error,
    checked_schedule,
    dose_from_row,
    program_plan,
    store_sessions,
    stored_schedule,
)
from programs.models import (
    Activity,
    Patient,
    PlannedDose,
    Program,
    ProgramActivity,
    ProgramTemplate,
    User,
)
from programs.services.common import local_today, revision_record
from programs.services.inputs import (
    START_DATE_WINDOW_DAYS,
    checked_date,
    checked_parameters,
    checked_session_time,
    checked_text,
    is_whole,
    refuse,
)

DEFAULT_SESSION_TIME = time(16, 30)
# Bouts a day of one activity (engine: 1-6).
MAX_TIMES_PER_DAY = 6

T = TypeVar("T")


@dataclass(frozen=True)
class ActivityChoice:
    """One activity of a new program: the baseline trials and anything that differs from the
    template. Fields left None come from the template's entry for the activity."""

    activity_id: int
    baseline_trials: Sequence[float]
    start_fraction: float | None = None
    goal_quota: int | None = None
    weekdays: Sequence[int] | None = None
    times_per_day: int | None = None
    goal_intensity: str | None = None


def _unique_key(name: str, taken: set[str]) -> str:
    base = slugify(name)[:50] or "activity"
    key, number = base, 2
    while key in taken:
        key, number = f"{base}-{number}", number + 1
    taken.add(key)
    return key


def _chosen(value: T | None, default: T) -> T:
    return default if value is None else value


def _checked_parameters(parameters: dict[str, Any] | None) -> dict[str, Any]:
    return checked_parameters(parameters, DEFAULT_PARAMETERS)


# A program with more activities than this is a list pasted twice, not a home program.
MAX_ACTIVITIES = 20
BANDS = [band.value for band in IntensityBand]


def _check_program_dates(start_date: object, goal_date: object, today: date) -> None:
    start = checked_date("start_date", start_date)
    checked_date("goal_date", goal_date)
    if abs((start - today).days) > START_DATE_WINDOW_DAYS:
        raise refuse(
            "start_date",
            _("must be within a year of today (%(today)s)") % {"today": today.isoformat()},
        )
    # The goal after the start and within 104 weeks of it: the engine's rules, checked at plan
    # time. A goal already past is allowed (a program begun on paper, now in maintenance), as
    # long as some of the program is left: see _check_not_over.


def _check_not_over(schedule: Schedule, today: date) -> None:
    """A program all of whose weeks are over by today would be discharged the day it starts:
    the dates were typed in the wrong year, or the draft waited too long."""
    if schedule.discharge_date is not None and schedule.discharge_date <= today:
        raise refuse(
            "goal_date",
            _(
                "leaves nothing to follow: the whole program, maintenance and taper included, "
                "would be over by today (%(today)s); check the start and goal dates"
            )
            % {"today": today.isoformat()},
        )


def _check_choice(choice: object, where: str) -> None:
    """The shape of one activity choice, before anything is saved or planned: a wrong type
    would otherwise reach the database (a 500) or the engine's enums."""
    if not isinstance(choice, ActivityChoice):
        raise refuse(where, _("must be an activity choice"))
    if not is_whole(choice.activity_id):
        raise refuse(f"{where}.activity", _("no such activity in this clinic"))
    trials = choice.baseline_trials
    if isinstance(trials, str | bytes) or not isinstance(trials, Sequence):
        raise refuse(f"{where}.baseline_trials", _("must be a list of tolerance trials"))
    if choice.goal_quota is not None and not is_whole(choice.goal_quota):
        raise refuse(f"{where}.goal_quota", _("must be a whole number"))
    if choice.times_per_day is not None and not (
        is_whole(choice.times_per_day) and 1 <= choice.times_per_day <= MAX_TIMES_PER_DAY
    ):
        raise refuse(
            f"{where}.times_per_day",
            _("must be a whole number from 1 to %(high)s") % {"high": MAX_TIMES_PER_DAY},
        )
    if choice.weekdays is not None:
        _check_weekdays(choice.weekdays, f"{where}.weekdays")
    if choice.goal_intensity is not None and choice.goal_intensity not in BANDS:
        raise refuse(
            f"{where}.goal_intensity", _("must be one of %(bands)s") % {"bands": ", ".join(BANDS)}
        )


def _check_weekdays(weekdays: object, field: str) -> None:
    if (
        isinstance(weekdays, str | bytes)
        or not isinstance(weekdays, Sequence)
        or not weekdays
        or not all(is_whole(day) and 0 <= day <= 6 for day in weekdays)
    ):
        raise refuse(field, _("choose at least one weekday, 0 (Monday) to 6 (Sunday)"))


def _check_goal_quota(goal_quota: int, unit: str, field: str) -> None:
    limit = MAX_AMOUNT[Unit(unit)]
    if not 1 <= goal_quota <= limit:
        raise refuse(
            field, _("must be from 1 to %(limit)s %(unit)s") % {"limit": limit, "unit": unit}
        )


@transaction.atomic
def program_create(
    *,
    actor: User,
    patient: Patient,
    start_date: date,
    goal_date: date,
    goals: str,
    activities: Sequence[ActivityChoice],
    template: ProgramTemplate | None = None,
    parameters: dict[str, Any] | None = None,
    session_time: time | None = None,
) -> Program:
    """A draft program for ``patient``, from a template and the patient's baseline trials.

    Each activity's start quota is the chosen fraction (70% unless set) of the mean of its
    trials. The whole plan is checked by the engine before anything is saved.
    """
    goals = checked_text("goals", goals, required=_("write the goals in the patient's own words"))
    _check_program_dates(start_date, goal_date, local_today(patient))
    session_time = checked_session_time(DEFAULT_SESSION_TIME if session_time is None
                                        else session_time)  # fmt: skip
    parameters = _checked_parameters(parameters)
    if isinstance(activities, str | bytes) or not isinstance(activities, Sequence):
        raise refuse("activities", _("must be a list of activities"))
    if not activities:
        raise ValidationError({"activities": ["choose at least one activity"]})
    if len(activities) > MAX_ACTIVITIES:
        raise refuse(
            "activities", _("at most %(count)s activities fit one program") % {
                "count": MAX_ACTIVITIES}
        )  # fmt: skip
    for index, choice in enumerate(activities):
        _check_choice(choice, f"activities[{index}]")
    seen: set[int] = set()
    for index, choice in enumerate(activities):
        # Twice the same activity is twice its dose under two names: one quota per activity.
        if choice.activity_id in seen:
            raise refuse(f"activities[{index}].activity", _("is chosen twice"))
        seen.add(choice.activity_id)
    if template is not None and template.clinic_id not in (None, patient.clinic_id):
        raise ValidationError({"template": ["is not a template of the patient's clinic"]})
    defaults = {}
    if template is not None:
        defaults = {row.activity_id: row for row in template.template_activities.all()}
    library = Activity.objects.in_bulk([choice.activity_id for choice in activities])
    program = Program.objects.create(
        patient=patient,
        template=template,
        goals=goals,
        start_date=start_date,
        goal_date=goal_date,
        session_time=session_time,
        parameters=parameters,
        created_by=actor,
    )
    taken: set[str] = set()
    rows = []
    for index, choice in enumerate(activities):
        where = f"activities[{index}]"
        activity = library.get(choice.activity_id)
        if activity is None or activity.clinic_id not in (None, patient.clinic_id):
            raise ValidationError({f"{where}.activity": ["no such activity in this clinic"]})
        default = defaults.get(activity.id)
        # "is None", not "or": a 0 typed by the clinician is an error to report, not a blank
        # to fill from the template.
        goal_quota = _chosen(choice.goal_quota, default.goal_quota if default else None)
        if goal_quota is None:
            raise ValidationError(
                {f"{where}.goal_quota": ["needed for an activity that is not in the template"]}
            )
        _check_goal_quota(goal_quota, activity.unit, f"{where}.goal_quota")
        fraction = _chosen(choice.start_fraction, default.start_fraction if default else 0.7)
        try:
            start = start_quota(choice.baseline_trials, unit=Unit(activity.unit), fraction=fraction)
        except PlannerInputError as error:
            field = error.field.replace("trials", "baseline_trials").replace(
                "fraction", "start_fraction"
            )
            raise as_validation_error(
                PlannerInputError(field, error.problem), f"{where}."
            ) from None
        weekdays = _chosen(choice.weekdays, default.weekdays if default else list(range(7)))
        rows.append(
            ProgramActivity(
                program=program,
                activity=activity,
                key=_unique_key(activity.name, taken),
                name=activity.name,
                kind=activity.kind,
                unit=activity.unit,
                impact=activity.impact,
                order=index,
                baseline_trials=list(choice.baseline_trials),
                start_fraction=fraction,
                # Not clamped to the goal: trials above it mean a wrong goal or unit, and the
                # engine refuses the plan naming the start quota.
                start_quota=start,
                goal_quota=goal_quota,
                weekdays=sorted(set(weekdays)),
                times_per_day=_chosen(
                    choice.times_per_day, default.times_per_day if default else 1
                ),
                goal_intensity=_chosen(
                    choice.goal_intensity, default.goal_intensity if default else "moderate"
                ),
            )
        )
    ProgramActivity.objects.bulk_create(rows)
    saved = list(program.activities.all())
    schedule = checked_schedule(program_plan(program, saved))
    _check_not_over(schedule, local_today(patient))
    program.planned_goal_date = schedule.feasibility.earliest_goal_date
    program.discharge_date = schedule.discharge_date
    program.save(update_fields=["planned_goal_date", "discharge_date"])
    revision_record(program=program, actor=actor, reason="Program drafted.")
    return program


def program_preview(*, program: Program) -> Schedule:
    """The schedule the program follows. A draft's is computed (what activation would store);
    a running program's is the stored one, so reviews, pauses and overrides show. A
    discharged program has none left to preview."""
    if program.status == Program.Status.DISCHARGED:
        raise ValidationError({"status": ["a discharged program has no schedule to preview"]})
    activities = list(program.activities.all())
    plan = program_plan(program, activities)
    if program.status == Program.Status.DRAFT:
        return checked_schedule(plan)
    return stored_schedule(program, activities, plan)


def _require_status(program: Program, allowed: Sequence[str], action: str) -> None:
    if program.status not in allowed:
        raise ValidationError(
            {"status": [f"a {program.get_status_display().lower()} program cannot be {action}"]}
        )


@transaction.atomic
def program_activate(*, actor: User, program: Program, me_cfs_considered: bool) -> Program:
    """Start a draft program: its sessions are stored and followed from the start date.

    Graded increases are contraindicated in ME/CFS, so the clinician confirms it was
    considered.
    """
    program = Program.objects.select_for_update().get(pk=program.pk)
    _require_status(program, [Program.Status.DRAFT], "activated")
    if not me_cfs_considered:
        raise ValidationError(
            {
                "me_cfs_considered": [
                    "confirm that ME/CFS (post-exertional malaise) was considered: graded "
                    "exercise is contraindicated in it"
                ]
            }
        )
    # One schedule at a time: two running programs would give the patient two sessions a day
    # and the weekly review two answers. The clinician discharges the old one first.
    running = (
        Program.objects.filter(
            patient_id=program.patient_id,
            status__in=[
                Program.Status.ACTIVE,
                Program.Status.PAUSED,
                Program.Status.MAINTENANCE,
                Program.Status.TAPERING,
            ],
        )
        .exclude(pk=program.pk)
        .first()
    )
    if running is not None:
        raise ValidationError(
            {
                "patient": [
                    f"already follows a {running.get_status_display().lower()} program "
                    f"(#{running.pk}); discharge it before activating another"
                ]
            }
        )
    activities = list(program.activities.all())
    schedule = checked_schedule(program_plan(program, activities))
    _check_not_over(schedule, local_today(program.patient))
    store_sessions(program, activities, schedule.sessions, from_date=program.start_date)
    today_cache.patient_changed(program.patient_id)
    now = timezone.now()
    program.status = Program.Status.ACTIVE
    program.me_cfs_confirmed_by = actor
    program.me_cfs_confirmed_at = now
    program.activated_at = now
    program.planned_goal_date = schedule.feasibility.earliest_goal_date
    program.discharge_date = schedule.discharge_date
    program.save()
    revision_record(
        program=program,
        actor=actor,
        reason=f"Activated; ME/CFS exclusion considered. {schedule.feasibility.message}",
    )
    return program


def _regenerate(
    program: Program,
    *,
    from_date: date,
    step: int,
    paused: bool,
    boost_desensitization: bool = False,
) -> Schedule:
    activities = list(program.activities.all())
    plan = program_plan(program, activities)
    current = stored_schedule(program, activities, plan)
    schedule = regenerate_schedule(
        plan,
        current,
        from_date=from_date,
        step=step,
        paused=paused,
        boost_desensitization=boost_desensitization,
    )
    store_sessions(program, activities, schedule.sessions, from_date=from_date)
    today_cache.patient_changed(program.patient_id)
    program.discharge_date = schedule.discharge_date
    return schedule


def _current_step(program: Program, today: date) -> int:
    session = program.sessions.filter(date__lte=today).order_by("-date").first()
    return session.step if session else 0


def _resume_step_problem(held: int) -> str:
    if held == 0:
        return _("can only be 0, the step the program is held at")
    return _(
        "must be from 0 (the start quota) to %(held)s, the step the program is held at: a "
        "higher step would raise the doses past their weekly caps"
    ) % {"held": held}


RUNNING = [Program.Status.ACTIVE, Program.Status.MAINTENANCE, Program.Status.TAPERING]


@transaction.atomic
def program_pause(*, actor: User | None, program: Program, reason: str) -> Program:
    """Hold every dose where it is from tomorrow until a clinician resumes the program."""
    program = Program.objects.select_for_update().get(pk=program.pk)
    _require_status(program, RUNNING, "paused")
    reason = checked_text("reason", reason, required="say why the program is paused")
    today = local_today(program.patient)
    # A program that starts later is paused from its start: the engine plans nothing earlier.
    _regenerate(
        program, from_date=max(today + timedelta(days=1), program.start_date),
        step=_current_step(program, today), paused=True,
    )  # fmt: skip
    program.status = Program.Status.PAUSED
    program.paused_reason = reason
    program.save()
    revision_record(program=program, actor=actor, reason=f"Paused: {reason}")
    return program


@transaction.atomic
def program_resume(
    *, actor: User, program: Program, reason: str = "", step: int | None = None
) -> Program:
    """A clinician resumes a paused program; progression continues from the held step, or
    from an earlier one the clinician chooses (``step``: 0 is the start quota).

    A step above the held one is refused: every dose would jump past its weekly cap the day
    after the pause, and a step beyond the ramp would end the program at once.
    """
    program = Program.objects.select_for_update().get(pk=program.pk)
    _require_status(program, [Program.Status.PAUSED], "resumed")
    reason = checked_text("reason", reason)
    # Resumed before its start, a program resumes from its start (the engine's "tomorrow").
    today = max(local_today(program.patient), program.start_date - timedelta(days=1))
    if step is not None:
        held = _current_step(program, today)
        if not is_whole(step) or not 0 <= step <= held:
            raise refuse("step", _resume_step_problem(held))
    activities = list(program.activities.all())
    plan = program_plan(program, activities)
    schedule = resume_schedule(plan, stored_schedule(program, activities, plan), today=today,
                               step=step)  # fmt: skip
    store_sessions(program, activities, schedule.sessions, from_date=today + timedelta(days=1))
    today_cache.patient_changed(program.patient_id)
    program.discharge_date = schedule.discharge_date
    program.status = Program.Status.ACTIVE
    program.paused_reason = ""
    program.save()
    revision_record(
        program=program, actor=actor, reason=f"Resumed by a clinician. {reason}".strip()
    )
    return program


@transaction.atomic
def program_discharge(*, actor: User, program: Program, reason: str = "") -> Program:
    """End the program: no more sessions from tomorrow; the patient enters relapse watch."""
    program = Program.objects.select_for_update().get(pk=program.pk)
    _require_status(program, [*RUNNING, Program.Status.PAUSED], "discharged")
    today = local_today(program.patient)
    store_sessions(program, [], [], from_date=today + timedelta(days=1))
    today_cache.patient_changed(program.patient_id)
    program.status = Program.Status.DISCHARGED
    program.discharged_at = timezone.now()
    program.discharge_date = today + timedelta(days=1)
    program.save()
    patient = program.patient
    patient.status = Patient.Status.RELAPSE_WATCH
    patient.save(update_fields=["status"])
    revision_record(program=program, actor=actor, reason=f"Discharged. {reason}".strip())
    return program


@transaction.atomic
def program_complete(*, program: Program) -> Program:
    """Discharge a program whose schedule has run out: its discharge date (the day after the
    last taper week) has come in the patient's time zone. The system does this, not a person.

    Safe to run twice, and a no-op for a program that is not yet due: paused (no discharge
    date), already discharged, or with a discharge date still ahead.
    """
    program = Program.objects.select_for_update().select_related("patient").get(pk=program.pk)
    today = local_today(program.patient)
    if (
        program.status not in RUNNING
        or program.discharge_date is None
        or program.discharge_date > today
    ):
        return program
    # The schedule holds nothing from the discharge date on; this only tidies up.
    store_sessions(program, [], [], from_date=program.discharge_date)
    today_cache.patient_changed(program.patient_id)
    program.status = Program.Status.DISCHARGED
    program.discharged_at = timezone.now()
    program.save()
    patient = program.patient
    patient.status = Patient.Status.RELAPSE_WATCH
    patient.save(update_fields=["status"])
    revision_record(
        program=program,
        actor=None,
        reason=(
            f"Discharged: the program ended on "
            f"{program.discharge_date - timedelta(days=1)}, its last planned day."
        ),
    )
    return program


@transaction.atomic
def dose_override(*, actor: User, dose: PlannedDose, amount: int, reason: str) -> PlannedDose:
    """A clinician sets one future dose by hand, with a reason.

    A deliberate clinical decision, but never one that breaks a rule silently: a dose may be
    lowered (a one-off; the plan resumes from its own level the session after), and raised
    only as far as the weekly cap allows over the dose before it, within the daily minutes
    cap, not while the program is paused, and not next to a rise in intensity (one change
    at a time). Anything else is refused with the reason and the largest dose allowed.
    """
    dose = (
        PlannedDose.objects.select_for_update()
        .select_related("session__program", "program_activity")
        .get(pk=dose.pk)
    )
    program = dose.session.program
    if dose.session.date <= local_today(program.patient):
        raise ValidationError({"session": ["only future doses can be changed"]})
    reason = checked_text("reason", reason, required="say why the dose is changed")
    unit = dose.unit
    limit = MAX_AMOUNT[Unit(unit)]
    if not is_whole(amount) or not 1 <= amount <= limit:
        raise ValidationError({"amount": [f"must be from 1 to {limit} {unit}"]})
    if amount == dose.amount:
        raise refuse(
            "amount", _("is already %(amount)s %(unit)s") % {"amount": amount, "unit": unit}
        )
    if amount > dose.amount:
        _check_raised_dose(program, dose, amount)
    before = dose.amount
    dose.amount = amount
    dose.override_reason = reason
    dose.save(update_fields=["amount", "override_reason"])
    today_cache.patient_changed(program.patient_id)
    revision_record(
        program=program,
        actor=actor,
        reason=(
            f"{dose.program_activity.name} on {dose.session.date}: {before} to {amount} "
            f"{unit}. {reason}"
        ),
    )
    return dose


def _check_raised_dose(program: Program, dose: PlannedDose, amount: int) -> None:
    """Refuse a raised dose that would break a rule the engine keeps (see dose_override)."""
    unit = dose.unit
    if dose.session.phase == Phase.PAUSED.value or program.status == Program.Status.PAUSED:
        raise refuse(
            "amount",
            _("cannot rise while the program is paused: resume it first, then change the dose"),
        )
    activities = list(program.activities.all())
    plan = program_plan(program, activities)
    row = next(row for row in activities if row.id == dose.program_activity_id)
    series = PlannedDose.objects.filter(program_activity=row).select_related("session")
    previous = series.filter(session__date__lt=dose.session.date).order_by("-session__date")
    following = series.filter(session__date__gt=dose.session.date).order_by("session__date")
    before, after = previous.first(), following.first()
    if before is None:
        raise refuse(
            "amount",
            _("cannot rise on the first session: the start comes from the baseline trials"),
        )
    cap = plan.weekly_cap(activity_plan(row))
    highest = largest_next(before.amount, cap)
    if amount > highest:
        raise refuse(
            "amount",
            _(
                "can be at most %(highest)s %(unit)s: the weekly cap of %(cap)s over the "
                "%(before)s %(unit)s of %(day)s allows no more"
            )
            % {"highest": highest, "unit": unit, "cap": f"{cap * 100:g}%",
               "before": before.amount, "day": before.session.date.isoformat()},
        )  # fmt: skip
    fractions = (dose.reserve_low, dose.reserve_high)
    neighbours = [(before.reserve_low, before.reserve_high)]
    if after is not None:
        neighbours.append((after.reserve_low, after.reserve_high))
    if any(fractions != other for other in neighbours):
        raise refuse(
            "amount",
            _("cannot rise next to a rise in intensity: change one thing at a time"),
        )
    session = dose.session
    others = [
        dose_from_row(other, other.program_activity.key, other.program_activity.kind)
        for other in session.doses.select_related("program_activity").exclude(pk=dose.pk)
    ]
    raised = replace(dose_from_row(dose, row.key, row.kind), amount=amount)
    # The engine's own count of a day's home minutes, whatever the units.
    day = Session(
        date=session.date, week=session.week, step=session.step,
        phase=Phase(session.phase), doses=(*others, raised),
    )  # fmt: skip
    if day.minutes > plan.daily_minutes_cap + 1e-9:
        raise refuse(
            "amount",
            _(
                "would make %(day)s %(minutes)s home minutes, above the daily cap of %(cap)s"
            )
            % {"day": session.date.isoformat(), "minutes": f"{day.minutes:g}",
               "cap": f"{plan.daily_minutes_cap:g}"},
        )  # fmt: skip
