"""The dispatcher: claim what is due, send it once, and recover what a dead worker left.

The outbox row is the record; a Celery message only says "look at these ids". Every step is
a conditional UPDATE on the row's status, so any step may run twice, on two workers at once,
or not at all (Redis restarted, a worker killed), without a reminder sent twice or lost:

    pending --claim--> claimed --flip--> sending --provider--> sent
       ^                  |                 |
       +---- reap --------+                 +--> pending (temporary failure, backoff)
       +---- reap (provider dedupes by key) +--> failed (permanent: address suppressed)
                                            +--> unknown (reaped, provider cannot dedupe)

``claimed`` means "a send task for this row is on its way"; ``sending`` means "a worker is
calling the provider for it now". Both carry a lease (``lease_expires_at``); the reaper
returns rows whose lease ran out. What a killed worker leaves in ``sending`` depends on the
provider (``reminders_send``): where it dedupes by idempotency key, a run of up to
SEND_CHUNK rows, which the reaper sends again with the same keys (nothing lost, nothing
doubled); where it does not, one row per worker process, which the reaper marks ``unknown``
and never retries (at most one reminder lost, never one sent twice).

Due rows past their grace window (``not_after``) or whose session has started are expired,
never sent; the same is checked again just before each provider call, along with everything
that may have changed since the row was written (suppression, pause, consent, quiet hours).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as wall_time
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from reminders.channels import ChannelBackend, PermanentFailure, TemporaryFailure, backend_for
from reminders.messages import render
from reminders.models import Channel, Consent, Reminder
from reminders.optout import normalize_address, permanent_failure_suppress, suppressed_among

logger = logging.getLogger(__name__)

Status = Reminder.Status

# Temporary provider failures are tried again after about 1, 5 and 15 minutes, then every 15
# minutes, for as long as the grace window lasts (and at most MAX_ATTEMPTS times in all).
# REMINDERS_RETRY_BACKOFF_SECONDS may shorten it (tests/reminders/worker_settings.py does,
# so a real worker shows a retry in seconds).
RETRY_BACKOFF_SECONDS = (60, 300, 900)
MAX_ATTEMPTS = 6

# Temporary failures after which the message may still have gone out (the Twilio channel's
# "the request may have reached Twilio"). Retried only where the provider dedupes by key;
# elsewhere the row is marked unknown, as a send lost with its worker is (see reminders_reap).
MAY_HAVE_BEEN_SENT = frozenset({"timeout", "connection_lost"})

# How many claimed ids one send task carries, and so the longest run of rows flipped and
# recorded in one commit each (see reminders_send). A claim batch (REMINDERS_BATCH_SIZE) is
# split into tasks this size, so every worker process gets a share of it. At 50 the two
# commits per run held a worker to about 600 a second here, at 100 about 1,000.
SEND_CHUNK = 100

# A claim promises that a send starts within the lease; more rows claimed than the workers
# can start in that time would only be reaped and claimed again. The dispatcher tops the
# claimed rows up to this many (a lease's worth at 1,000 a second is 120,000).
MAX_CLAIMED = 50_000

# What a send re-reads before each provider call (suppressions, consent, pause) is at most
# this old: a STOP that arrives mid-task is honoured from the next row on, within a second.
FACTS_MAX_AGE_SECONDS = 1.0

# Rows in these states are someone's work in progress, or still to do.
OPEN_STATUSES = (Status.PENDING, Status.CLAIMED, Status.SENDING)

_TABLE = Reminder._meta.db_table

# The claim. On PostgreSQL, FOR UPDATE SKIP LOCKED lets two dispatchers run at once and take
# disjoint rows without waiting for each other; the index reminder_pending_due (due_at, where
# status = 'pending') serves the ORDER BY ... LIMIT, so the claim reads only the rows it
# takes. The CTE is MATERIALIZED so the locking select runs exactly once: written as
# "id IN (SELECT ... LIMIT n FOR UPDATE SKIP LOCKED)", PostgreSQL may rescan the subquery,
# skip the rows the UPDATE has just changed, and claim more than n. SQLite has neither row
# locks nor SKIP LOCKED: its write transactions are serialised (transaction_mode IMMEDIATE),
# and the outer "status = 'pending'" is the conditional update that keeps a row from being
# claimed twice.
CLAIM_SQL = f"""
WITH due AS MATERIALIZED (
    SELECT id FROM {_TABLE}
     WHERE status = 'pending'
       AND due_at <= %(now)s
       AND not_after > %(now)s
       AND (session_starts_at IS NULL OR session_starts_at > %(now)s)
     ORDER BY due_at
     LIMIT %(limit)s
     {{lock}}
)
UPDATE {_TABLE}
   SET status = 'claimed', lease_expires_at = %(lease_expires_at)s, updated_at = %(now)s
 WHERE status = 'pending' AND id IN (SELECT id FROM due)
