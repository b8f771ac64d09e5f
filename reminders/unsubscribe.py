"""Signed unsubscribe links: no login needed, and a link cannot be forged or reused for
another address."""

from __future__ import annotations

from django.conf import settings
from django.core import signing

from reminders.models import Contact

SALT = "reminders.unsubscribe"


def unsubscribe_token(contact: Contact) -> str:
    return signing.dumps({"contact": contact.id, "email": contact.email}, salt=SALT)


def unsubscribe_url(contact: Contact) -> str:
    return f"{settings.PUBLIC_BASE_URL}/reminders/unsubscribe/{unsubscribe_token(contact)}/"


def contact_for_token(token: str) -> Contact | None:
    """The contact a link was made for, while their address is still the one it named."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    contact = Contact.objects.filter(id=data.get("contact")).first()
    if contact is None or contact.email != data.get("email"):
        return None
    return contact
