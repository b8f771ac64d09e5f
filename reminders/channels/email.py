"""Email through Django's email backends: console in development, SMTP by environment,
locmem in tests.

A refusal is permanent (suppress the address) only when the server refused the *recipient*
with a 5xx that means the mailbox does not exist or cannot be named; anything else (a full
mailbox, a server that is down, a refusal of our sender or content) is temporary, since it is
either passing or our own problem, and suppressing the address would not fix it.

SMTP is spoken step by step here rather than through ``EmailMessage.send()``, because what a
broken connection means depends on when it broke, and the dispatcher must know which:
- before the DATA command (connecting, TLS, signing in, MAIL FROM, RCPT TO) the server holds
  no message: sending again is safe (a temporary failure, code ``smtp``);
- once DATA is sent and until the server answers the message, the server may have accepted
  it: ``connection_lost``, which the dispatcher never sends again (SMTP offers no way to ask
  afterwards, so the row is marked unknown, with the reason);
- after the server's 250 the message is the server's: that is a success, whatever happens to
  the connection next. Django's backend raises when QUIT fails after a 250, and the message
  was then sent a second time.

One connection serves a whole send task (``prepare`` opens it before a row is flipped to
sending, ``close`` ends it), so connecting and signing in are no part of a send, and each
row's uncertain part is its MAIL, RCPT and DATA alone. A connection that breaks before DATA
(most often one the server closed between two messages) is opened again at once, once:
nothing was handed over.
"""

from __future__ import annotations

import contextlib
import smtplib
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import sanitize_address

from reminders.channels import (
    ChannelBackend,
    OutgoingMessage,
    PermanentFailure,
    SendResult,
    TemporaryFailure,
)

# 552 is "exceeded storage allocation": the mailbox exists and may empty again.
PASSING_5XX = frozenset({552})


def _refusal(codes: list[int]) -> PermanentFailure | TemporaryFailure:
    if codes and all(500 <= code < 600 and code not in PASSING_5XX for code in codes):
        return PermanentFailure(str(codes[0]), "the address was refused")
    return TemporaryFailure(str(codes[0]) if codes else "smtp", "the address was refused for now")


class _Dropped(Exception):
    """The connection broke before DATA: the server holds nothing of this message."""


class EmailChannel(ChannelBackend):
    supports_idempotency = False

    def __init__(self) -> None:
        self._backend: BaseEmailBackend | None = None

    def send(self, message: OutgoingMessage) -> SendResult:
        # The idempotency key names the Message-ID, so a message sent twice is at least
        # recognisable as one in the recipient's mail program and in the server's logs.
        message_id = make_msgid(idstring=message.idempotency_key[:40], domain="gradus")
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.to],
            headers={
                **message.headers,
                "Message-ID": message_id,
                # RFC 3834: no vacation or out-of-office replies to reminders.
                "Auto-Submitted": "auto-generated",
            },
        )
        backend = self._connection_backend()
        if isinstance(backend, SmtpBackend):
            self._send_smtp(backend, email)
            return SendResult(provider_message_id=message_id)
        # The console and locmem backends cannot half-send: one call, one answer.
        try:
            backend.send_messages([email])
        except smtplib.SMTPRecipientsRefused as error:
            raise _refusal([int(code) for code, _ in error.recipients.values()]) from error
        except (smtplib.SMTPException, OSError) as error:
            raise TemporaryFailure("smtp", str(error)[:200]) from error
        return SendResult(provider_message_id=message_id)

    def prepare(self) -> None:
        backend = self._connection_backend()
        if isinstance(backend, SmtpBackend) and backend.connection is None:
            # A failure here meets the send that follows again, before DATA: retried.
            with contextlib.suppress(TemporaryFailure):
                self._open(backend)

    def close(self) -> None:
        if isinstance(self._backend, SmtpBackend) and self._backend.connection is not None:
            connection = self._backend.connection
            try:
                connection.quit()
            except (smtplib.SMTPException, OSError):
                connection.close()
            self._backend.connection = None

    # SMTP, step by step --------------------------------------------------------------------

    def _connection_backend(self) -> BaseEmailBackend:
        if self._backend is None:
            self._backend = get_connection(fail_silently=False)
        return self._backend

    def _send_smtp(self, backend: SmtpBackend, email: EmailMessage) -> None:
        encoding = email.encoding or settings.DEFAULT_CHARSET
        sender = sanitize_address(email.from_email, encoding)
        recipient = sanitize_address(email.to[0], encoding)
        content = email.message().as_bytes(linesep="\r\n")
        connection = self._open(backend)
        try:
            self._envelope(backend, connection, sender, recipient)
        except _Dropped:
            # Most often the server closed a connection kept between messages. Nothing was
            # handed over, so a new connection may try at once, once.
            connection = self._open(backend)
            try:
                self._envelope(backend, connection, sender, recipient)
            except _Dropped as again:
                raise TemporaryFailure("smtp", f"{again}; nothing was handed over") from again
        try:
            code, _ = connection.data(content)
        except smtplib.SMTPDataError as error:
            # The server answered DATA itself with a refusal: it never took the content.
            self._reset(backend)
            raise TemporaryFailure(str(error.smtp_code), "the mail server refused DATA") from error
        except (smtplib.SMTPException, OSError) as error:
            self._drop(backend)
            raise TemporaryFailure(
                "connection_lost",
                "the connection to the mail server broke after the message was handed over; "
                f"it may have been delivered ({type(error).__name__})",
            ) from error
        if code != 250:
            # An answer to the content that is not 250: the server did not take it.
            self._reset(backend)
            raise TemporaryFailure(str(code), f"the mail server did not take the message ({code})")

    def _open(self, backend: SmtpBackend) -> smtplib.SMTP:
        try:
            backend.open()
            connection = backend.connection
            if connection is None:
                raise smtplib.SMTPConnectError(0, "no connection")
            connection.ehlo_or_helo_if_needed()
        except (smtplib.SMTPException, OSError) as error:
            self._drop(backend)
            reason = f"could not reach the mail server: {error}"[:200]
            raise TemporaryFailure("smtp", reason) from error
        return connection

    def _envelope(
        self, backend: SmtpBackend, connection: smtplib.SMTP, sender: str, recipient: str
    ) -> None:
        try:
            code, _ = connection.mail(sender)
            if code != 250:
                self._reset(backend)
                raise TemporaryFailure(str(code), "the mail server refused our sender address")
            code, _ = connection.rcpt(recipient)
            if code not in (250, 251):
                self._reset(backend)
                raise _refusal([code])
        except (smtplib.SMTPServerDisconnected, OSError) as error:
            self._drop(backend)
            raise _Dropped(f"the mail server closed the connection ({error})"[:150]) from error

    def _reset(self, backend: SmtpBackend) -> None:
        """End a refused transaction, so the connection can carry the next message."""
        if backend.connection is None:
            return
        try:
            backend.connection.rset()
        except (smtplib.SMTPException, OSError):
            self._drop(backend)

    @staticmethod
    def _drop(backend: SmtpBackend) -> None:
        if backend.connection is not None:
            with contextlib.suppress(OSError):
                backend.connection.close()
            backend.connection = None