RETURNING id
"""


def claim_sql(vendor: str) -> str:
    """The claim statement for a database ``vendor`` (``connection.vendor``)."""
    return CLAIM_SQL.format(lock="FOR UPDATE SKIP LOCKED" if vendor == "postgresql" else "")


def _lease_seconds() -> int:
    return int(settings.REMINDERS_LEASE_SECONDS)


def _backoff_seconds() -> Sequence[int]:
    return tuple(getattr(settings, "REMINDERS_RETRY_BACKOFF_SECONDS", RETRY_BACKOFF_SECONDS))


# ---------------------------------------------------------------------------------------------
# Claim and dispatch


def reminders_expire_overdue(*, now: datetime | None = None) -> int:
    """Expire pending rows that are due but can no longer be sent: their grace window has
    ended or their session has started. Returns how many."""
    now = now or timezone.now()
    return Reminder.objects.filter(
        Q(not_after__lte=now) | Q(session_starts_at__lte=now),
        status=Status.PENDING,
        due_at__lte=now,
    ).update(
        status=Status.EXPIRED,
        lease_expires_at=None,
        last_error="not sent before its grace window ended or its session started",
        updated_at=now,
    )


def reminders_claim_due(*, limit: int, now: datetime | None = None) -> list[int]:
    """Claim up to ``limit`` due rows, oldest first: mark them claimed with a lease, and
    return their ids. Rows another transaction holds are skipped, not waited for.

    Call it inside ``transaction.atomic()`` and hand the ids to the send task only once that
    transaction has committed (``transaction.on_commit``): a worker must see them claimed.
    """
    now = now or timezone.now()
    ops = connection.ops
    params = {
        "now": ops.adapt_datetimefield_value(now),
        "lease_expires_at": ops.adapt_datetimefield_value(
            now + timedelta(seconds=_lease_seconds())
        ),
        "limit": limit,
    }
    with connection.cursor() as cursor:
        cursor.execute(claim_sql(connection.vendor), params)
        return sorted(row[0] for row in cursor.fetchall())


@dataclass(frozen=True)
class DispatchReport:
    expired: int = 0
    claimed: int = 0
    batches: int = 0


def reminders_dispatch(
    *,
    enqueue: Callable[[list[int]], object],
    now: datetime | None = None,
    batch_size: int | None = None,
    time_budget_seconds: float = 20.0,
) -> DispatchReport:
    """One pass of the dispatcher: expire what is overdue, then claim due rows in batches
    of ``batch_size`` (REMINDERS_BATCH_SIZE) until none are left, MAX_CLAIMED rows are
    claimed in all, or ``time_budget_seconds`` is spent; each batch in its own transaction,
    handed to ``enqueue`` once committed.

    ``now`` is for tests that travel in time; a live pass reads the clock per batch.
    Running two passes at once is harmless: they claim disjoint rows.
    """
    batch_size = batch_size or int(settings.REMINDERS_BATCH_SIZE)
    started = time.monotonic()
    expired = reminders_expire_overdue(now=now)
    room = MAX_CLAIMED - Reminder.objects.filter(status=Status.CLAIMED).count()
    claimed = batches = 0
    while room > 0:
        limit = min(batch_size, room)
        with transaction.atomic():
            ids = reminders_claim_due(limit=limit, now=now)
            if ids:
                transaction.on_commit(partial(enqueue, ids))
        if ids:
            claimed += len(ids)
            batches += 1
            room -= len(ids)
        if len(ids) < limit or time.monotonic() - started > time_budget_seconds:
            break
    if expired or claimed:
        logger.info("dispatch: %d claimed in %d batches, %d expired", claimed, batches, expired)
    return DispatchReport(expired=expired, claimed=claimed, batches=batches)


def reminders_release(*, reminder_ids: Iterable[int]) -> int:
    """Give claimed rows back to pending at once (their send could not be queued), rather
    than leave them to the reaper when their lease runs out."""
    return Reminder.objects.filter(id__in=list(reminder_ids), status=Status.CLAIMED).update(
        status=Status.PENDING, lease_expires_at=None, updated_at=timezone.now()
    )


# ---------------------------------------------------------------------------------------------
# Send


def in_quiet_hours(local: wall_time, start: wall_time, end: wall_time) -> bool:
    """Whether the local wall time ``local`` falls in [start, end), which may span midnight
    (20:00-09:00). Equal start and end mean no quiet hours."""
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


@dataclass
class _Facts:
    """What a send needs to decide about a few rows, read in three queries, not per row."""

    reminders: dict[int, Reminder]
    consents: set[tuple[int, str]]
    suppressions: set[tuple[str, str]]
    loaded_at: float

    @classmethod
    def load(cls, ids: Sequence[int]) -> _Facts:
        reminders = {
            reminder.id: reminder
            for reminder in Reminder.objects.filter(id__in=ids, status=Status.CLAIMED)
            .select_related("contact__patient__clinic", "program__patient__clinic", "staff_user")
            .order_by()
        }
        contact_ids = {r.contact_id for r in reminders.values() if r.contact_id is not None}
        consents = set(
            Consent.objects.filter(contact_id__in=contact_ids, withdrawn_at__isnull=True)
            .order_by()
            .values_list("contact_id", "channel")
        )
        suppressions: set[tuple[str, str]] = set()
        for channel in {r.channel for r in reminders.values()}:
            addresses = [r.address for r in reminders.values() if r.channel == channel]
            suppressions |= {(channel, a) for a in suppressed_among(channel, addresses)}
        return cls(reminders, consents, suppressions, time.monotonic())

    @property
    def stale(self) -> bool:
        return time.monotonic() - self.loaded_at > FACTS_MAX_AGE_SECONDS


def _reason_not_to_send(reminder: Reminder, facts: _Facts, now: datetime) -> tuple[str, str] | None:
    """Why this row must not go out now, as (status, reason), or None to send it."""
    if now >= reminder.not_after:
        return Status.EXPIRED, "its grace window ended before it could be sent"
    if reminder.session_starts_at is not None and now >= reminder.session_starts_at:
        return Status.EXPIRED, "its session had started"
    address = reminder.address
    if not address:
        return Status.FAILED, f"no {reminder.channel} address"
    if (reminder.channel, normalize_address(reminder.channel, address)) in facts.suppressions:
        return Status.SUPPRESSED, "the address is on the suppression list"
    contact = reminder.contact
    if contact is None:
        return None
    if contact.paused:
        return Status.CANCELLED, "the contact paused all reminders"
    if (contact.id, reminder.channel) not in facts.consents:
        return Status.CANCELLED, f"no consent on record for {reminder.channel}"
    if reminder.channel == Channel.SMS:
        if not contact.sms_enabled:
            return Status.CANCELLED, "the contact turned text messages off"
        verified = contact.phone_verified_at
    else:
        if not contact.email_enabled:
            return Status.CANCELLED, "the contact turned email off"
        verified = contact.email_verified_at
    if verified is None and reminder.kind != Reminder.Kind.VERIFICATION:
        return Status.CANCELLED, f"the {reminder.channel} address is not verified"
    if reminder.channel == Channel.SMS:
        local = now.astimezone(ZoneInfo(reminder.time_zone)).time()
        if in_quiet_hours(local, contact.quiet_start, contact.quiet_end):
            return Status.EXPIRED, "it would have gone out inside the contact's quiet hours"
    return None


def _settle(reminder_id: int, status: str, reason: str, **fields: object) -> int:
    """Move a row this worker is sending to its outcome."""
    return Reminder.objects.filter(id=reminder_id, status=Status.SENDING).update(
        status=status,
        last_error=reason[:300],
        lease_expires_at=None,
        updated_at=timezone.now(),
        **fields,
    )


def _retry_later(reminder: Reminder, reason: str, now: datetime) -> str:
    """Back to pending with its due time pushed by the backoff, if another try still fits in
    the grace window (and before the session); else expired."""
    backoff = _backoff_seconds()
    retry_at = now + timedelta(seconds=backoff[min(reminder.attempts, len(backoff)) - 1])
    deadline = reminder.not_after
    if reminder.session_starts_at is not None:
        deadline = min(deadline, reminder.session_starts_at)
    if reminder.attempts >= MAX_ATTEMPTS:
        _settle(reminder.id, Status.FAILED, f"gave up after {reminder.attempts} tries: {reason}")
        return Status.FAILED
    if retry_at >= deadline:
        _settle(reminder.id, Status.EXPIRED, f"no time left to try again: {reason}")
        return Status.EXPIRED
    _settle(reminder.id, Status.PENDING, reason, due_at=retry_at)
    return "retry"


def _flip(reminder_ids: Sequence[int], now: datetime) -> set[int]:
    """Claimed -> sending, with a fresh lease and one more attempt; the ids this call changed.

    The flip is what makes a send exclusive: of two tasks holding the same id, one changes
    the row and the other finds nothing to change and leaves it alone. It commits before the
    provider is called, so a crash after the call can never find the row still claimed.
    """
    ops = connection.ops
    placeholders = ", ".join(["%s"] * len(reminder_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_TABLE} SET status = %s, lease_expires_at = %s, attempts = attempts + 1,"
            f" updated_at = %s WHERE status = %s AND id IN ({placeholders}) RETURNING id",
            [
                Status.SENDING,
                ops.adapt_datetimefield_value(now + timedelta(seconds=_lease_seconds())),
                ops.adapt_datetimefield_value(now),
                Status.CLAIMED,
                *reminder_ids,
            ],
        )
        return {row[0] for row in cursor.fetchall()}


def _mark_sent(sent: Sequence[Reminder]) -> None:
    """Record the provider's ids and send times, in one statement. Whatever happened to a
    row meanwhile (reaped, claimed again), it has been sent; only a delivery receipt that
    already said more is kept."""
    if not sent:
        return
    ops = connection.ops
    values = ", ".join(["(%s, %s, %s)"] * len(sent))
    params: list[Any] = []
    for reminder in sent:
        params += [
            reminder.id,
            reminder.provider_message_id,
            ops.adapt_datetimefield_value(reminder.sent_at),
        ]
    params += [Status.SENT, ops.adapt_datetimefield_value(timezone.now())]
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH done (id, provider_message_id, sent_at) AS (VALUES {values}) "
            f"UPDATE {_TABLE} SET status = %s, provider_message_id = done.provider_message_id,"
            f" sent_at = done.sent_at, lease_expires_at = NULL, last_error = '', updated_at = %s"
            f" FROM done WHERE {_TABLE}.id = done.id"
            f" AND {_TABLE}.status NOT IN ('delivered', 'failed')",
            params,
        )


def _deliver(
    reminder: Reminder, facts: _Facts, backend: ChannelBackend, sent: list[Reminder]
) -> str:
    """Check, render and send one row this worker has flipped to sending; its outcome. A
    success is appended to ``sent`` for the caller to record; anything else is recorded."""
    now = timezone.now()
    refusal = _reason_not_to_send(reminder, facts, now)
    if refusal is not None:
        status, reason = refusal
        _settle(reminder.id, status, reason)
        return status
    try:
        message = render(reminder)
    except Exception as error:
        logger.exception("reminder %s cannot be rendered", reminder.id)
        _settle(reminder.id, Status.FAILED, f"cannot be rendered: {error!r}")
        return Status.FAILED
    try:
        result = backend.send(message)
    except TemporaryFailure as failure:
        if failure.code in MAY_HAVE_BEEN_SENT and not backend.supports_idempotency:
            _settle(reminder.id, Status.UNKNOWN, f"outcome unknown, not retried: {failure}")
            return Status.UNKNOWN
        return _retry_later(reminder, str(failure), now)
    except PermanentFailure as failure:
        _settle(reminder.id, Status.FAILED, str(failure))
        permanent_failure_suppress(
            channel=reminder.channel, address=message.to, code=failure.code, message=failure.message
        )
        return Status.FAILED
    except Exception as error:  # SoftTimeLimitExceeded too
        # Neither a success nor a failure the provider told us about: it may have gone out.
        _outcome_unknown(reminder, backend, f"{type(error).__name__}: {error}", now)
        if isinstance(error, SoftTimeLimitExceeded):
            raise
        logger.exception("reminder %s: the channel raised unexpectedly", reminder.id)
        return Status.UNKNOWN
    reminder.provider_message_id = result.provider_message_id[:64]
    reminder.sent_at = timezone.now()
    sent.append(reminder)
    return Status.SENT


def _outcome_unknown(
    reminder: Reminder, backend: ChannelBackend, reason: str, now: datetime
) -> None:
    if backend.supports_idempotency:
        _retry_later(reminder, reason, now)
    else:
        _settle(reminder.id, Status.UNKNOWN, f"outcome unknown, not retried: {reason}")


@dataclass
class SendReport:
    outcomes: Counter[str] = field(default_factory=Counter)

    @property
    def sent(self) -> int:
        return self.outcomes[Status.SENT]


class _Sender:
    """One send task's walk through its ids (see ``reminders_send``)."""

    def __init__(self, reminder_ids: Sequence[int]) -> None:
        self.ids = list(dict.fromkeys(reminder_ids))
        self.position = 0
        self.report = SendReport()
        self.backends: dict[str, ChannelBackend] = {}
        self.facts: _Facts | None = None

    def backend(self, channel: str) -> ChannelBackend:
        if channel not in self.backends:
            self.backends[channel] = backend_for(channel)
        return self.backends[channel]

    def next_run(self, facts: _Facts) -> list[int]:
        """The ids to flip together: a run of rows whose provider dedupes by key, or one."""
        first = self.ids[self.position]
        reminder = facts.reminders.get(first)
        if reminder is None or not self.backend(reminder.channel).supports_idempotency:
            return [first]
        run = [first]
        for reminder_id in self.ids[self.position + 1 : self.position + SEND_CHUNK]:
            other = facts.reminders.get(reminder_id)
            if other is None or not self.backend(other.channel).supports_idempotency:
                break
            run.append(reminder_id)
        return run

    def send_run(self, run: list[int], facts: _Facts) -> None:
        # Ids that were not claimed when the facts were read are some other task's (or
        # nobody's) to send: not even worth a flip.
        ours = [reminder_id for reminder_id in run if reminder_id in facts.reminders]
        flipped = _flip(ours, timezone.now()) if ours else set()
        if len(flipped) < len(run):
            self.report.outcomes["skipped"] += len(run) - len(flipped)
        sent: list[Reminder] = []
        try:
            for reminder_id in run:
                if reminder_id not in flipped:
                    continue
                reminder = facts.reminders[reminder_id]
                reminder.attempts += 1
                backend = self.backend(reminder.channel)
                self.report.outcomes[_deliver(reminder, facts, backend, sent)] += 1
        finally:
            _mark_sent(sent)

    def release_rest(self) -> None:
        self.report.outcomes["released"] += reminders_release(
            reminder_ids=self.ids[self.position :]
        )


