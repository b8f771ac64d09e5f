"""A local push service that speaks Web Push, for tests: no mock of pywebpush, the real
protocol over HTTP to 127.0.0.1.

    with FakePushService() as push, push.settings():
        device = push.device()                # a browser's subscription, with its own keys
        backend_for("push").send(message)     # to device.endpoint
        assert push.delivered[0].payload      # decrypted with the device's private key

What it checks, as a push service must:
- RFC 8030: a POST to the subscription's endpoint, with a TTL header (a whole number of
  seconds), answered 201 Created with a Location naming the message (404 for an endpoint
  it does not know).
- RFC 8292 (VAPID): ``Authorization: vapid t=<JWT>, k=<public key>``; the JWT is ES256,
  signed by the private half of ``k``, ``k`` is the application server key the device
  subscribed with, ``aud`` is the endpoint's origin and ``exp`` within the next 24 hours.
  Otherwise 401 (no or bad token) or 403 (the key is not the subscription's).
- RFC 8291: ``Content-Encoding: aes128gcm``, and the body decrypts (RFC 8188) with the
  device's private key and auth secret; a body that does not is 400.

For a worker in another process, ``push.environment()`` gives the variables that point its
settings here. A test can script the next answers per device (410, 404, 429, 500, ...) or
remove a device so the service answers 410 Gone, as a browser that unsubscribed makes it do.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.test import override_settings

from programs.models import User
from reminders.channels.webpush import VapidKeys, b64url
from reminders.models import Contact, PushSubscription
from reminders.services import push_subscribe

# Words no lock screen may show: a diagnosis, a dose, pain, effort.
HEALTH_WORDS = re.compile(
    r"pain|crps|syndrome|fibromyalgia|diagnos|dose|minutes|reps|walk|exert|flare|hurt|"
    r"symptom|therap",
    re.IGNORECASE,
)


def b64url_decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


@dataclass
class Device:
    """A browser's push subscription: what it gives the page (endpoint, p256dh, auth) and
    the private key only the browser holds."""

    token: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes
    application_server_key: str
    answers: deque[int] = field(default_factory=deque)

    @property
    def p256dh(self) -> str:
        return b64url(
            self.private_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    @property
    def auth(self) -> str:
        return b64url(self.auth_secret)

    def as_json(self) -> dict[str, Any]:
        """As the browser's PushSubscription.toJSON() gives it to the page."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


@dataclass(frozen=True)
class Push:
    """One request to an endpoint, and what the service answered."""

    token: str
    status: int
    ttl: str | None
    headers: dict[str, str]
    payload: dict[str, Any] | None  # the decrypted JSON, when it decrypted
    problem: str = ""


