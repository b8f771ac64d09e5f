from collections.abc import Iterator

import pytest
from django.core.cache import cache

from tests.reminders.fake_smtp import SmtpServer
from tests.reminders.fake_twilio import FakeTwilio


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Verification rate limits and throttle counts live in the cache: each test starts
    with none, whatever ran before it in the same process."""
    cache.clear()
    yield
    cache.clear()


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
