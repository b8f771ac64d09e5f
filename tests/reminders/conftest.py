from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

import pytest

from reminders.channels.memory import MemorySms
from reminders.channels.recording import JOURNAL_ENV
from reminders.services.dispatch import reminders_dispatch, reminders_send
from tests.reminders.fake_push import FakePushService
from tests.reminders.fake_smtp import SmtpServer
from tests.reminders.fake_twilio import FakeTwilio


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    """A Twilio that takes no key and can be asked what it sent, over real HTTP, with the
    settings pointed at it."""
    with FakeTwilio() as fake, fake.settings():
        yield fake


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A mail server on a local port that can be told to fail, with the settings pointed
    at it."""
    with SmtpServer() as server, server.settings():
        yield server


@pytest.fixture
def now(request: pytest.FixtureRequest) -> datetime:
    """The reminders' tests freeze the clock (tests/conftest.py's `frozen_clock`) at their
    module's ``NOW``: the outbox's due times, leases and verification codes are read against
    it."""
    moment: datetime = request.module.NOW
    return moment


@pytest.fixture
def memory_sms(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[type[MemorySms]]:
    """Texts go to memory, starting empty (not to a journal on disk, which a test asks for
    with its own fixture); read them from ``MemorySms.sent``."""
    settings.REMINDERS_SMS_BACKEND = "memory"
    monkeypatch.delenv(JOURNAL_ENV, raising=False)
    MemorySms.reset()
    yield MemorySms
    MemorySms.reset()


@pytest.fixture
def push() -> Iterator[FakePushService]:
    """A local push service that checks VAPID and decrypts what it is sent
    (tests/reminders/fake_push.py), with the settings pointed at it."""
    with FakePushService() as service, service.settings():
        yield service


CaptureOnCommit = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


@pytest.fixture
def dispatch(django_capture_on_commit_callbacks: CaptureOnCommit) -> Callable[[], list[int]]:
    """One dispatcher pass whose claimed batches are sent at once, as a worker would; the
    claimed ids."""

    def run() -> list[int]:
        claimed: list[int] = []

        def enqueue(ids: list[int]) -> None:
            claimed.extend(ids)
            reminders_send(reminder_ids=ids)

        with django_capture_on_commit_callbacks(execute=True):
            reminders_dispatch(enqueue=enqueue)
        return claimed

    return run
