"""A journal of provider calls on disk, which every process can read: how a test counts what
a real Celery worker (another process, perhaps killed with SIGKILL halfway) sent.

MemorySms writes to it when ``REMINDERS_SMS_JOURNAL`` names a directory. Each call is one
line appended to ``calls.jsonl`` under an exclusive ``flock``, written before the call
returns, so a worker killed right after a call has still left its line; the line survives
the process, and the broker being restarted has nothing to do with it.

The journal also plays the provider's part in two ways a test can set in ``plan.json``:
- ``idempotent``: whether it drops a second message with an idempotency key it has already
  delivered (answering with the first message's id), as a provider that honours
  idempotency keys does. Every call is still recorded, so a test sees both the calls and the
  messages a phone would have received.
- ``failures``: per address, the outcome of each successive call for one key, e.g.
  ``{"+15005550006": ["temporary", "temporary"]}`` fails twice and then delivers.
- ``delay_seconds``: how long each call takes, half before the provider records it and half
  after, so a kill can land on either side.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from reminders.channels import OutgoingMessage, PermanentFailure, SendResult, TemporaryFailure

JOURNAL_ENV = "REMINDERS_SMS_JOURNAL"

DELIVERED = "delivered"
DUPLICATE = "duplicate"
TEMPORARY = "temporary"
PERMANENT = "permanent"


@dataclass(frozen=True)
class Plan:
    idempotent: bool = True
    delay_seconds: float = 0.0
    failures: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Call:
    key: str
    to: str
    pid: int
    outcome: str
    message_id: str


class Journal:
    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._calls_path = self.directory / "calls.jsonl"
        self._plan_path = self.directory / "plan.json"
        self._lock_path = self.directory / "journal.lock"

    # The test's side -----------------------------------------------------------------------

    def write_plan(self, plan: Plan) -> None:
        self._plan_path.write_text(json.dumps(asdict(plan)))

    def calls(self) -> list[Call]:
        if not self._calls_path.exists():
            return []
        with self._calls_path.open() as lines:
            # A line cut short by a kill mid-write would not parse; writes are single
            # appends far below a page, so there are none, but a reader should not crash.
            return [Call(**json.loads(line)) for line in lines if line.endswith("\n")]

    def calls_per_key(self) -> Counter[str]:
        return Counter(call.key for call in self.calls())

    def messages_per_key(self) -> Counter[str]:
        """How many messages each idempotency key put on a phone."""
        return Counter(call.key for call in self.calls() if call.outcome == DELIVERED)

    # The provider's side -------------------------------------------------------------------

    @property
    def plan(self) -> Plan:
        if not self._plan_path.exists():
            return Plan()
        return Plan(**json.loads(self._plan_path.read_text()))

    def send(self, message: OutgoingMessage) -> SendResult:
        plan = self.plan
        time.sleep(plan.delay_seconds / 2)
        with self._lock_path.open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                call = self._call(message, plan)
                with self._calls_path.open("a") as out:
                    out.write(json.dumps(asdict(call)) + "\n")
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        time.sleep(plan.delay_seconds / 2)
        if call.outcome == TEMPORARY:
            raise TemporaryFailure("20429", "too many requests, try again later")
        if call.outcome == PERMANENT:
            raise PermanentFailure("21211", "the 'To' number is not a valid phone number")
        return SendResult(provider_message_id=call.message_id)

    def _call(self, message: OutgoingMessage, plan: Plan) -> Call:
        earlier = [call for call in self.calls() if call.key == message.idempotency_key]
        script = plan.failures.get(message.to, [])
        delivered = [call for call in earlier if call.outcome == DELIVERED]
        outcome = script[len(earlier)] if len(earlier) < len(script) else DELIVERED
        message_id = f"SMjournal{os.getpid()}x{time.monotonic_ns()}"
        if outcome == DELIVERED and delivered and plan.idempotent:
            outcome, message_id = DUPLICATE, delivered[0].message_id
        return Call(
            key=message.idempotency_key,
            to=message.to,
            pid=os.getpid(),
            outcome=outcome,
            message_id=message_id,
        )


def journal_from_environment() -> Journal | None:
    directory = os.environ.get(JOURNAL_ENV, "")
    return Journal(directory) if directory else None
