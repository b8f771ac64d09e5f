"""The clinic's records. Only services (programs/services/) write to these models."""

from programs.models.clinic import Clinic, Guardian, Patient, StaffMembership, User
from programs.models.idempotency import IdempotencyKey
from programs.models.invitations import Invitation
from programs.models.library import Activity, ProgramTemplate, TemplateActivity
from programs.models.plans import (
    PlannedDose,
    PlannedSession,
    Program,
    ProgramActivity,
    ProgramRevision,
)
from programs.models.records import (
    ActivityLog,
    Alert,
    AuditEvent,
    BoutLog,
    CheckIn,
    Milestone,
    SessionLog,
    WeeklyReview,
)

__all__ = [
    "Activity",
    "ActivityLog",
    "Alert",
    "AuditEvent",
    "BoutLog",
    "CheckIn",
    "Clinic",
    "Guardian",
    "IdempotencyKey",
    "Invitation",
    "Milestone",
    "Patient",
    "PlannedDose",
    "PlannedSession",
    "Program",
    "ProgramActivity",
    "ProgramRevision",
    "ProgramTemplate",
    "SessionLog",
    "StaffMembership",
    "TemplateActivity",
    "User",
    "WeeklyReview",
]
