"""A real Celery worker (with its beat) and a private Redis, as subprocesses a test can start,
kill with SIGKILL and restart: the machinery of test_reliability.py.

The worker runs the app's own code against the test's database (pytest-django's test
database, passed as DATABASE_URL) and a redis-server of the test's own on a free port, never
the machine's shared Redis (nor any other Redis: a restart kills only the process the test
started). It sends to providers that take no idempotency key, served from the test's own
process (tests/reminders/fake_twilio.py over HTTP, tests/reminders/fake_smtp.py over SMTP,
tests/reminders/fake_push.py over Web Push),
so the test counts at the provider what a phone or a mailbox received.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import redis
from django.conf import settings
from django.db import connection

# The worker and its beat run the dispatcher every second and lease claims for 10 seconds
# (the least REMINDERS_LEASE_SECONDS allows), so recovery takes seconds, not minutes.
DISPATCH_SECONDS = 1
LEASE_SECONDS = 10
CONCURRENCY = 2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def wait_for(
    condition: Callable[[], bool], *, timeout: float, what: str, log: Callable[[], str] = str
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:.0f} s waiting for {what}\n{log()}")
        time.sleep(0.05)


def current_database_url() -> str:
    """The database this test process uses (pytest-django's test database), as a URL."""
    config = connection.settings_dict
    user = quote(config["USER"] or "", safe="")
    password = quote(config["PASSWORD"] or "", safe="")
    credentials = f"{user}:{password}@" if password else f"{user}@" if user else ""
    return f"postgres://{credentials}{config['HOST']}:{config['PORT'] or 5432}/{config['NAME']}"


class RedisServer:
    """redis-server on a free port with nothing saved to disk: a restart loses every queued
    message, as a crashed broker without persistence does."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @staticmethod
    def missing() -> str | None:
        return None if shutil.which("redis-server") else "redis-server is not installed"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--bind", "127.0.0.1",
                "--port", str(self.port),
                "--save", "",
                "--appendonly", "no",
                "--dir", str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        wait_for(lambda: self._answers(client), timeout=10, what="redis-server to answer")
        client.close()

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    @staticmethod
    def _answers(client: redis.Redis) -> bool:
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False


class CeleryWorker:
    """``celery -A config worker --beat`` in a process group of its own, so that ``kill``
    takes the worker, its pool processes and its beat down at once, as a machine dying does."""

    def __init__(self, directory: Path, environment: dict[str, str]) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.environment = environment
        self.log_path = directory / "worker.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable, "-m", "celery", "--app", "config", "worker",
                    "--beat", "--schedule", str(self.directory / "beat-schedule"),
                    "--concurrency", str(CONCURRENCY), "--pool", "prefork",
                    "--queues", "celery,reminders",
                    "--loglevel", "INFO",
                    "--without-gossip", "--without-mingle", "--without-heartbeat",
                    "--hostname", f"reliability-{uuid.uuid4().hex[:8]}@%h",
                ],
                cwd=settings.BASE_DIR,
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def kill(self) -> None:
        """SIGKILL to the whole process group: nothing gets to clean up or acknowledge."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None

    def log_tail(self, lines: int = 60) -> str:
        if not self.log_path.exists():
            return "(the worker wrote no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def worker_environment(*, redis_url: str, provider: dict[str, str]) -> dict[str, str]:
    """The worker's environment: this test's database and Redis, and ``provider``'s
    variables (FakeTwilio.environment(), SmtpServer.environment()) for where it sends."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("EMAIL_", "TWILIO_", "REMINDERS_", "WEBPUSH_"))
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="tests.reminders.worker_settings",
        DJANGO_DEBUG="false",
        DATABASE_URL=current_database_url(),
        REDIS_URL=redis_url,
        REMINDERS_DISPATCH_SECONDS=str(DISPATCH_SECONDS),
        REMINDERS_LEASE_SECONDS=str(LEASE_SECONDS),
        PYTHONUNBUFFERED="1",
    )
    environment.update(provider)
    return environment
