"""Channels behind one interface: a message in, a provider id out, or a failure that says
whether trying again can help.

The dispatcher only ever calls ``backend_for(channel).send(message)``. Which backend serves a
channel is a setting: email goes through Django's email backends (console in development,
SMTP by environment, locmem in tests); SMS through ``REMINDERS_SMS_BACKEND`` (console,
memory, twilio).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class OutgoingMessage:
    channel: str
    to: str
    body: str
    idempotency_key: str
    subject: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    status_callback: str = ""


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str


class ChannelFailure(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class TemporaryFailure(ChannelFailure):
    """The provider may take it later: retry with backoff inside the grace window."""


class PermanentFailure(ChannelFailure):
    """The address cannot be reached (invalid, opted out, hard bounce): suppress it."""


class ChannelBackend(Protocol):
    # True when the provider itself refuses a second message with the same key, so a send
    # whose outcome is unknown may be tried again safely.
    supports_idempotency: bool

    def send(self, message: OutgoingMessage) -> SendResult: ...


SMS_BACKENDS = {
    "console": "reminders.channels.console.ConsoleSms",
    "memory": "reminders.channels.memory.MemorySms",
    "twilio": "reminders.channels.twilio.TwilioSms",
}


def backend_for(channel: str) -> ChannelBackend:
    if channel == "email":
        from reminders.channels.email import EmailChannel

        return EmailChannel()
    if channel == "sms":
        backend: ChannelBackend = import_string(SMS_BACKENDS[settings.REMINDERS_SMS_BACKEND])()
        return backend
    raise ValueError(f"no channel called {channel!r}")
