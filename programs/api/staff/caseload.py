"""caseload/: one row per patient of the user's clinics, from ``selectors.caseload``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend  # type: ignore[import-untyped]
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from programs.api.filters import CaseloadFilter
from programs.api.serializers import CaseloadRowOut
from programs.api.staff.base import LIST_ERRORS, PatientRecordViewSet
from programs.models import Patient
from programs.selectors import CaseloadRow, caseload, patients_managed_by, self_harm_first

# The row's value to sort by; rows without one (no sessions yet, never active) go last.
SORT_KEYS: dict[str, Callable[[CaseloadRow], Any]] = {
    "name": lambda row: (row.patient.last_name.lower(), row.patient.first_name.lower()),
    "adherence": lambda row: row.adherence,
    "last_activity": lambda row: row.last_activity,
    "open_alerts": lambda row: row.open_alerts,
}
ORDERINGS = [*SORT_KEYS, *(f"-{name}" for name in SORT_KEYS)]


def sorted_rows(rows: list[CaseloadRow], ordering: str) -> list[CaseloadRow]:
    descending = ordering.startswith("-")
    key = SORT_KEYS[ordering.removeprefix("-")]
    known = [row for row in rows if key(row) is not None]
    unknown = [row for row in rows if key(row) is None]
    by_name = SORT_KEYS["name"]
    # Sorted by name first so that equal values keep a stable, readable order.
    known.sort(key=by_name)
    known.sort(key=key, reverse=descending)
    return known + sorted(unknown, key=by_name)


class CaseloadOrderingIn(serializers.Serializer[Any]):
    ordering = serializers.ChoiceField(choices=ORDERINGS, default="name")


class CaseloadViewSet(PatientRecordViewSet[Patient]):
    queryset = Patient.objects.none()  # the model, for the schema
    record_name = "caseload"
    filterset_class = CaseloadFilter
    # Ordering is by the computed columns, so it is done on the rows below, not in SQL.
    filter_backends = [DjangoFilterBackend]

    def get_queryset(self) -> QuerySet[Patient]:
        return patients_managed_by(self.user)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "ordering",
                OpenApiTypes.STR,
                enum=ORDERINGS,
                description="Sort by name (default), adherence, last_activity or open_alerts; "
                "prefix with - for descending. Rows without a value come last. Patients with "
                "an open alert for thoughts of self-harm always come first.",
            )
        ],
        responses={200: CaseloadRowOut, **LIST_ERRORS},
        description=(
            "Per patient of your clinics: the running program's phase and week, adherence over "
            "the last 14 days, the last day with activity, the latest FDI and its change, and "
            "open alerts (their kinds most serious first). Patients with an open alert for "
            "thoughts of self-harm come first, whatever the ordering. Every patient on the page "
            "is recorded in the audit trail."
        ),
    )
    def list(self, request: Request) -> Response:
        ordering = CaseloadOrderingIn(data=request.query_params)
        ordering.is_valid(raise_exception=True)
        patients = self.filter_queryset(self.get_queryset())
        rows = self_harm_first(
            sorted_rows(caseload(self.user, patients), ordering.validated_data["ordering"])
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(CaseloadRowOut(page, many=True).data)
