"""Text messages through Twilio's Messages API (production).

Twilio takes no idempotency key for a message, so ``supports_idempotency`` is False: a send
that timed out while waiting for the answer may have gone out, and sending it again may send it
twice. The failure's code tells the two cases apart: ``unreachable`` (no connection was
made: safe to retry), ``timeout`` and ``connection_lost`` (the request may have reached
Twilio). The key still travels, in the status callback's URL, so delivery reports (and a fake
provider in tests) can tie each message to its reminder.

What Twilio does offer is its list of messages sent (``supports_lookup``): a send whose
outcome is unknown is settled by asking it (``find_sent``, see reminders/services/dispatch.py). The
list cannot be searched by our key (Twilio keeps no reference of ours that its list shows),
so a message is recognised by what identifies it there: our sending number, the recipient,
the exact text, and a creation time no earlier than the send began.

Which failures suppress the number: only those that say the *address* is wrong or opted out
(``ADDRESS_ERRORS``). Everything else, including a 4xx that says our own account or settings are
wrong, is temporary: suppressing every recipient because of a bad credential would be worse
than retrying until the grace window ends.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import lru_cache
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.urls import reverse
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from reminders.channels import (
    ChannelBackend,
    LookupUnavailable,
    OutgoingMessage,
    PermanentFailure,
    SendResult,
    SentMessage,
    TemporaryFailure,
)
from reminders.channels.http import request_failure

logger = logging.getLogger("reminders.twilio")

# Twilio error codes that mean this number cannot or must not be texted.
ADDRESS_ERRORS = {
    21211: "invalid 'To' number",
    21214: "'To' number cannot be reached",
    21217: "number does not appear to be valid",
    21401: "invalid phone number",
    21407: "number does not support text messages",
    21610: "recipient has unsubscribed (replied STOP)",
    21612: "'To' number is not reachable by text message",
    21614: "'To' number is not a mobile number",
}

# The Twilio client logs every request's URL and headers at INFO: at thousands of messages a
# minute that is noise, so only its warnings reach the log.
_http_logger = logging.getLogger("reminders.twilio.http")
_http_logger.setLevel(logging.WARNING)


def status_callback_url(idempotency_key: str) -> str:
    """Where Twilio reports delivery of the message sent for the reminder with this key."""
    path = reverse("reminders:twilio-status")
    return f"{settings.PUBLIC_BASE_URL}{path}?{urlencode({'key': idempotency_key})}"


@lru_cache(maxsize=4)
def _client(account_sid: str, auth_token: str, api_base: str, timeout: float) -> Client:
    # One client (and its pool of connections) per process and configuration; the arguments
    # are the cache key, so tests that change the settings get a client of their own.
    client = Client(
        account_sid,
        auth_token,
        http_client=TwilioHttpClient(timeout=timeout, logger=_http_logger),
    )
    client.api.base_url = api_base
    return client


def twilio_client() -> Client:
    return _client(
        settings.TWILIO_ACCOUNT_SID,
        settings.TWILIO_AUTH_TOKEN,
        settings.TWILIO_API_BASE,
        float(settings.TWILIO_TIMEOUT_SECONDS),
    )


def failure_for(error: TwilioRestException) -> PermanentFailure | TemporaryFailure:
    """What an error answer from Twilio means for the reminder: see the module's docstring."""
    code = int(error.code) if str(error.code).isdigit() else int(error.status)
    if code in ADDRESS_ERRORS:
        return PermanentFailure(str(code), ADDRESS_ERRORS[code])
    if error.status == 429 or error.status >= 500:
        return TemporaryFailure(str(code), f"Twilio answered {error.status}")
    # A 4xx that is not about the address: our account, sender or request. Loud, because it
    # will fail for every message until someone fixes the configuration.
    logger.error("Twilio refused a message: %s %s", code, error.msg)
    return TemporaryFailure(str(code), f"Twilio refused the request ({error.status})")


# Twilio stamps date_created by its own clock, to the second: a message created as our send
# began may read up to this much earlier than our clock says the send began.
CLOCK_SKEW = timedelta(seconds=60)

# The most recent messages to one number that a lookup reads. A reminder contact gets a few
# texts a day at most, so the message a lookup is after (minutes old) is well inside it.
LOOKUP_LIMIT = 100


class TwilioSms(ChannelBackend):
    supports_idempotency = False
    supports_lookup = True

    def send(self, message: OutgoingMessage) -> SendResult:
        client = twilio_client()
        try:
            created = client.messages.create(
                to=message.to,
                from_=settings.TWILIO_FROM_NUMBER,
                body=message.body,
                status_callback=message.status_callback
                or status_callback_url(message.idempotency_key),
            )
        except TwilioRestException as error:
            raise failure_for(error) from error
        except requests.exceptions.RequestException as error:
            raise request_failure(error, "Twilio") from error
        return SendResult(provider_message_id=str(created.sid))

    def find_sent(self, message: OutgoingMessage, *, since: datetime) -> list[SentMessage]:
        """Twilio's messages from our number to ``message.to`` with ``message.body``, created
        since ``since`` (less the clock skew), oldest first.

        Filtered by number only, not by Twilio's DateSent: a message Twilio has accepted but
        not yet handed on has no date sent, and must still be found."""
        earliest = since - CLOCK_SKEW
        try:
            records = twilio_client().messages.stream(
                to=message.to,
                from_=settings.TWILIO_FROM_NUMBER,
                limit=LOOKUP_LIMIT,
                page_size=min(LOOKUP_LIMIT, 50),
            )
            found = [
                SentMessage(provider_message_id=str(record.sid), created_at=record.date_created)
                for record in records
                if record.date_created is not None
                and record.date_created >= earliest
                and record.body == message.body
            ]
        except (TwilioException, requests.exceptions.RequestException) as error:
            raise LookupUnavailable(f"Twilio could not be asked: {error}"[:200]) from error
        return sorted(found, key=lambda sent: sent.created_at)
