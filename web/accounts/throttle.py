"""Counting failed sign-ins and reset requests in the cache, so guessing passwords or flooding
someone's inbox from one place stops after a few tries.

Counts live in Django's default cache (Redis in production, shared by every process), under
keys that hold a SHA-256 of what they count, never a username or an address. A window starts
with the first attempt and lasts ``window_seconds``; the count is forgotten after it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The address the request came from. Behind a proxy this is the proxy's, which throttles
    more, never less; DRF's login throttle reads it the same way without NUM_PROXIES."""
    return str(request.META.get("REMOTE_ADDR", ""))


@dataclass(frozen=True)
class Throttle:
    scope: str
    limit: int
    window_seconds: int

    def _key(self, request: HttpRequest, subject: str) -> str:
        what = f"{subject.strip().lower()}\0{client_address(request)}"
        digest = hashlib.sha256(what.encode()).hexdigest()
        return f"web:throttle:{self.scope}:{digest}"

    def is_blocked(self, request: HttpRequest, subject: str = "") -> bool:
        count = cache.get(self._key(request, subject), 0)
        return isinstance(count, int) and count >= self.limit

    def record(self, request: HttpRequest, subject: str = "") -> None:
        key = self._key(request, subject)
        cache.add(key, 0, self.window_seconds)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, self.window_seconds)

    def forget(self, request: HttpRequest, subject: str = "") -> None:
        cache.delete(self._key(request, subject))

    @property
    def window_minutes(self) -> int:
        return max(1, self.window_seconds // 60)


# Five wrong passwords for one username from one address, then a 15-minute wait.
SIGN_IN = Throttle(scope="sign-in", limit=5, window_seconds=15 * 60)
# Reset emails: five requests an hour from one address, whatever addresses they name.
PASSWORD_RESET = Throttle(scope="password-reset", limit=5, window_seconds=60 * 60)
