"""Every write to the clinic's records goes through a function here, in one transaction.

Views, serializers, admin actions, tasks and commands check their input, call one of these
and shape the output; they never save a model themselves.
"""

from programs.services.guided import BoutLogResult, session_bout_log
from programs.services.invitations import (
    invitation_accept,
    invitation_create,
    invitation_find,
    invitation_revoke,
    invitations_pending_for,
)
from programs.services.media import activity_media_attach, activity_media_remove
from programs.services.milestones import milestones_celebrate
from programs.services.people import (
    TemplateEntry,
    activity_create,
    activity_update,
    clinic_create,
    guardian_create,
    patient_create,
    patient_update,
    staff_add,
    template_create,
    user_language_set,
)
from programs.services.programs import (
    ActivityChoice,
    BaselineTrials,
    dose_override,
    program_activate,
    program_complete,
    program_create,
    program_discard_draft,
    program_discharge,
    program_pause,
    program_preview,
    program_rebaseline,
    program_resume,
    program_update_draft,
)
from programs.services.records import (
    CheckInResult,
    ResultInput,
    SessionLogResult,
    alert_acknowledge,
    alert_raise,
    check_in_submit,
    session_log,
    weekly_review_run,
)

__all__ = [
    "ActivityChoice",
    "BaselineTrials",
    "BoutLogResult",
    "CheckInResult",
    "ResultInput",
    "SessionLogResult",
    "TemplateEntry",
    "activity_create",
    "activity_media_attach",
    "activity_media_remove",
    "activity_update",
    "alert_acknowledge",
    "alert_raise",
    "check_in_submit",
    "clinic_create",
    "dose_override",
    "guardian_create",
    "invitation_accept",
    "invitation_create",
    "invitation_find",
    "invitation_revoke",
    "invitations_pending_for",
    "milestones_celebrate",
    "patient_create",
    "patient_update",
    "program_activate",
    "program_complete",
    "program_create",
    "program_discard_draft",
    "program_discharge",
    "program_pause",
    "program_preview",
    "program_rebaseline",
    "program_resume",
    "program_update_draft",
    "session_bout_log",
    "session_log",
    "staff_add",
    "template_create",
    "user_language_set",
    "weekly_review_run",
]
