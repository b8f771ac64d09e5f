"""Channels behind one interface: a message in, a provider id out, or a failure that says
whether trying again can help.

The dispatcher only ever calls ``backend_for(channel).send(message)`` (and, to settle a send
whose outcome it does not know, ``find_sent``). Which backend serves a channel is a setting:
email goes through Django's email backends (console in development, SMTP by environment,
locmem in tests); SMS through ``REMINDERS_SMS_BACKEND`` (console, memory, twilio); push
through Web Push (pywebpush, signed with the VAPID key of the settings).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

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
    # Push only: the subscription's p256dh and auth keys the payload is encrypted to.
    keys: dict[str, str] = field(default_factory=dict)


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


class LookupUnavailable(Exception):
    """The provider could not be asked just now which messages it accepted."""


@dataclass(frozen=True)
class SentMessage:
    """A message the provider says it accepted, as a lookup finds it."""

    provider_message_id: str
    created_at: datetime


class ChannelBackend:
    """What every channel offers the dispatcher; a backend overrides what its provider can do.

    ``supports_idempotency``: the provider itself refuses a second message with the same
    key, so a send whose outcome is unknown may simply be tried again.

    ``supports_lookup``: the provider can be asked afterwards which messages it accepted
    (``find_sent``), so a send whose outcome is unknown (the worker died mid-call, the answer
    never came) is settled by asking, not by guessing.

    Neither: an unknown outcome stays unknown, and is never sent again.
    """

    supports_idempotency: bool = False
    supports_lookup: bool = False

    def send(self, message: OutgoingMessage) -> SendResult:
        raise NotImplementedError

    def find_sent(self, message: OutgoingMessage, *, since: datetime) -> list[SentMessage]:
        """The messages the provider accepted since ``since`` that are ``message`` (the same
        recipient and text), oldest first. Raises LookupUnavailable if it cannot be asked."""
        raise LookupUnavailable(f"{type(self).__name__} cannot be asked what it sent")

    def prepare(self) -> None:
        """Get ready to send (connect, sign in) before a row is flipped to sending, so that
        time is no part of a send whose outcome may end up unknown. Best effort: a failure
        here shows up again in ``send``, where it is handled."""

    def close(self) -> None:
        """Let go of any connection kept open between sends (a send task's end)."""


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
    if channel == "push":
        from reminders.channels.webpush import WebPushChannel

        return WebPushChannel()
    raise ValueError(f"no channel called {channel!r}")
