"""programs/ (create, change or discard a draft, preview, activate, pause, resume,
discharge), sessions/ and doses/{id}/override/."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from programs import services
from programs.access import access_dose, access_program, access_session
from programs.api.filters import ProgramFilter, SessionFilter
from programs.api.serializers import (
    DoseOut,
    DoseOverrideIn,
    PreviewOut,
    ProgramActivateIn,
    ProgramCreateIn,
    ProgramDetailOut,
    ProgramDischargeIn,
    ProgramOut,
    ProgramPauseIn,
    ProgramRebaselineIn,
    ProgramResumeIn,
    ProgramUpdateIn,
    SessionOut,
    program_create_arguments,
    program_update_arguments,
    rebaseline_arguments,
)
from programs.api.staff.base import (
    CHANGE_ERRORS,
    CREATE_ERRORS,
    PatientRecordViewSet,
    ReadOnlyPatientRecordViewSet,
    StaffViewSet,
    documented_reads,
)
from programs.models import ActivityLog, PlannedDose, PlannedSession, Program
from programs.selectors import programs_managed_by, sessions_visible_to


@documented_reads(ProgramOut, ProgramDetailOut)
class ProgramViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, PatientRecordViewSet[Program]
):
    queryset = Program.objects.none()  # the model, for the schema
    record_name = "programs"
    filterset_class = ProgramFilter
    ordering_fields = ["start_date", "created_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet[Program]:
        return (
            programs_managed_by(self.user).select_related("patient").prefetch_related("activities")
        )

    def access(self, object_id: int, rows: QuerySet[Program]) -> Program:
        return access_program(self.user, object_id, queryset=rows)

    def get_serializer_class(self) -> type[ProgramOut]:
        return ProgramOut if self.action == "list" else ProgramDetailOut

    @extend_schema(
        request=ProgramCreateIn,
        responses={201: ProgramDetailOut, **CREATE_ERRORS},
        description="A draft program from the baseline trials (and a template's defaults).",
    )
    def create(self, request: Request) -> Response:
        data = self.validated(ProgramCreateIn)
        program = services.program_create(actor=self.user, **program_create_arguments(data))
        return self.respond(ProgramDetailOut, program, status.HTTP_201_CREATED)

    @extend_schema(
        request=ProgramUpdateIn,
        responses={200: ProgramDetailOut, **CHANGE_ERRORS},
        description=(
            "Change a draft in place, with everything a new draft takes (the patient may be "
            "left out). Its activities and dates are replaced in one step, checked as a new "
            "draft is, and a revision records the change; refused, nothing changes. Only a "
            "draft: a program that has started answers 400 naming `status`."
        ),
    )
    def update(self, request: Request, pk: str) -> Response:
        return self._change_draft(partial=False)

    @extend_schema(
        request=ProgramUpdateIn,
        responses={200: ProgramDetailOut, **CHANGE_ERRORS},
        description=(
            "Change part of a draft in place: what the body leaves out stays as it is. "
            "`parameters` are put over the draft's own; `activities`, when given, replace the "
            "draft's whole list. Checked and recorded as PUT is; only a draft."
        ),
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        return self._change_draft(partial=True)

    def _change_draft(self, *, partial: bool) -> Response:
        program = self.get_object()
        serializer = ProgramUpdateIn(
            data=self.request.data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        arguments = program_update_arguments(serializer.validated_data, program, partial=partial)
        program = services.program_update_draft(actor=self.user, program=program, **arguments)
        return self.respond(ProgramDetailOut, program)

    @extend_schema(
        responses={204: None, **CHANGE_ERRORS},
        description=(
            "Discard a draft: it is deleted (it never ran, so nothing was followed), and the "
            "audit trail records who discarded it. Only a draft: a program that has started "
            "answers 400 naming `status`, and is discharged instead."
        ),
    )
    def destroy(self, request: Request, pk: str) -> Response:
        program = self.get_object()
        services.program_discard_draft(actor=self.user, program=program)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        responses={200: PreviewOut, **CHANGE_ERRORS},
        description=(
            "The schedule the program follows: for a draft, the one activation would store; "
            "for a running program, the stored one. Nothing is saved."
        ),
    )
    @action(detail=True, methods=["get"])
    def preview(self, request: Request, pk: str) -> Response:
        program = self.get_object()
        schedule = services.program_preview(program=program)
        names = {row.key: row.name for row in program.activities.all()}
        return self.respond(PreviewOut, schedule, activity_names=names)

    @extend_schema(request=ProgramActivateIn, responses={200: ProgramDetailOut, **CHANGE_ERRORS})
    @action(detail=True, methods=["post"])
    def activate(self, request: Request, pk: str) -> Response:
        program = self.get_object()
        data = self.validated(ProgramActivateIn)
        program = services.program_activate(actor=self.user, program=program, **data)
        return self.respond(ProgramDetailOut, program)

    @extend_schema(request=ProgramPauseIn, responses={200: ProgramDetailOut, **CHANGE_ERRORS})
    @action(detail=True, methods=["post"])
    def pause(self, request: Request, pk: str) -> Response:
        program = self.get_object()
        data = self.validated(ProgramPauseIn)
        program = services.program_pause(actor=self.user, program=program, **data)
        return self.respond(ProgramDetailOut, program)

    @extend_schema(request=ProgramResumeIn, responses={200: ProgramDetailOut, **CHANGE_ERRORS})
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: str) -> Response:
        program = self.get_object()
        data = self.validated(ProgramResumeIn)
        program = services.program_resume(actor=self.user, program=program, **data)
        return self.respond(ProgramDetailOut, program)

    @extend_schema(
        request=ProgramRebaselineIn,
        responses={200: ProgramDetailOut, **CHANGE_ERRORS},
        description=(
            "Record new baseline trials (done in the last seven days) and restart every ramp "
            "from them tomorrow, towards the same goals: what the weekly review suggests "
            "after 14 days or more without activity. Activities not re-tested restart from "
            "the dose they are at; no dose rises above the one in force at once."
        ),
    )
    @action(detail=True, methods=["post"])
    def rebaseline(self, request: Request, pk: str) -> Response:
        program = self.get_object()
        data = self.validated(ProgramRebaselineIn)
        program = services.program_rebaseline(
            actor=self.user, program=program, **rebaseline_arguments(data)
        )
        return self.respond(ProgramDetailOut, program)

    @extend_schema(request=ProgramDischargeIn, responses={200: ProgramDetailOut, **CHANGE_ERRORS})
    @action(detail=True, methods=["post"])
    def discharge(self, request: Request, pk: str) -> Response:
        program = self.get_object()
        data = self.validated(ProgramDischargeIn)
        program = services.program_discharge(actor=self.user, program=program, **data)
        return self.respond(ProgramDetailOut, program)


@documented_reads(SessionOut)
class SessionViewSet(ReadOnlyPatientRecordViewSet[PlannedSession]):
    queryset = PlannedSession.objects.none()  # the model, for the schema
    record_name = "sessions"
    patient_path = "program.patient"
    serializer_class = SessionOut
    filterset_class = SessionFilter
    ordering_fields = ["date"]
    ordering = ["date", "id"]

    def get_queryset(self) -> QuerySet[PlannedSession]:
        return (
            sessions_visible_to(self.user)
            .select_related("program__patient", "log__logged_by")
            .prefetch_related(
                Prefetch(
                    "doses",
                    queryset=PlannedDose.objects.select_related("program_activity").order_by(
                        "program_activity__order", "id"
                    ),
                ),
                Prefetch(
                    "log__results",
                    queryset=ActivityLog.objects.select_related("program_activity"),
                ),
            )
        )

    def access(self, object_id: int, rows: QuerySet[PlannedSession]) -> PlannedSession:
        return access_session(self.user, object_id, queryset=rows)


class DoseViewSet(StaffViewSet[PlannedDose]):
    """A planned dose; the only thing to do with one on its own is to override it."""

    queryset = PlannedDose.objects.none()  # the model, for the schema
    # What the browsable API and OPTIONS describe as the POST body (without one they failed).
    serializer_class = DoseOverrideIn

    def get_queryset(self) -> QuerySet[PlannedDose]:
        return PlannedDose.objects.filter(
            session__program__in=programs_managed_by(self.user).values("id")
        ).select_related("session__program__patient", "program_activity")

    def access(self, object_id: int, rows: QuerySet[PlannedDose]) -> PlannedDose:
        return access_dose(self.user, object_id, queryset=rows)

    @extend_schema(
        request=DoseOverrideIn,
        responses={200: DoseOut, **CHANGE_ERRORS},
        description="Set one future dose by hand, with a reason; the change leaves a revision.",
    )
    @action(detail=True, methods=["post"])
    def override(self, request: Request, pk: str) -> Response:
        dose = self.get_object()
        data = self.validated(DoseOverrideIn)
        dose = services.dose_override(actor=self.user, dose=dose, **data)
        return self.respond(DoseOut, dose)
