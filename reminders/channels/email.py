"""Email through Django's email backends: console in development, SMTP by environment,
locmem in tests.

A refusal is permanent (suppress the address) only when the server refused the *recipient*
with a 5xx that means the mailbox does not exist or cannot be named; anything else (a full
mailbox, a server that is down, a refusal of our sender or content) is temporary, since it is
either passing or our own problem, and suppressing the address would not fix it.
"""

from __future__ import annotations

import smtplib
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMessage

from reminders.channels import OutgoingMessage, PermanentFailure, SendResult, TemporaryFailure

# 552 is "exceeded storage allocation": the mailbox exists and may empty again.
PASSING_5XX = frozenset({552})


def _refusal(error: smtplib.SMTPRecipientsRefused) -> PermanentFailure | TemporaryFailure:
    codes = [int(code) for code, _ in error.recipients.values()]
    if codes and all(500 <= code < 600 and code not in PASSING_5XX for code in codes):
        return PermanentFailure(str(codes[0]), "the address was refused")
    return TemporaryFailure(str(codes[0]) if codes else "smtp", "the address was refused for now")


class EmailChannel:
    supports_idempotency = False

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
        try:
            email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as error:
            raise _refusal(error) from error
        except (smtplib.SMTPException, OSError) as error:
            raise TemporaryFailure("smtp", str(error)[:200]) from error
        return SendResult(provider_message_id=message_id)
