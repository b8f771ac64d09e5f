"""Query-string filters of the staff lists. Each narrows a queryset the selectors already
limited to what the user may see, so a filter can never widen it."""

from __future__ import annotations

from typing import Any

import django_filters  # type: ignore[import-untyped]
from django import forms
from django.db.models import Exists, OuterRef, QuerySet
from drf_spectacular.utils import extend_schema_field

from programs.models import (
    Activity,
    Alert,
    CheckIn,
    Guardian,
    Patient,
    PlannedSession,
    Program,
    ProgramRevision,
    SessionLog,
    WeeklyReview,
)
from programs.models.library import KIND_CHOICES, UNIT_CHOICES
from programs.models.plans import PHASE_CHOICES

# Ids are 64-bit: anything beyond is a malformed query, not a row that might exist.
LARGEST_ID = 2**63 - 1


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": LARGEST_ID})
class IdFilter(django_filters.Filter):
    """A row id, checked as a whole number, so ``?patient=abc`` is a 400 naming ``patient``."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", LARGEST_ID)
        super().__init__(*args, **kwargs)


class PatientFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Patient.Status.choices)
    diagnosis = django_filters.ChoiceFilter(choices=Patient.Diagnosis.choices)
    therapist = IdFilter(field_name="therapists", help_text="A therapist's user id.")

    class Meta:
        model = Patient
        fields = ["status", "diagnosis", "therapist"]


class GuardianFilter(django_filters.FilterSet):
    patient = IdFilter(field_name="patient_id")

    class Meta:
        model = Guardian
        fields = ["patient"]


class ProgramFilter(django_filters.FilterSet):
    patient = IdFilter(field_name="patient_id")
    status = django_filters.ChoiceFilter(choices=Program.Status.choices)

    class Meta:
        model = Program
        fields = ["patient", "status"]


class SessionFilter(django_filters.FilterSet):
    program = IdFilter(field_name="program_id")
    patient = IdFilter(field_name="program__patient_id")
    date = django_filters.DateFromToRangeFilter(
        help_text="date_after and date_before, inclusive (YYYY-MM-DD)."
    )
    phase = django_filters.ChoiceFilter(choices=PHASE_CHOICES)

    class Meta:
        model = PlannedSession
        fields = ["program", "patient", "date", "phase"]


class SessionLogFilter(django_filters.FilterSet):
    program = IdFilter(field_name="session__program_id")
    patient = IdFilter(field_name="session__program__patient_id")
    status = django_filters.ChoiceFilter(choices=SessionLog.STATUS_CHOICES)
    date = django_filters.DateFromToRangeFilter(
        field_name="session__date",
        help_text="The session's date: date_after and date_before, inclusive.",
    )

    class Meta:
        model = SessionLog
        fields = ["program", "patient", "status", "date"]


class CheckInFilter(django_filters.FilterSet):
    patient = IdFilter(field_name="patient_id")
    date = django_filters.DateFromToRangeFilter(
        help_text="date_after and date_before, inclusive (YYYY-MM-DD)."
    )
    flare = django_filters.BooleanFilter()
    has_red_flags = django_filters.BooleanFilter(method="filter_has_red_flags")

    class Meta:
        model = CheckIn
        fields = ["patient", "date", "flare", "has_red_flags"]

    def filter_has_red_flags(
        self, queryset: QuerySet[CheckIn], name: str, value: bool | None
    ) -> QuerySet[CheckIn]:
        if value is None:
            return queryset
        return queryset.exclude(red_flags=[]) if value else queryset.filter(red_flags=[])


class ReviewFilter(django_filters.FilterSet):
    program = IdFilter(field_name="program_id")
    decision = django_filters.ChoiceFilter(choices=WeeklyReview.DECISION_CHOICES)

    class Meta:
        model = WeeklyReview
        fields = ["program", "decision"]


class RevisionFilter(django_filters.FilterSet):
    program = IdFilter(field_name="program_id")

    class Meta:
        model = ProgramRevision
        fields = ["program"]


class AlertFilter(django_filters.FilterSet):
    open = django_filters.BooleanFilter(
        field_name="acknowledged_at", lookup_expr="isnull", help_text="Not yet acknowledged."
    )
    kind = django_filters.ChoiceFilter(choices=Alert.KIND_CHOICES)
    patient = IdFilter(field_name="patient_id")

    class Meta:
        model = Alert
        fields = ["open", "kind", "patient"]


class ActivityFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=KIND_CHOICES)
    unit = django_filters.ChoiceFilter(choices=UNIT_CHOICES)
    impact = django_filters.BooleanFilter()

    class Meta:
        model = Activity
        fields = ["kind", "unit", "impact"]


class CaseloadFilter(django_filters.FilterSet):
    """Filters on the caseload's patients, applied before the summary is computed."""

    therapist = IdFilter(field_name="therapists", help_text="A therapist's user id.")
    mine = django_filters.BooleanFilter(
        method="filter_mine", help_text="Only the patients assigned to me."
    )
    has_open_alerts = django_filters.BooleanFilter(method="filter_has_open_alerts")

    class Meta:
        model = Patient
        fields = ["therapist", "mine", "has_open_alerts"]

    def filter_mine(
        self, queryset: QuerySet[Patient], name: str, value: bool | None
    ) -> QuerySet[Patient]:
        if not value:
            return queryset
        return queryset.filter(therapists=self.request.user)

    def filter_has_open_alerts(
        self, queryset: QuerySet[Patient], name: str, value: bool | None
    ) -> QuerySet[Patient]:
        if value is None:
            return queryset
        open_alerts = Alert.objects.filter(patient=OuterRef("pk"), acknowledged_at__isnull=True)
        return queryset.filter(Exists(open_alerts) if value else ~Exists(open_alerts))
