"""The reliability design, against the real thing: a Celery worker process (with beat) on
PostgreSQL and a Redis of the test's own, killed and restarted while it sends, to providers
that take no idempotency key, as every real one: Twilio's Messages API (the fake speaks its
wire format over HTTP, sends the same message twice if asked twice, and answers Twilio's list
of messages) and an SMTP server (aiosmtpd). Both run in the test's own process, so what a
phone or a mailbox received is counted at the provider, per reminder, including a message a
worker sent just before it was killed.

What the tests show, per the reasoning in reminders/services/dispatch.py:
- Twilio: a worker killed mid-call leaves no reminder lost, none sent twice, and none
  unknown: the reaper asks Twilio about each send the kill caught.
- SMTP, which cannot be asked: a kill leaves at most one row per worker process unknown
  (reported, with its reason), never a duplicate; anything else is sent once.
- A Redis restart kills no send in flight: every email is sent once and none is unknown.

"Beat stopped for an hour" runs the dispatcher in this process with the clock moved by
time-machine (never in a live worker), and the claim's EXPLAIN needs only PostgreSQL.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from reminders.models import Channel, PushSubscription, Reminder, Suppression
from reminders.services.dispatch import OPEN_STATUSES, claim_sql, reminders_dispatch, reminders_reap
from reminders.services.dispatch import reminders_send as send_now
from tests.reminders.factories import contact_row, due_reminder, due_reminders, reminder_row
from tests.reminders.fake_push import FakePushService
from tests.reminders.fake_smtp import SmtpServer
from tests.reminders.fake_twilio import FakeTwilio
from tests.reminders.worker import (
    CONCURRENCY,
    CeleryWorker,
    RedisServer,
    wait_for,
    worker_environment,
)
from tests.service_probes import in_ci

pytestmark = pytest.mark.slow

Status = Reminder.Status

# Enough rows that a kill lands mid-run, and each provider call slow enough (half of it
# before the provider has the message, half after) that the kill lands inside a call.
MANY = 200
CALL_SECONDS = 0.04


@dataclass
class Stack:
    redis: RedisServer
    worker: CeleryWorker
    sent: Callable[[], int]

    def statuses(self) -> Counter[str]:
        return Counter(Reminder.objects.values_list("status", flat=True))

    def wait_until_settled(self, timeout: float = 90) -> None:
        """Until no row is pending, claimed or being sent."""
        wait_for(
            lambda: not Reminder.objects.filter(status__in=OPEN_STATUSES).exists(),
            timeout=timeout,
            what=f"every reminder to be settled ({dict(self.statuses())})",
            log=self.worker.log_tail,
        )

    def wait_mid_call(self, count: int, timeout: float = 60) -> None:
        """Until ``count`` messages reached the provider and a row is being sent."""
        wait_for(
            lambda: (
                self.sent() >= count and Reminder.objects.filter(status=Status.SENDING).exists()
            ),
            timeout=timeout,
            what=f"{count} messages sent and one being sent",
            log=self.worker.log_tail,
        )

    def kill_mid_call(self, count: int) -> Counter[str]:
        """Start the worker, kill it once ``count`` messages went out and another is on its way,
        start it again and wait until every row is settled; the statuses at the kill."""
        self.worker.start()
        self.wait_mid_call(count)
        self.worker.kill()
        at_kill = self.statuses()
        self.worker.start()
        self.wait_until_settled()
        return at_kill


def _stack(tmp_path: Path, provider: dict[str, str], sent: Callable[[], int]) -> Iterator[Stack]:
    missing = RedisServer.missing()
    if missing is not None:
        if in_ci():
            pytest.fail(missing)
        pytest.skip(missing)
    redis = RedisServer(tmp_path / "redis")
    redis.start()
    worker = CeleryWorker(
        tmp_path / "worker", worker_environment(redis_url=redis.url, provider=provider)
    )
    try:
        yield Stack(redis=redis, worker=worker, sent=sent)
    finally:
        worker.kill()
        redis.kill()


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio() as fake:
        yield fake


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def twilio_stack(tmp_path: Path, transactional_db: None, twilio: FakeTwilio) -> Iterator[Stack]:
    """A private redis-server, and a worker (not yet started) pointed at it, at this test's
    database and at the fake Twilio."""
    yield from _stack(tmp_path, twilio.environment(), lambda: len(twilio.sent))


@pytest.fixture
def smtp_stack(tmp_path: Path, transactional_db: None, smtp: SmtpServer) -> Iterator[Stack]:
    """The same, sending email to the local SMTP server."""
    yield from _stack(tmp_path, smtp.environment(), lambda: len(smtp.received))


@pytest.fixture
def push_service() -> Iterator[FakePushService]:
    with FakePushService() as service:
        yield service


@pytest.fixture
def push_stack(
    tmp_path: Path, transactional_db: None, push_service: FakePushService
) -> Iterator[Stack]:
    """The same, sending push notifications to the local push service."""
    yield from _stack(tmp_path, push_service.environment(), lambda: len(push_service.delivered))


def _keys(rows: list[Reminder], *, email: bool = False) -> set[str]:
    # The SMTP server reads the key from the Message-ID, which carries its first 40 characters.
    return {r.idempotency_key[:40] if email else r.idempotency_key for r in rows}


@pytest.mark.requires_postgres
@pytest.mark.requires_redis
def test_a_worker_killed_mid_call_to_twilio_leaves_every_text_sent_exactly_once(
    twilio_stack: Stack, twilio: FakeTwilio, record_property: Callable[[str, object], None]
) -> None:
    """The kill catches a row (one per process at most) in the middle of its call; after
    its lease the reaper asks Twilio, and records it sent if Twilio has it, or sends it again
    if Twilio never got it. Every reminder: one message, none lost, none unknown."""
    twilio.latency(CALL_SECONDS)
    keys = _keys(due_reminders(MANY, distinct_texts=True))

    at_kill = twilio_stack.kill_mid_call(MANY // 5)

    record_property("caught_mid_call", at_kill[Status.SENDING])
    assert 1 <= at_kill[Status.SENDING] <= CONCURRENCY, "the kill did not land mid-call"
    assert at_kill[Status.SENT] < MANY
    assert twilio_stack.statuses() == {Status.SENT: MANY}
    assert twilio.sent_per_key == dict.fromkeys(keys, 1)


@pytest.mark.requires_postgres
@pytest.mark.requires_redis
def test_a_worker_killed_mid_call_to_the_mail_server_never_sends_twice(
    smtp_stack: Stack, smtp: SmtpServer, record_property: Callable[[str, object], None]
) -> None:
    """SMTP cannot be asked afterwards: a row the kill caught mid-call is marked unknown and
    never sent again. At most one per killed worker process; every other email, once."""
    smtp.latency(CALL_SECONDS)
    rows = due_reminders(MANY, channel=Channel.EMAIL)
    keys = _keys(rows, email=True)

    at_kill = smtp_stack.kill_mid_call(MANY // 5)

    after = smtp_stack.statuses()
    delivered = smtp.delivered_per_key()
    unknown = Reminder.objects.filter(status=Status.UNKNOWN)
    record_property("unknown", after[Status.UNKNOWN])
    assert after[Status.SENT] + after[Status.UNKNOWN] == MANY
    assert after[Status.UNKNOWN] == at_kill[Status.SENDING] <= CONCURRENCY
    assert all("worker was lost" in r.last_error for r in unknown)
    assert max(delivered.values()) == 1
    assert keys - set(delivered) <= _keys(list(unknown), email=True)


@pytest.mark.requires_postgres
@pytest.mark.requires_redis
def test_a_redis_restart_mid_run_kills_no_send_and_loses_or_doubles_nothing(
    smtp_stack: Stack, smtp: SmtpServer
) -> None:
    """By email, where a send cut short could only end unknown: the sends in flight when
    Redis goes finish and record their outcome; the queued ones Redis lost are given back
    by the reaper and sent."""
    smtp.latency(CALL_SECONDS)
    keys = _keys(due_reminders(MANY, channel=Channel.EMAIL), email=True)

    smtp_stack.worker.start()
    smtp_stack.wait_mid_call(MANY // 5)
    smtp_stack.redis.kill()  # every queued send task is gone: nothing was saved
    sent_while_down = smtp_stack.statuses()[Status.SENT]
    time.sleep(1)
    smtp_stack.redis.start()
    smtp_stack.wait_until_settled()

    assert sent_while_down < MANY, "the restart did not land mid-run"
    assert smtp_stack.statuses() == {Status.SENT: MANY}
    assert smtp.delivered_per_key() == dict.fromkeys(keys, 1)


@pytest.mark.requires_postgres
@pytest.mark.requires_redis
def test_twilio_failing_temporarily_then_permanently(
    twilio_stack: Stack, twilio: FakeTwilio
) -> None:
    """Temporary failures are retried (after 1 s here, 1, 5 and 15 minutes in production) and
    sent inside the grace window; a permanent one suppresses the number and is not retried,
    and the number's other reminders are withdrawn."""
    flaky, invalid = contact_row(), contact_row()
    twilio.fail_for(flaky.phone, 20429, times=2)
    twilio.fail_for(invalid.phone, 21211)
    retried = due_reminder(flaky)
    refused = due_reminder(invalid)
    refused_tomorrow = due_reminder(invalid, due_in=timedelta(days=1))

    twilio_stack.worker.start()
    twilio_stack.wait_until_settled()

    retried.refresh_from_db()
    assert (retried.status, retried.attempts) == (Status.SENT, 3)
    assert retried.sent_at is not None and retried.sent_at < retried.not_after
    assert Reminder.objects.get(id=refused.id).status == Status.FAILED
    assert Reminder.objects.get(id=refused_tomorrow.id).status == Status.SUPPRESSED
    assert Suppression.objects.filter(channel=Channel.SMS, address=invalid.phone).exists()
    assert twilio.calls_per_key == {retried.idempotency_key: 3, refused.idempotency_key: 1}
    assert twilio.sent_per_key == {retried.idempotency_key: 1}


