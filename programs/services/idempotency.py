"""The API's ``Idempotency-Key`` records: claimed in the transaction of the write they guard,
so a write and the answer stored for it commit together or not at all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from programs.models import IdempotencyKey, User
from programs.services.common import create_unless_taken

# How long a key is remembered: a client retrying a lost answer does so within seconds or
# minutes; a day covers a phone that was offline overnight.
KEY_LIFETIME = timedelta(hours=24)


@dataclass(frozen=True)
class KeyClaim:
    record: IdempotencyKey
    # False when the key was already used: ``record`` is that earlier request and its answer.
    new: bool


def idempotency_claim(
    *, user: User, key: str, method: str, path: str, request_hash: str
) -> KeyClaim:
    """Take ``key`` for this request, or find the earlier request that holds it.

    Called inside the transaction of the write. The unique constraint on (user, key) decides
    between two requests sent at once: the second one's insert waits for the first to commit
    (PostgreSQL; SQLite takes the write lock at the start) and then finds its stored answer,
    or takes the key itself if the first one was rolled back."""
    IdempotencyKey.objects.filter(
        user=user, key=key, created_at__lt=timezone.now() - KEY_LIFETIME
    ).delete()
    record, new = create_unless_taken(
        IdempotencyKey,
        taken_by={"user": user, "key": key},
        user=user,
        key=key,
        method=method,
        path=path,
        request_hash=request_hash,
        response_status=0,  # set by idempotency_store before the transaction commits
    )
    return KeyClaim(record=record, new=new)


def idempotency_store(*, record: IdempotencyKey, status: int, body: object) -> None:
    """The answer to a claimed request, to give again to a repeat of it."""
    record.response_status = status
    record.response_body = body
    record.save(update_fields=["response_status", "response_body"])


def idempotency_release(*, record: IdempotencyKey) -> None:
    """Let the key go after a request that changed nothing (refused, or failed): the client
    may correct the request and send it again with the same key."""
    record.delete()


@transaction.atomic
def idempotency_keys_expire() -> int:
    """Forget keys older than a day; returns how many."""
    deleted, _ = IdempotencyKey.objects.filter(
        created_at__lt=timezone.now() - KEY_LIFETIME
    ).delete()
    return deleted
