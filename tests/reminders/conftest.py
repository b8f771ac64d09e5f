from collections.abc import Iterator

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Verification rate limits and throttle counts live in the cache: each test starts
    with none, whatever ran before it in the same process."""
    cache.clear()
    yield
    cache.clear()
