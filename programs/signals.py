"""What programs announces to whoever listens, always after the change has committed.

``programs`` knows nothing of ``reminders`` (docs/architecture.md): it sends these signals from
``transaction.on_commit`` and ``reminders`` connects its receivers in its AppConfig.ready().
A receiver that fails never undoes the change that was announced, and a periodic sweep in
``reminders`` repairs whatever a lost signal left behind.

Receivers take ids, not objects, and read the rows themselves: by the time they run the rows
may have changed again.
"""

from __future__ import annotations

from django.dispatch import Signal

# The planned sessions of a program changed (created, regenerated, paused, discharged).
# Arguments: program_id, from_date (the first date that may have changed).
sessions_changed = Signal()

# A new alert for the clinician was stored (not sent again for an alert already open).
# Arguments: alert_id, kind (an AlertKind value such as "red_flag").
alert_raised = Signal()