@pytest.mark.requires_postgres
@pytest.mark.requires_redis
def test_push_through_a_real_worker_arrives_once_and_a_gone_device_is_removed(
    push_stack: Stack, push_service: FakePushService
) -> None:
    """Web Push through the worker and beat: every device's reminder arrives once, decrypted
    by the device; a busy push service (429) is tried again; a device the service no longer
    knows (410) is removed and its reminder fails without another try."""
    contact = contact_row(consent_to=[Channel.PUSH])
    devices = [push_service.device() for _ in range(3)]
    rows = {}
    for device in devices:
        subscription = PushSubscription.objects.create(
            contact=contact, endpoint=device.endpoint, p256dh=device.p256dh, auth=device.auth
        )
        rows[device.token] = due_reminder(
            contact, channel=Channel.PUSH, push_subscription=subscription
        )
    busy, fine, gone = devices
    push_service.answer_next(busy, 429)
    push_service.forget(gone)

    push_stack.worker.start()
    push_stack.wait_until_settled()

    for device in (busy, fine):
        (arrived,) = push_service.delivered_to(device)
        assert arrived.payload is not None
        assert arrived.payload["body"].startswith("Reminder from")
        assert Reminder.objects.get(id=rows[device.token].id).status == Status.SENT
    assert Reminder.objects.get(id=rows[busy.token].id).attempts == 2
    failed = Reminder.objects.get(id=rows[gone.token].id)
    assert (failed.status, failed.attempts) == (Status.FAILED, 1)
    assert set(PushSubscription.objects.values_list("endpoint", flat=True)) == {
        busy.endpoint,
        fine.endpoint,
    }


