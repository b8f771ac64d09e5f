"""The reliability design, against the real thing: a Celery worker process (with beat) on
PostgreSQL and a Redis of the test's own, killed and restarted while it sends.

How the sends are counted across processes: the worker's SMS channel is the memory channel
in journal mode (reminders/channels/recording.py). Every provider call is appended to a file
under an exclusive lock before the call returns, so the test process reads every call the
worker made, even one made just before a SIGKILL, and the file has nothing to do with the
Redis being restarted. The journal plays a provider that honours idempotency keys (as the
memory channel declares): a second call with a key it has already delivered is recorded,
but puts no second message on the phone. The tests count both.

"Beat stopped for an hour" runs the dispatcher in this process with the clock moved by
time-machine (never in a live worker), and the claim's EXPLAIN needs only PostgreSQL.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from reminders.channels.memory import MemorySms
from reminders.channels.recording import JOURNAL_ENV, PERMANENT, TEMPORARY, Journal, Plan
from reminders.dispatch import OPEN_STATUSES, claim_sql, reminders_dispatch, reminders_reap
from reminders.dispatch import reminders_send as send_now
from reminders.models import Channel, Reminder, Suppression
from tests.reminders.outbox_factory import due_reminder, due_reminders, reminder_row, sms_contact
from tests.reminders.worker import (
    CONCURRENCY,
    CeleryWorker,
    RedisServer,
    wait_for,
    worker_environment,
)
from tests.services import in_ci

Status = Reminder.Status

# Enough rows that a kill lands mid-batch: each provider call takes a few milliseconds in
# the journal, so two worker processes need a second or two for them all.
MANY = 300
CALL_SECONDS = 0.004


@dataclass
class Stack:
    redis: RedisServer
    journal: Journal
    worker: CeleryWorker

    def statuses(self) -> Counter[str]:
        return Counter(Reminder.objects.values_list("status", flat=True))

    def wait_until_settled(self, timeout: float = 60) -> None:
        """Until no row is pending, claimed or being sent."""
        wait_for(
            lambda: not Reminder.objects.filter(status__in=OPEN_STATUSES).exists(),
            timeout=timeout,
            what=f"every reminder to be settled ({dict(self.statuses())})",
            log=self.worker.log_tail,
        )

    def wait_for_calls(self, count: int, timeout: float = 60) -> None:
        wait_for(
            lambda: len(self.journal.calls()) >= count,
            timeout=timeout,
            what=f"{count} provider calls",
            log=self.worker.log_tail,
        )


@pytest.fixture
def stack(tmp_path: Path, transactional_db: None) -> Iterator[Stack]:
    """A private redis-server, and a worker (not yet started) pointed at it, at this test's
    database and at a journal."""
    missing = RedisServer.missing()
    if missing is not None:
        if in_ci():
            pytest.fail(missing)
        pytest.skip(missing)
    redis = RedisServer(tmp_path / "redis")
    redis.start()
    journal = Journal(tmp_path / "journal")
    worker = CeleryWorker(
        tmp_path / "worker", worker_environment(redis_url=redis.url, journal=journal.directory)
    )
    try:
        yield Stack(redis=redis, journal=journal, worker=worker)
    finally:
        worker.kill()
        redis.kill()


@pytest.mark.requires_postgres
@pytest.mark.requires_redis
def test_a_worker_killed_mid_batch_leaves_every_reminder_sent_exactly_once(stack: Stack) -> None:
    """With a provider that dedupes by idempotency key, as the memory channel declares, a
    worker flips runs of up to SEND_CHUNK rows: the kill leaves some in "sending", called or
    not, and the reaper sends them again with the same keys. Every key: one message."""
    stack.journal.write_plan(Plan(idempotent=True, delay_seconds=CALL_SECONDS))
    keys = {r.idempotency_key for r in due_reminders(MANY)}

    stack.worker.start()
    stack.wait_for_calls(MANY // 5)
    stack.worker.kill()
    at_kill = stack.statuses()
    delivered_at_kill = len(stack.journal.messages_per_key())
    stack.worker.start()
    stack.wait_until_settled()

    assert delivered_at_kill < MANY, "the kill did not land mid-batch"
    assert at_kill[Status.SENT] < MANY
    assert stack.statuses() == {Status.SENT: MANY}
    assert stack.journal.messages_per_key() == dict.fromkeys(keys, 1)
    # Rows the kill caught in "sending" were sent again with the same key; the provider
    # dropped the copies of those that had already gone out.
    called_twice = {k for k, n in stack.journal.calls_per_key().items() if n > 1}
    assert len(called_twice) <= at_kill[Status.SENDING]


@pytest.mark.requires_postgres
@pytest.mark.requires_redis
def test_a_killed_worker_never_sends_twice_when_the_provider_cannot_dedupe(
    stack: Stack,
) -> None:
    """With a provider that takes no idempotency key (Twilio, email), a row caught between
    "sending" and "sent" is marked unknown and never retried: no duplicate, and at most one
    reminder per killed worker process lost (none, when the kill falls after its call)."""
    stack.journal.write_plan(Plan(idempotent=False, delay_seconds=CALL_SECONDS))
    keys = {r.idempotency_key for r in due_reminders(MANY)}

    stack.worker.start()
    stack.wait_for_calls(MANY // 5)
    stack.worker.kill()
    at_kill = stack.statuses()
    stack.worker.start()
    stack.wait_until_settled()

    after = stack.statuses()
    messages = stack.journal.messages_per_key()
    unknown = set(
        Reminder.objects.filter(status=Status.UNKNOWN).values_list("idempotency_key", flat=True)
    )
    assert after[Status.SENT] + after[Status.UNKNOWN] == MANY
    assert after[Status.UNKNOWN] == at_kill[Status.SENDING] <= CONCURRENCY
    assert max(messages.values()) == 1
    assert keys - set(messages) <= unknown  # lost, if at all, only among the unknown


@pytest.mark.requires_postgres
@pytest.mark.requires_redis
def test_a_redis_restart_mid_run_loses_and_duplicates_nothing(stack: Stack) -> None:
    stack.journal.write_plan(Plan(idempotent=True, delay_seconds=CALL_SECONDS))
    keys = {r.idempotency_key for r in due_reminders(MANY)}

    stack.worker.start()
    stack.wait_for_calls(MANY // 5)
    stack.redis.kill()  # every queued send task is gone: nothing was saved
    sent_while_down = stack.statuses()[Status.SENT]
    time.sleep(1)
    stack.redis.start()
    stack.wait_until_settled()

    assert sent_while_down < MANY, "the restart did not land mid-run"
    assert stack.statuses() == {Status.SENT: MANY}
    assert stack.journal.messages_per_key() == dict.fromkeys(keys, 1)


@pytest.mark.requires_postgres
@pytest.mark.requires_redis
def test_the_provider_failing_temporarily_then_permanently(stack: Stack) -> None:
    """Temporary failures are retried (after 1 s here, 1, 5 and 15 minutes in production) and
    sent inside the grace window; a permanent one suppresses the number and is not retried,
    and the number's other reminders are withdrawn."""
    flaky, invalid = sms_contact(), sms_contact()
    stack.journal.write_plan(
        Plan(failures={flaky.phone: [TEMPORARY, TEMPORARY], invalid.phone: [PERMANENT]})
    )
    retried = due_reminder(flaky)
    refused = due_reminder(invalid)
    refused_tomorrow = due_reminder(invalid, due_in=timedelta(days=1))

    stack.worker.start()
    stack.wait_until_settled()

    retried.refresh_from_db()
    assert (retried.status, retried.attempts) == (Status.SENT, 3)
    assert retried.sent_at is not None and retried.sent_at < retried.not_after
    assert Reminder.objects.get(id=refused.id).status == Status.FAILED
    assert Reminder.objects.get(id=refused_tomorrow.id).status == Status.SUPPRESSED
    assert Suppression.objects.filter(channel=Channel.SMS, address=invalid.phone).exists()
    assert stack.journal.calls_per_key() == {
        retried.idempotency_key: 3,
        refused.idempotency_key: 1,
    }


@pytest.mark.django_db
def test_after_beat_stopped_for_an_hour_only_what_is_still_in_its_window_goes_out(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.REMINDERS_SMS_BACKEND = "memory"
    monkeypatch.setenv(JOURNAL_ENV, str(tmp_path / "journal"))
    journal = Journal(tmp_path / "journal")
    stopped = datetime(2026, 3, 5, 19, 0, tzinfo=UTC)
    back = stopped + timedelta(hours=1)
    contact = sms_contact()
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
    with time_machine.travel(back, tick=False):
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
    assert set(journal.messages_per_key()) == {r.idempotency_key for r in sent}


@pytest.mark.requires_postgres
@pytest.mark.django_db
def test_the_claim_reads_the_partial_index_of_pending_due_rows() -> None:
    """With thousands of rows of history in the outbox and a few due, PostgreSQL's plan for
    the exact claim statement scans reminder_pending_due (after ANALYZE, with no planner
    setting changed: no enable_seqscan=off)."""
    contact = sms_contact()
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


@pytest.fixture(autouse=True)
def _no_memory_left_over() -> Iterator[None]:
    MemorySms.reset()
    yield
    MemorySms.reset()
