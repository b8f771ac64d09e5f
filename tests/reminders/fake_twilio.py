"""A local HTTP server that answers as Twilio's Messages API does, for tests.

    with FakeTwilio() as fake, fake.settings():
        backend_for("sms").send(message)          # really goes over HTTP, to 127.0.0.1
        assert fake.sent_per_key[message.idempotency_key] == 1

It takes POST /2010-04-01/Accounts/{sid}/Messages.json with a form (To, From, Body,
StatusCallback) and HTTP Basic auth (account SID and auth token), and answers 201 with the
message's JSON (sid "SM...", status "queued"), or an error in Twilio's JSON error format
({"code", "message", "more_info", "status"}). Like Twilio, it takes no idempotency key: the
same message posted twice is two messages. It can be told to fail: the next calls, every
call, or calls to one number, with a Twilio error code (21610, 21211, 21614, 20429 for
429, 20500 for 500, ...), to answer too slowly, to drop the connection, or to take a while
over every call (``latency``: half before the message exists, half after). Every call is
recorded, with the reminder's idempotency key read from the StatusCallback URL's ``key``.

GET of the same path lists the messages accepted, newest first, as Twilio's list API does:
filtered by To and From, paged by PageSize and Page (``next_page_uri``), each message in the
resource's JSON (``date_created`` in RFC 2822, to the second). ``fail_lookups`` makes it
answer the list with an error, as Twilio down would.

For a worker in another process, ``fake.environment()`` gives the variables that point
settings at the fake. Delivery reports: ``fake.status_request(sid, "delivered")`` gives the
signed URL, form and signature to post to our webhook (through Django's test client), and
``fake.post_status`` posts one over HTTP to a live server.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import socket
import threading
import time
import urllib.request
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

from django.test import override_settings
from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "f" * 32
AUTH_TOKEN = "fake-twilio-auth-token-0123456789"
FROM_NUMBER = "+15005550006"

# Twilio's codes, with the HTTP status and message its API answers them with.
ERRORS: dict[int, tuple[int, str]] = {
    20003: (401, "Authenticate"),
    20404: (404, "The requested resource was not found"),
    20429: (429, "Too Many Requests"),
    20500: (500, "Internal Server Error"),
    20503: (503, "Service Unavailable"),
    21211: (400, "The 'To' number is not a valid phone number."),
    21602: (400, "Message body is required."),
    21603: (400, "A 'From' or 'MessagingServiceSid' parameter is required to send a message."),
    21604: (400, "A 'To' phone number is required."),
    21606: (400, "The 'From' phone number provided is not a valid message-capable Twilio number."),
    21610: (400, "Attempt to send to unsubscribed recipient"),
    21614: (400, "'To' number is not a valid mobile number"),
}
MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>AC[0-9a-zA-Z]+)/Messages\.json$")
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


@dataclass(frozen=True)
class Call:
    """One request to the Messages API, and what the fake answered."""

    path: str
    form: dict[str, str]
    authorized: bool
    status: int
    answer: dict[str, Any]

    @property
    def key(self) -> str:
        """The reminder's idempotency key, from the StatusCallback URL's query."""
        query = parse_qs(urlsplit(self.form.get("StatusCallback", "")).query)
        return query.get("key", [""])[0]

    @property
    def sid(self) -> str:
        return str(self.answer.get("sid", ""))


@dataclass
class _Failure:
    code: int = 0
    delay: float = 0.0
    drop: bool = False


@dataclass
class _State:
    calls: list[Call] = field(default_factory=list)
    calls_per_key: Counter[str] = field(default_factory=Counter)
    sent_per_key: Counter[str] = field(default_factory=Counter)
    next_failures: deque[_Failure] = field(default_factory=deque)
    always: _Failure | None = None
    # Per number: the failure, and how many more calls it applies to (None: every call).
    per_number: dict[str, tuple[_Failure, int | None]] = field(default_factory=dict)
    latency: float = 0.0
    lookup_failure: int = 0
    lookups: int = 0


def _error_body(code: int) -> tuple[int, dict[str, Any]]:
    status, message = ERRORS.get(code, (400, f"Error {code}"))
    return status, {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


class FakeTwilio:
    def __init__(self, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self._state = _State()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # Life cycle.

    def start(self) -> FakeTwilio:
        # A short poll, so that stopping the server does not cost every test half a second.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-twilio",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def environment(self, timeout_seconds: int = 2) -> dict[str, str]:
        """Environment variables that point a process's settings at this fake."""
        return {
            "REMINDERS_SMS_BACKEND": "twilio",
            "TWILIO_ACCOUNT_SID": self.account_sid,
            "TWILIO_AUTH_TOKEN": self.auth_token,
            "TWILIO_FROM_NUMBER": FROM_NUMBER,
            "TWILIO_API_BASE": self.base_url,
            "TWILIO_TIMEOUT_SECONDS": str(timeout_seconds),
        }

    @contextmanager
    def settings(self, **extra: Any) -> Iterator[None]:
        """Django settings pointed at this fake, for the block."""
        values: dict[str, Any] = {
            "REMINDERS_SMS_BACKEND": "twilio",
            "TWILIO_ACCOUNT_SID": self.account_sid,
            "TWILIO_AUTH_TOKEN": self.auth_token,
            "TWILIO_FROM_NUMBER": FROM_NUMBER,
            "TWILIO_API_BASE": self.base_url,
            **extra,
        }
        with override_settings(**values):
            yield

    # What it was asked.

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._state.calls)

    @property
    def calls_per_key(self) -> Counter[str]:
        """Requests per idempotency key, answered or refused."""
        with self._lock:
            return Counter(self._state.calls_per_key)

    @property
    def sent_per_key(self) -> Counter[str]:
        """Messages accepted (201) per idempotency key."""
        with self._lock:
            return Counter(self._state.sent_per_key)

    @property
    def sent(self) -> list[Call]:
        return [call for call in self.calls if call.status == 201]

    def reset(self) -> None:
        with self._lock:
            self._state = _State()

    # How it should answer.

    def fail_next(self, code: int, times: int = 1) -> None:
        """Answer the next ``times`` calls with Twilio error ``code``."""
        with self._lock:
            self._state.next_failures.extend(_Failure(code=code) for _ in range(times))

    def fail_always(self, code: int | None) -> None:
        """Answer every call with ``code`` (None: stop failing)."""
        with self._lock:
            self._state.always = _Failure(code=code) if code else None

    def fail_for(self, number: str, code: int, times: int | None = None) -> None:
        """Answer messages to ``number`` with ``code``: every one, or the next ``times``."""
        with self._lock:
            self._state.per_number[number] = (_Failure(code=code), times)

    def latency(self, seconds: float) -> None:
        """Take ``seconds`` over every message: half before it is accepted, half after (so a
        client that gives up, or dies, may leave a message sent or not)."""
        with self._lock:
            self._state.latency = seconds

    def fail_lookups(self, code: int | None) -> None:
        """Answer every list request with ``code`` (None: answer them again)."""
        with self._lock:
            self._state.lookup_failure = code or 0

    @property
    def lookups(self) -> int:
        """List requests answered so far."""
        with self._lock:
            return self._state.lookups

    def hang_next(self, seconds: float, times: int = 1) -> None:
        """Accept the next ``times`` messages, but answer only after ``seconds``: the message
        is recorded as sent even when the client has stopped waiting, as with the real API."""
        with self._lock:
            self._state.next_failures.extend(_Failure(delay=seconds) for _ in range(times))

    def drop_next(self, times: int = 1) -> None:
        """Accept the next ``times`` messages, then close the connection without answering."""
        with self._lock:
            self._state.next_failures.extend(_Failure(drop=True) for _ in range(times))

    # Delivery reports.

    def status_request(
        self, sid: str, status: str, error_code: int | None = None
    ) -> tuple[str, dict[str, str], str]:
        """The URL, form and X-Twilio-Signature of the status callback Twilio would send for
        message ``sid``: post them to our webhook."""
        call = next(call for call in self.calls if call.sid == sid)
        url = call.form["StatusCallback"]
        form = {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "From": call.form.get("From", ""),
            "MessageSid": sid,
            "MessageStatus": status,
            "SmsSid": sid,
            "SmsStatus": status,
            "To": call.form.get("To", ""),
        }
        if error_code is not None:
            form["ErrorCode"] = str(error_code)
        return url, form, self.sign(url, form)

    def sign(self, url: str, form: dict[str, str]) -> str:
        return str(RequestValidator(self.auth_token).compute_signature(url, form))

    def post_status(self, sid: str, status: str, error_code: int | None = None) -> int:
        """Send the status callback over HTTP (to a live server); the status it answered."""
        url, form, signature = self.status_request(sid, status, error_code)
        request = urllib.request.Request(
            url,
            data=urlencode(form).encode(),
            headers={"X-Twilio-Signature": signature},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)

    # The server.

    def _next_fault(self) -> _Failure | None:
        """What the next call should suffer: a queued fault first, then the standing ones."""
        with self._lock:
            if self._state.next_failures:
                return self._state.next_failures.popleft()
            return self._state.always

    def _answer(
        self, path: str, form: dict[str, str], authorized: bool, fault: _Failure | None
    ) -> tuple[int, dict[str, Any]]:
        match = MESSAGES_PATH.match(path)
        if match is None or match["sid"] != self.account_sid:
            return _error_body(20404)
        if not authorized:
            return _error_body(20003)
        to = form.get("To", "")
        with self._lock:
            if fault is None and to in self._state.per_number:
                fault, left = self._state.per_number[to]
                if left is not None:
                    if left <= 1:
                        del self._state.per_number[to]
                    else:
                        self._state.per_number[to] = (fault, left - 1)
        if fault is not None and fault.code:
            return _error_body(fault.code)
        for required, code in (("To", 21604), ("From", 21603), ("Body", 21602)):
            if not form.get(required):
                return _error_body(code)
        if not E164.match(to):
            return _error_body(21211)
        sid = f"SM{secrets.token_hex(16)}"
        now = formatdate(usegmt=True)
        return 201, {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": form["Body"],
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form["From"],
            "messaging_service_sid": None,
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued",
            "subresource_uris": {
                "media": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}/Media.json"
            },
            "to": to,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
        }

    def _list(self, path: str, query: dict[str, str], authorized: bool) -> tuple[int, Any]:
        """Twilio's list of messages: the accepted ones, newest first, filtered and paged."""
        match = MESSAGES_PATH.match(path)
        if match is None or match["sid"] != self.account_sid:
            return _error_body(20404)
        if not authorized:
            return _error_body(20003)
        with self._lock:
            if self._state.lookup_failure:
                return _error_body(self._state.lookup_failure)
            self._state.lookups += 1
            messages = [call.answer for call in reversed(self._state.calls) if call.status == 201]
        for name, key in (("To", "to"), ("From", "from")):
            if query.get(name):
                messages = [m for m in messages if m[key] == query[name]]
        size = max(1, min(int(query.get("PageSize") or 50), 1000))
        number = int(query.get("Page") or 0)
        page = messages[number * size : (number + 1) * size]
        more = (number + 1) * size < len(messages)
        filters = {k: query[k] for k in ("To", "From") if query.get(k)}

        def uri(page_number: int) -> str:
            return f"{path}?{urlencode({**filters, 'PageSize': size, 'Page': page_number})}"

        return 200, {
            "messages": page,
            "end": number * size + max(len(page) - 1, 0),
            "first_page_uri": uri(0),
            "next_page_uri": uri(number + 1) if more else None,
            "page": number,
            "page_size": size,
            "previous_page_uri": uri(number - 1) if number else None,
            "start": number * size,
            "uri": uri(number),
        }

    def _record(self, call: Call) -> None:
        with self._lock:
            self._state.calls.append(call)
            key = call.key
            if key:
                self._state.calls_per_key[key] += 1
                if call.status == 201:
                    self._state.sent_per_key[key] += 1

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                form = dict(parse_qsl(raw, keep_blank_values=True))
                authorized = self.headers.get("Authorization", "") == _basic(
                    fake.account_sid, fake.auth_token
                )
                path = urlsplit(self.path).path
                fault = fake._next_fault()
                with fake._lock:
                    latency = fake._state.latency
                time.sleep(latency / 2)
                status, answer = fake._answer(path, form, authorized, fault)
                # A slow answer or a dropped connection comes after the message is recorded as
                # accepted: Twilio would have sent it, though the client never hears so.
                fake._record(Call(path, form, authorized, status, answer))
                if fault is not None and fault.drop:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if fault is not None and fault.delay:
                    time.sleep(fault.delay)
                time.sleep(latency / 2)
                self._send_json(status, answer)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                authorized = self.headers.get("Authorization", "") == _basic(
                    fake.account_sid, fake.auth_token
                )
                query = dict(parse_qsl(parts.query, keep_blank_values=True))
                self._send_json(*fake._list(parts.path, query, authorized))

            def _send_json(self, status: int, answer: dict[str, Any]) -> None:
                body = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped waiting (a timeout test)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


def _basic(username: str, password: str) -> str:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return f"Basic {token}"