def reminders_send(
    *, reminder_ids: Sequence[int], deadline_seconds: float | None = None
) -> SendReport:
    """Send the claimed rows among ``reminder_ids``: flip them to sending, check each again,
    call the provider with the row's idempotency key, record the outcome.

    How many rows are flipped at once depends on what a lost worker would leave behind.
    Where the provider dedupes by idempotency key, a run of up to SEND_CHUNK rows is flipped
    in one commit and their successes recorded in one more: a worker killed halfway leaves
    rows in sending that the reaper sends again with the same keys, which the provider drops
    if they already went out. That is what makes 1,000 a second possible, since each commit
    waits for the disk. Where it does not dedupe, each row is flipped, sent and recorded
    before the next, so a killed worker leaves at most one row whose outcome is unknown.

    Safe to run twice and at once with itself: ids that are not (or no longer) claimed are
    skipped. Rows left when ``deadline_seconds`` runs out are given back to pending.
    """
    sender = _Sender(reminder_ids)
    started = time.monotonic()
    try:
        while sender.position < len(sender.ids):
            if deadline_seconds is not None and time.monotonic() - started > deadline_seconds:
                sender.release_rest()
                break
            if sender.facts is None or sender.facts.stale:
                sender.facts = _Facts.load(sender.ids[sender.position :])
            run = sender.next_run(sender.facts)
            sender.position += len(run)
            sender.send_run(run, sender.facts)
    except SoftTimeLimitExceeded:
        sender.release_rest()
        raise
    return sender.report


