"""Endpoints for therapists and clinic admins (a user with a StaffMembership).

Each viewset lists from a selector and finds one object through its access function
(programs.access, in ``access``), so another clinic's objects are simply not found (404); a
patient or guardian gets 403 from ``IsStaffMember`` before any lookup.
"""

from rest_framework.routers import DefaultRouter

from programs.api.staff.caseload import CaseloadViewSet
from programs.api.staff.library import ActivityViewSet, TemplateViewSet
from programs.api.staff.people import GuardianViewSet, PatientViewSet
from programs.api.staff.programs import DoseViewSet, ProgramViewSet, SessionViewSet
from programs.api.staff.records import (
    AlertViewSet,
    CheckInViewSet,
    ReviewViewSet,
    RevisionViewSet,
    SessionLogViewSet,
)


def register(router: DefaultRouter) -> None:
    """Add the staff viewsets to the API router."""
    router.register("patients", PatientViewSet, basename="patient")
    router.register("guardians", GuardianViewSet, basename="guardian")
    router.register("programs", ProgramViewSet, basename="program")
    router.register("sessions", SessionViewSet, basename="session")
    router.register("doses", DoseViewSet, basename="dose")
    router.register("session-logs", SessionLogViewSet, basename="session-log")
    router.register("check-ins", CheckInViewSet, basename="check-in")
    router.register("reviews", ReviewViewSet, basename="review")
    router.register("revisions", RevisionViewSet, basename="revision")
    router.register("alerts", AlertViewSet, basename="alert")
    router.register("activities", ActivityViewSet, basename="activity")
    router.register("templates", TemplateViewSet, basename="template")
    router.register("caseload", CaseloadViewSet, basename="caseload")
