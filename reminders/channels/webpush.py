"""Push notifications through Web Push (RFC 8030), encrypted to the browser's keys (RFC 8291,
aes128gcm) and signed with our VAPID key (RFC 8292) by pywebpush.

What the push service's answer means for the reminder:
- 201 (or any 2xx): the service holds the message for the device.
- 404 or 410: the subscription is gone (the person unsubscribed in the browser, or it
  expired). A permanent failure: dispatch removes the subscription and never retries.
- 429 and 5xx: busy or broken for now: tried again with backoff, as the other channels are.
- Any other 4xx: our request or our key is wrong, for every device alike. Loud, and
  temporary, as Twilio's account errors are: removing every subscription for a bad key would
  be worse than retrying until the grace window ends.

A push service takes no idempotency key and cannot be asked what it holds, so a call whose
answer never came is unknown and never sent again (reminders/services/dispatch.py).
"""

from __future__ import annotations

import base64
import json
import logging
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from pywebpush import WebPushException, webpush

from reminders.channels import (
    ChannelBackend,
    OutgoingMessage,
    PermanentFailure,
    SendResult,
    TemporaryFailure,
)
from reminders.channels.http import request_failure

logger = logging.getLogger("reminders.push")

GONE = frozenset({404, 410})


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class VapidKeys:
    """A VAPID key pair as the settings hold it: the private key as base64url of its raw
    32 bytes, the public key as base64url of the uncompressed point (what the browser's
    ``applicationServerKey`` takes)."""

    public_key: str
    private_key: str

    @classmethod
    def generate(cls) -> VapidKeys:
        key = ec.generate_private_key(ec.SECP256R1())
        raw = key.private_numbers().private_value.to_bytes(32, "big")
        point = key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return cls(public_key=b64url(point), private_key=b64url(raw))

    def as_json(self) -> str:
        return json.dumps({"public_key": self.public_key, "private_key": self.private_key})


def failure_for(status: int, text: str) -> PermanentFailure | TemporaryFailure:
    """What a push service's error answer means: see the module's docstring."""
    if status in GONE:
        return PermanentFailure(str(status), "the push subscription is gone")
    if status == 429 or status >= 500:
        return TemporaryFailure(str(status), f"the push service answered {status}")
    logger.error("a push service refused a message: %s %s", status, text[:200])
    return TemporaryFailure(str(status), f"the push service refused the request ({status})")


class WebPushChannel(ChannelBackend):
    supports_idempotency = False
    supports_lookup = False

    def __init__(self) -> None:
        self._session: requests.Session | None = None

    def send(self, message: OutgoingMessage) -> SendResult:
        if not settings.WEBPUSH_VAPID_PRIVATE_KEY:
            raise TemporaryFailure("no_key", "no VAPID key is configured")
        if self._session is None:
            self._session = requests.Session()
        ttl = int(message.headers.get("TTL", settings.WEBPUSH_TTL_SECONDS))
        endpoint = urlsplit(message.to)
        try:
            response = webpush(
                subscription_info={"endpoint": message.to, "keys": dict(message.keys)},
                data=message.body,
                vapid_private_key=settings.WEBPUSH_VAPID_PRIVATE_KEY,
                vapid_claims={
                    "sub": settings.WEBPUSH_VAPID_SUBJECT,
                    "aud": f"{endpoint.scheme}://{endpoint.netloc}",
                },
                content_encoding="aes128gcm",
                timeout=float(settings.WEBPUSH_TIMEOUT_SECONDS),
                ttl=max(ttl, 0),
                headers={"Urgency": "normal"},
                requests_session=self._session,
            )
        except WebPushException as error:
            if error.response is None:
                # pywebpush refused the subscription itself (a key that is not a key).
                raise PermanentFailure("bad_keys", str(error)[:200]) from error
            raise failure_for(error.response.status_code, error.response.text) from error
        except requests.exceptions.RequestException as error:
            raise request_failure(error, "the push service") from error
        assert isinstance(response, requests.Response)
        location = response.headers.get("Location", "")
        message_id = location.rsplit("/", 1)[-1] if location else f"push{uuid.uuid4().hex}"
        return SendResult(provider_message_id=message_id[:64])

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None
