"""Opt-out: our own suppression list, and what STOP, START, HELP, an unsubscribe link and a
permanent delivery failure do to it.

The suppression list is checked by the send itself, so a STOP takes effect before the next
dispatch; and a suppression also marks every unsent reminder to that address suppressed at
once, so the outbox shows what will not go out. Only rows not yet being sent are touched: a
row already ``sending`` belongs to its worker. The reads (is an address suppressed, what a
signed unsubscribe link names) are in reminders/selectors.py.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from reminders.channels.twilio import ADDRESS_ERRORS
from reminders.models import Channel, InboundMessage, Reminder, Suppression
from reminders.selectors import help_reply, normalize_address, unsubscribe_address

logger = logging.getLogger("reminders.optout")

# Twilio's default opt-out, opt-in and help keywords: a message that is one of these words,
# in any case, with spaces or a full stop around it.
STOP_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}
)
START_WORDS = frozenset({"START", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})

UNSENT = (Reminder.Status.PENDING, Reminder.Status.CLAIMED)
# last_error of a row suppressed here; START resumes only these, never a row another part of
# the app suppressed for its own reason.
OPTED_OUT = "opted out"
# A suppression the person can lift by texting START. Not MANUAL: staff may have suppressed
# a number that now belongs to someone else.
LIFTED_BY_START = (Suppression.Reason.STOP_KEYWORD, Suppression.Reason.PERMANENT_FAILURE)


def _reminders_to(channel: str, address: str) -> QuerySet[Reminder]:
    if channel == Channel.PUSH:
        return Reminder.objects.filter(channel=Channel.PUSH, push_subscription__endpoint=address)
    if channel == Channel.SMS:
        return Reminder.objects.filter(channel=Channel.SMS, contact__phone=address)
    return Reminder.objects.filter(channel=Channel.EMAIL).filter(
        Q(contact__email__iexact=address)
        | Q(contact__isnull=True, staff_user__email__iexact=address)
    )


@transaction.atomic
def suppression_add(*, channel: str, address: str, reason: str, detail: str = "") -> int:
    """Suppress ``address`` on ``channel`` and every unsent reminder to it; returns how many
    reminders that stopped. Safe to call again: the first reason stays on record."""
    address = normalize_address(channel, address)
    if not address:
        return 0
    Suppression.objects.get_or_create(
        channel=channel, address=address, defaults={"reason": reason, "detail": detail[:200]}
    )
    stopped = (
        _reminders_to(channel, address)
        .filter(status__in=UNSENT)
        .update(
            status=Reminder.Status.SUPPRESSED,
            lease_expires_at=None,
            last_error=f"{OPTED_OUT}: {reason}",
            updated_at=timezone.now(),
        )
    )
    logger.info("suppressed %s address (%s); %d reminders stopped", channel, reason, stopped)
    return stopped


@transaction.atomic
def suppression_remove(*, channel: str, address: str, now: datetime | None = None) -> int:
    """Lift a STOP (or a permanent failure) on ``address``, and put back in the outbox the
    reminders it stopped that can still go out in time; returns how many."""
    address = normalize_address(channel, address)
    now = now or timezone.now()
    lifted, _ = Suppression.objects.filter(
        channel=channel, address=address, reason__in=LIFTED_BY_START
    ).delete()
    if not lifted or Suppression.objects.filter(channel=channel, address=address).exists():
        return 0
    return (
        _reminders_to(channel, address)
        .filter(
            status=Reminder.Status.SUPPRESSED,
            last_error__startswith=OPTED_OUT,
            not_after__gt=now,
        )
        .filter(Q(session_starts_at__isnull=True) | Q(session_starts_at__gt=now))
        .update(status=Reminder.Status.PENDING, last_error="", updated_at=now)
    )


def permanent_failure_suppress(*, channel: str, address: str, code: str, message: str) -> int:
    """What the send does with a PermanentFailure: suppress the address, stop its reminders."""
    return suppression_add(
        channel=channel,
        address=address,
        reason=Suppression.Reason.PERMANENT_FAILURE,
        detail=f"{code}: {message}",
    )


# Text messages received.


def sms_keyword(body: str) -> str:
    """The keyword ``body`` is (STOP, START, HELP and their synonyms), or ""."""
    word = body.strip().strip(".!").strip().upper()
    return word if word in STOP_WORDS | START_WORDS | HELP_WORDS else ""


@dataclass(frozen=True)
class InboundResult:
    keyword: str
    reply: str
    duplicate: bool


def inbound_sms_receive(
    *, message_sid: str, from_number: str, to_number: str, body: str, opt_out_type: str = ""
) -> InboundResult:
    """Record a text message received and do what its keyword says. Safe to call again with
    the same ``message_sid`` (a provider retrying its webhook): it acts once.

    ``opt_out_type`` is Twilio's own reading of the message (OptOutType: STOP, START or HELP),
    sent when its Advanced Opt-Out knows a keyword we do not, such as one in another language.
    """
    keyword = sms_keyword(body)
    if not keyword and opt_out_type.strip().upper() in {"STOP", "START", "HELP"}:
        keyword = opt_out_type.strip().upper()
    number = normalize_address(Channel.SMS, from_number)
    with transaction.atomic():
        _, created = InboundMessage.objects.get_or_create(
            provider_message_id=message_sid,
            defaults={
                "from_number": number[:16],
                "to_number": to_number.strip()[:16],
                "body": body[:1600],
                "keyword": keyword,
            },
        )
        if created and keyword in STOP_WORDS:
            suppression_add(
                channel=Channel.SMS,
                address=number,
                reason=Suppression.Reason.STOP_KEYWORD,
                detail=f"replied {keyword}",
            )
        elif created and keyword in START_WORDS:
            suppression_remove(channel=Channel.SMS, address=number)
    reply = help_reply(number) if keyword in HELP_WORDS else ""
    return InboundResult(keyword=keyword, reply=reply, duplicate=not created)


# Delivery reports.

DELIVERED = "delivered"
FAILED = ("failed", "undelivered")
# Any row but a delivered one may learn it was delivered: a send that timed out and is
# waiting to be retried did go out after all, and must not go out again.
NOT_DELIVERED = [status for status in Reminder.Status.values if status != "delivered"]
IN_FLIGHT = (Reminder.Status.SENDING, Reminder.Status.SENT, Reminder.Status.UNKNOWN)


def _reminder_for(*, idempotency_key: str, message_sid: str) -> Reminder | None:
    reminders = Reminder.objects.filter(channel=Channel.SMS).select_related("contact")
    if idempotency_key:
        found = reminders.filter(idempotency_key=idempotency_key).first()
        if found is not None:
            return found
    if message_sid:
        return reminders.filter(provider_message_id=message_sid).first()
    return None


def sms_status_record(
    *,
    message_sid: str,
    status: str,
    error_code: str = "",
    to_number: str = "",
    idempotency_key: str = "",
    now: datetime | None = None,
) -> Reminder | None:
    """Record a delivery report. Reports come more than once and out of order: a delivered
    row stays delivered, and the same report twice changes nothing the second time."""
    now = now or timezone.now()
    reminder = _reminder_for(idempotency_key=idempotency_key, message_sid=message_sid)
    code = int(error_code) if error_code.strip().isdigit() else None
    if status in FAILED and code in ADDRESS_ERRORS:
        address = to_number or (reminder.address if reminder is not None else "")
        permanent_failure_suppress(
            channel=Channel.SMS, address=address, code=str(code), message=ADDRESS_ERRORS[code]
        )
    if reminder is None:
        return None
    rows = Reminder.objects.filter(pk=reminder.pk)
    provider_id = {"provider_message_id": message_sid} if message_sid else {}
    if status == DELIVERED:
        rows.filter(status__in=NOT_DELIVERED).update(
            status=Reminder.Status.DELIVERED, last_error="", updated_at=now, **provider_id
        )
        rows.filter(sent_at__isnull=True).update(sent_at=now)
    elif status in FAILED:
        meaning = ADDRESS_ERRORS.get(code, "") if code is not None else ""
        error = f"Twilio {status} {code or ''}: {meaning}".strip().rstrip(":")
        rows.filter(status__in=IN_FLIGHT).update(
            status=Reminder.Status.FAILED, updated_at=now, **provider_id
        )
        rows.exclude(status=Reminder.Status.DELIVERED).update(last_error=error[:300])
    elif status == "sent":
        rows.filter(status__in=(Reminder.Status.SENDING, Reminder.Status.UNKNOWN)).update(
            status=Reminder.Status.SENT, updated_at=now, **provider_id
        )
    reminder.refresh_from_db()
    return reminder


# Email.


def email_unsubscribe(*, token: str) -> str | None:
    """Unsubscribe the address of a signed link at once; the address, or None for a bad link."""
    found = unsubscribe_address(token)
    if found is None:
        return None
    address, _ = found
    suppression_add(
        channel=Channel.EMAIL,
        address=address,
        reason=Suppression.Reason.UNSUBSCRIBE,
        detail="one-click unsubscribe link",
    )
    return address
