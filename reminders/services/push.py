"""Push subscriptions: a browser subscribes for a contact, unsubscribes, or its push service
says it is gone. The outbox follows each change on commit (reminders/signals.py)."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from programs.models import User
from reminders.models import Channel, Consent, Contact, PushSubscription
from reminders.selectors import consent_relationship, current_consent
from reminders.services.contacts import consent_record

logger = logging.getLogger("reminders.push")

ENDPOINT_MAX = PushSubscription._meta.get_field("endpoint").max_length or 500


def _b64url_bytes(value: str, field: str, length: int) -> str:
    value = value.strip() if isinstance(value, str) else ""
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != length:
        raise ValidationError({field: [_("is not a key this browser could have made")]})
    return value


def _clean_endpoint(value: str) -> str:
    """An https URL (or, where the settings allow it for tests and development, an http URL
    on this machine): we post to it, so nothing else is taken."""
    value = value.strip() if isinstance(value, str) else ""
    if not value or len(value) > ENDPOINT_MAX:
        raise ValidationError(
            {
                "endpoint": [
                    ngettext(
                        "must be a URL of at most %(count)s character",
                        "must be a URL of at most %(count)s characters",
                        ENDPOINT_MAX,
                    )
                    % {"count": ENDPOINT_MAX}
                ]
            }
        )
    parts = urlsplit(value)
    host = parts.hostname or ""
    if parts.scheme == "https" and host:
        return value
    if parts.scheme == "http" and settings.WEBPUSH_ALLOW_HTTP_ENDPOINTS:
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if loopback:
            return value
    raise ValidationError({"endpoint": [_("must be an https URL of a push service")]})


@transaction.atomic
def push_subscribe(
    *, contact: Contact, endpoint: str, p256dh: str, auth: str, user: User
) -> PushSubscription:
    """Keep the browser's subscription for ``contact`` (the same endpoint again updates its
    keys, and moves it to this contact if someone else on the device had it), and record
    the person's consent to push reminders if there is none standing."""
    endpoint = _clean_endpoint(endpoint)
    p256dh = _b64url_bytes(p256dh, "p256dh", 65)
    auth = _b64url_bytes(auth, "auth", 16)
    subscription, _created = PushSubscription.objects.select_for_update().update_or_create(
        endpoint=endpoint,
        defaults={"contact": contact, "user": user, "p256dh": p256dh, "auth": auth},
    )
    consent = current_consent(contact, Channel.PUSH)
    if consent is None or consent.withdrawn_at is not None:
        consent_record(
            contact=contact,
            channel=Channel.PUSH,
            given_by=user.get_full_name() or user.get_username(),
            relationship=consent_relationship(user, contact),
            method=Consent.Method.WEB_FORM,
            recorded_by=user,
        )
    return subscription


@transaction.atomic
def push_unsubscribe(*, contact: Contact, subscription_id: int) -> bool:
    """Forget one of ``contact``'s devices; False when it was not theirs (or is gone)."""
    deleted, _rows = PushSubscription.objects.filter(pk=subscription_id, contact=contact).delete()
    return bool(deleted)


@transaction.atomic
def push_subscription_gone(*, endpoint: str, reason: str) -> int:
    """The push service answered 404 or 410 for ``endpoint``: the subscription is deleted
    (its reminders keep their history, with no device). How many were deleted."""
    deleted, _rows = PushSubscription.objects.filter(endpoint=endpoint).delete()
    if deleted:
        logger.info("push subscription removed: %s", reason)
    return int(deleted)
