"""A real SMTP server (aiosmtpd) on a free local port, in a thread of the test process: it keeps
every message it accepted, and can be told where to break the connection.

    with SmtpServer() as server, server.settings():
        backend_for("email").send(message)          # really SMTP, to 127.0.0.1
        assert server.delivered_per_key() == {message.idempotency_key: 1}

What it can be told, for the next messages (``break_next``) or for one recipient
(``break_for``):
- ``DROP_BEFORE_DATA``: the connection is cut at RCPT TO, before DATA: it keeps nothing;
- ``DROP_AFTER_DATA``: it keeps the message, then cuts the connection instead of answering
  250, so the client cannot know;
- ``DROP_AFTER_250``: it answers 250, then cuts the connection (the next message on that
  connection finds it closed);
- an SMTP reply for RCPT TO, such as ``"450 4.2.1 Try later"`` or ``"550 5.1.1 No such user"``.
``latency(seconds)`` makes every message take that long, half at RCPT TO (before DATA) and
half after the server has kept it, so a worker killed mid-call leaves a message kept or not.
For a worker in another process, ``environment()`` gives the variables that point its
settings here.

A message is tied to its reminder by its Message-ID, which the email channel builds from the
reminder's idempotency key (its first 40 characters).
"""

from __future__ import annotations

import asyncio
import email
import socket
import threading
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from aiosmtpd.controller import Controller
from django.test import override_settings

DROP_BEFORE_DATA = "drop before data"
DROP_AFTER_DATA = "drop after data"
DROP_AFTER_250 = "drop after 250"


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    message_id: str

    @property
    def key(self) -> str:
        """The idempotency key in the Message-ID: <time.pid.random.KEY@gradus>."""
        local = self.message_id.strip("<>").partition("@")[0]
        parts = local.split(".", 3)
        return parts[3] if len(parts) == 4 else local


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class SmtpServer:
    def __init__(self) -> None:
        self.port = _free_port()
        self._lock = threading.Lock()
        self._received: list[Received] = []
        self._next: deque[str] = deque()
        self._per_recipient: dict[str, str] = {}
        self._latency = 0.0
        self.transactions = 0
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()

    # How it should behave.

    def break_next(self, fault: str, times: int = 1) -> None:
        with self._lock:
            self._next.extend([fault] * times)

    def break_for(self, recipient: str, fault: str | None) -> None:
        with self._lock:
            if fault is None:
                self._per_recipient.pop(recipient.lower(), None)
            else:
                self._per_recipient[recipient.lower()] = fault

    def latency(self, seconds: float) -> None:
        with self._lock:
            self._latency = seconds

    # What it received.

    @property
    def received(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    def delivered_per_key(self) -> Counter[str]:
        return Counter(message.key for message in self.received)

    # Pointing the app at it.

    @contextmanager
    def settings(self) -> Iterator[None]:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=self.port,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
            EMAIL_USE_TLS=False,
            EMAIL_TIMEOUT=2,
        ):
            yield

    def environment(self) -> dict[str, str]:
        return {
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.port),
            "EMAIL_USE_TLS": "false",
            "EMAIL_TIMEOUT": "2",
        }

    # The server's side.

    def _fault_for(self, recipient: str) -> str:
        with self._lock:
            self.transactions += 1
            if self._next:
                return self._next.popleft()
            return self._per_recipient.get(recipient.lower(), "")

    def _keep(self, envelope: Any) -> None:
        parsed = email.message_from_bytes(envelope.original_content or b"")
        with self._lock:
            self._received.append(
                Received(
                    mail_from=str(envelope.mail_from),
                    rcpt_tos=tuple(envelope.rcpt_tos),
                    message_id=str(parsed.get("Message-ID", "")),
                )
            )


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        fault = self.server._fault_for(address)
        session.fault = fault
        with self.server._lock:
            latency = self.server._latency
        await asyncio.sleep(latency / 2)
        if fault == DROP_BEFORE_DATA:
            server.transport.abort()
            return "421 4.3.0 Gone"
        if fault[:1].isdigit():
            return fault
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.server._keep(envelope)
        fault = getattr(session, "fault", "")
        if fault == DROP_AFTER_DATA:
            server.transport.abort()
            return "250 OK"
        with self.server._lock:
            latency = self.server._latency
        await asyncio.sleep(latency / 2)
        if fault == DROP_AFTER_250:
            await server.push("250 OK")
            server.transport.abort()
        return "250 OK"
