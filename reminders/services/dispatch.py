"""The dispatcher: claim what is due, send it once, and recover what a dead worker left.

The outbox row is the record; a Celery message only says "look at these ids". Every step is
a conditional UPDATE on the row's status, so any step may run twice, on two workers at once,
or not at all (Redis restarted, a worker killed), without a reminder sent twice or lost:

    pending --claim--> claimed --flip--> sending --provider--> sent
       ^                  |                 |
       +---- reap --------+                 +--> pending (temporary failure, backoff)
       +---- reap: the provider has no      +--> failed (permanent: address suppressed)
       |     such message, or dedupes       +--> expired (no time left to try again)
       |                                    +--> sent (reap: the provider has the message)
       |                                    +--> unknown (only a provider call that cannot
       |                                         be settled: SMTP cut after DATA, a worker
       |                                         killed mid-call, by email)

``claimed`` means "a send task for this row is on its way"; ``sending`` means "a worker is
calling the provider for it now". Both carry a lease (``lease_expires_at``); the reaper
returns rows whose lease ran out. Every row ends sent (or delivered), failed, expired,
cancelled, suppressed, or unknown with the reason in ``last_error``; none stays open:
claimed rows come back to pending, pending rows expire with their grace window, and a
sending row is settled by the reaper.

Exactly once, with providers that take no idempotency key
----------------------------------------------------------
Twilio and SMTP (every real provider here) do not drop a second message with the same key,
so "send it again with the same key" is no recovery: whatever was uncertain must be settled
by knowing, and where it cannot be known, must not be sent again. The reasoning, step by step:

1. What may be uncertain is only the provider call. A row is flipped to sending and
   committed just before its call (after the connection is open: ``prepare``), and its
   outcome is recorded and committed just after, one row at a time, the provider's message id
   with it. The window is the call, the few milliseconds of checks and rendering before it,
   and one UPDATE after; a worker that dies anywhere else leaves its rows claimed (never
   sent: the reaper gives them back) or recorded. ``attempt_started_at`` says when the call
   began.
2. A broker connection lost is no reason to stop a call. With
   CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS (config/settings.py) a Redis
   restart terminated every send in flight, exactly as a kill does; it is off, so a send
   that is calling the provider finishes and records its outcome. Its message cannot be
   acknowledged on the lost connection and may be delivered again (acks late): the flip,
   a conditional update from claimed, makes the second run skip rows already sent or sending.
3. A call whose answer never came is settled by asking the provider, where it can be asked
   (``supports_lookup``: Twilio). A timeout or a broken connection after the request left
   leaves the row in sending; so does a worker killed mid-call. Once the row's lease has run
   out (longer than any call can last: TWILIO_TIMEOUT_SECONDS is far shorter), the reaper
   asks Twilio's list of messages for one from our number to the row's number with the
   row's exact text, created since the call began (``find_sent``). Found: the row is sent,
   with Twilio's id. Not found: Twilio never took it (no request can still be on its way
   after the lease: settings refuse a Twilio timeout over half the lease), so it is sent
   again if its window allows, else expired. Twilio keeps
   no reference of ours that its list shows, so two identical texts to one number are told
   apart by the ids already recorded: a message another row holds is not this one's, and
   one reaper at a time matches them. A delivery report (the webhook, whose URL carries the
   row's key) settles the row too, whichever comes first.
4. Where the provider cannot be asked (SMTP), the protocol itself says how far a message
   got: a failure before DATA means the server holds nothing (sent again); the server's 250
   after DATA means it has it (sent, recorded at once, whatever the connection does next);
   a connection lost between the two may have delivered it, and that row is marked unknown,
   never sent again. A worker killed mid-call by email leaves at most one unknown row per
   process.
   A duplicate at 6 am costs more than one missed reminder; staff see unknown rows, with the
   reason, in the outbox view. Web Push is the same: a push service takes no key and cannot
   be asked, so a push whose answer never came (a timeout, a broken connection, a kill) is
   unknown; one that was never sent (no connection made) is tried again.
5. A provider that does dedupe by key (``supports_idempotency``, the test and benchmark
   channel) is sent in runs of up to SEND_CHUNK rows per commit, and a lost run is simply
   sent again with the same keys.

So nothing is sent twice by our doing, nothing is lost but what the reaper marks unknown, and
unknown is left only for a provider call that the protocol cannot settle: SMTP, between DATA
and its answer (or a kill inside that call); Twilio, only when it cannot be asked for a day.

Due rows past their grace window (``not_after``) or whose session has started are expired,
never sent; the same is checked again just before each provider call, along with everything
that may have changed since the row was written (suppression, pause, consent, quiet hours).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timedelta
from datetime import time as wall_time
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from reminders.channels import (
    ChannelBackend,
    LookupUnavailable,
    PermanentFailure,
    TemporaryFailure,
    backend_for,
)
from reminders.messages import render
from reminders.models import QUIET_CHANNELS, Channel, Consent, PushSubscription, Reminder
from reminders.selectors import normalize_address, suppressed_among
from reminders.services.optout import permanent_failure_suppress
from reminders.services.push import push_subscription_gone

# Named as before the module moved into services/, so log filters and alerts keep matching.
logger = logging.getLogger("reminders.dispatch")

Status = Reminder.Status

# Temporary provider failures are tried again after about 1, 5 and 15 minutes, then every 15
# minutes, for as long as the grace window lasts (and at most MAX_ATTEMPTS times in all).
# REMINDERS_RETRY_BACKOFF_SECONDS may shorten it (tests/reminders/worker_settings.py does,
# so a real worker shows a retry in seconds).
RETRY_BACKOFF_SECONDS = (60, 300, 900)
MAX_ATTEMPTS = 6

# Temporary failures after which the message may still have gone out (Twilio's "the request
# may have reached Twilio", SMTP's "the connection broke after DATA"). Retried only where the
# provider dedupes by key; settled by asking where it can be asked; elsewhere unknown.
MAY_HAVE_BEEN_SENT = frozenset({"timeout", "connection_lost"})

# The reaper asks the provider about at most this many lost sends per run, for at most this
# long (each question is an HTTP call); the rest wait for the next run.
LOOKUPS_PER_REAP = 200
LOOKUP_BUDGET_SECONDS = 30.0
# How long after its call began a lost send is still asked about while the provider cannot
# be asked (an outage): then it is unknown. Long enough for any outage we have seen.
LOOKUP_PATIENCE = timedelta(days=1)

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


def _end_lease(
    rows: QuerySet[Reminder], status: str, why: str, now: datetime, **fields: Any
) -> int:
    """Move ``rows`` to ``status`` with no lease on them, saying why; how many moved."""
    return rows.update(
        status=status, lease_expires_at=None, last_error=why[:300], updated_at=now, **fields
    )


def reminders_expire_overdue(*, now: datetime | None = None) -> int:
    """Expire pending rows that are due but can no longer be sent: their grace window has
    ended or their session has started. Returns how many."""
    now = now or timezone.now()
    overdue = Reminder.objects.filter(
        Q(not_after__lte=now) | Q(session_starts_at__lte=now),
        status=Status.PENDING,
        due_at__lte=now,
    )
    return _end_lease(
        overdue,
        Status.EXPIRED,
        "not sent before its grace window ended or its session started",
        now,
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
            .select_related(
                "contact__patient__clinic",
                "program__patient__clinic",
                "staff_user",
                "push_subscription",
            )
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
    if not address and reminder.channel == Channel.PUSH:
        return Status.CANCELLED, "the device no longer takes push notifications"
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
    if reminder.channel == Channel.PUSH:
        # A subscription is the browser's own say-so: there is nothing to verify or toggle.
        verified: object = reminder.push_subscription_id
    elif reminder.channel == Channel.SMS:
        if not contact.sms_enabled:
            return Status.CANCELLED, "the contact turned text messages off"
        verified = contact.phone_verified_at
    else:
        if not contact.email_enabled:
            return Status.CANCELLED, "the contact turned email off"
        verified = contact.email_verified_at
    if verified is None and reminder.kind != Reminder.Kind.VERIFICATION:
        return Status.CANCELLED, f"the {reminder.channel} address is not verified"
    if reminder.channel in QUIET_CHANNELS:
        local = now.astimezone(ZoneInfo(reminder.time_zone)).time()
        if in_quiet_hours(local, contact.quiet_start, contact.quiet_end):
            return Status.EXPIRED, "it would have gone out inside the contact's quiet hours"
    return None


def _settle(reminder_id: int, status: str, reason: str, **fields: object) -> int:
    """Move a row this worker is sending to its outcome."""
    sending = Reminder.objects.filter(id=reminder_id, status=Status.SENDING)
    return _end_lease(sending, status, reason, timezone.now(), **fields)


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
    provider is called, so a crash after the call can never find the row still claimed; and
    it stamps when the call begins, so the reaper knows where to look for it at the provider.
    """
    ops = connection.ops
    placeholders = ", ".join(["%s"] * len(reminder_ids))
    stamp = ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_TABLE} SET status = %s, lease_expires_at = %s, attempts = attempts + 1,"
            f" attempt_started_at = %s, updated_at = %s"
            f" WHERE status = %s AND id IN ({placeholders}) RETURNING id",
            [
                Status.SENDING,
                ops.adapt_datetimefield_value(now + timedelta(seconds=_lease_seconds())),
                stamp,
                stamp,
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
    devices = [reminder.push_subscription_id for reminder in sent if reminder.push_subscription_id]
    if devices:
        PushSubscription.objects.filter(id__in=devices).update(last_success_at=timezone.now())


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
            return _outcome_unknown(reminder, backend, str(failure), now)
        return _retry_later(reminder, str(failure), now)
    except PermanentFailure as failure:
        _settle(reminder.id, Status.FAILED, str(failure))
        if reminder.channel == Channel.PUSH:
            # The push service has forgotten the device: so do we, rather than suppress it.
            push_subscription_gone(endpoint=message.to, reason=str(failure))
            return Status.FAILED
        permanent_failure_suppress(
            channel=reminder.channel, address=message.to, code=failure.code, message=failure.message
        )
        return Status.FAILED
    except Exception as error:  # SoftTimeLimitExceeded too
        # Neither a success nor a failure the provider told us about: it may have gone out.
        outcome = _outcome_unknown(reminder, backend, f"{type(error).__name__}: {error}", now)
        if isinstance(error, SoftTimeLimitExceeded):
            raise
        logger.exception("reminder %s: the channel raised unexpectedly", reminder.id)
        return outcome
    reminder.provider_message_id = result.provider_message_id[:64]
    reminder.sent_at = timezone.now()
    sent.append(reminder)
    return Status.SENT


# The outcome of a send left in sending for the reaper to settle by asking the provider.
ASK_PROVIDER = "asking"


def _outcome_unknown(
    reminder: Reminder, backend: ChannelBackend, reason: str, now: datetime
) -> str:
    """A call that may or may not have sent the message: sent again with the same key where
    the provider dedupes; left in sending, for the reaper to ask about once the lease has run
    out, where the provider can be asked; else unknown, and never sent again."""
    if backend.supports_idempotency:
        return _retry_later(reminder, reason, now)
    if backend.supports_lookup:
        Reminder.objects.filter(id=reminder.id, status=Status.SENDING).update(
            last_error=f"no answer; the provider will be asked whether it went out: {reason}"[:300]
        )
        return ASK_PROVIDER
    _settle(reminder.id, Status.UNKNOWN, f"outcome unknown, not sent again: {reason}")
    return Status.UNKNOWN


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
        # Connecting and signing in happen before the flip, outside the uncertain window.
        for channel in {facts.reminders[reminder_id].channel for reminder_id in ours}:
            self.backend(channel).prepare()
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

    def close(self) -> None:
        for backend in self.backends.values():
            try:
                backend.close()
            except Exception:  # a connection that will not close is no send's business
                logger.warning("a %s backend did not close cleanly", type(backend).__name__)


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
    before the next, so a killed worker leaves at most one row in sending: the one whose
    call it was making, which the reaper settles (see the module's docstring).

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
    finally:
        sender.close()
    return sender.report


# ---------------------------------------------------------------------------------------------
# Reap


@dataclass(frozen=True)
class ReapReport:
    released: int = 0
    retried: int = 0
    unknown: int = 0
    confirmed: int = 0  # asked the provider: it had gone out
    unanswered: int = 0  # the provider could not be asked; asked again at the next run
    expired: int = 0  # asked the provider: it had not gone out, and no time is left
    failed: int = 0  # asked the provider: it had not gone out, and it was the last try


def reminders_reap(*, now: datetime | None = None) -> ReapReport:
    """Recover rows whose lease ran out.

    A *claimed* row whose lease expired was never flipped to sending: its send task was lost
    (Redis restarted, the task expired in the queue, the worker died before reaching it).
    Nothing was sent, so it goes back to pending and the next dispatch claims it again.

    A *sending* row whose lease expired was left by a worker that died (or hung) during its
    provider call, or by a call that ended without an answer: it may or may not have gone out.
    - If the channel's provider deduplicates by idempotency key (``supports_idempotency``),
      it goes back to pending, still inside its grace window, and is sent again with the
      same key: the provider drops the second copy, so the reminder is not lost.
    - If the provider can be asked (``supports_lookup``: Twilio), it is asked, and the row
      is settled by its answer (``_settle_by_asking``).
    - Otherwise (SMTP) it is marked ``unknown`` and never sent again: one row per worker
      process that died mid-call, since a send records each row before it flips the next.
    """
    now = now or timezone.now()
    # How many rows each way went, by the names of the report's fields.
    counts: Counter[str] = Counter()
    counts["released"] = Reminder.objects.filter(
        status=Status.CLAIMED, lease_expires_at__lt=now
    ).update(status=Status.PENDING, lease_expires_at=None, updated_at=now)
    lost_sends = Reminder.objects.filter(status=Status.SENDING, lease_expires_at__lt=now)
    for channel in set(lost_sends.order_by().values_list("channel", flat=True)):
        rows = lost_sends.filter(channel=channel)
        backend = backend_for(channel)
        try:
            if backend.supports_idempotency:
                counts["retried"] += _end_lease(
                    rows.filter(not_after__gt=now).exclude(session_starts_at__lte=now),
                    Status.PENDING,
                    "the worker was lost mid-send; sent again with the same key",
                    now,
                )
            elif backend.supports_lookup:
                counts.update(_settle_by_asking(rows, backend, now))
                continue
            counts["unknown"] += _end_lease(
                rows,
                Status.UNKNOWN,
                "the worker was lost mid-send; not sent again, to never send it twice",
                now,
            )
        finally:
            backend.close()
    # The rows a provider's answer found settled meanwhile ("skipped") are not reported.
    report = ReapReport(**{kind.name: counts[kind.name] for kind in fields(ReapReport)})
    if any(asdict(report).values()):
        logger.warning(
            "reap: %d claimed rows released; lost sends: %d found at the provider, %d sent "
            "again, %d expired, %d failed, %d unknown, %d waiting for the provider to answer",
            report.released,
            report.confirmed,
            report.retried,
            report.expired,
            report.failed,
            report.unknown,
            report.unanswered,
        )
    return report


def _settle_by_asking(
    rows: QuerySet[Reminder], backend: ChannelBackend, now: datetime
) -> Counter[str]:
    """Ask the provider about each lost send among ``rows`` (its lease has run out, so no
    call for it is still on its way) and settle it by the answer."""
    counts: Counter[str] = Counter()
    started = time.monotonic()
    lost = rows.select_related(
        "contact__patient__clinic", "program__patient__clinic", "staff_user"
    ).order_by("lease_expires_at", "id")[:LOOKUPS_PER_REAP]
    for reminder in lost:
        if time.monotonic() - started > LOOKUP_BUDGET_SECONDS:
            break
        counts[_ask_provider(reminder, backend, now)] += 1
    return counts


def _ask_provider(reminder: Reminder, backend: ChannelBackend, now: datetime) -> str:
    began = reminder.attempt_started_at or (
        (reminder.lease_expires_at or now) - timedelta(seconds=_lease_seconds())
    )
    rows = Reminder.objects.filter(id=reminder.id, status=Status.SENDING, lease_expires_at__lt=now)
    try:
        # The text it was sent with: the same row renders the same text.
        found = backend.find_sent(render(reminder), since=began)
    except LookupUnavailable as error:
        if now - began < LOOKUP_PATIENCE:
            waiting = f"waiting to ask the provider whether it went out: {error}"
            rows.update(last_error=waiting[:300])
            return "unanswered"
        why = f"the provider could not be asked whether it went out: {error}"
        _end_lease(rows, Status.UNKNOWN, why, now)
        return "unknown"
    except Exception as error:
        logger.exception("reminder %s: cannot ask the provider about it", reminder.id)
        _end_lease(rows, Status.UNKNOWN, f"outcome unknown, could not be looked up: {error!r}", now)
        return "unknown"
    with transaction.atomic():
        _one_matcher_at_a_time()
        taken = set(
            Reminder.objects.filter(
                channel=reminder.channel,
                provider_message_id__in=[sent.provider_message_id for sent in found],
            ).values_list("provider_message_id", flat=True)
        )
        mine = next((sent for sent in found if sent.provider_message_id not in taken), None)
        if mine is not None and rows.update(
            status=Status.SENT,
            provider_message_id=mine.provider_message_id[:64],
            sent_at=mine.created_at,
            lease_expires_at=None,
            last_error="",
            updated_at=now,
        ):
            return "confirmed"
    if mine is not None:
        return "skipped"  # settled meanwhile (a delivery report)
    # The provider never took it: as if the call had failed before reaching it.
    reason = "the provider has no such message: the send never reached it"
    if reminder.attempts >= MAX_ATTEMPTS:
        changed = _end_lease(
            rows, Status.FAILED, f"gave up after {reminder.attempts} tries: {reason}", now
        )
        return "failed" if changed else "skipped"
    if now >= reminder.not_after or (
        reminder.session_starts_at is not None and now >= reminder.session_starts_at
    ):
        changed = _end_lease(rows, Status.EXPIRED, f"no time left to try again: {reason}", now)
        return "expired" if changed else "skipped"
    changed = _end_lease(rows, Status.PENDING, f"{reason}; sent again", now, due_at=now)
    return "retried" if changed else "skipped"


def _one_matcher_at_a_time() -> None:
    """Two reapers (a duplicated beat) must not both give one provider message to two rows:
    on PostgreSQL they take turns for the rest of the transaction; SQLite's writes take turns
    by themselves."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [MATCH_LOCK])


# Any constant of our own: the advisory lock's name for "matching provider messages to rows".
MATCH_LOCK = 7_314_020_301
