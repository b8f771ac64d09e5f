"""Writes to the clinic's people and library: patients, guardians, activities, templates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from planner.intensity import MAX_RESTING_HR, MIN_RESTING_HR
from programs import cache as today_cache
from programs.models import (
    Activity,
    Clinic,
    Guardian,
    Patient,
    Program,
    ProgramTemplate,
    StaffMembership,
    TemplateActivity,
    User,
)
from programs.services.common import audit_change
from programs.services.inputs import checked_date, checked_text, is_whole, refuse


def _clean(instance: Patient | Guardian | Activity | ProgramTemplate | Clinic) -> None:
    """Run the model's own field validation, so bad input never reaches the database."""
    instance.full_clean(validate_unique=False, validate_constraints=False)


@transaction.atomic
def clinic_create(
    *,
    name: str,
    time_zone: str = "America/New_York",
    short_name: str = "",
    locale: str = Clinic.Locale.EN_US,
) -> Clinic:
    clinic = Clinic(
        name=name.strip(), short_name=short_name.strip(), time_zone=time_zone, locale=locale
    )
    _clean(clinic)
    clinic.save()
    return clinic


@transaction.atomic
def staff_add(*, user: User, clinic: Clinic, role: str) -> StaffMembership:
    if role not in StaffMembership.Role.values:
        raise refuse("role", _("must be therapist or clinic_admin"))
    membership, _created = StaffMembership.objects.update_or_create(
        user=user, clinic=clinic, defaults={"role": role}
    )
    return membership


def checked_language(value: object, field: str = "language") -> str:
    """One of the languages a person may choose (settings.PEOPLE_LANGUAGES): "en" or "es"."""
    offered = dict(settings.PEOPLE_LANGUAGES)
    if not isinstance(value, str) or value not in offered:
        raise refuse(
            field,
            _("must be one of the languages offered: %(names)s")
            % {"names": ", ".join(f"{code} ({name})" for code, name in offered.items())},
        )
    return value


@transaction.atomic
def user_language_set(*, user: User, language: str) -> User:
    """The language ``user`` reads gradus in from now on: their pages at the next request,
    their emails from the next one sent (programs.locale)."""
    user.language = checked_language(language)
    User.objects.filter(pk=user.pk).update(language=user.language)
    return user


def _check_patient_values(values: dict[str, object]) -> None:
    """What the model's own validation cannot see: a wrong type it would quietly convert
    (72.5 beats to 72, True to 1) and text PostgreSQL cannot store. The ranges themselves
    (age 5-100, resting heart rate, time zone) are the model's, so the admin checks them
    too."""
    for name in ("first_name", "last_name"):
        if name in values:
            checked_text(name, values[name], max_length=60)
    if "resting_heart_rate" in values:
        rate = values["resting_heart_rate"]
        in_range = isinstance(rate, int) and MIN_RESTING_HR <= rate <= MAX_RESTING_HR
        if rate is not None and not (is_whole(rate) and in_range):
            raise refuse(
                "resting_heart_rate",
                _("must be a whole number of beats per minute, from %(low)s to %(high)s")
                % {"low": MIN_RESTING_HR, "high": MAX_RESTING_HR},
            )
    if "date_of_birth" in values:
        checked_date("date_of_birth", values["date_of_birth"])


def _clinic_staff(clinic: Clinic, therapists: Sequence[User]) -> list[User]:
    staff = [t for t in therapists if t.memberships.filter(clinic=clinic).exists()]
    if len(staff) != len(therapists):
        raise refuse("therapists", _("every therapist must work at the clinic"))
    return staff


@transaction.atomic
def patient_create(
    *,
    actor: User,
    clinic: Clinic,
    first_name: str,
    last_name: str,
    date_of_birth: date,
    diagnosis: str,
    time_zone: str | None = None,
    resting_heart_rate: int | None = None,
    therapists: Sequence[User] = (),
    user: User | None = None,
) -> Patient:
    _check_patient_values(
        {"first_name": first_name, "last_name": last_name, "date_of_birth": date_of_birth,
         "resting_heart_rate": resting_heart_rate}
    )  # fmt: skip
    patient = Patient(
        clinic=clinic,
        user=user,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        date_of_birth=date_of_birth,
        diagnosis=diagnosis,
        time_zone=time_zone or clinic.time_zone,
        resting_heart_rate=resting_heart_rate,
    )
    _clean(patient)
    patient.save()
    patient.therapists.set(_clinic_staff(clinic, therapists))
    audit_change(actor=actor, patient=patient, what="patient created")
    return patient


