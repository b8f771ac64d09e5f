"""100,000 SMS reminders due at once, dispatched by a real Celery worker through Redis and
PostgreSQL to the in-memory SMS channel: the throughput and the time until the last is sent.

The rows live in their own PostgreSQL database, ``gradus_bench_reminders`` (created and
migrated when missing, emptied before each run); without PostgreSQL on 127.0.0.1:5432 the
benchmark says so and measures nothing. The broker is a redis-server of the bench's own on a
free port, with nothing saved to disk, stopped afterwards (the shared Redis's database
``BENCH_REDIS_DB`` when redis-server is not installed, emptied before and after).

The rows: 1,000 patients, each with one contact (a verified phone, consent to texts, no quiet
hours, so the run does not depend on the time of day) and 100 pending SMS session reminders
due a minute ago, written by ``python -m bench.reminders setup`` in a subprocess with the
bench database's settings.

The run: one ``celery -A config worker`` (prefork, 2 processes, production settings,
REMINDERS_SMS_BACKEND=memory, no journal) taking both queues (``celery`` and ``reminders``)
in a process group of its own. Once it answers a
ping, the bench plays beat at 1 s: it queues ``reminders.dispatch`` every second with the
same one-second expiry beat gives it (REMINDERS_DISPATCH_SECONDS=1), and ``reminders.reap``
every 30 s (a quarter of the default 120 s lease), until no row is pending, claimed or
sending. The clock starts when the first dispatch is queued and stops at the largest
``sent_at`` in the database.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.api import (
    HOST,
    POSTGRES_PORT,
    BenchError,
    Database,
    _cpu_model,
    _run,
    _tail,
    free_port,
    in_own_group,
    postgres_database,
    server_environment,
)

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE_NAME = "gradus_bench_reminders"
CONTACTS = 1_000
PER_CONTACT = 100
TOTAL = CONTACTS * PER_CONTACT
CONCURRENCY = 2
TARGET_PER_SECOND = 1_000
DISPATCH_SECONDS = 1  # beat's period for reminders.dispatch, played by the bench
REAP_SECONDS = 30  # beat's period for reminders.reap with the default 120 s lease
GIVE_UP_SECONDS = 600
WORKER_START_SECONDS = 60
BENCH_REDIS_DB = 13  # on the shared Redis, only when redis-server is not installed
OPEN_STATUSES = ("pending", "claimed", "sending")
ID_PREFIX = "bench-"

__all__ = ["BenchError", "run"]


def _postgres_database() -> Database | None:
    """``gradus_bench_reminders`` (created if missing), or None if PostgreSQL does not answer."""
    return postgres_database(DATABASE_NAME)


# ---------------------------------------------------------------------------------------------
# The rows, written in a subprocess with Django set up on the bench database.


def setup() -> None:
    """Empty the bench database's reminders, then write CONTACTS contacts with PER_CONTACT
    pending SMS reminders each, all due a minute ago."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from datetime import time as wall_time
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from django.db import connection, transaction
    from django.utils import timezone

    from programs.models import Clinic, Patient
    from reminders.models import Channel, Consent, Contact, Reminder
    from tests.programs.factories import patient as make_patient

    if connection.vendor != "postgresql" or connection.settings_dict["NAME"] != DATABASE_NAME:
        raise SystemExit(f"bench.reminders setup writes only to the {DATABASE_NAME} database")
    with transaction.atomic():
        # Everything the last run left: its reminders, contacts, patients and clinic.
        with connection.cursor() as cursor:
            cursor.execute(
                f"TRUNCATE {Reminder._meta.db_table}, {Consent._meta.db_table},"
                f" {Contact._meta.db_table} CASCADE"
            )
        Patient.objects.all().delete()
        Clinic.objects.all().delete()
        now = timezone.now()
        zone = "America/New_York"
        clinic = Clinic.objects.create(name="Bench reminders clinic", time_zone=zone)
        contacts = []
        for number in range(CONTACTS):
            child = make_patient(clinic=clinic, time_zone=zone)
            contacts.append(
                Contact(
                    patient=child,
                    role=Contact.Role.PATIENT,
                    name=child.first_name,
                    phone=f"+1202555{number:04d}",
                    email=f"bench-{number}@example.org",
                    phone_verified_at=now - timedelta(days=30),
                    email_verified_at=now - timedelta(days=30),
                    quiet_start=wall_time(0, 0),  # equal start and end: no quiet hours
                    quiet_end=wall_time(0, 0),
                )
            )
        contacts = Contact.objects.bulk_create(contacts)
        Consent.objects.bulk_create(
            Consent(
                contact=contact,
                channel=Channel.SMS,
                given_by=contact.name,
                relationship="self",
                method=Consent.Method.WEB_FORM,
                wording="Text me reminders of my sessions.",
                given_at=now - timedelta(days=30),
            )
            for contact in contacts
        )
        due = now - timedelta(minutes=1)
        local = due.astimezone(ZoneInfo(zone))
        run_id = uuid.uuid4().hex[:8]
        rows = (
            Reminder(
                kind=Reminder.Kind.SESSION,
                channel=Channel.SMS,
                contact=contact,
                lead="60m",
                time_zone=zone,
                local_date=local.date(),
                local_time=local.time().replace(microsecond=0),
                due_at=due,
                not_after=due + timedelta(minutes=60),
                session_starts_at=due + timedelta(hours=1),
                idempotency_key=f"{ID_PREFIX}{run_id}-{contact.id}-{n}",
            )
            for contact in contacts
            for n in range(PER_CONTACT)
        )
        Reminder.objects.bulk_create(rows, batch_size=5_000)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {Reminder._meta.db_table}")
    print(Reminder.objects.filter(status=Reminder.Status.PENDING).count())


