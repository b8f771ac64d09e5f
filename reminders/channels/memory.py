"""SMS kept in memory, for tests: every call is recorded, keyed by idempotency key."""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from typing import ClassVar

from reminders.channels import OutgoingMessage, SendResult


class MemorySms:
    supports_idempotency = True

    sent: ClassVar[list[OutgoingMessage]] = []
    calls: ClassVar[Counter[str]] = Counter()
    _ids = itertools.count(1)
    _lock = threading.Lock()

    def send(self, message: OutgoingMessage) -> SendResult:
        with self._lock:
            MemorySms.calls[message.idempotency_key] += 1
            MemorySms.sent.append(message)
            return SendResult(provider_message_id=f"SMmemory{next(self._ids):024d}")

    @classmethod
    def reset(cls) -> None:
        with cls._lock:
            cls.sent.clear()
            cls.calls.clear()
