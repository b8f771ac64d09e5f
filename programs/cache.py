"""A patient's today's session, kept rendered in Django's default cache.

GET /api/v1/me/patients/{id}/today/ is what every patient's phone asks for, again and again,
and its answer changes only when the patient's program, sessions, doses or log change, when
an activity's description changes, or at the patient's midnight. Building it takes a few
queries and most of the request's time; reading it from the cache takes one round trip.

Each stored answer carries the versions it was built under: the patient's and the library's.
A change bumps a version (to a new random value) instead of deleting the answer, so a request
that read the old rows while the change was being committed stores an answer under the old
version, which no later request takes. Services call ``patient_changed`` or
``library_changed`` in their transaction: the version is bumped at once and again once the
change is committed (``transaction.on_commit``), so no request can keep what it read in
between. ``programs.signals.sessions_changed`` bumps the patient too, for any change to the
planned sessions made outside those services. An answer also names the patient's local date
it is for, so a new day is a miss. Whatever a lost bump leaves lasts at most ``TIMEOUT``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from django.core.cache import cache
from django.db import transaction

from programs.models import Program
from programs.signals import sessions_changed

# How long an answer is kept at most (seconds): also the bound on staleness after a lost bump.
TIMEOUT = 300
# Versions outlive the answers they guard; a lost version only makes the next read a miss.
VERSION_TIMEOUT = 24 * 3600

LIBRARY_VERSION_KEY = "today:v:library"

Versions = tuple[str, str]


def _version_key(patient_id: int) -> str:
    return f"today:v:{patient_id}"


def _answer_key(patient_id: int) -> str:
    return f"today:{patient_id}"


def _bump(keys: Sequence[str]) -> None:
    cache.set_many({key: uuid.uuid4().hex for key in keys}, VERSION_TIMEOUT)


def _bump_now_and_on_commit(keys: Sequence[str]) -> None:
    _bump(keys)
    transaction.on_commit(lambda: _bump(keys))


def patient_changed(patient_id: int) -> None:
    """Forget the patient's today's answer: their program, sessions, doses or log changed."""
    _bump_now_and_on_commit([_version_key(patient_id)])


def library_changed() -> None:
    """Forget every patient's answer: an activity's name, instructions or media changed."""
    _bump_now_and_on_commit([LIBRARY_VERSION_KEY])


def cached_today(patient_id: int, day: date) -> tuple[bytes | None, Versions | None]:
    """The stored answer for the patient's ``day`` (None when there is none or it is stale),
    and the current versions when both exist (for ``store_today`` after a miss)."""
    version_key = _version_key(patient_id)
    found = cache.get_many([version_key, LIBRARY_VERSION_KEY, _answer_key(patient_id)])
    patient_version = found.get(version_key)
    library_version = found.get(LIBRARY_VERSION_KEY)
    if patient_version is None or library_version is None:
        return None, None
    versions = (patient_version, library_version)
    entry = found.get(_answer_key(patient_id))
    if entry is not None and entry[0] == versions and entry[1] == day:
        return entry[2], versions
    return None, versions


def current_versions(patient_id: int) -> Versions:
    """The versions to store an answer under, created when missing. Read them before reading
    the rows the answer is built from."""
    version_key = _version_key(patient_id)
    for key in (version_key, LIBRARY_VERSION_KEY):
        cache.add(key, uuid.uuid4().hex, VERSION_TIMEOUT)
    found = cache.get_many([version_key, LIBRARY_VERSION_KEY])
    return found.get(version_key, ""), found.get(LIBRARY_VERSION_KEY, "")


def store_today(patient_id: int, day: date, versions: Versions, body: bytes) -> None:
    cache.set(_answer_key(patient_id), (versions, day, body), TIMEOUT)


def _on_sessions_changed(sender: Any, program_id: int, **kwargs: Any) -> None:
    patient_id = Program.objects.filter(pk=program_id).values_list("patient_id", flat=True)
    for found in patient_id[:1]:
        _bump([_version_key(found)])


sessions_changed.connect(_on_sessions_changed, dispatch_uid="programs.cache.today")
