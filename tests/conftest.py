import socket
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import urlsplit

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from django.utils import translation

from config.celery import app as celery_app
from programs.models import Patient
from tests import hypothesis_profiles  # noqa: F401  (loads the profile HYPOTHESIS_PROFILE names)
from tests.clock import NOW
from tests.programs.factories import maya_on_program
from tests.service_probes import PROBES, require


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that drives a browser is slow, wherever it lives: `make test-fast` leaves it out."""
    for item in items:
        if item.get_closest_marker("requires_browser"):
            item.add_marker(pytest.mark.slow)


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker in PROBES:
        if item.get_closest_marker(marker):
            require(marker)


@pytest.fixture(autouse=True, scope="session")
def _redis_database_per_worker(worker_id: str) -> Iterator[None]:
    """Give each xdist worker its own Redis database, away from the development one.

    Tests then never feed messages to a worker started by `make run` (database 0), and two
    test processes never see each other's keys. pytest-django does the same for SQL
    databases (test_gradus_gw0, test_gradus_gw1).
    """
    url = urlsplit(settings.REDIS_URL)
    if url.scheme not in {"redis", "rediss"}:
        yield
        return
    index = int(worker_id.removeprefix("gw")) if worker_id.startswith("gw") else 0
    if index > 14:
        raise pytest.UsageError("at most 15 xdist workers: Redis has databases 1 to 15 for them")
    test_url = url._replace(path=f"/{15 - index}").geturl()
    previous_broker = celery_app.conf.broker_url
    celery_app.conf.update(broker_url=test_url)
    with override_settings(REDIS_URL=test_url, CELERY_BROKER_URL=test_url):
        yield
    celery_app.conf.update(broker_url=previous_broker)


@pytest.fixture(autouse=True)
def _default_language_after_each_test() -> Iterator[None]:
    """Django's LocaleMiddleware leaves the language of the last request active in the
    thread (the next request sets its own); the test client runs requests in the tests'
    thread, so a test that asked for Spanish would leave the next test in Spanish."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hasher() -> Iterator[None]:
    """Hash with MD5 first in the tests, and still check every default hasher's hashes.

    The default hasher takes half a second per hash by design. tests.programs.factories hashes
    its one password once per process and keeps it; with one hasher list for the whole run,
    that hash signs in whichever test uses it (some modules used to set their own list)."""
    fast = "django.contrib.auth.hashers.MD5PasswordHasher"
    with override_settings(PASSWORD_HASHERS=[fast, *settings.PASSWORD_HASHERS]):
        yield


@pytest.fixture(autouse=True, scope="session")
def _media_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Uploaded pictures and videos go to a folder of the run's own, never to var/media."""
    storages = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path_factory.mktemp("media"))},
        },
    }
    with override_settings(STORAGES=storages):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Throttle counts, verification rate limits and cached answers live in the cache: each
    test starts with none, whatever ran before it in the same process."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def closed_port() -> int:
    """A local TCP port that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def now() -> datetime:
    """The moment `frozen_clock` holds; a module that needs another one overrides this fixture."""
    return NOW


@pytest.fixture
def frozen_clock(now: datetime) -> Iterator[time_machine.Traveller]:
    """Hold the clock at `now` for the whole test; modules ask for it with
    `pytest.mark.usefixtures("frozen_clock")` and may move it with the coordinates it yields."""
    with time_machine.travel(now, tick=False) as traveller:
        yield traveller


@pytest.fixture
def maya() -> Patient:
    """A patient with an account, one week into a program: the API's and the web's usual
    subject. A module that needs her otherwise defines its own `maya`."""
    return maya_on_program(started_weeks_ago=1)
