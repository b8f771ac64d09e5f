"""SMS kept in memory, for tests: every call is recorded, keyed by idempotency key.

In-process by default (``MemorySms.calls``, ``MemorySms.sent``). A test that runs a real
Celery worker cannot read another process's memory: it sets ``REMINDERS_SMS_JOURNAL`` to a
directory for the worker, and the calls go to a journal on disk instead
(reminders/channels/recording.py), which can also script failures and play a provider
that does or does not deduplicate by idempotency key.
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from typing import ClassVar

from reminders.channels import ChannelBackend, OutgoingMessage, SendResult
from reminders.channels.recording import journal_from_environment


class MemorySms(ChannelBackend):
    # Like a provider that honours idempotency keys: a send whose outcome is unknown may be
    # tried again with the same key (the journal enforces it when used).
    supports_idempotency = True

    sent: ClassVar[list[OutgoingMessage]] = []
    calls: ClassVar[Counter[str]] = Counter()
    _ids = itertools.count(1)
    _lock = threading.Lock()

    def __init__(self) -> None:
        self._journal = journal_from_environment()
        if self._journal is not None:
            self.supports_idempotency = self._journal.plan.idempotent

    def send(self, message: OutgoingMessage) -> SendResult:
        if self._journal is not None:
            return self._journal.send(message)
        with self._lock:
            MemorySms.calls[message.idempotency_key] += 1
            MemorySms.sent.append(message)
            return SendResult(provider_message_id=f"SMmemory{next(self._ids):024d}")

    @classmethod
    def reset(cls) -> None:
        with cls._lock:
            cls.sent.clear()
            cls.calls.clear()
