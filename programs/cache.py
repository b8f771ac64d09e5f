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

The grant. So that a cached answer needs no database at all, the cache also keeps, per token
and patient, that the token's user may act for the patient, the patient's time zone and when
the token expires: the token lookup and the access check of the last request that passed them.
A grant is not used once its token has expired, so an expired token is refused at once even
while its grant is cached. One ``MGET`` reads the grant, its token's version, the answer and
its versions (``lookup_today``); anything missing, stale or unusual sends the request through
DRF's authentication and the access check in the database, as before. A grant is guarded by a
version per token, bumped (now and on commit, as above) by every change that could take the
access away or change the time zone: the token deleted (a user deleted takes their token), the
user saved (deactivated, or anything else), a guardian link saved or deleted, a patient saved
(their user or time zone) or deleted. These are model signals, so the admin, the shell and the
services are all covered (a revoked token, or a new password, deletes the token); only writes
that send no signals (``QuerySet.update``, raw SQL) are not, and the code has none for these
models. The version is read before the token and the access are read from the database, so a
request that read them before a revocation committed stores a grant no later request takes.
Keys name a token by its SHA-256, never the token itself.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils import timezone
from rest_framework.authtoken.models import Token

from programs.models import Guardian, Patient, Program, User
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


def token_digest(key: str) -> str:
    """How the cache names a token: its SHA-256, so Redis never holds a usable token."""
    return hashlib.sha256(key.encode()).hexdigest()


def _grant_version_key(digest: str) -> str:
    return f"today:g:v:{digest}"


def _grant_key(digest: str, patient_id: int) -> str:
    return f"today:g:{digest}:{patient_id}"


def _bump(keys: Sequence[str]) -> None:
    if not keys:
        return
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


def tokens_changed(keys: Iterable[str]) -> None:
    """Forget every grant of these tokens: the token, its user or their links changed."""
    _bump_now_and_on_commit([_grant_version_key(token_digest(key)) for key in keys])


def users_changed(user_ids: Iterable[int | None]) -> None:
    """Forget every grant of these users' tokens."""
    ids = {user_id for user_id in user_ids if user_id is not None}
    if ids:
        tokens_changed(Token.objects.filter(user_id__in=ids).values_list("key", flat=True))


@dataclass(frozen=True)
class TodayLookup:
    """What one cache read found for a token and a patient."""

    body: bytes | None  # today's answer, when the grant and the answer are both current
    grant_version: str | None  # the token's version, for ``store_grant`` after a miss


def lookup_today(digest: str, patient_id: int) -> TodayLookup:
    """The answer for the patient's local today when the token ``digest`` has a current grant
    for the patient and the answer is current; one round trip to the cache."""
    grant_version_key = _grant_version_key(digest)
    grant_key = _grant_key(digest, patient_id)
    version_key = _version_key(patient_id)
    answer_key = _answer_key(patient_id)
    found = cache.get_many(
        [grant_version_key, grant_key, version_key, LIBRARY_VERSION_KEY, answer_key]
    )
    grant_version = found.get(grant_version_key)
    grant = found.get(grant_key)
    entry = found.get(answer_key)
    if (
        grant_version is None
        or grant is None
        or entry is None
        or len(grant) != 3  # kept by an older release, without the token's expiry
        or grant[0] != grant_version
    ):
        return TodayLookup(None, grant_version)
    now = timezone.now()
    if now.timestamp() >= grant[2]:  # the token has expired: DRF refuses it
        return TodayLookup(None, grant_version)
    versions = (found.get(version_key), found.get(LIBRARY_VERSION_KEY))
    # As services.common.local_today, from the time zone the grant keeps.
    day = now.astimezone(ZoneInfo(grant[1])).date()
    if None in versions or entry[0] != versions or entry[1] != day:
        return TodayLookup(None, grant_version)
    return TodayLookup(entry[2], grant_version)


def grant_version(digest: str) -> str:
    """The token's version to store a grant under, created when missing. Read it before the
    token and the access are read from the database."""
    key = _grant_version_key(digest)
    cache.add(key, uuid.uuid4().hex, VERSION_TIMEOUT)
    return str(cache.get(key, ""))