@pytest.mark.django_db
def test_after_beat_stopped_for_an_hour_only_what_is_still_in_its_window_goes_out(
    twilio: FakeTwilio, django_capture_on_commit_callbacks: Any
) -> None:
    stopped = datetime(2026, 3, 5, 19, 0, tzinfo=UTC)
    back = stopped + timedelta(hours=1)
    contact = contact_row()
    with time_machine.travel(stopped, tick=False):
        # Claimed just before beat stopped; its send task was lost with the worker.
        claimed = due_reminder(
            contact,
            due_in=timedelta(minutes=-1),
            grace=timedelta(hours=2),
            session_in=timedelta(hours=3),
        )
        Reminder.objects.filter(id=claimed.id).update(
            status=Status.CLAIMED, lease_expires_at=timezone.now() + timedelta(minutes=2)
        )
    with time_machine.travel(back, tick=False), twilio.settings():
        rows = {
            "in its window": reminder_row(contact, due_in=timedelta(minutes=-50)),
            "just due": reminder_row(contact, due_in=timedelta(minutes=-1)),
            "past its window": reminder_row(
                contact, due_in=timedelta(minutes=-61), grace=timedelta(minutes=60)
            ),
            "session started": reminder_row(
                contact,
                due_in=timedelta(minutes=-30),
                grace=timedelta(hours=2),
                session_in=timedelta(minutes=25),
            ),
            "not yet due": reminder_row(contact, due_in=timedelta(minutes=10)),
        }
        Reminder.objects.bulk_create(rows.values())
        reminders_reap()
        with django_capture_on_commit_callbacks(execute=True):
            reminders_dispatch(enqueue=lambda ids: send_now(reminder_ids=ids))

    status = {
        name: Reminder.objects.get(idempotency_key=r.idempotency_key) for name, r in rows.items()
    }
    assert {name: r.status for name, r in status.items()} == {
        "in its window": Status.SENT,
        "just due": Status.SENT,
        "past its window": Status.EXPIRED,
        "session started": Status.EXPIRED,
        "not yet due": Status.PENDING,
    }
    claimed.refresh_from_db()
    assert claimed.status == Status.SENT
    sent = Reminder.objects.filter(status=Status.SENT)
    assert all(r.sent_at and r.session_starts_at and r.sent_at < r.session_starts_at for r in sent)
    assert twilio.sent_per_key == {r.idempotency_key: 1 for r in sent}


@pytest.mark.requires_postgres
@pytest.mark.django_db
def test_the_claim_reads_the_partial_index_of_pending_due_rows() -> None:
    """With thousands of rows of history in the outbox and a few due, PostgreSQL's plan for
    the exact claim statement scans reminder_pending_due (after ANALYZE, with no planner
    setting changed: no enable_seqscan=off)."""
    contact = contact_row()
    now = timezone.now()
    history = [
        reminder_row(contact, due_at=now - timedelta(hours=i), status=Status.SENT)
        for i in range(1, 5_001)
    ]
    due = [reminder_row(contact, due_in=timedelta(minutes=-i)) for i in range(50)]
    Reminder.objects.bulk_create(history + due, batch_size=5_000)

    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Reminder._meta.db_table}")
        cursor.execute(
            "EXPLAIN (FORMAT JSON) " + claim_sql("postgresql"),
            {"now": now, "lease_expires_at": now + timedelta(minutes=2), "limit": 500},
        )
        plan = str(cursor.fetchone()[0])

    assert "reminder_pending_due" in plan, plan
    assert "Seq Scan" not in plan, plan
