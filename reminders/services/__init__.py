"""Every write to reminders' records goes through a function here.

Views, tasks and commands check their input, call one of these and shape the output.
"""

from reminders.services.contacts import (
    CONSENT_WORDING,
    PreferencesSaved,
    VerificationNotSent,
    VerificationSent,
    confirm_email_token,
    consent_record,
    consent_withdraw,
    consent_wording,
    contact_create,
    contact_preferences_update,
    contact_update,
    email_verification_url,
    verification_confirm_code,
    verification_start,
)
from reminders.services.outbox import (
    QuietHoursNotice,
    SyncResult,
    outbox_sweep,
    outbox_sync_patient,
    outbox_sync_program,
    quiet_hours_notices,
    wall_clock,
)
from reminders.services.push import push_subscribe, push_subscription_gone, push_unsubscribe

__all__ = [
    "CONSENT_WORDING",
    "PreferencesSaved",
    "QuietHoursNotice",
    "SyncResult",
    "VerificationNotSent",
    "VerificationSent",
    "confirm_email_token",
    "consent_record",
    "consent_withdraw",
    "consent_wording",
    "contact_create",
    "contact_preferences_update",
    "contact_update",
    "email_verification_url",
    "outbox_sweep",
    "outbox_sync_patient",
    "outbox_sync_program",
    "push_subscribe",
    "push_subscription_gone",
    "push_unsubscribe",
    "quiet_hours_notices",
    "verification_confirm_code",
    "verification_start",
    "wall_clock",
]
