"""Reads for reminders, and who may see which contact.

Visibility follows programs' selectors: a patient or guardian sees the contacts of the
patients they act for (``patients_acted_for_by``); staff see the contacts of their clinic's
patients (``patients_managed_by``). Every API view starts from one of these.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from programs.models import Guardian, Patient, User
from programs.selectors import patients_acted_for_by, patients_managed_by
from reminders.models import Channel, Consent, Contact
from reminders.optout import normalize_address, suppressed_among


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


def ready_channels(contact: Contact, suppressed: set[tuple[str, str]]) -> list[str]:
    """The channels of ``contact`` that carry reminders now."""
    return [
        channel
        for channel in (Channel.EMAIL, Channel.SMS)
        if channel_state(contact, channel, suppressed).ready
    ]
