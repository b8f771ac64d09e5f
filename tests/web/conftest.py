from collections.abc import Iterator

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Throttle counts and cached answers live in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()