# ---------------------------------------------------------------------------------------------
# The broker and the worker.


@contextmanager
def broker() -> Iterator[tuple[str, str]]:
    """A Redis for the run, as (url, label); gone or emptied afterwards."""
    import redis

    if not _which("redis-server"):
        url = f"redis://{HOST}:6379/{BENCH_REDIS_DB}"
        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        try:
            client.flushdb()
            yield url, f"the shared Redis's database {BENCH_REDIS_DB} (redis-server not installed)"
        finally:
            with suppress(redis.RedisError):
                client.flushdb()
            client.close()
        return
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-redis-") as directory:
        server = subprocess.Popen(
            [
                "redis-server", "--bind", HOST, "--port", str(port), "--save", "",
                "--appendonly", "no", "--dir", directory,
            ],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        try:
            client = redis.Redis(host=HOST, port=port, socket_connect_timeout=0.2)
            deadline = time.monotonic() + 10
            while True:
                with suppress(redis.RedisError):
                    if client.ping():
                        break
                if server.poll() is not None or time.monotonic() > deadline:
                    raise BenchError("the bench's redis-server did not start")
                time.sleep(0.05)
            client.close()
            yield f"redis://{HOST}:{port}/0", f"redis-server of its own on {HOST}:{port}"
        finally:
            server.kill()
            server.wait(timeout=10)


def _which(name: str) -> bool:
    import shutil

    return shutil.which(name) is not None


def worker(env: dict[str, str], log: Path) -> AbstractContextManager[subprocess.Popen[bytes]]:
    """``celery -A config worker`` until the block ends, however it ends."""
    command = [
        sys.executable, "-m", "celery", "--app", "config", "worker",
        "--concurrency", str(CONCURRENCY), "--pool", "prefork", "--loglevel", "INFO",
        # Both queues: the reminders' own, and the default one the bench's trigger app (which
        # knows no routes) puts reminders.dispatch on.
        "--queues", "celery,reminders",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
        "--hostname", f"bench-{uuid.uuid4().hex[:8]}@%h",
    ]  # fmt: skip
    return in_own_group(command, env, log)


def _wait_ready(app: Any, process: subprocess.Popen[bytes], log: Path) -> float:
    started = time.monotonic()
    while not app.control.ping(timeout=0.5):
        if process.poll() is not None:
            raise BenchError(f"the worker exited ({process.returncode}):\n{_tail(log)}")
        if time.monotonic() - started > WORKER_START_SECONDS:
            raise BenchError(
                f"the worker did not answer a ping within {WORKER_START_SECONDS} s:\n{_tail(log)}"
            )
    return time.monotonic() - started


def _open_count(connection: Any) -> int:
    row = connection.execute(
        "SELECT count(*) FROM reminders_reminder WHERE status = ANY(%s)", [list(OPEN_STATUSES)]
    ).fetchone()
    return int(row[0])


# ---------------------------------------------------------------------------------------------


def run() -> list[str]:
    import psycopg
    from celery import Celery

    database = _postgres_database()
    if database is None:
        return [
            f"skipped: PostgreSQL does not answer on {HOST}:{POSTGRES_PORT}; this benchmark "
            "needs it (no SQLite fallback)"
        ]
    env = server_environment(database)
    env.pop("REMINDERS_SMS_JOURNAL", None)
    env.update(
        REMINDERS_SMS_BACKEND="memory",
        REMINDERS_DISPATCH_SECONDS=str(DISPATCH_SECONDS),
        PYTHONUNBUFFERED="1",
    )
    _run([sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"], env, "migrate")
    setup_started = time.monotonic()
    pending = int(
        _run([sys.executable, "-m", "bench.reminders", "setup"], env, "bench rows").split()[-1]
    )
    setup_seconds = time.monotonic() - setup_started
    if pending != TOTAL:
        raise BenchError(f"setup left {pending:,} pending reminders, not {TOTAL:,}")
    log = BASE_DIR / "var" / "bench-reminders-worker.log"
    log.parent.mkdir(exist_ok=True)
    load_before = os.getloadavg()
    loads: list[float] = []
    with (
        broker() as (broker_url, broker_label),
        psycopg.connect(database.url, autocommit=True) as connection,
    ):
        env["REDIS_URL"] = broker_url
        app = Celery("bench-trigger", broker=broker_url)
        app.conf.broker_connection_retry_on_startup = True
        with worker(env, log) as process:
            ready_seconds = _wait_ready(app, process, log)
            started_at = datetime.now(UTC)
            started = time.monotonic()
            next_dispatch = next_reap = next_sample = started
            dispatches = 0
            while True:
                now = time.monotonic()
                if now >= next_dispatch:
                    app.send_task("reminders.dispatch", expires=DISPATCH_SECONDS)
                    dispatches += 1
                    next_dispatch += DISPATCH_SECONDS
                if now >= next_reap:
                    app.send_task("reminders.reap", expires=REAP_SECONDS)
                    next_reap += REAP_SECONDS
                if dispatches > 1 and _open_count(connection) == 0:
                    break
                if process.poll() is not None:
                    raise BenchError(f"the worker exited ({process.returncode}):\n{_tail(log)}")
                if now - started > GIVE_UP_SECONDS:
                    left = _open_count(connection)
                    raise BenchError(
                        f"gave up after {GIVE_UP_SECONDS} s: {left:,} of {TOTAL:,} reminders "
                        f"still pending, claimed or sending\n{_tail(log)}"
                    )
                if now >= next_sample:
                    loads.append(os.getloadavg()[0])
                    next_sample += 5
                time.sleep(0.2)
            wall_seconds = time.monotonic() - started
        app.close()
        statuses = dict(
            connection.execute(
                "SELECT status, count(*) FROM reminders_reminder GROUP BY status"
            ).fetchall()
        )
        first, last, with_sent_at, once = connection.execute(
            "SELECT min(sent_at), max(sent_at), count(sent_at), count(*) FILTER"
            " (WHERE attempts = 1) FROM reminders_reminder"
        ).fetchone()
    load_after = os.getloadavg()
    sent = int(statuses.get("sent", 0))
    others = {status: count for status, count in statuses.items() if status != "sent"}
    if sent != TOTAL or others or with_sent_at != TOTAL:
        raise BenchError(
            f"not every reminder was sent once: {statuses} ({with_sent_at:,} with sent_at)"
        )
    until_last = (last - started_at).total_seconds()
    rate = TOTAL / until_last
    verdict = "met" if rate >= TARGET_PER_SECOND else "MISSED"
    return [
        f"machine: {_cpu_model()}, {os.cpu_count()} cores; load average (1, 5, 15 min) "
        f"{'/'.join(f'{x:.1f}' for x in load_before)} before, "
        f"{'/'.join(f'{x:.1f}' for x in load_after)} after, 1-min samples during "
        f"{min(loads, default=0):.1f} to {max(loads, default=0):.1f}",
        f"database: {database.label}; {CONTACTS:,} contacts x {PER_CONTACT} = {TOTAL:,} "
        f"pending SMS reminders written in {setup_seconds:.1f} s",
        f"broker: {broker_label}; worker: celery prefork, concurrency {CONCURRENCY}, "
        f"production settings, SMS channel memory (answered a ping {ready_seconds:.1f} s after "
        f"start); trigger: beat at {DISPATCH_SECONDS} s played by the bench (reminders.dispatch "
        f"every {DISPATCH_SECONDS} s, expiring after {DISPATCH_SECONDS} s; reminders.reap every "
        f"{REAP_SECONDS} s): {dispatches} dispatches queued",
        f"first dispatch queued -> first sent: {(first - started_at).total_seconds():.1f} s; "
        f"-> last sent: {until_last:.1f} s (all done seen at {wall_seconds:.1f} s)",
        f"throughput: {rate:,.0f} reminders/s (100,000 / time to the last sent; "
        f"{TOTAL / (last - first).total_seconds():,.0f}/s from the first sent to the last); "
        f"target >= {TARGET_PER_SECOND:,}/s: {verdict}",
        f"sent exactly once: {sent:,} sent, no other status, {with_sent_at:,} with sent_at, "
        f"{once:,} with attempts = 1",
    ]


if __name__ == "__main__":
    if sys.argv[1:] == ["setup"]:
        setup()
    else:
        raise SystemExit("usage: python -m bench.reminders setup (run through python -m bench)")
