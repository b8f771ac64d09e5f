"""The bridge between the records and the planner: rows in, the planner's values out.

Nothing else in programs/ calls the planner's schedule functions directly, so the mapping
between rows and engine values lives in one place. It writes nothing: the planner's sessions
become rows in programs/services/sessions.py. It reads the stored schedule back
(``stored_schedule``) because that read is the same translation run the other way; it stays
here rather than in programs/selectors.py, which imports this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError

from planner import (
    ActivityKind,
    ActivityPlan,
    Dose,
    ExertionRange,
    HeartRateProfile,
    HeartRateRange,
    IntensityBand,
    MaxHeartRateMethod,
    Phase,
    PlannerInputError,
    ProgramPlan,
    ReviewRules,
    Schedule,
    Session,
    assess_feasibility,
    every_goal_reached_on,
    generate_schedule,
    last_build_step,
)
from planner.units import Unit
from programs import reasons
from programs.models import PlannedDose, PlannedSession, Program, ProgramActivity

# The engine's rule defaults, stored with each program so a clinician can change them.
DEFAULT_PARAMETERS: dict[str, Any] = {
    "impact_weekly_cap": 0.10,
    "non_impact_weekly_cap": 0.20,
    "daily_minutes_cap": 60,
    "maintain_weeks": 3,
    "taper_weeks": 3,
    "intensity_weekly_step": 0.05,
    "max_hr_method": MaxHeartRateMethod.TANAKA.value,
    "measured_max_hr": None,
    "adherence_to_progress": 0.8,
    "low_adherence_alert": 0.5,
}


def parameters_of(program: Program) -> dict[str, Any]:
    return {**DEFAULT_PARAMETERS, **(program.parameters or {})}


def activity_plan(row: ProgramActivity) -> ActivityPlan:
    return ActivityPlan(
        key=row.key,
        kind=ActivityKind(row.kind),
        unit=Unit(row.unit),
        start_quota=row.start_quota,
        goal_quota=row.goal_quota,
        weekdays=frozenset(row.weekdays),
        impact=row.impact,
        times_per_day=row.times_per_day,
        start_intensity=IntensityBand(row.start_intensity),
        goal_intensity=IntensityBand(row.goal_intensity),
        metres_per_minute=row.metres_per_minute,
        seconds_per_repetition=row.seconds_per_repetition,
    )


def program_plan(program: Program, activities: Sequence[ProgramActivity]) -> ProgramPlan:
    """The engine's view of a program. Heart-rate targets need a resting heart rate."""
    params = parameters_of(program)
    patient = program.patient
    heart_rate = None
    if patient.resting_heart_rate is not None:
        heart_rate = HeartRateProfile(
            age=patient.age_on(program.start_date),
            resting_hr=patient.resting_heart_rate,
            method=MaxHeartRateMethod(params["max_hr_method"]),
            measured_max_hr=params["measured_max_hr"],
        )
    return ProgramPlan(
        activities=tuple(activity_plan(row) for row in activities),
        start_date=program.start_date,
        goal_date=program.goal_date,
        heart_rate=heart_rate,
        impact_weekly_cap=params["impact_weekly_cap"],
        non_impact_weekly_cap=params["non_impact_weekly_cap"],
        daily_minutes_cap=params["daily_minutes_cap"],
        maintain_weeks=params["maintain_weeks"],
        taper_weeks=params["taper_weeks"],
        intensity_weekly_step=params["intensity_weekly_step"],
        ramp_start=program.ramp_start,
    )


def review_rules(program: Program) -> ReviewRules:
    params = parameters_of(program)
    return ReviewRules(
        adherence_to_progress=params["adherence_to_progress"],
        low_adherence_alert=params["low_adherence_alert"],
    )


def as_validation_error(error: PlannerInputError, prefix: str = "") -> ValidationError:
    """The engine's error as a Django one, keyed by the field it names: its reason written in
    the active language, its code the reason's (which the API gives beside the words)."""
    field = f"{prefix}{error.field}" if prefix else error.field
    return ValidationError({field: [reasons.planner_error(error)]})


def checked_schedule(plan: ProgramPlan) -> Schedule:
    try:
        return generate_schedule(plan)
    except PlannerInputError as error:
        raise as_validation_error(error) from None


def dose_from_row(row: PlannedDose, activity: ActivityPlan) -> Dose:
    """The engine's dose for a stored row of ``activity``."""
    reserve = None
    if row.reserve_low is not None and row.reserve_high is not None:
        reserve = (row.reserve_low, row.reserve_high)
    heart_rate = None
    if row.heart_rate_low is not None and row.heart_rate_high is not None:
        heart_rate = HeartRateRange(low=row.heart_rate_low, high=row.heart_rate_high)
    exertion = None
    if row.exertion_low is not None and row.exertion_high is not None:
        exertion = ExertionRange(low=row.exertion_low, high=row.exertion_high)
    return Dose(
        activity=activity.key,
        kind=activity.kind,
        amount=row.amount,
        unit=Unit(row.unit),
        times_per_day=row.times_per_day,
        reserve_fractions=reserve,
        heart_rate=heart_rate,
        exertion=exertion,
        minutes_per_unit=activity.dose_minutes_per_unit,
    )


def stored_schedule(
    program: Program, activities: Sequence[ProgramActivity], plan: ProgramPlan
) -> Schedule:
    """The schedule as stored, so that the review and regeneration see what was planned."""
    by_id = {row.id: row for row in activities}
    engine_activity = {row.id: activity_plan(row) for row in activities}
    rows = PlannedSession.objects.filter(program=program).prefetch_related("doses").order_by("date")

    def doses_of(row: PlannedSession) -> tuple[Dose, ...]:
        ordered = sorted(row.doses.all(), key=lambda dose: by_id[dose.program_activity_id].order)
        return tuple(
            dose_from_row(dose, engine_activity[dose.program_activity_id]) for dose in ordered
        )

    sessions = tuple(
        Session(
            date=row.date,
            week=row.week,
            step=row.step,
            phase=Phase(row.phase),
            doses=doses_of(row),
        )
        for row in rows
    )
    return Schedule(
        start_date=program.start_date,
        sessions=sessions,
        feasibility=assess_feasibility(plan),
        last_build_step=last_build_step(plan),
        discharge_date=None if program.status == Program.Status.PAUSED else program.discharge_date,
    )


def follow_goal_date(program: Program, plan: ProgramPlan, schedule: Schedule) -> None:
    """Set ``program.planned_goal_date`` to when ``schedule`` reaches every goal, after a
    change that moves it (a hold, a step back, a resume, a new baseline); a schedule that
    does not get there (held by a pause) leaves it as it was. The caller saves."""
    reached = every_goal_reached_on(plan, schedule)
    if reached is not None:
        program.planned_goal_date = reached
