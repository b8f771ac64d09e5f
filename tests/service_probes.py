"""The services a test can declare it needs, with `@pytest.mark.requires_<service>`.

On a developer's machine a missing service skips the test, so `make test` works with nothing
running. With CI=true it fails the test instead: in CI a skip would hide a broken setup.
"""

import os
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest
import redis
from django.conf import settings


def postgres_missing() -> str | None:
    engine: str = settings.DATABASES["default"]["ENGINE"]
    if engine != "django.db.backends.postgresql":
        return f"DATABASE_URL points at {engine.rsplit('.', 1)[-1]}, not PostgreSQL"
    return None


def redis_missing() -> str | None:
    return _redis_missing_at(settings.REDIS_URL)


@cache
def _redis_missing_at(url: str) -> str | None:
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        return f"Redis does not answer at REDIS_URL ({exc})"
    finally:
        client.close()
    return None


CHROMIUM = Path("/usr/bin/chromium")
AXE_SCRIPT = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


def browser_missing() -> str | None:
    """The end-to-end tests need Debian's Chromium and axe-core; `make test` installs both."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    if not AXE_SCRIPT.exists():
        return f"{AXE_SCRIPT.relative_to(settings.BASE_DIR)} is missing (npm ci)"
    return None


PROBES: dict[str, Callable[[], str | None]] = {
    "requires_postgres": postgres_missing,
    "requires_redis": redis_missing,
    "requires_browser": browser_missing,
}


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def require(marker: str) -> None:
    """Skip the running test when the service behind ``marker`` is missing; fail it in CI."""
    reason = PROBES[marker]()
    if reason is None:
        return
    if in_ci():
        pytest.fail(
            f"{marker}: {reason}. CI=true, so a missing service fails the test instead of "
            "skipping it; .ci/run starts PostgreSQL and Redis, make test installs Chromium and "
            "axe-core.",
            pytrace=False,
        )
    pytest.skip(f"{marker}: {reason}")
