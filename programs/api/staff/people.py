"""patients/ and guardians/."""

from __future__ import annotations

from functools import partial

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from programs import services
from programs.access import access_guardian, access_patient
from programs.api.filters import GuardianFilter, PatientFilter
from programs.api.serializers import (
    GuardianCreateIn,
    GuardianOut,
    PatientCreateIn,
    PatientDetailOut,
    PatientOut,
    PatientUpdateIn,
)
from programs.api.staff.base import (
    CHANGE_ERRORS,
    CREATE_ERRORS,
    PatientRecordViewSet,
    ReadOnlyPatientRecordViewSet,
    documented_reads,
)
from programs.models import Guardian, Patient
from programs.selectors import guardians_visible_to, patients_managed_by


@documented_reads(PatientOut, PatientDetailOut)
class PatientViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, PatientRecordViewSet[Patient]
):
    queryset = Patient.objects.none()  # the model, for the schema
    record_name = "patients"
    patient_path = ""
    filterset_class = PatientFilter
    ordering_fields = ["last_name", "date_of_birth", "created_at"]
    ordering = ["last_name", "first_name", "id"]

    def get_queryset(self) -> QuerySet[Patient]:
        patients = patients_managed_by(self.user).prefetch_related("therapists")
        if self.action != "list":
            patients = patients.select_related("clinic").prefetch_related("guardians")
        return patients

    access_function = partial(access_patient, manage=True)

    def get_serializer_class(self) -> type[PatientOut]:
        return PatientOut if self.action == "list" else PatientDetailOut

    @extend_schema(request=PatientCreateIn, responses={201: PatientDetailOut, **CREATE_ERRORS})
    def create(self, request: Request) -> Response:
        patient = services.patient_create(actor=self.user, **self.validated(PatientCreateIn))
        return self.respond(PatientDetailOut, patient, status.HTTP_201_CREATED)

    @extend_schema(request=PatientUpdateIn, responses={200: PatientDetailOut, **CHANGE_ERRORS})
    def partial_update(self, request: Request, pk: str) -> Response:
        return self.change(
            services.patient_update, PatientUpdateIn, PatientDetailOut, argument="patient"
        )


@documented_reads(GuardianOut)
class GuardianViewSet(ReadOnlyPatientRecordViewSet[Guardian]):
    queryset = Guardian.objects.none()  # the model, for the schema
    record_name = "guardians"
    serializer_class = GuardianOut
    filterset_class = GuardianFilter
    ordering_fields = ["last_name", "created_at"]
    ordering = ["last_name", "first_name", "id"]

    def get_queryset(self) -> QuerySet[Guardian]:
        return guardians_visible_to(self.user).select_related("patient")

    access_function = access_guardian

    @extend_schema(request=GuardianCreateIn, responses={201: GuardianOut, **CREATE_ERRORS})
    def create(self, request: Request) -> Response:
        guardian = services.guardian_create(actor=self.user, **self.validated(GuardianCreateIn))
        return self.respond(GuardianOut, guardian, status.HTTP_201_CREATED)