# ---------------------------------------------------------------------------------------------
# Reap


@dataclass(frozen=True)
class ReapReport:
    released: int = 0
    retried: int = 0
    unknown: int = 0


def reminders_reap(*, now: datetime | None = None) -> ReapReport:
    """Recover rows whose lease ran out.

    A *claimed* row whose lease expired was never flipped to sending: its send task was lost
    (Redis restarted, the task expired in the queue, the worker died before reaching it).
    Nothing was sent, so it goes back to pending and the next dispatch claims it again.

    A *sending* row whose lease expired belongs to a worker that died (or hung) between
    flipping it and recording the provider's answer: it may or may not have gone out.
    - If the channel's provider deduplicates by idempotency key (``supports_idempotency``),
      it goes back to pending, still inside its grace window, and is sent again with the
      same key: the provider drops the second copy, so the reminder is not lost.
    - Otherwise it is marked ``unknown`` and never retried. A duplicate at 6 am costs more
      than one missed reminder, and the window is small: one row per worker process that
      died mid-call, since a send marks each row sent before it flips the next one. Staff
      see unknown rows in the outbox view.
    """
    now = now or timezone.now()
    released = Reminder.objects.filter(status=Status.CLAIMED, lease_expires_at__lt=now).update(
        status=Status.PENDING, lease_expires_at=None, updated_at=now
    )
    retried = unknown = 0
    lost_sends = Reminder.objects.filter(status=Status.SENDING, lease_expires_at__lt=now)
    for channel in set(lost_sends.order_by().values_list("channel", flat=True)):
        rows = lost_sends.filter(channel=channel)
        if backend_for(channel).supports_idempotency:
            retried += (
                rows.filter(not_after__gt=now)
                .exclude(session_starts_at__lte=now)
                .update(
                    status=Status.PENDING,
                    lease_expires_at=None,
                    last_error="the worker was lost mid-send; sent again with the same key",
                    updated_at=now,
                )
            )
        unknown += rows.update(
            status=Status.UNKNOWN,
            lease_expires_at=None,
            last_error="the worker was lost mid-send; not retried, to never send it twice",
            updated_at=now,
        )
    if released or retried or unknown:
        logger.warning(
            "reap: %d claimed rows released, %d sends retried, %d outcomes unknown",
            released,
            retried,
            unknown,
        )
    return ReapReport(released=released, retried=retried, unknown=unknown)
