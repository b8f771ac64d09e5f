"""Email through Django's email backends: console in development, SMTP by environment,
locmem in tests."""

from __future__ import annotations

import smtplib
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMessage

from reminders.channels import OutgoingMessage, PermanentFailure, SendResult, TemporaryFailure


class EmailChannel:
    supports_idempotency = False

    def send(self, message: OutgoingMessage) -> SendResult:
        message_id = make_msgid(idstring=message.idempotency_key[:40], domain="gradus")
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.to],
            headers={**message.headers, "Message-ID": message_id},
        )
        try:
            email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            if codes and all(500 <= code < 600 for code in codes):
                raise PermanentFailure(str(codes[0]), "the address was refused") from error
            raise TemporaryFailure(str(codes[0] if codes else "smtp"), "refused for now") from error
        except (smtplib.SMTPException, OSError) as error:
            raise TemporaryFailure("smtp", str(error)[:200]) from error
        return SendResult(provider_message_id=message_id)
