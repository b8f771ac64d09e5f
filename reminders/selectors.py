"""Reads for reminders, and who may see which contact.

Visibility follows programs' selectors: a patient or guardian sees the contacts of the
patients they act for (``patients_acted_for_by``); staff see the contacts of their clinic's
patients (``patients_managed_by``). Every API view starts from one of these.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core import signing
from django.db.models import Prefetch, QuerySet
from django.utils import translation

from programs.models import Guardian, Patient, User
from programs.selectors import patients_acted_for_by, patients_managed_by
from reminders.locale import message_locale
from reminders.messages import help_text, safe_short_name
from reminders.models import Channel, Consent, Contact, PushSubscription, Suppression
from reminders.unsubscribe import SALT as UNSUBSCRIBE_SALT


def contacts_acted_for_by(user: User) -> QuerySet[Contact]:
    """The contacts of the patients ``user`` acts for: themselves and their children."""
    return Contact.objects.filter(patient_id__in=patients_acted_for_by(user).values("id"))


def contacts_managed_by(user: User) -> QuerySet[Contact]:
    """The contacts of the patients of ``user``'s clinics."""
    return Contact.objects.filter(patient_id__in=patients_managed_by(user).values("id"))


def may_change_preferences(user: User, contact: Contact) -> bool:
    """A patient changes their own contact; a guardian their own and their child's. One
    guardian does not change another guardian's preferences."""
    if contact.role == Contact.Role.PATIENT:
        return (
            contact.patient.user_id == user.id
            or contact.patient.guardians.filter(user=user).exists()
        )
    return contact.guardian is not None and contact.guardian.user_id == user.id


# The suppression list, and what a text message or an unsubscribe link names.


def normalize_address(channel: str, address: str) -> str:
    """The form an address is compared in: email in lower case, numbers as stored (E.164)."""
    address = address.strip()
    return address.lower() if channel == Channel.EMAIL else address


def is_suppressed(channel: str, address: str) -> bool:
    """True when nothing may be sent to ``address`` on ``channel``."""
    return Suppression.objects.filter(
        channel=channel, address=normalize_address(channel, address)
    ).exists()


def suppressed_among(channel: str, addresses: Iterable[str]) -> set[str]:
    """The suppressed ones of ``addresses`` (normalized), in one query, for batches."""
    wanted = {normalize_address(channel, address) for address in addresses if address}
    return set(
        Suppression.objects.filter(channel=channel, address__in=wanted).values_list(
            "address", flat=True
        )
    )


def help_reply(number: str) -> str:
    """HELP's answer, naming the clinic of the first contact with this number."""
    contact = (
        Contact.objects.filter(phone=number)
        .select_related("patient__clinic")
        .order_by("id")
        .first()
    )
    if contact is None:
        return help_text()
    clinic = contact.patient.clinic
    with translation.override(message_locale(clinic, contact.language)):
        return help_text(safe_short_name(clinic))


def unsubscribe_address(token: str) -> tuple[str, Contact | None] | None:
    """The email address a signed unsubscribe link was made for, and its contact if it still
    exists; None for a link we did not sign. The address is taken from the link itself, so a
    link keeps working after the contact changes address or is deleted: it unsubscribes the
    address the email went to."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("email"), str) or not data["email"]:
        return None
    contact_id = data.get("contact")
    contact = Contact.objects.filter(id=contact_id).first() if isinstance(contact_id, int) else None
    return normalize_address(Channel.EMAIL, data["email"]), contact


def guardian_link(user: User, patient: Patient | int) -> Guardian | None:
    """The user's own guardian record for the patient, or None when they are not a guardian
    of them."""
    patient_id = patient if isinstance(patient, int) else patient.pk
    return Guardian.objects.filter(patient_id=patient_id, user=user).first()


def consent_relationship(user: User, contact: Contact) -> str:
    """How the person consenting by web form relates to the contact's patient, as the consent
    records it: "self", the guardian's relation ("mother"), or "other"."""
    if contact.patient.user_id == user.id:
        return "self"
    guardian = guardian_link(user, contact.patient_id)
    return guardian.get_relation_display().lower() if guardian else "other"


