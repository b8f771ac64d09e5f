"""programs/ (create, change or discard a draft, preview, activate, pause, resume,
discharge), sessions/ and doses/{id}/override/."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

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
    change_action,
    documented_reads,
)
from programs.models import ActivityLog, PlannedDose, PlannedSession, Program
from programs.selectors import programs_managed_by, sessions_visible_to


def _program_change(
    name: str, service: Callable[..., Any], body: type[Serializer[Any]], **options: Any
) -> Any:
    """A step of a program's life (``programs/{id}/<name>/``), answered with the program."""
    return change_action(name, service, body, ProgramDetailOut, argument="program", **options)


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

    access_function = access_program

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

    activate = _program_change("activate", services.program_activate, ProgramActivateIn)
    pause = _program_change("pause", services.program_pause, ProgramPauseIn)
    resume = _program_change("resume", services.program_resume, ProgramResumeIn)
    rebaseline = _program_change(
        "rebaseline",
        services.program_rebaseline,
        ProgramRebaselineIn,
        arguments=rebaseline_arguments,
        description=(
            "Record new baseline trials (done in the last seven days) and restart every ramp "
            "from them tomorrow, towards the same goals: what the weekly review suggests "
            "after 14 days or more without activity. Activities not re-tested restart from "
            "the dose they are at; no dose rises above the one in force at once."
        ),
    )
    discharge = _program_change("discharge", services.program_discharge, ProgramDischargeIn)


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

    access_function = access_session


class DoseViewSet(StaffViewSet[PlannedDose]):
    """A planned dose; the only thing to do with one on its own is to override it."""

    queryset = PlannedDose.objects.none()  # the model, for the schema
    # What the browsable API and OPTIONS describe as the POST body (without one they failed).
    serializer_class = DoseOverrideIn

    def get_queryset(self) -> QuerySet[PlannedDose]:
        return PlannedDose.objects.filter(
            session__program__in=programs_managed_by(self.user).values("id")
        ).select_related("session__program__patient", "program_activity")

    access_function = access_dose
    override = change_action(
        "override",
        services.dose_override,
        DoseOverrideIn,
        DoseOut,
        argument="dose",
        description="Set one future dose by hand, with a reason; the change leaves a revision.",
    )