class FakePushService:
    def __init__(self, keys: VapidKeys | None = None) -> None:
        self.keys = keys or VapidKeys.generate()
        self.devices: dict[str, Device] = {}
        self.pushes: list[Push] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- The test's side ----------------------------------------------------------------------

    @property
    def origin(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def device(self) -> Device:
        """A new subscription, as a browser makes one with our public key."""
        token = secrets.token_urlsafe(24)
        device = Device(
            token=token,
            endpoint=f"{self.origin}/push/{token}",
            private_key=ec.generate_private_key(ec.SECP256R1()),
            auth_secret=secrets.token_bytes(16),
            application_server_key=self.keys.public_key,
        )
        with self._lock:
            self.devices[token] = device
        return device

    def subscribe(
        self, contact: Contact, user: User | None = None
    ) -> tuple[Device, PushSubscription]:
        """A new device of ``contact``'s, kept by the service the settings page calls, for
        ``user`` (by default the contact's own: the patient's account, or the guardian's)."""
        device = self.device()
        owner = user or (contact.guardian.user if contact.guardian else contact.patient.user)
        assert owner is not None, "the contact's person has no account"
        subscription = push_subscribe(
            contact=contact,
            endpoint=device.endpoint,
            p256dh=device.p256dh,
            auth=device.auth,
            user=owner,
        )
        return device, subscription

    def forget(self, device: Device) -> None:
        """The browser unsubscribed: the endpoint answers 410 Gone from now on."""
        with self._lock:
            self.devices.pop(device.token, None)

    def answer_next(self, device: Device, *statuses: int) -> None:
        with self._lock:
            device.answers.extend(statuses)

    @property
    def delivered(self) -> list[Push]:
        with self._lock:
            return [push for push in self.pushes if push.status == 201]

    def delivered_to(self, device: Device) -> list[Push]:
        return [push for push in self.delivered if push.token == device.token]

    def environment(self) -> dict[str, str]:
        """Environment variables that point a process's settings (a real worker's) here."""
        return {
            "WEBPUSH_VAPID_PUBLIC_KEY": self.keys.public_key,
            "WEBPUSH_VAPID_PRIVATE_KEY": self.keys.private_key,
            "WEBPUSH_VAPID_SUBJECT": "mailto:push-tests@example.com",
            "WEBPUSH_ALLOW_HTTP_ENDPOINTS": "true",
        }

    @contextmanager
    def settings(self) -> Iterator[None]:
        with override_settings(
            WEBPUSH_VAPID_PUBLIC_KEY=self.keys.public_key,
            WEBPUSH_VAPID_PRIVATE_KEY=self.keys.private_key,
            WEBPUSH_VAPID_SUBJECT="mailto:push-tests@example.com",
            WEBPUSH_ALLOW_HTTP_ENDPOINTS=True,
        ):
            yield

    def __enter__(self) -> FakePushService:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # -- The service's side -------------------------------------------------------------------

    def _check_vapid(self, authorization: str, device: Device) -> tuple[int, str]:
        """RFC 8292: (0, "") when the Authorization header is right, else the status and why."""
        scheme, _, params = authorization.partition(" ")
        if scheme.lower() != "vapid":
            return 401, "no vapid Authorization"
        values = dict(
            part.strip().split("=", 1) for part in params.split(",") if "=" in part.strip()
        )
        token, key = values.get("t", ""), values.get("k", "")
        if key != device.application_server_key:
            return 403, "the key is not the one the subscription was made with"
        try:
            header_b64, claims_b64, signature_b64 = token.split(".")
            header = json.loads(b64url_decode(header_b64))
            claims = json.loads(b64url_decode(claims_b64))
            signature = b64url_decode(signature_b64)
            public_key = ec.EllipticCurvePublicKey.from_encoded_point(
                ec.SECP256R1(), b64url_decode(key)
            )
            public_key.verify(
                encode_dss_signature(
                    int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
                ),
                f"{header_b64}.{claims_b64}".encode(),
                ec.ECDSA(hashes.SHA256()),
            )
        except (ValueError, InvalidSignature):
            return 401, "the JWT does not verify with k"
        if header.get("alg") != "ES256" or len(signature) != 64:
            return 401, "the JWT is not ES256"
        if claims.get("aud") != self.origin:
            return 401, f"aud {claims.get('aud')!r} is not {self.origin}"
        exp = int(claims.get("exp", 0))
        if not time.time() < exp <= time.time() + 24 * 3600:
            return 401, "exp is not within the next 24 hours"
        if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
            return 401, "sub is not a mailto: or https: URL"
        return 0, ""

    def _receive(self, path: str, headers: dict[str, str], body: bytes) -> Push:
        token = path.removeprefix("/push/")
        ttl = headers.get("ttl")

        def answer(status: int, problem: str = "", payload: Any = None) -> Push:
            return Push(token, status, ttl, headers, payload, problem)

        with self._lock:
            device = self.devices.get(token)
            scripted = device.answers.popleft() if device is not None and device.answers else 0
        if not path.startswith("/push/"):
            return answer(404, "not an endpoint")
        if device is None:
            return answer(410, "no such subscription (any more)")
        if ttl is None or not ttl.isdigit():
            return answer(400, "the TTL header is missing or not a number")
        status, problem = self._check_vapid(headers.get("authorization", ""), device)
        if status:
            return answer(status, problem)
        if headers.get("content-encoding") != "aes128gcm":
            return answer(415, "the content is not aes128gcm")
        try:
            plain = http_ece.decrypt(
                body,
                private_key=device.private_key,
                auth_secret=device.auth_secret,
                version="aes128gcm",
            )
            payload = json.loads(plain)
        except Exception as error:
            return answer(400, f"the payload does not decrypt: {error!r}")
        if scripted:
            return answer(scripted, "scripted", payload)
        return answer(201, "", payload)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {name.lower(): value for name, value in self.headers.items()}
                push = service._receive(urlsplit(self.path).path, headers, body)
                with service._lock:
                    service.pushes.append(push)
                self.send_response(push.status)
                if push.status == 201:
                    self.send_header("Location", f"/message/{secrets.token_hex(8)}")
                reply = push.problem.encode()
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

        return Handler
