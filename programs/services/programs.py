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
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _

from planner import (
    IntensityBand,
    Phase,
    PlannerInputError,
    Schedule,
    Session,
    check_trial_dates,
    rebaseline_schedule,
    regenerate_schedule,
    resume_schedule,
    start_quota,
    step_in_force,
)
from planner.program import exact_cap
from planner.ramp import largest_next
from planner.units import MAX_AMOUNT, Unit
from programs import cache as today_cache
from programs import reasons
from programs.engine import (
    DEFAULT_PARAMETERS,
    activity_plan,
    as_validation_error,
    checked_schedule,
    dose_from_row,
    follow_goal_date,
    program_plan,
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
from programs.models.library import unit_word
from programs.models.plans import DEFAULT_FDI_EVERY_WEEKS
from programs.reasons import Say, say
from programs.services.common import audit_change, local_today, revision_record
from programs.services.inputs import (
    START_DATE_WINDOW_DAYS,
    checked_date,
    checked_fdi_every_weeks,
    checked_parameters,
    checked_session_time,
    checked_text,
    is_whole,
    refuse,
)
from programs.services.sessions import store_sessions

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
    # Moderate unless the clinician chooses light (DOMAIN.md); never vigorous at the start.
    start_intensity: str | None = None
    # The days the trials were done, one per trial, when known.
    baseline_dates: Sequence[date] | None = None
    # A pace of this program's own for a counted activity (the library's when None).
    metres_per_minute: float | None = None
    seconds_per_repetition: float | None = None


# Trials older than this before the program starts no longer say what the patient manages.
BASELINE_MAX_AGE_DAYS = 28
# Desensitization is done 2-3 times a day (DOMAIN.md): twice unless the clinician says.
DESENSITIZATION_DEFAULT_TIMES = 2


def _trial_dates_checked(
    dates: Sequence[date],
    *,
    trials: int,
    where: str,
    not_after: date,
    not_before: date,
    field: str = "dates",
) -> list[str]:
    """The trial dates as stored (ISO), or a ValidationError naming ``where``'s ``field``."""
    try:
        check_trial_dates(dates, trials=trials, not_after=not_after, not_before=not_before)
    except PlannerInputError as error:
        problem = PlannerInputError(error.field.replace("dates", field), error.reason)
        raise as_validation_error(problem, f"{where}.") from None
    return [day.isoformat() for day in dates]


def _default_times_per_day(activity: Activity) -> int:
    return DESENSITIZATION_DEFAULT_TIMES if activity.kind == "desensitization" else 1


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
    if choice.start_intensity is not None and choice.start_intensity not in BANDS:
        raise refuse(
            f"{where}.start_intensity", _("must be one of %(bands)s") % {"bands": ", ".join(BANDS)}
        )
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
            field,
            _("must be from 1 to %(limit)s %(unit)s") % {"limit": limit, "unit": unit_word(unit)},
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
    fdi_every_weeks: int | None = None,
) -> Program:
    """A draft program for ``patient``, from a template and the patient's baseline trials.

    Each activity's start quota is the chosen fraction (70% unless set) of the mean of its
    trials. The whole plan is checked by the engine before anything is saved.
    """
    goals = checked_text("goals", goals, required=_("write the goals in the patient's own words"))
    _check_program_dates(start_date, goal_date, local_today(patient))
    session_time = checked_session_time(DEFAULT_SESSION_TIME if session_time is None
                                        else session_time)  # fmt: skip
    fdi_every_weeks = checked_fdi_every_weeks(
        DEFAULT_FDI_EVERY_WEEKS if fdi_every_weeks is None else fdi_every_weeks
    )
    parameters = _checked_parameters(parameters)
    if isinstance(activities, str | bytes) or not isinstance(activities, Sequence):
        raise refuse("activities", _("must be a list of activities"))
    if not activities:
        raise refuse("activities", _("choose at least one activity"))
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
        raise refuse("template", _("is not a template of the patient's clinic"))
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
        fdi_every_weeks=fdi_every_weeks,
        parameters=parameters,
        created_by=actor,
    )
    taken: set[str] = set()
    rows = []
    for index, choice in enumerate(activities):
        where = f"activities[{index}]"
        activity = library.get(choice.activity_id)
        if activity is None or activity.clinic_id not in (None, patient.clinic_id):
            raise refuse(f"{where}.activity", _("no such activity in this clinic"))
        default = defaults.get(activity.id)
        # "is None", not "or": a 0 typed by the clinician is an error to report, not a blank
        # to fill from the template.
        goal_quota = _chosen(choice.goal_quota, default.goal_quota if default else None)
        if goal_quota is None:
            raise refuse(
                f"{where}.goal_quota", _("needed for an activity that is not in the template")
            )
        _check_goal_quota(goal_quota, activity.unit, f"{where}.goal_quota")
        fraction = _chosen(choice.start_fraction, default.start_fraction if default else 0.7)
        try:
            start = start_quota(choice.baseline_trials, unit=Unit(activity.unit), fraction=fraction)
        except PlannerInputError as error:
            field = error.field.replace("trials", "baseline_trials").replace(
                "fraction", "start_fraction"
            )
            raise as_validation_error(PlannerInputError(field, error.reason), f"{where}.") from None
        weekdays = _chosen(choice.weekdays, default.weekdays if default else list(range(7)))
        dates: list[str] = []
        if choice.baseline_dates is not None:
            dates = _trial_dates_checked(
                choice.baseline_dates,
                trials=len(choice.baseline_trials),
                where=where,
                not_after=local_today(patient),
                not_before=min(start_date, local_today(patient))
                - timedelta(days=BASELINE_MAX_AGE_DAYS),
                field="baseline_dates",
            )
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
                baseline_dates=dates,
                start_fraction=fraction,
                # Not clamped to the goal: trials above it mean a wrong goal or unit, and the
                # engine refuses the plan naming the start quota.
                start_quota=start,
                goal_quota=goal_quota,
                weekdays=sorted(set(weekdays)),
                times_per_day=_chosen(
                    choice.times_per_day,
                    default.times_per_day if default else _default_times_per_day(activity),
                ),
                start_intensity=_chosen(choice.start_intensity, "moderate"),
                goal_intensity=_chosen(
                    choice.goal_intensity, default.goal_intensity if default else "moderate"
                ),
                metres_per_minute=_chosen(choice.metres_per_minute, activity.metres_per_minute),
                seconds_per_repetition=_chosen(
                    choice.seconds_per_repetition, activity.seconds_per_repetition
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
    revision_record(program=program, actor=actor, said=[say(Say.REVISION_DRAFTED)])
    return program


def program_preview(*, program: Program) -> Schedule:
    """The schedule the program follows. A draft's is computed (what activation would store);
    a running program's is the stored one, so reviews, pauses and overrides show. A
    discharged program has none left to preview."""
    if program.status == Program.Status.DISCHARGED:
        raise refuse("status", _("a discharged program has no schedule to preview"))
    activities = list(program.activities.all())
    plan = program_plan(program, activities)
    if program.status == Program.Status.DRAFT:
        return checked_schedule(plan)
    return stored_schedule(program, activities, plan)


def _require_status(program: Program, allowed: Sequence[str], refusal: str) -> None:
    """Refuse unless the program's status is one of ``allowed``, with ``refusal``, a whole
    sentence (so each language words it whole) that names the status as %(status)s."""
    if program.status not in allowed:
        status = program.get_status_display().lower()
        raise refuse("status", refusal % {"status": status})


def _locked_in(program: Program, allowed: Sequence[str], refusal: str) -> Program:
    """The program read again and locked for the transaction, refused (``_require_status``)
    unless its status is one of ``allowed``."""
    program = Program.objects.select_for_update().get(pk=program.pk)
    _require_status(program, allowed, refusal)
    return program


@transaction.atomic
def program_activate(*, actor: User, program: Program, me_cfs_considered: bool) -> Program:
    """Start a draft program: its sessions are stored and followed from the start date.

    Graded increases are contraindicated in ME/CFS, so the clinician confirms it was
    considered.
    """
    program = _locked_in(
        program, [Program.Status.DRAFT], _("the program is %(status)s, so it cannot be activated")
    )
    if not me_cfs_considered:
        raise refuse(
            "me_cfs_considered",
            _(
                "confirm that ME/CFS (post-exertional malaise) was considered: graded "
                "exercise is contraindicated in it"
            ),
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
        raise ValidationError({"patient": [running_program_refusal(running)]})
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
    _patient_in_treatment(program.patient)
    revision_record(
        program=program,
        actor=actor,
        said=[say(Say.REVISION_ACTIVATED), schedule.feasibility.reason],
    )
    return program


def _regenerate(
    program: Program,
    *,
    from_date: date,
    step: int | None,
    paused: bool,
    boost_desensitization: bool = False,
) -> Schedule:
    """Re-plan from ``from_date`` at ``step``; None holds the step in force the day before,
    as the engine reads it (a new baseline's old sessions count as its ramp's first step)."""
    activities = list(program.activities.all())
    plan = program_plan(program, activities)
    current = stored_schedule(program, activities, plan)
    if step is None:
        step = step_in_force(plan, current, from_date - timedelta(days=1))
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


RUNNING = [Program.Status.ACTIVE, Program.Status.MAINTENANCE, Program.Status.TAPERING]


@transaction.atomic
def program_pause(
    *,
    actor: User | None,
    program: Program,
    reason: str = "",
    said: Sequence[reasons.Said] = (),
) -> Program:
    """Hold every dose where it is from tomorrow until a clinician resumes the program.

    Why: what a clinician typed (``reason``), or what the system says (``said``: a red flag
    that paused it)."""
    program = _locked_in(program, RUNNING, _("the program is %(status)s, so it cannot be paused"))
    required = None if said else _("say why the program is paused")
    reason = checked_text("reason", reason, required=required)
    today = local_today(program.patient)
    # A program that starts later is paused from its start: the engine plans nothing earlier.
    _regenerate(
        program, from_date=max(today + timedelta(days=1), program.start_date),
        step=None, paused=True,
    )  # fmt: skip
    why = [*said, *reasons.note(reason)]
    program.status = Program.Status.PAUSED
    program.paused_reason = reasons.english(why)
    program.paused_reason_codes = reasons.as_stored(why)
    program.save()
    revision_record(
        program=program, actor=actor, said=[say(Say.REVISION_PAUSED), *said], reason=reason
    )
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
    program = _locked_in(
        program, [Program.Status.PAUSED], _("the program is %(status)s, so it cannot be resumed")
    )
    reason = checked_text("reason", reason)
    # Resumed before its start, a program resumes from its start (the engine's "tomorrow").
    today = max(local_today(program.patient), program.start_date - timedelta(days=1))
    activities = list(program.activities.all())
    plan = program_plan(program, activities)
    current = stored_schedule(program, activities, plan)
    # The engine refuses a step above the one held (read in the current ramp's steps).
    try:
        schedule = resume_schedule(plan, current, today=today, step=step)
    except PlannerInputError as error:
        raise as_validation_error(error) from None
    store_sessions(program, activities, schedule.sessions, from_date=today + timedelta(days=1))
    today_cache.patient_changed(program.patient_id)
    program.discharge_date = schedule.discharge_date
    follow_goal_date(program, plan, schedule)
    program.status = Program.Status.ACTIVE
    program.paused_reason = ""
    program.paused_reason_codes = []
    program.save()
    revision_record(program=program, actor=actor, said=[say(Say.REVISION_RESUMED)], reason=reason)
    return program


@transaction.atomic
def program_discharge(*, actor: User, program: Program, reason: str = "") -> Program:
    """End the program: no more sessions from tomorrow; the patient enters relapse watch."""
    program = _locked_in(
        program,
        [*RUNNING, Program.Status.PAUSED],
        _("the program is %(status)s, so it cannot be discharged"),
    )
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
    revision_record(
        program=program, actor=actor, said=[say(Say.REVISION_DISCHARGED)], reason=reason
    )
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
        said=[say(Say.REVISION_COMPLETED, last_day=program.discharge_date - timedelta(days=1))],
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
        raise refuse("session", _("only future doses can be changed"))
    reason = checked_text("reason", reason, required=_("say why the dose is changed"))
    unit = dose.unit
    limit = MAX_AMOUNT[Unit(unit)]
    if not is_whole(amount) or not 1 <= amount <= limit:
        raise refuse(
            "amount",
            _("must be from 1 to %(limit)s %(unit)s") % {"limit": limit, "unit": unit_word(unit)},
        )
    if amount == dose.amount:
        raise refuse(
            "amount",
            _("is already %(amount)s %(unit)s") % {"amount": amount, "unit": unit_word(unit)},
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
        said=[
            say(
                Say.REVISION_DOSE,
                activity=dose.program_activity.name,
                date=dose.session.date,
                before=before,
                after=amount,
                unit=unit,
            )
        ],
        reason=reason,
    )
    return dose


# A second program, drafts, and the patient's status


def running_program_state(program: Program) -> str:
    """A running program in words for a clinician: "active since March 2, 2025", "paused,
    started March 2, 2025", "starting March 20, 2025" (in the active locale: config/formats).
    No raw status codes or ids."""
    started = date_format(program.start_date, "LONG_DATE_FORMAT")
    if program.start_date > local_today(program.patient):
        return _("starting %(date)s") % {"date": started}
    states: dict[str, str] = {
        Program.Status.ACTIVE: _("active since %(date)s"),
        Program.Status.PAUSED: _("paused, started %(date)s"),
        Program.Status.MAINTENANCE: _("in maintenance, started %(date)s"),
        Program.Status.TAPERING: _("tapering, started %(date)s"),
    }
    return states.get(program.status, _("started %(date)s")) % {"date": started}


def running_program_refusal(running: Program) -> str:
    """Why a second program cannot start, as the builder, the web and the API all say it."""
    return _(
        "%(name)s already follows a program (%(state)s). Discharge it before starting this one."
    ) % {"name": running.patient.first_name, "state": running_program_state(running)}


def _patient_in_treatment(patient: Patient) -> None:
    """A patient who starts a program is in treatment again, whatever a discharge (relapse
    watch) or a clinician (discharged, archived) set before: one status, the true one."""
    if patient.status != Patient.Status.ACTIVE:
        patient.status = Patient.Status.ACTIVE
        patient.save(update_fields=["status"])


@transaction.atomic
def program_update_draft(
    *,
    actor: User,
    program: Program,
    patient: Patient,
    start_date: date,
    goal_date: date,
    goals: str,
    activities: Sequence[ActivityChoice],
    template: ProgramTemplate | None = None,
    parameters: dict[str, Any] | None = None,
    session_time: time | None = None,
    fdi_every_weeks: int | None = None,
) -> Program:
    """Change a draft in place: its activities, dates, goals and parameters are replaced by
    what ``program_create`` would make of the same arguments, and a revision records it.

    The replacement is built by ``program_create`` itself, so an edit passes exactly the checks
    a new draft passes (any range added there holds here too), then moved onto the draft, so
    its id, its links and its revision history stay. Refused, nothing changes.
    """
    program = Program.objects.select_for_update().get(pk=program.pk)
    if program.status != Program.Status.DRAFT:
        raise ValidationError(
            {"status": [_("Only a draft can be edited; this program has started already.")]}
        )
    if patient.pk != program.patient_id:
        raise ValidationError(
            {"patient": [_("A draft stays with its patient; start a new draft for another.")]}
        )
    replacement = program_create(
        actor=actor,
        patient=patient,
        start_date=start_date,
        goal_date=goal_date,
        goals=goals,
        activities=activities,
        template=template,
        parameters=parameters,
        session_time=session_time,
        fdi_every_weeks=fdi_every_weeks,
    )
    # A draft has no sessions, doses or logs, so its activities can simply be replaced.
    program.activities.all().delete()
    replacement.activities.update(program=program)
    for name in ("template", "goals", "start_date", "goal_date", "session_time",
                 "fdi_every_weeks", "parameters", "planned_goal_date",
                 "discharge_date"):  # fmt: skip
        setattr(program, name, getattr(replacement, name))
    program.save()
    replacement.delete()
    revision_record(program=program, actor=actor, said=[say(Say.REVISION_DRAFT_CHANGED)])
    return program


@transaction.atomic
def program_discard_draft(*, actor: User, program: Program) -> None:
    """Delete a draft the clinician no longer wants, leaving an audit event that says who
    discarded which draft and when.

    Deleted rather than marked: a draft never ran (no sessions, logs or check-ins point at
    it) and nobody followed it, so nothing clinical is lost, while a "discarded" status would
    have to be excluded everywhere a program's status is read. The audit trail keeps the act.
    """
    program = Program.objects.select_for_update().select_related("patient").get(pk=program.pk)
    if program.status != Program.Status.DRAFT:
        raise ValidationError(
            {
                "status": [
                    _("Only a draft can be discarded; a program that has started is discharged.")
                ]
            }
        )
    patient = program.patient
    drafted = local_today(patient, program.created_at)
    what = (
        f"draft program {program.pk} discarded (drafted {drafted}, to start {program.start_date})"
    )
    program.delete()
    audit_change(actor=actor, patient=patient, what=what)


@dataclass(frozen=True)
class BaselineTrials:
    """New tolerance trials of one activity of a running program, with the days they were
    done; ``start_fraction`` is the activity's own unless given."""

    program_activity_id: int
    trials: Sequence[float]
    dates: Sequence[date]
    start_fraction: float | None = None


# New trials are done in the week before the new ramp starts (DOMAIN.md: "within a week").
REBASELINE_TRIAL_DAYS = 7


@transaction.atomic
def program_rebaseline(
    *,
    actor: User,
    program: Program,
    baselines: Sequence[BaselineTrials],
    reason: str = "",
) -> Program:
    """A clinician records new baseline trials, and every ramp restarts from them tomorrow.

    What the weekly review suggests after 14 days or more without activity. Each re-tested
    activity starts again at its fraction of the new trials' mean, the others at the dose
    they are at; none above the dose in force. The ramps climb to the same goals by the
    goal date, or by the earliest date the caps allow (the revision says which). The
    trials must have been done in the last seven days; nothing changes if any is refused.
    """
    program = Program.objects.select_for_update().select_related("patient").get(pk=program.pk)
    _require_status(
        program, RUNNING, _("the program is %(status)s, so it cannot be given a new baseline")
    )
    if not baselines:
        raise ValidationError({"baselines": [_("record the new trials of at least one activity")]})
    today = local_today(program.patient)
    activities = list(program.activities.all())
    by_id = {row.id: row for row in activities}
    starts: dict[str, int] = {}
    retested: dict[int, tuple[list[float], list[str], float]] = {}
    for index, entry in enumerate(baselines):
        where = f"baselines[{index}]"
        row = by_id.get(entry.program_activity_id)
        if row is None:
            raise ValidationError({f"{where}.activity": [_("is not an activity of this program")]})
        if row.id in retested:
            raise ValidationError({f"{where}.activity": [_("is given twice")]})
        fraction = _chosen(entry.start_fraction, row.start_fraction)
        try:
            start = start_quota(entry.trials, unit=Unit(row.unit), fraction=fraction)
        except PlannerInputError as error:
            field = error.field.replace("fraction", "start_fraction")
            raise as_validation_error(PlannerInputError(field, error.reason), f"{where}.") from None
        dates = _trial_dates_checked(
            entry.dates,
            trials=len(entry.trials),
            where=where,
            not_after=today,
            not_before=today - timedelta(days=REBASELINE_TRIAL_DAYS - 1),
        )
        starts[row.key] = start
        retested[row.id] = (list(entry.trials), dates, fraction)
    from_date = max(today + timedelta(days=1), program.start_date)
    plan = program_plan(program, activities)
    try:
        result = rebaseline_schedule(
            plan, stored_schedule(program, activities, plan), from_date=from_date,
            start_quotas=starts,
        )  # fmt: skip
    except PlannerInputError as error:
        raise as_validation_error(error) from None
    for row, planned in zip(activities, result.plan.activities, strict=True):
        row.start_quota = planned.start_quota
        if row.id in retested:
            row.baseline_trials, row.baseline_dates, row.start_fraction = retested[row.id]
    ProgramActivity.objects.bulk_update(
        activities, ["start_quota", "baseline_trials", "baseline_dates", "start_fraction"]
    )
    store_sessions(program, activities, result.schedule.sessions, from_date=from_date)
    today_cache.patient_changed(program.patient_id)
    program.ramp_start = from_date
    program.status = Program.Status.ACTIVE
    program.planned_goal_date = result.schedule.feasibility.earliest_goal_date
    follow_goal_date(program, result.plan, result.schedule)
    program.discharge_date = result.schedule.discharge_date
    program.save()
    revision_record(
        program=program,
        actor=actor,
        said=_rebaseline_reasons(activities, result.held, from_date, result.schedule),
        reason=reason,
    )
    return program


def _rebaseline_reasons(
    activities: Sequence[ProgramActivity],
    held: Sequence[str],
    from_date: date,
    schedule: Schedule,
) -> list[reasons.Said]:
    said: list[reasons.Said] = [say(Say.REVISION_NEW_BASELINE, date=from_date)]
    said += [
        say(Say.REVISION_NEW_START, activity=row.name, amount=row.start_quota, unit=row.unit)
        for row in activities
    ]
    if held:
        names = tuple(row.name for row in activities if row.key in held)
        said.append(say(Say.REVISION_HELD, activities=names))
    said.append(schedule.feasibility.reason)
    return said


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
    # A raise is measured from the last dose as planned, not from one raised by hand: raising
    # one day after another would otherwise compound the cap (10, 12, 14, 16... in a week).
    previous = series.filter(session__date__lt=dose.session.date, override_reason="").order_by(
        "-session__date"
    )
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
            % {"highest": highest, "unit": unit_word(unit), "cap": f"{cap * 100:g}%",
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
        dose_from_row(other, activity_plan(other.program_activity))
        for other in session.doses.select_related("program_activity").exclude(pk=dose.pk)
    ]
    raised = replace(dose_from_row(dose, activity_plan(row)), amount=amount)
    # The engine's own count of a day's home minutes, whatever the units.
    day = Session(
        date=session.date, week=session.week, step=session.step,
        phase=Phase(session.phase), doses=(*others, raised),
    )  # fmt: skip
    if day.exact_minutes > exact_cap(plan.daily_minutes_cap):
        raise refuse(
            "amount",
            _(
                "would make %(day)s %(minutes)s home minutes, above the daily cap of %(cap)s"
            )
            % {"day": session.date.isoformat(), "minutes": f"{day.minutes:g}",
               "cap": f"{plan.daily_minutes_cap:g}"},
        )  # fmt: skip
