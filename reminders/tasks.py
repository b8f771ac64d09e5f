"""Celery tasks of reminders: the dispatcher, the send, and the lease reaper.

Thin, as every task here: ids in, one service called (reminders/services/dispatch.py), safe to
run twice. Beat runs the dispatcher every REMINDERS_DISPATCH_SECONDS and the reaper every
quarter lease; nothing about a future reminder is ever held in Redis (no eta, no countdown
beyond a few seconds of retry): the outbox rows are the schedule, and a send task is only queued for
rows already claimed, with an expiry no longer than their lease.

If Redis loses the queued sends (a restart without persistence) or a worker dies holding
them, their rows stay claimed until their lease runs out; the reaper then gives them back to
pending and the next dispatch claims them again. Acks late and reject-on-worker-lost (the
global settings) hand an interrupted task to another worker meanwhile when Redis still has it.
A send in flight when the broker connection drops runs to its end (see
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS in config/settings.py).

The dispatcher, the sends and the reaper go to the ``reminders`` queue (CELERY_TASK_ROUTES),
so nothing queued on the default queue (a burst of weekly reviews) delays a reminder; the
sweeps, which visit every program, stay on the default queue.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError

from reminders.services import outbox_sweep
from reminders.services.dispatch import (
    SEND_CHUNK,
    reminders_dispatch,
    reminders_reap,
    reminders_release,
    reminders_send,
)
from reminders.services.notifications import SWEEP_MINUTES, notifications_sweep

logger = logging.getLogger(__name__)

# The database going away for a moment is worth a retry; nothing else is (a retry of a send
# task only skips the rows it already handled, so it is safe, but a bug would just repeat).
TRANSIENT_ERRORS = (OperationalError, InterfaceError)

# The outbox sweep repairs what a missed signal left and rolls the 14-day horizon forward;
# every program is visited, so once an hour is plenty.
OUTBOX_SWEEP_MINUTES = 60

# A send task stops taking new rows after this long and gives the rest back to pending,
# well inside its soft time limit.
SEND_DEADLINE_SECONDS = 60


def beat_schedule() -> dict[str, dict[str, Any]]:
    """The periodic entries of reminders, added to CELERY_BEAT_SCHEDULE by the app config.

    Each expires after its own interval: a run that waited that long in the queue is
    superseded by the next one, which finds the same rows in the database.
    """
    dispatch_every = int(settings.REMINDERS_DISPATCH_SECONDS)
    # A lease is recovered at most a quarter of a lease after it runs out.
    reap_every = max(dispatch_every, int(settings.REMINDERS_LEASE_SECONDS) // 4)
    schedule: dict[str, dict[str, Any]] = {
        "reminders.dispatch": {
            "task": "reminders.dispatch",
            "schedule": timedelta(seconds=dispatch_every),
            "options": {"expires": dispatch_every},
        },
        "reminders.reap": {
            "task": "reminders.reap",
            "schedule": timedelta(seconds=reap_every),
            "options": {"expires": reap_every},
        },
        "reminders.outbox_sweep": {
            "task": "reminders.outbox_sweep",
            "schedule": timedelta(minutes=OUTBOX_SWEEP_MINUTES),
            "options": {"expires": OUTBOX_SWEEP_MINUTES * 60},
        },
        "reminders.notifications_sweep": {
            "task": "reminders.notifications_sweep",
            "schedule": timedelta(minutes=SWEEP_MINUTES),
            "options": {"expires": SWEEP_MINUTES * 60},
        },
    }
    return schedule


def enqueue_sends(reminder_ids: list[int]) -> None:
    """Queue send tasks for claimed rows, SEND_CHUNK ids each. Called once the claim has
    committed. A send queued longer than the lease is worthless (the reaper has given its
    rows back), so it expires then. If Redis refuses, the rows are given back at once."""
    lease = int(settings.REMINDERS_LEASE_SECONDS)
    for start in range(0, len(reminder_ids), SEND_CHUNK):
        chunk = reminder_ids[start : start + SEND_CHUNK]
        try:
            send_reminders.apply_async((chunk,), expires=lease)
        except BrokerError:
            released = reminders_release(reminder_ids=reminder_ids[start:])
            logger.warning("the broker refused send tasks: %d claimed rows released", released)
            return


@shared_task(name="reminders.dispatch", soft_time_limit=50, time_limit=60)
def dispatch_reminders() -> dict[str, int]:
    """Claim the reminders now due and queue their sends; expire those past their window.
    Not retried: beat runs it again within REMINDERS_DISPATCH_SECONDS."""
    report = reminders_dispatch(enqueue=enqueue_sends, time_budget_seconds=20)
    return {"claimed": report.claimed, "expired": report.expired, "batches": report.batches}


@shared_task(
    name="reminders.send",
    autoretry_for=TRANSIENT_ERRORS,
    max_retries=3,
    retry_backoff=1,
    retry_backoff_max=10,
    retry_jitter=True,
    soft_time_limit=90,
    time_limit=110,
)
def send_reminders(reminder_ids: list[int]) -> dict[str, int]:
    """Send the claimed reminders among ``reminder_ids``; the count of each outcome."""
    report = reminders_send(reminder_ids=reminder_ids, deadline_seconds=SEND_DEADLINE_SECONDS)
    return dict(report.outcomes)


@shared_task(name="reminders.reap", soft_time_limit=50, time_limit=60)
def reap_reminders() -> dict[str, int]:
    """Give back expired leases (see ``reminders_reap`` for what happens to a send whose
    outcome is unknown). Not retried: beat runs it again."""
    return asdict(reminders_reap())


@shared_task(name="reminders.outbox_sweep", soft_time_limit=600, time_limit=660)
def sweep_outbox() -> dict[str, int]:
    """Bring every program's session reminders in step with its sessions, repairing what a
    lost signal left. Safe to run twice: programs a change holds are skipped. Not retried:
    beat runs it again within the hour."""
    return asdict(outbox_sweep())


@shared_task(name="reminders.notifications_sweep", soft_time_limit=120, time_limit=150)
def sweep_notifications() -> dict[str, int]:
    """Make the nudges, check-in reminders and alert digests now due, repair red-flag emails
    a lost signal left unmade, cancel what no longer applies. Safe to run twice; not retried:
    beat runs it again within SWEEP_MINUTES."""
    return asdict(notifications_sweep())
