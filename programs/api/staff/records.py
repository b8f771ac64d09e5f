"""What happened: session-logs/, check-ins/, reviews/, revisions/ and alerts/."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from programs import services
from programs.access import (
    access_alert,
    access_check_in,
    access_review,
    access_revision,
    access_session_log,
)
from programs.api.filters import (
    AlertFilter,
    CheckInFilter,
    ReviewFilter,
    RevisionFilter,
    SessionLogFilter,
)
from programs.api.serializers import (
    AlertAcknowledgeIn,
    AlertOut,
    CheckInOut,
    ReviewOut,
    RevisionOut,
    SessionLogOut,
)
from programs.api.staff.base import (
    ReadOnlyPatientRecordViewSet,
    change_action,
    documented_reads,
)
from programs.models import ActivityLog, Alert, CheckIn, ProgramRevision, SessionLog, WeeklyReview
from programs.selectors import (
    alerts_visible_to,
    check_ins_visible_to,
    reviews_visible_to,
    revisions_visible_to,
    session_logs_visible_to,
)


@documented_reads(SessionLogOut)
class SessionLogViewSet(ReadOnlyPatientRecordViewSet[SessionLog]):
    queryset = SessionLog.objects.none()  # the model, for the schema
    record_name = "session logs"
    patient_path = "session.program.patient"
    serializer_class = SessionLogOut
    filterset_class = SessionLogFilter
    ordering_fields = ["logged_at"]
    ordering = ["-session__date", "-id"]

    def get_queryset(self) -> QuerySet[SessionLog]:
        return (
            session_logs_visible_to(self.user)
            .select_related("session__program__patient", "logged_by")
            .prefetch_related(
                Prefetch("results", queryset=ActivityLog.objects.select_related("program_activity"))
            )
        )

    access_function = access_session_log


@documented_reads(CheckInOut)
class CheckInViewSet(ReadOnlyPatientRecordViewSet[CheckIn]):
    queryset = CheckIn.objects.none()  # the model, for the schema
    record_name = "check-ins"
    serializer_class = CheckInOut
    filterset_class = CheckInFilter
    ordering_fields = ["date"]
    ordering = ["-date", "-id"]

    def get_queryset(self) -> QuerySet[CheckIn]:
        return check_ins_visible_to(self.user).select_related("patient")

    access_function = access_check_in


@documented_reads(ReviewOut)
class ReviewViewSet(ReadOnlyPatientRecordViewSet[WeeklyReview]):
    queryset = WeeklyReview.objects.none()  # the model, for the schema
    record_name = "weekly reviews"
    patient_path = "program.patient"
    serializer_class = ReviewOut
    filterset_class = ReviewFilter
    ordering_fields = ["week", "created_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet[WeeklyReview]:
        return reviews_visible_to(self.user).select_related("program__patient")

    access_function = access_review


@documented_reads(RevisionOut)
class RevisionViewSet(ReadOnlyPatientRecordViewSet[ProgramRevision]):
    queryset = ProgramRevision.objects.none()  # the model, for the schema
    record_name = "program revisions"
    patient_path = "program.patient"
    serializer_class = RevisionOut
    filterset_class = RevisionFilter
    ordering_fields = ["created_at", "number"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet[ProgramRevision]:
        return revisions_visible_to(self.user).select_related("program__patient")

    access_function = access_revision


@documented_reads(AlertOut)
class AlertViewSet(ReadOnlyPatientRecordViewSet[Alert]):
    queryset = Alert.objects.none()  # the model, for the schema
    record_name = "alerts"
    serializer_class = AlertOut
    filterset_class = AlertFilter
    ordering_fields = ["severity", "created_at"]
    # The inbox: most serious first (thoughts of self-harm before every other kind), then
    # newest.
    ordering = ["-severity", "-created_at", "-id"]

    def get_queryset(self) -> QuerySet[Alert]:
        return alerts_visible_to(self.user).select_related("patient", "acknowledged_by")

    access_function = access_alert

    acknowledge = change_action(
        "acknowledge",
        services.alert_acknowledge,
        AlertAcknowledgeIn,
        AlertOut,
        argument="alert",
        description=(
            "Mark the alert seen by you, with a note of what was done: required for thoughts "
            "of self-harm (400 naming `note` without one), optional otherwise. The note is kept "
            "with the alert and in the audit trail. Acknowledging it again changes nothing."
        ),
    )
