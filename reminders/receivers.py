"""Reminders' listener for programs' alerts: a red flag or thoughts of self-harm email the
patient's therapists at once.

``programs.signals.alert_raised`` is sent on commit, robustly: a failure here is logged and
swallowed, the alert stays, and ``notifications_sweep`` makes the emails on its next run.
Connected in ``RemindersConfig.ready``.
"""

from __future__ import annotations

import logging
from typing import Any

from programs.signals import alert_raised
from reminders.services.notifications import URGENT_KINDS, red_flag_notify

logger = logging.getLogger(__name__)


def email_therapists_on_red_flag(sender: Any, *, alert_id: int, kind: str, **kwargs: Any) -> None:
    if kind not in URGENT_KINDS:
        return
    try:
        red_flag_notify(alert_id=alert_id)
    except Exception:
        logger.exception("red-flag email for alert %s not made; the sweep will repair it", alert_id)


def connect() -> None:
    alert_raised.connect(email_therapists_on_red_flag, dispatch_uid="reminders.red_flag_emails")