PATIENT_FIELDS = frozenset(
    {"first_name", "last_name", "date_of_birth", "diagnosis", "time_zone", "resting_heart_rate",
     "status"}
)  # fmt: skip


def _check_no_running_program(patient: Patient) -> None:
    """A patient who follows a running program is in treatment: relapse watch, discharged or
    archived beside a running program would be two statuses, and the closed ones stop the
    family's reminders while the sessions go on."""
    running = Program.objects.filter(patient=patient).exclude(
        status__in=[Program.Status.DRAFT, Program.Status.DISCHARGED]
    )
    if running.exists():
        raise refuse(
            "status",
            _(
                "%(name)s follows a running program, so stays active: discharge the program "
                "first (relapse watch then starts by itself)."
            )
            % {"name": patient.first_name},
        )


@transaction.atomic
def patient_update(
    *,
    actor: User,
    patient: Patient,
    therapists: Sequence[User] | None = None,
    **changes: object,
) -> Patient:
    """Change the patient's details; ``therapists`` (when given) replaces the assigned ones."""
    unknown = sorted(set(changes) - PATIENT_FIELDS)
    if unknown:
        raise refuse(unknown[0], _("cannot be changed here"))
    _check_patient_values(changes)
    if changes.get("status", Patient.Status.ACTIVE) != Patient.Status.ACTIVE:
        _check_no_running_program(patient)
    for name, value in changes.items():
        setattr(patient, name, value)
    _clean(patient)
    patient.save()
    today_cache.patient_changed(patient.id)  # the time zone sets which day is today
    changed = sorted(changes)
    if therapists is not None:
        patient.therapists.set(_clinic_staff(patient.clinic, therapists))
        changed = sorted([*changed, "therapists"])
    audit_change(actor=actor, patient=patient, what=f"patient updated: {', '.join(changed)}")
    return patient


@transaction.atomic
def guardian_create(
    *,
    actor: User,
    patient: Patient,
    first_name: str,
    last_name: str,
    relation: str,
    user: User | None = None,
) -> Guardian:
    guardian = Guardian(
        patient=patient,
        user=user,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        relation=relation,
    )
    _clean(guardian)
    if user is not None and Guardian.objects.filter(patient=patient, user=user).exists():
        raise refuse("user", _("is already a guardian of this patient"))
    guardian.save()
    audit_change(actor=actor, patient=patient, what="guardian linked")
    return guardian


@transaction.atomic
def activity_create(
    *,
    clinic: Clinic | None,
    name: str,
    kind: str,
    unit: str,
    impact: bool = False,
    instructions: str = "",
    media_url: str = "",
    metres_per_minute: float | None = None,
    seconds_per_repetition: float | None = None,
) -> Activity:
    activity = Activity(
        clinic=clinic,
        name=name.strip(),
        kind=kind,
        unit=unit,
        impact=impact,
        instructions=instructions,
        media_url=media_url,
        metres_per_minute=metres_per_minute,
        seconds_per_repetition=seconds_per_repetition,
    )
    _clean(activity)
    if Activity.objects.filter(clinic=clinic, name__iexact=activity.name).exists():
        raise refuse("name", _("an activity with this name already exists"))
    activity.save()
    return activity


# Kind and unit stay: template goals and programs were written in them.
ACTIVITY_FIELDS = frozenset(
    {"name", "impact", "instructions", "media_url", "is_active", "metres_per_minute",
     "seconds_per_repetition"}
)  # fmt: skip


