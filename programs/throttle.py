"""Counting failed sign-ins and reset requests in the cache, so guessing passwords or flooding
someone's inbox from one place stops after a few tries. The web sign-in, the admin's and the
API's token endpoint all count into the same counters: a guess is a guess wherever it is typed.

Counts live in Django's default cache (Redis in production, shared by every process), under
keys that hold a SHA-256 of what they count, never a username or an address. A window starts
with the first attempt and lasts the throttle's window; the count is forgotten after it. The
limits are settings (SIGN_IN_*), read at each use so a test or a deployment can change them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache


def client_address(request: Any) -> str:
    """The address the request came from, for every throttle (the API's too).

    ``X-Forwarded-For`` is trusted only as far as ``NUM_PROXIES`` proxies of our own wrote it
    (DJANGO_NUM_PROXIES, 0 by default): each appends the address it received from, so with N
    of them the Nth address from the right is the client's, and anything to its left is
    whatever the client sent, which it can change on every try. With 0, or without the header,
    it is REMOTE_ADDR: behind a proxy that is the proxy's, which throttles more, never less.
    The same rule as DRF's ``BaseThrottle.get_ident`` with NUM_PROXIES set.
    """
    remote = str(request.META.get("REMOTE_ADDR", ""))
    proxies = int(settings.NUM_PROXIES)
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    if proxies == 0 or not forwarded.strip():
        return remote
    addresses = [address.strip() for address in forwarded.split(",")]
    return addresses[-min(proxies, len(addresses))] or remote


def _digest(request: Any, subject: str) -> str:
    what = f"{subject.strip().lower()}\0{client_address(request)}"
    return hashlib.sha256(what.encode()).hexdigest()


@dataclass(frozen=True)
class Throttle:
    """At most ``limit`` recorded attempts per subject and address in a window of
    ``window_minutes``; both are names of settings."""

    scope: str
    limit_setting: str
    window_setting: str

    @property
    def limit(self) -> int:
        return int(getattr(settings, self.limit_setting))

    @property
    def window_minutes(self) -> int:
        return int(getattr(settings, self.window_setting))

    @property
    def window_seconds(self) -> int:
        return self.window_minutes * 60

    def _key(self, request: Any, subject: str) -> str:
        return f"web:throttle:{self.scope}:{_digest(request, subject)}"

    def is_blocked(self, request: Any, subject: str = "") -> bool:
        count = cache.get(self._key(request, subject), 0)
        return isinstance(count, int) and count >= self.limit

    def record(self, request: Any, subject: str = "") -> None:
        key = self._key(request, subject)
        cache.add(key, 0, self.window_seconds)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, self.window_seconds)

    def forget(self, request: Any, subject: str = "") -> None:
        cache.delete(self._key(request, subject))


# Wrong passwords for one username from one address. Per username AND address, so someone
# elsewhere (or behind another proxy) cannot lock the account's owner out.
SIGN_IN = Throttle("sign-in", "SIGN_IN_USERNAME_LIMIT", "SIGN_IN_WINDOW_MINUTES")
# Wrong passwords from one address, whatever usernames they name: one password tried on many
# accounts. Higher than the per-username limit, since a clinic's or a school's network puts
# many people behind one address; a success does not reset it.
SIGN_IN_ADDRESS = Throttle("sign-in-address", "SIGN_IN_ADDRESS_LIMIT", "SIGN_IN_WINDOW_MINUTES")
# Reset emails: requests from one address, whatever addresses they name.
PASSWORD_RESET = Throttle("password-reset", "PASSWORD_RESET_LIMIT", "PASSWORD_RESET_WINDOW_MINUTES")


def sign_in_blocked(request: Any, username: str) -> bool:
    """Whether a sign-in as ``username`` from this address is refused for now, even with the
    right password.

    The address limit stops one password tried on many accounts; but a clinic's or a
    school's network puts many people behind one address, and twenty wrong tries by one of
    them (or by someone spraying from there) must not lock out everyone else. So it holds back
    only usernames that have not signed in from this address in the last
    ``SIGN_IN_KNOWN_DAYS``: someone who signs in there every day carries on, while a sprayer,
    who has no account's password yet, does not. Each username's own limit still applies."""
    if SIGN_IN.is_blocked(request, username):
        return True
    return SIGN_IN_ADDRESS.is_blocked(request) and not _known_here(request, username)


def _known_key(request: Any, username: str) -> str:
    return f"web:throttle:known:{_digest(request, username)}"


def _known_here(request: Any, username: str) -> bool:
    return bool(cache.get(_known_key(request, username)))


def sign_in_failed(request: Any, username: str) -> None:
    SIGN_IN.record(request, username)
    SIGN_IN_ADDRESS.record(request)


def sign_in_succeeded(request: Any, username: str) -> None:
    SIGN_IN.forget(request, username)
    cache.set(_known_key(request, username), 1, int(settings.SIGN_IN_KNOWN_DAYS) * 24 * 3600)