def store_grant(
    digest: str, patient_id: int, version: str, time_zone: str, expires: datetime
) -> None:
    """Keep that the token ``digest`` passed authentication and the access check for the
    patient, who lives in ``time_zone``, under the token's ``version`` read before both. The
    grant ends when the token does (``expires``), even before the cache forgets it."""
    if version:
        grant = (version, time_zone, expires.timestamp())
        cache.set(_grant_key(digest, patient_id), grant, TIMEOUT)


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


# The grants' invalidation. Each receiver bumps the tokens of every user who may have lost
# access (or whose patient's time zone changed); a new access needs nothing, as a missing
# grant is a miss, so creating a user, a link or a patient costs no query here.


def _on_token_deleted(sender: Any, instance: Token, **kwargs: Any) -> None:
    tokens_changed([instance.key])


def _on_user_saved(sender: Any, instance: User, **kwargs: Any) -> None:
    # Only an active user's token passes authentication; nothing else about a user decides a
    # grant. A new password deletes the user's tokens (programs/services/tokens.py), and a
    # deleted user's token is deleted with them: each deletion bumps its token above.
    if not instance.is_active:
        users_changed([instance.pk])


# Who loses access is read before a save (pre_save) and their grants forgotten after it
# (post_save): bumped before the row is written, a version could be read by a request that
# then reads the old row and stores a grant under it, which nothing would bump again.
_LOSING = "_today_cache_losing_access"


def _previous(model: type[Any], instance: Any, fields: Sequence[str]) -> dict[str, Any]:
    if instance.pk is None:
        return {}
    return model.objects.filter(pk=instance.pk).values(*fields).first() or {}


def _on_guardian_saving(sender: Any, instance: Guardian, **kwargs: Any) -> None:
    # A link given to another user, or moved to another patient: its previous user loses
    # access to its previous patient.
    previous = _previous(Guardian, instance, ["user_id", "patient_id"])
    if previous and (previous["user_id"], previous["patient_id"]) != (
        instance.user_id,
        instance.patient_id,
    ):
        setattr(instance, _LOSING, [previous["user_id"]])


def _on_patient_saving(sender: Any, instance: Patient, **kwargs: Any) -> None:
    previous = _previous(Patient, instance, ["user_id", "time_zone"])
    if previous and previous["time_zone"] != instance.time_zone:
        # Every grant for the patient keeps the time zone.
        guardians = Guardian.objects.filter(patient_id=instance.pk).values_list("user_id")
        losing = [previous["user_id"], instance.user_id, *(user for (user,) in guardians)]
        setattr(instance, _LOSING, losing)
    elif previous and previous["user_id"] != instance.user_id:
        setattr(instance, _LOSING, [previous["user_id"]])


def _on_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    users_changed(instance.__dict__.pop(_LOSING, []))


def _on_guardian_deleted(sender: Any, instance: Guardian, **kwargs: Any) -> None:
    users_changed([instance.user_id])


def _on_patient_deleted(sender: Any, instance: Patient, **kwargs: Any) -> None:
    # Its guardian links are deleted with it, each through _on_guardian_deleted.
    users_changed([instance.user_id])


post_delete.connect(_on_token_deleted, sender=Token, dispatch_uid="programs.cache.token")
post_save.connect(_on_user_saved, sender=User, dispatch_uid="programs.cache.user")
pre_save.connect(_on_guardian_saving, sender=Guardian, dispatch_uid="programs.cache.guardian")
post_save.connect(_on_saved, sender=Guardian, dispatch_uid="programs.cache.guardian")
post_delete.connect(_on_guardian_deleted, sender=Guardian, dispatch_uid="programs.cache.guardian")
pre_save.connect(_on_patient_saving, sender=Patient, dispatch_uid="programs.cache.patient")
post_save.connect(_on_saved, sender=Patient, dispatch_uid="programs.cache.patient")
post_delete.connect(_on_patient_deleted, sender=Patient, dispatch_uid="programs.cache.patient")
