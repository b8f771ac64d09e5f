"""Serializers of the staff API: ``*In`` check a request's shape and ranges and name the field
that is wrong; ``*Out`` shape what the selectors and services return. The clinical rules live
in the services, which raise ValidationError naming the field in the same way."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from django.db.models import Model, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from planner import Feasibility, MaxHeartRateMethod
from planner.units import MAX_AMOUNT, Unit
from programs import models, reasons
from programs.engine import parameters_of
from programs.models.library import (
    BAND_CHOICES,
    KIND_CHOICES,
    MEDIA_KIND_CHOICES,
    UNIT_CHOICES,
    unit_word,
)
from programs.models.plans import DEFAULT_FDI_EVERY_WEEKS
from programs.selectors import (
    activities_visible_to,
    patients_managed_by,
    program_feasibility,
    staff_clinic_ids,
    templates_visible_to,
)
from programs.services.common import actor_label
from programs.services.inputs import FDI_EVERY_WEEKS, MAX_TEXT, PARAMETER_RANGES
from programs.services.programs import ActivityChoice, BaselineTrials

LARGEST_AMOUNT = max(MAX_AMOUNT.values())
WEEK_HELP = "Program week, 1 for the week that starts on the start date."
PACE_HELP = {
    "metres_per_minute": "For an activity dosed in metres: metres covered in a minute, for the "
    "daily home total (10-500; 50 when unset).",
    "seconds_per_repetition": "For an activity dosed in repetitions: seconds one takes, for the "
    "daily home total (1-120; 5 when unset).",
}


def _user(context: Mapping[str, Any]) -> models.User:
    user = context["request"].user
    assert isinstance(user, models.User)
    return user


def clinics_of(user: models.User) -> QuerySet[models.Clinic]:
    return models.Clinic.objects.filter(id__in=staff_clinic_ids(user))


def colleagues_of(user: models.User) -> QuerySet[models.User]:
    """Staff of the user's clinics: the therapists a patient may be assigned to."""
    return models.User.objects.filter(memberships__clinic_id__in=staff_clinic_ids(user)).distinct()


class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField[Any]):
    """The id of an object the signed-in user may use. Anything else, another clinic's patient
    included, is "does not exist", exactly as if it did not."""

    def __init__(
        self, *, scope: Callable[[models.User], QuerySet[Any]], model: type[Model], **kwargs: Any
    ) -> None:
        self.scope = scope
        # The model's queryset only tells the schema what the id is; get_queryset scopes it.
        super().__init__(queryset=model._default_manager.none(), **kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        return self.scope(_user(self.context))


def _clinic_field() -> ScopedPrimaryKeyField:
    return ScopedPrimaryKeyField(
        scope=clinics_of,
        model=models.Clinic,
        required=False,
        help_text="One of your clinics; may be left out when you work at only one.",
    )


def _with_default_clinic(attrs: dict[str, Any], context: Mapping[str, Any]) -> dict[str, Any]:
    if attrs.get("clinic") is None:
        clinics = list(clinics_of(_user(context))[:2])
        if len(clinics) != 1:
            raise serializers.ValidationError(
                {"clinic": [_("choose the clinic: you work at more than one")]}
            )
        attrs["clinic"] = clinics[0]
    return attrs


def _weekdays_field(**kwargs: Any) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        min_length=1,
        max_length=7,
        help_text="Days of the week, 0 (Monday) to 6 (Sunday).",
        **kwargs,
    )


def _trials_field(child: serializers.Field, help_text: str, **kwargs: Any) -> serializers.ListField:
    """One to three tolerance trials, or one thing for each (their days)."""
    return serializers.ListField(
        child=child, min_length=1, max_length=3, help_text=help_text, **kwargs
    )


def _pace_field(name: str, more_help: str = "") -> serializers.FloatField:
    """An activity's pace, for the daily home total: ``metres_per_minute`` or
    ``seconds_per_repetition``; may be left out or null."""
    return serializers.FloatField(
        required=False, allow_null=True, help_text=PACE_HELP[name] + more_help
    )


def _start_fraction_field(**kwargs: Any) -> serializers.FloatField:
    """The start quota as a fraction of the trials' mean."""
    return serializers.FloatField(min_value=0.5, max_value=0.9, **kwargs)


class PersonOut(serializers.Serializer[models.User]):
    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()

    def get_name(self, user: models.User) -> str:
        return actor_label(user)


# Patients and guardians


class GuardianOut(serializers.ModelSerializer[models.Guardian]):
    has_account = serializers.SerializerMethodField()

    class Meta:
        model = models.Guardian
        fields = ["id", "patient", "first_name", "last_name", "relation", "has_account",
                  "created_at"]  # fmt: skip
        read_only_fields = fields

    def get_has_account(self, guardian: models.Guardian) -> bool:
        return guardian.user_id is not None