def with_details(contacts: QuerySet[Contact]) -> QuerySet[Contact]:
    """``contacts`` with what a reader needs in a fixed number of queries: the patient, the
    guardian and the consents (newest first)."""
    return contacts.select_related("patient", "guardian").prefetch_related(
        Prefetch("consents", Consent.objects.order_by("-given_at", "-id"))
    )


def suppressed_addresses(contacts: Iterable[Contact]) -> set[tuple[str, str]]:
    """The (channel, address) pairs of ``contacts`` that are suppressed, in two queries."""
    contacts = list(contacts)
    return {
        (channel, address)
        for channel, addresses in (
            (Channel.EMAIL, [contact.email for contact in contacts if contact.email]),
            (Channel.SMS, [contact.phone for contact in contacts if contact.phone]),
        )
        if addresses
        for address in suppressed_among(channel, addresses)
    }


def current_consent(contact: Contact, channel: str) -> Consent | None:
    """The newest consent of ``contact`` for ``channel`` (withdrawn or not), or None.

    Reads the prefetched consents when there are any, so a list costs no extra query."""
    consents = sorted(
        (consent for consent in contact.consents.all() if consent.channel == channel),
        key=lambda consent: (consent.given_at, consent.id),
        reverse=True,
    )
    return consents[0] if consents else None


@dataclass(frozen=True)
class ChannelState:
    """Whether a channel of a contact carries reminders, and if not, every reason why."""

    channel: str
    address: str
    enabled: bool
    verified: bool
    consented: bool
    suppressed: bool
    paused: bool

    @property
    def ready(self) -> bool:
        return bool(
            self.address
            and self.enabled
            and self.verified
            and self.consented
            and not self.suppressed
            and not self.paused
        )


def channel_state(contact: Contact, channel: str, suppressed: set[tuple[str, str]]) -> ChannelState:
    """The state of ``channel`` of ``contact``; ``suppressed`` from ``suppressed_addresses``."""
    consent = current_consent(contact, channel)
    if channel == Channel.EMAIL:
        address, enabled, verified = (
            contact.email,
            contact.email_enabled,
            contact.email_verified_at is not None,
        )
    else:
        address, enabled, verified = (
            contact.phone,
            contact.sms_enabled,
            contact.phone_verified_at is not None,
        )
    return ChannelState(
        channel=channel,
        address=address,
        enabled=enabled,
        verified=bool(address) and verified,
        consented=consent is not None and consent.withdrawn_at is None,
        suppressed=(channel, normalize_address(channel, address)) in suppressed,
        paused=contact.paused,
    )


def push_subscriptions_of(contacts: Iterable[Contact]) -> dict[int, list[PushSubscription]]:
    """Each contact's push subscriptions (its devices), newest first, in one query."""
    found: dict[int, list[PushSubscription]] = {}
    for subscription in PushSubscription.objects.filter(
        contact_id__in=[contact.pk for contact in contacts]
    ).order_by("-created_at", "-id"):
        found.setdefault(subscription.contact_id, []).append(subscription)
    return found


def suppressed_endpoints(subscriptions: Iterable[PushSubscription]) -> set[tuple[str, str]]:
    """The (push, endpoint) pairs of ``subscriptions`` that are suppressed, in one query."""
    endpoints = [subscription.endpoint for subscription in subscriptions]
    if not endpoints:
        return set()
    return {(Channel.PUSH, endpoint) for endpoint in suppressed_among(Channel.PUSH, endpoints)}


def ready_push_subscriptions(
    contact: Contact,
    subscriptions: Iterable[PushSubscription],
    suppressed: set[tuple[str, str]],
) -> list[PushSubscription]:
    """The devices of ``contact`` that carry push reminders now: all of them while push is
    consented to and the contact is not paused, less any endpoint on the suppression list.
    A subscription needs no verifying: the browser made it for this person."""
    consent = current_consent(contact, Channel.PUSH)
    if contact.paused or consent is None or consent.withdrawn_at is not None:
        return []
    return [
        subscription
        for subscription in subscriptions
        if (Channel.PUSH, normalize_address(Channel.PUSH, subscription.endpoint)) not in suppressed
    ]


def ready_channels(contact: Contact, suppressed: set[tuple[str, str]]) -> list[str]:
    """The channels of ``contact`` that carry reminders now."""
    return [
        channel
        for channel in (Channel.EMAIL, Channel.SMS)
        if channel_state(contact, channel, suppressed).ready
    ]