@transaction.atomic
def activity_update(*, activity: Activity, **changes: object) -> Activity:
    """Change a clinic's own activity. The global library is read-only to clinics."""
    if activity.clinic_id is None:
        raise PermissionDenied("The global activity library cannot be changed.")
    unknown = sorted(set(changes) - ACTIVITY_FIELDS)
    if unknown:
        raise refuse(unknown[0], _("cannot be changed here"))
    for name, value in changes.items():
        setattr(
            activity, name, value.strip() if name == "name" and isinstance(value, str) else value
        )
    _clean(activity)
    duplicate = Activity.objects.filter(clinic_id=activity.clinic_id, name__iexact=activity.name)
    if duplicate.exclude(pk=activity.pk).exists():
        raise refuse("name", _("an activity with this name already exists"))
    activity.save()
    today_cache.library_changed()
    return activity


@dataclass(frozen=True)
class TemplateEntry:
    activity: Activity
    goal_quota: int
    weekdays: Sequence[int] = tuple(range(7))
    start_fraction: float = 0.7
    times_per_day: int = 1
    goal_intensity: str = "moderate"


# As many activities as a program may have (services.programs.MAX_ACTIVITIES).
MAX_TEMPLATE_ENTRIES = 20


def _check_template_entries(entries: Sequence[TemplateEntry]) -> None:
    """The types the model would quietly convert (True to 1, 30.5 to 30) or choke on, and
    the same activity twice; the model's own validation checks the ranges after this."""
    if len(entries) > MAX_TEMPLATE_ENTRIES:
        raise refuse(
            "activities",
            _("at most %(count)s activities fit one template") % {"count": MAX_TEMPLATE_ENTRIES},
        )
    seen: set[int] = set()
    for index, entry in enumerate(entries):
        where = f"activities[{index}]"
        if not isinstance(entry, TemplateEntry) or not isinstance(entry.activity, Activity):
            raise refuse(where, _("must be an activity with its goal"))
        if entry.activity.pk in seen:
            raise refuse(f"{where}.activity", _("is chosen twice"))
        seen.add(entry.activity.pk)
        for name in ("goal_quota", "times_per_day"):
            if not is_whole(getattr(entry, name)):
                raise refuse(f"{where}.{name}", _("must be a whole number"))
        fraction = entry.start_fraction
        if isinstance(fraction, bool) or not isinstance(fraction, int | float):
            raise refuse(f"{where}.start_fraction", _("must be a number from 0.5 to 0.9"))
        weekdays = entry.weekdays
        if (
            isinstance(weekdays, str | bytes)
            or not isinstance(weekdays, Sequence)
            or not all(is_whole(day) for day in weekdays)
        ):
            raise refuse(
                f"{where}.weekdays", _("choose at least one weekday, 0 (Monday) to 6 (Sunday)")
            )


@transaction.atomic
def template_create(
    *,
    clinic: Clinic | None,
    name: str,
    entries: Sequence[TemplateEntry],
    description: str = "",
    default_weeks: int = 12,
) -> ProgramTemplate:
    if not entries:
        raise refuse("activities", _("a template needs at least one activity"))
    _check_template_entries(entries)
    name = checked_text("name", name, max_length=120)
    description = checked_text("description", description)
    if not is_whole(default_weeks):
        raise refuse("default_weeks", _("must be a whole number of weeks"))
    template = ProgramTemplate(
        clinic=clinic, name=name, description=description, default_weeks=default_weeks
    )
    _clean(template)
    if ProgramTemplate.objects.filter(clinic=clinic, name__iexact=template.name).exists():
        raise refuse("name", _("a template with this name already exists"))
    template.save()
    for index, entry in enumerate(entries):
        if entry.activity.clinic_id not in (None, template.clinic_id):
            raise refuse(f"activities[{index}].activity", _("is not in this clinic"))
        row = TemplateActivity(
            template=template,
            activity=entry.activity,
            order=index,
            goal_quota=entry.goal_quota,
            weekdays=sorted(set(entry.weekdays)),
            start_fraction=entry.start_fraction,
            times_per_day=entry.times_per_day,
            goal_intensity=entry.goal_intensity,
        )
        try:
            row.full_clean(exclude=["template", "activity"])
        except ValidationError as error:
            raise ValidationError(
                {f"activities[{index}].{field}": problems
                 for field, problems in error.message_dict.items()}
            ) from None  # fmt: skip
        row.save()
    return template