class PatientOut(serializers.ModelSerializer[models.Patient]):
    therapists = PersonOut(many=True, read_only=True)
    has_account = serializers.SerializerMethodField()

    class Meta:
        model = models.Patient
        fields = ["id", "clinic", "first_name", "last_name", "date_of_birth", "diagnosis",
                  "time_zone", "resting_heart_rate", "status", "therapists", "has_account",
                  "created_at"]  # fmt: skip
        read_only_fields = fields

    def get_has_account(self, patient: models.Patient) -> bool:
        return patient.user_id is not None


class PatientDetailOut(PatientOut):
    guardians = GuardianOut(many=True, read_only=True)

    class Meta(PatientOut.Meta):
        fields = [*PatientOut.Meta.fields, "guardians"]
        read_only_fields = fields


class PatientCreateIn(serializers.Serializer[Any]):
    clinic = _clinic_field()
    first_name = serializers.CharField(max_length=60)
    last_name = serializers.CharField(max_length=60)
    date_of_birth = serializers.DateField()
    diagnosis = serializers.ChoiceField(choices=models.Patient.Diagnosis.choices)
    time_zone = serializers.CharField(
        max_length=64, required=False, help_text="IANA time zone; the clinic's when left out."
    )
    resting_heart_rate = serializers.IntegerField(
        min_value=30, max_value=120, required=False, allow_null=True
    )
    therapists = ScopedPrimaryKeyField(
        scope=colleagues_of, model=models.User, many=True, required=False
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return _with_default_clinic(attrs, self.context)


class PatientUpdateIn(serializers.Serializer[Any]):
    first_name = serializers.CharField(max_length=60, required=False)
    last_name = serializers.CharField(max_length=60, required=False)
    date_of_birth = serializers.DateField(required=False)
    diagnosis = serializers.ChoiceField(choices=models.Patient.Diagnosis.choices, required=False)
    time_zone = serializers.CharField(max_length=64, required=False)
    resting_heart_rate = serializers.IntegerField(
        min_value=30, max_value=120, required=False, allow_null=True
    )
    therapists = ScopedPrimaryKeyField(
        scope=colleagues_of, model=models.User, many=True, required=False
    )
    status = serializers.ChoiceField(choices=models.Patient.Status.choices, required=False)


class GuardianCreateIn(serializers.Serializer[Any]):
    patient = ScopedPrimaryKeyField(scope=patients_managed_by, model=models.Patient)
    first_name = serializers.CharField(max_length=60)
    last_name = serializers.CharField(max_length=60)
    relation = serializers.ChoiceField(choices=models.Guardian.Relation.choices)


# Programs


def _parameter(name: str, help_text: str | None = None, **kwargs: Any) -> serializers.Field:
    """The field of the engine parameter ``name``, optional, with the service's range: whole
    numbers for a parameter that takes only those."""
    limits = PARAMETER_RANGES[name]
    if limits.integer:
        return serializers.IntegerField(
            min_value=int(limits.low), max_value=int(limits.high), required=False,
            help_text=help_text, **kwargs,
        )  # fmt: skip
    return serializers.FloatField(
        min_value=limits.low, max_value=limits.high, required=False, help_text=help_text, **kwargs
    )


class ParametersSerializer(serializers.Serializer[Any]):
    """The engine's rule parameters a clinician may change per program."""

    # The ranges are the service's (programs/services/inputs.py), shown here for the schema
    # and the builder's form; the service checks them, with their steps and pairs.
    impact_weekly_cap = _parameter(
        "impact_weekly_cap",
        "Largest weekly increase of an impact activity, as a fraction (0.10 = 10%), "
        "in steps of 0.001.",
    )
    non_impact_weekly_cap = _parameter(
        "non_impact_weekly_cap", "Largest weekly increase of any other activity, as a fraction."
    )
    daily_minutes_cap = _parameter(
        "daily_minutes_cap", "Home minutes a day, at most; whole minutes."
    )
    maintain_weeks = _parameter("maintain_weeks")
    taper_weeks = _parameter("taper_weeks")
    intensity_weekly_step = _parameter(
        "intensity_weekly_step",
        "Largest weekly rise of an aerobic range, as a fraction of heart-rate reserve.",
    )
    max_hr_method = serializers.ChoiceField(
        choices=[method.value for method in MaxHeartRateMethod], required=False
    )
    measured_max_hr = _parameter(
        "measured_max_hr", "Beats per minute; only with the measured method.", allow_null=True
    )
    adherence_to_progress = _parameter(
        "adherence_to_progress", "Adherence a week needs to progress, as a fraction (0.8 = 80%)."
    )
    low_adherence_alert = _parameter(
        "low_adherence_alert",
        "Adherence below which the clinician is alerted; not above the one above.",
    )

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                problems = {name: [_("is not a parameter")] for name in unknown}
                raise serializers.ValidationError(problems)
        values: dict[str, Any] = super().to_internal_value(data)
        return values


class ProgramActivityOut(serializers.ModelSerializer[models.ProgramActivity]):
    baseline_trials = serializers.ListField(child=serializers.FloatField(), read_only=True)
    baseline_dates = serializers.ListField(
        child=serializers.DateField(), read_only=True, help_text="The trials' days, when given."
    )
    weekdays = serializers.ListField(child=serializers.IntegerField(), read_only=True)

    class Meta:
        model = models.ProgramActivity
        fields = ["id", "activity", "key", "name", "kind", "unit", "impact", "order",
                  "baseline_trials", "baseline_dates", "start_fraction", "start_quota",
                  "goal_quota", "weekdays", "times_per_day", "start_intensity",
                  "goal_intensity", "metres_per_minute", "seconds_per_repetition"]  # fmt: skip
        read_only_fields = fields


class ReasonOut(serializers.Serializer[Any]):
    """One sentence of a reason as a machine reads it (programs.reasons)."""

    code = serializers.CharField(
        help_text="A stable machine code (`review.progress`, `alert.red_flag`, `note` for "
        "words a person typed, ...), the same in every language."
    )
    params = serializers.DictField(
        help_text="The values the sentence names (counts, percentages, ISO 8601 dates, "
        "red-flag and unit codes, names as typed)."
    )


REASON_TEXT_HELP = (
    "In the reader's language (the request's), from the codes beside it; a row stored before "
    "codes were keeps its US English text."
)
REASON_CODES_HELP = (
    "The same, as stable machine codes with their values, one a sentence, in order: the same "
    "in every language. Empty for a row stored before codes were kept."
)


class FeasibilityOut(serializers.Serializer[Feasibility]):
    feasible = serializers.BooleanField()
    requested_goal_date = serializers.DateField()
    earliest_goal_date = serializers.DateField()
    limiting_activities = serializers.ListField(
        child=serializers.CharField(), help_text="Keys of the activities that set the date."
    )
    message = serializers.SerializerMethodField(
        help_text="Whether the goals fit the weekly caps, in the reader's language."
    )
    code = serializers.SerializerMethodField(
        help_text="The same as a stable machine code: `feasibility.reached` or "
        "`feasibility.not_reached`."
    )

    def get_message(self, feasibility: Feasibility) -> str:
        return reasons.text(feasibility.reason)

    def get_code(self, feasibility: Feasibility) -> str:
        return str(feasibility.reason.code)


class RevisionOut(serializers.ModelSerializer[models.ProgramRevision]):
    snapshot = serializers.DictField(read_only=True, help_text="The program after the change.")
    reason = serializers.CharField(source="reason_text", read_only=True, help_text=REASON_TEXT_HELP)
    reason_codes = ReasonOut(many=True, read_only=True, help_text=REASON_CODES_HELP)

    class Meta:
        model = models.ProgramRevision
        fields = ["id", "program", "number", "actor_label", "reason", "reason_codes", "snapshot",
                  "created_at"]  # fmt: skip
        read_only_fields = fields


@extend_schema_field(
    {"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$", "example": "16:30:00"}
)
class LocalTimeField(serializers.TimeField):
    """A local wall-clock time ("16:30:00", "19:00"), in the patient's time zone. The schema's
    ``format: time`` (RFC 3339) would demand an offset, which a local time does not have."""


class ProgramOut(serializers.ModelSerializer[models.Program]):
    patient_name = serializers.CharField(source="patient.full_name", read_only=True)
    session_time = LocalTimeField(
        read_only=True, help_text="When the day's session usually starts, patient's local time."
    )
    parameters = serializers.SerializerMethodField()
    activities = ProgramActivityOut(many=True, read_only=True)
    paused_reason = serializers.CharField(
        source="paused_reason_text",
        read_only=True,
        help_text=f"Why the program is paused; empty when it is not. {REASON_TEXT_HELP}",
    )
    paused_reason_codes = ReasonOut(many=True, read_only=True, help_text=REASON_CODES_HELP)

    class Meta:
        model = models.Program
        fields = ["id", "patient", "patient_name", "template", "status", "goals", "start_date",
                  "goal_date", "session_time", "fdi_every_weeks", "planned_goal_date",
                  "ramp_start", "discharge_date",
                  "paused_reason", "paused_reason_codes",
                  "parameters", "activities", "activated_at", "discharged_at", "created_at",
                  "updated_at"]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(ParametersSerializer)
    def get_parameters(self, program: models.Program) -> dict[str, Any]:
        """Every parameter in force: the program's own values over the defaults."""
        return parameters_of(program)


class ProgramDetailOut(ProgramOut):
    feasibility = serializers.SerializerMethodField()
    latest_revision = serializers.SerializerMethodField()

    class Meta(ProgramOut.Meta):
        fields = [*ProgramOut.Meta.fields, "feasibility", "latest_revision"]
        read_only_fields = fields

    @extend_schema_field(FeasibilityOut(allow_null=True))
    def get_feasibility(self, program: models.Program) -> dict[str, Any] | None:
        feasibility = program_feasibility(program)
        return FeasibilityOut(feasibility).data if feasibility is not None else None

    @extend_schema_field(RevisionOut(allow_null=True))
    def get_latest_revision(self, program: models.Program) -> dict[str, Any] | None:
        latest = program.revisions.order_by("-number").first()
        return RevisionOut(latest).data if latest is not None else None


class ActivityChoiceIn(serializers.Serializer[Any]):
    activity = ScopedPrimaryKeyField(scope=activities_visible_to, model=models.Activity)
    baseline_trials = _trials_field(
        serializers.FloatField(min_value=0, max_value=LARGEST_AMOUNT),
        "One to three tolerance trials, in the activity's unit.",
    )
    start_fraction = _start_fraction_field(
        required=False,
        help_text="Start quota as a fraction of the trials' mean; the template's, or 0.7.",
    )
    goal_quota = serializers.IntegerField(
        min_value=1, max_value=LARGEST_AMOUNT, required=False,
        help_text="Needed when the activity is not in the template.",
    )  # fmt: skip
    weekdays = _weekdays_field(required=False)
    times_per_day = serializers.IntegerField(min_value=1, max_value=6, required=False)
    goal_intensity = serializers.ChoiceField(choices=BAND_CHOICES, required=False)
    start_intensity = serializers.ChoiceField(
        choices=BAND_CHOICES, required=False,
        help_text="Aerobic work starts moderate (the default) or, by the clinician's choice, "
        "light; never vigorous.",
    )  # fmt: skip
    baseline_dates = _trials_field(
        serializers.DateField(),
        "The days the trials were done, one per trial, within one week.",
        required=False,
    )
    metres_per_minute = _pace_field("metres_per_minute", " The activity's own when left out.")
    seconds_per_repetition = _pace_field(
        "seconds_per_repetition", " The activity's own when left out."
    )


class ProgramCreateIn(serializers.Serializer[Any]):
    patient = ScopedPrimaryKeyField(scope=patients_managed_by, model=models.Patient)
    template = ScopedPrimaryKeyField(
        scope=templates_visible_to, model=models.ProgramTemplate, required=False, allow_null=True
    )
    start_date = serializers.DateField()
    goal_date = serializers.DateField()
    goals = serializers.CharField(max_length=MAX_TEXT, help_text="In the patient's own words.")
    session_time = LocalTimeField(
        required=False, help_text="Usual start of the day's session, patient's local time."
    )
    fdi_every_weeks = serializers.IntegerField(
        required=False,
        help_text="The check-in asks the FDI at baseline, then every this many weeks: "
        f"{FDI_EVERY_WEEKS[0]} to {FDI_EVERY_WEEKS[1]}, {DEFAULT_FDI_EVERY_WEEKS} when left out.",
    )
    activities = serializers.ListField(child=ActivityChoiceIn(), min_length=1, max_length=20)
    parameters = ParametersSerializer(required=False)


class ProgramUpdateIn(ProgramCreateIn):
    """A draft's new content. PUT gives all of it; PATCH only what changes, the rest staying
    as the draft has it (a list given, such as ``activities``, replaces the draft's whole)."""

    patient = ScopedPrimaryKeyField(
        scope=patients_managed_by, model=models.Patient, required=False,
        help_text="The draft's patient; a draft cannot move to another patient.",
    )  # fmt: skip


def draft_arguments(program: models.Program) -> dict[str, Any]:
    """``services.program_update_draft``'s arguments as the draft holds them now, for what a
    PATCH leaves out."""
    return {
        "patient": program.patient,
        "template": program.template,
        "start_date": program.start_date,
        "goal_date": program.goal_date,
        "goals": program.goals,
        "parameters": dict(program.parameters),
        "session_time": program.session_time,
        "fdi_every_weeks": program.fdi_every_weeks,
        "activities": [
            ActivityChoice(
                activity_id=row.activity_id,
                baseline_trials=list(row.baseline_trials),
                start_fraction=row.start_fraction,
                goal_quota=row.goal_quota,
                weekdays=list(row.weekdays),
                times_per_day=row.times_per_day,
                goal_intensity=row.goal_intensity,
                start_intensity=row.start_intensity,
                baseline_dates=[date.fromisoformat(day) for day in row.baseline_dates] or None,
                metres_per_minute=row.metres_per_minute,
                seconds_per_repetition=row.seconds_per_repetition,
            )
            for row in program.activities.order_by("order", "id")
        ],
    }


def program_update_arguments(
    data: Mapping[str, Any], program: models.Program, *, partial: bool
) -> dict[str, Any]:
    """``services.program_update_draft``'s arguments (all but the actor and the program) from
    the validated data of ``ProgramUpdateIn``. A PUT says everything, as a new draft would; a
    PATCH changes what it names: ``parameters`` are put over the draft's, ``activities``
    replace the draft's list."""
    if not partial:
        return program_create_arguments({**data, "patient": data.get("patient", program.patient)})
    arguments = draft_arguments(program)
    names = ("patient", "template", "start_date", "goal_date", "goals", "session_time",
             "fdi_every_weeks")  # fmt: skip
    for name in names:
        if name in data:
            arguments[name] = data[name]
    if "parameters" in data:
        arguments["parameters"] = {**arguments["parameters"], **data["parameters"]}
    if "activities" in data:
        arguments["activities"] = activity_choices(data["activities"])
    return arguments


def program_create_arguments(data: Mapping[str, Any]) -> dict[str, Any]:
    """``services.program_create``'s keyword arguments (all but the actor) from the validated
    data of ``ProgramCreateIn``; the staff API and the web's program builder both use it."""
    return {
        "patient": data["patient"],
        "template": data.get("template"),
        "start_date": data["start_date"],
        "goal_date": data["goal_date"],
        "goals": data["goals"],
        "parameters": data.get("parameters"),
        "session_time": data.get("session_time"),
        "fdi_every_weeks": data.get("fdi_every_weeks"),
        "activities": activity_choices(data["activities"]),
    }


def activity_choices(chosen: Sequence[Mapping[str, Any]]) -> list[ActivityChoice]:
    """The validated items of ``ActivityChoiceIn`` as the services take them."""
    return [
        ActivityChoice(
            activity_id=choice["activity"].id,
            baseline_trials=choice["baseline_trials"],
            start_fraction=choice.get("start_fraction"),
            goal_quota=choice.get("goal_quota"),
            weekdays=choice.get("weekdays"),
            times_per_day=choice.get("times_per_day"),
            goal_intensity=choice.get("goal_intensity"),
            start_intensity=choice.get("start_intensity"),
            baseline_dates=choice.get("baseline_dates"),
            metres_per_minute=choice.get("metres_per_minute"),
            seconds_per_repetition=choice.get("seconds_per_repetition"),
        )
        for choice in chosen
    ]


class BaselineTrialsIn(serializers.Serializer[Any]):
    activity = serializers.IntegerField(help_text="The program activity's id.")
    trials = _trials_field(
        serializers.FloatField(min_value=0, max_value=LARGEST_AMOUNT),
        "One to three new tolerance trials, in the activity's unit.",
    )
    dates = _trials_field(
        serializers.DateField(), "The day of each trial, all in the last seven days."
    )
    start_fraction = _start_fraction_field(
        required=False,
        help_text="The new start quota as a fraction of the trials' mean; the activity's own.",
    )


class ProgramRebaselineIn(serializers.Serializer[Any]):
    baselines = serializers.ListField(child=BaselineTrialsIn(), min_length=1, max_length=20)
    reason = serializers.CharField(max_length=MAX_TEXT, required=False, allow_blank=True)


def rebaseline_arguments(data: Mapping[str, Any]) -> dict[str, Any]:
    """``services.program_rebaseline``'s arguments (all but the actor and the program)."""
    return {
        "reason": data.get("reason", ""),
        "baselines": [
            BaselineTrials(
                program_activity_id=entry["activity"],
                trials=entry["trials"],
                dates=entry["dates"],
                start_fraction=entry.get("start_fraction"),
            )
            for entry in data["baselines"]
        ],
    }


class ProgramActivateIn(serializers.Serializer[Any]):
    me_cfs_considered = serializers.BooleanField(
        help_text="Graded exercise is contraindicated in ME/CFS: confirm it was considered."
    )


class ProgramPauseIn(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=MAX_TEXT)


class ProgramResumeIn(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=MAX_TEXT, required=False, allow_blank=True)
    step = serializers.IntegerField(
        min_value=0, max_value=1000, required=False,
        help_text="Resume at this step of the ramp; the step it was held at when left out.",
    )  # fmt: skip


class ProgramDischargeIn(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=MAX_TEXT, required=False, allow_blank=True)


# The preview: the engine's schedule, computed and not stored


class PreviewDoseOut(serializers.Serializer[Any]):
    activity = serializers.CharField(help_text="The program activity's key.")
    name = serializers.SerializerMethodField()
    kind = serializers.CharField()
    amount = serializers.IntegerField()
    unit = serializers.CharField()
    times_per_day = serializers.IntegerField()
    heart_rate_low = serializers.IntegerField(source="heart_rate.low", allow_null=True)
    heart_rate_high = serializers.IntegerField(source="heart_rate.high", allow_null=True)
    exertion_low = serializers.IntegerField(source="exertion.low", allow_null=True)
    exertion_high = serializers.IntegerField(source="exertion.high", allow_null=True)

    def get_name(self, dose: Any) -> str:
        names: dict[str, str] = self.context.get("activity_names", {})
        return str(names.get(dose.activity, dose.activity))


class PreviewSessionOut(serializers.Serializer[Any]):
    date = serializers.DateField()
    week = serializers.SerializerMethodField(help_text=WEEK_HELP)
    step = serializers.IntegerField()
    phase = serializers.CharField()
    doses = PreviewDoseOut(many=True)

    def get_week(self, session: Any) -> int:
        return int(session.week) + 1


class PreviewOut(serializers.Serializer[Any]):
    feasibility = FeasibilityOut()
    discharge_date = serializers.DateField(allow_null=True)
    sessions = PreviewSessionOut(many=True)


# Sessions and what happened


class DoseOut(serializers.ModelSerializer[models.PlannedDose]):
    activity_key = serializers.CharField(source="program_activity.key", read_only=True)
    activity_name = serializers.CharField(source="program_activity.name", read_only=True)

    class Meta:
        model = models.PlannedDose
        fields = ["id", "program_activity", "activity_key", "activity_name", "amount", "unit",
                  "times_per_day", "heart_rate_low", "heart_rate_high", "exertion_low",
                  "exertion_high", "override_reason"]  # fmt: skip
        read_only_fields = fields


class ResultOut(serializers.ModelSerializer[models.ActivityLog]):
    activity_key = serializers.CharField(source="program_activity.key", read_only=True)
    activity_name = serializers.CharField(source="program_activity.name", read_only=True)
    unit = serializers.CharField(source="program_activity.unit", read_only=True)

    class Meta:
        model = models.ActivityLog
        fields = ["program_activity", "activity_key", "activity_name", "unit", "amount",
                  "exertion", "note"]  # fmt: skip
        read_only_fields = fields


class SessionLogInlineOut(serializers.ModelSerializer[models.SessionLog]):
    logged_by = serializers.SerializerMethodField()
    results = ResultOut(many=True, read_only=True)

    class Meta:
        model = models.SessionLog
        fields = ["id", "status", "note", "logged_by", "logged_at", "results"]
        read_only_fields = fields

    def get_logged_by(self, log: models.SessionLog) -> str | None:
        return actor_label(log.logged_by) if log.logged_by is not None else None


class SessionLogOut(SessionLogInlineOut):
    session = serializers.IntegerField(source="session.id", read_only=True)
    program = serializers.IntegerField(source="session.program_id", read_only=True)
    patient = serializers.IntegerField(source="session.program.patient_id", read_only=True)
    date = serializers.DateField(source="session.date", read_only=True)

    class Meta(SessionLogInlineOut.Meta):
        fields = ["id", "session", "program", "patient", "date", "status", "note", "logged_by",
                  "logged_at", "results"]  # fmt: skip
        read_only_fields = fields


class SessionOut(serializers.ModelSerializer[models.PlannedSession]):
    patient = serializers.IntegerField(source="program.patient_id", read_only=True)
    week = serializers.SerializerMethodField(help_text=WEEK_HELP)
    doses = DoseOut(many=True, read_only=True)
    log = SessionLogInlineOut(read_only=True, allow_null=True)

    class Meta:
        model = models.PlannedSession
        fields = ["id", "program", "patient", "date", "week", "step", "phase", "doses", "log"]
        read_only_fields = fields

    def get_week(self, session: models.PlannedSession) -> int:
        return session.week + 1


class DoseOverrideIn(serializers.Serializer[Any]):
    amount = serializers.IntegerField(min_value=1, max_value=LARGEST_AMOUNT)
    reason = serializers.CharField(max_length=MAX_TEXT)


class CheckInOut(serializers.ModelSerializer[models.CheckIn]):
    fdi_answers = serializers.ListField(
        child=serializers.IntegerField(), read_only=True, allow_null=True
    )
    red_flags = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = models.CheckIn
        fields = ["id", "patient", "program", "date", "submitted_at", "fdi_answers", "fdi_total",
                  "fdi_band", "sleep_hours", "sleep_quality", "mood", "school_days_attended",
                  "school_days_scheduled", "flare", "red_flags", "pain"]  # fmt: skip
        read_only_fields = fields


class ReviewOut(serializers.ModelSerializer[models.WeeklyReview]):
    week = serializers.SerializerMethodField(help_text=WEEK_HELP)
    reason = serializers.CharField(
        source="reason_text",
        read_only=True,
        help_text=f"Why the review decided so. {REASON_TEXT_HELP}",
    )
    reason_codes = ReasonOut(many=True, read_only=True, help_text=REASON_CODES_HELP)

    class Meta:
        model = models.WeeklyReview
        fields = ["id", "program", "week", "trigger", "decision", "reason", "reason_codes",
                  "adherence",
                  "sessions_planned", "sessions_done", "step", "next_step",
                  "created_at"]  # fmt: skip
        read_only_fields = fields

    def get_week(self, review: models.WeeklyReview) -> int:
        return review.week + 1


class AlertOut(serializers.ModelSerializer[models.Alert]):
    patient_name = serializers.CharField(source="patient.full_name", read_only=True)
    is_open = serializers.BooleanField(read_only=True)
    acknowledged_by = serializers.SerializerMethodField()
    message = serializers.CharField(
        source="message_text", read_only=True, help_text=f"What happened. {REASON_TEXT_HELP}"
    )
    message_codes = ReasonOut(many=True, read_only=True, help_text=REASON_CODES_HELP)

    class Meta:
        model = models.Alert
        fields = ["id", "patient", "patient_name", "program", "kind", "severity", "message",
                  "message_codes", "is_open", "created_at", "acknowledged_by", "acknowledged_at",
                  "acknowledgement_note"]  # fmt: skip
        read_only_fields = fields

    def get_acknowledged_by(self, alert: models.Alert) -> str | None:
        return actor_label(alert.acknowledged_by) if alert.acknowledged_by is not None else None


class AlertAcknowledgeIn(serializers.Serializer[Any]):
    note = serializers.CharField(
        max_length=MAX_TEXT,
        allow_blank=True,
        default="",
        help_text="What was done. Required for thoughts of self-harm (kind self_harm).",
    )


# The library


class ActivityMediaOut(serializers.Serializer[models.Activity]):
    url = serializers.SerializerMethodField(
        help_text="Where the signed-in staff, patients and guardians who may see the activity "
        "get the file; nobody else can."
    )
    kind = serializers.ChoiceField(source="media_kind", choices=MEDIA_KIND_CHOICES)
    content_type = serializers.CharField(source="media_type")
    text = serializers.CharField(
        source="media_text", help_text="Alt text for a picture, the caption of a video."
    )
    size = serializers.IntegerField(source="media_size", help_text="In bytes.")

    def get_url(self, activity: models.Activity) -> str:
        return reverse(
            "web:activity-media",
            kwargs={
                "activity_id": activity.pk,
                "name": os.path.basename(activity.media_file.name),
            },
        )


class ActivityMediaIn(serializers.Serializer[Any]):
    media_file = serializers.FileField(
        help_text="A picture (PNG, JPEG, WebP or SVG, at most MEDIA_MAX_IMAGE_BYTES) or a video "
        "(MP4 or WebM, at most MEDIA_MAX_VIDEO_BYTES)."
    )
    media_text = serializers.CharField(
        max_length=300,
        allow_blank=True,
        required=False,
        default="",
        help_text="Alt text for a picture, a caption for a video (required).",
    )


class ActivityOut(serializers.ModelSerializer[models.Activity]):
    is_global = serializers.SerializerMethodField()
    media = serializers.SerializerMethodField()
    # A plain string: empty when there is no video or leaflet, which "format: uri" forbids.
    media_url = serializers.CharField(read_only=True, help_text="A link, or empty.")

    class Meta:
        model = models.Activity
        fields = ["id", "clinic", "is_global", "name", "kind", "unit", "impact", "instructions",
                  "media_url", "media", "metres_per_minute", "seconds_per_repetition",
                  "is_active"]  # fmt: skip
        read_only_fields = fields

    def get_is_global(self, activity: models.Activity) -> bool:
        return activity.clinic_id is None

    @extend_schema_field(ActivityMediaOut(allow_null=True))
    def get_media(self, activity: models.Activity) -> dict[str, Any] | None:
        """The activity's own picture or video, or null."""
        return ActivityMediaOut(activity).data if activity.media_file else None


class ActivityCreateIn(serializers.Serializer[Any]):
    clinic = _clinic_field()
    name = serializers.CharField(max_length=120)
    kind = serializers.ChoiceField(choices=KIND_CHOICES)
    unit = serializers.ChoiceField(choices=UNIT_CHOICES)
    impact = serializers.BooleanField(
        default=False, help_text="Running, jumping, hopping: progresses under the impact cap."
    )
    instructions = serializers.CharField(max_length=MAX_TEXT, required=False, allow_blank=True)
    media_url = serializers.URLField(max_length=200, required=False, allow_blank=True)
    metres_per_minute = _pace_field("metres_per_minute")
    seconds_per_repetition = _pace_field("seconds_per_repetition")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return _with_default_clinic(attrs, self.context)


class ActivityUpdateIn(serializers.Serializer[Any]):
    """Kind and unit are not here: templates and programs were written in them."""

    name = serializers.CharField(max_length=120, required=False)
    impact = serializers.BooleanField(required=False)
    instructions = serializers.CharField(max_length=MAX_TEXT, required=False, allow_blank=True)
    media_url = serializers.URLField(max_length=200, required=False, allow_blank=True)
    metres_per_minute = _pace_field("metres_per_minute")
    seconds_per_repetition = _pace_field("seconds_per_repetition")
    is_active = serializers.BooleanField(required=False)


class TemplateEntryOut(serializers.ModelSerializer[models.TemplateActivity]):
    activity_name = serializers.CharField(source="activity.name", read_only=True)
    unit = serializers.CharField(source="activity.unit", read_only=True)
    weekdays = serializers.ListField(child=serializers.IntegerField(), read_only=True)

    class Meta:
        model = models.TemplateActivity
        fields = ["id", "activity", "activity_name", "unit", "order", "start_fraction",
                  "goal_quota", "weekdays", "times_per_day", "goal_intensity"]  # fmt: skip
        read_only_fields = fields


class TemplateOut(serializers.ModelSerializer[models.ProgramTemplate]):
    entries = TemplateEntryOut(many=True, read_only=True, source="template_activities")

    class Meta:
        model = models.ProgramTemplate
        fields = ["id", "clinic", "name", "description", "default_weeks", "is_active", "entries"]
        read_only_fields = fields


class TemplateEntryIn(serializers.Serializer[Any]):
    activity = ScopedPrimaryKeyField(scope=activities_visible_to, model=models.Activity)
    goal_quota = serializers.IntegerField(min_value=1, max_value=LARGEST_AMOUNT)
    weekdays = _weekdays_field(default=list(range(7)))
    start_fraction = _start_fraction_field(default=0.7)
    times_per_day = serializers.IntegerField(min_value=1, max_value=6, default=1)
    goal_intensity = serializers.ChoiceField(choices=BAND_CHOICES, default="moderate")


class TemplateCreateIn(serializers.Serializer[Any]):
    clinic = _clinic_field()
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=MAX_TEXT, required=False, allow_blank=True)
    default_weeks = serializers.IntegerField(min_value=1, max_value=104, required=False)
    entries = serializers.ListField(child=TemplateEntryIn(), min_length=1, max_length=20)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = _with_default_clinic(attrs, self.context)
        problems: list[dict[str, list[StrOrPromise]]] = []
        for entry in attrs["entries"]:
            activity: models.Activity = entry["activity"]
            problem: dict[str, list[StrOrPromise]] = {}
            if activity.clinic_id not in (None, attrs["clinic"].id):
                problem["activity"] = [_("is not in this clinic's library")]
            limit = MAX_AMOUNT[Unit(activity.unit)]
            if entry["goal_quota"] > limit:
                problem["goal_quota"] = [
                    _("must be at most %(limit)s %(unit)s")
                    % {"limit": limit, "unit": unit_word(activity.unit)}
                ]
            problems.append(problem)
        if any(problems):
            raise serializers.ValidationError({"entries": problems})
        return attrs


# The caseload


class CaseloadRowOut(serializers.Serializer[Any]):
    patient = serializers.IntegerField(source="patient.id")
    patient_name = serializers.CharField(source="patient.full_name")
    program = serializers.IntegerField(source="program.id", allow_null=True)
    phase = serializers.CharField(allow_null=True)
    week = serializers.IntegerField(allow_null=True, help_text=WEEK_HELP)
    adherence = serializers.FloatField(
        allow_null=True, help_text="Sessions done / planned over the last 14 days, to yesterday."
    )
    sessions_planned = serializers.IntegerField()
    sessions_done = serializers.IntegerField()
    last_activity = serializers.DateField(allow_null=True)
    latest_fdi = serializers.IntegerField(allow_null=True)
    fdi_change = serializers.IntegerField(
        allow_null=True, help_text="Latest FDI total minus the one before; negative is better."
    )
    open_alerts = serializers.IntegerField()
    open_alert_kinds = serializers.ListField(child=serializers.CharField())
