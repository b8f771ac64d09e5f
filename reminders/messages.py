"""What each reminder says. Plain, kind, and free of health detail.

Text messages name the clinic by its short name and the patient by first name only, carry
no diagnosis and no program detail, and always fit one 160-character GSM-7 segment: names
are cut to the longest we allow (``SMS_NAME_MAX``, ``CLINIC_NAME_MAX``) and any character
outside GSM-7 is folded to its plain letter, so a name like "Zoë" never turns a message
into a 70-character UCS-2 one.
"""

from __future__ import annotations

import unicodedata
from datetime import time
from zoneinfo import ZoneInfo

from django.utils import translation
from django.utils.translation import gettext as _

from reminders.channels import OutgoingMessage
from reminders.models import Channel, Contact, Reminder

SMS_MAX = 160
SMS_NAME_MAX = 20
CLINIC_NAME_MAX = 24

# The GSM 03.38 basic character set (the escape table's characters count double and are
# left out on purpose).
GSM7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)


def gsm7(text: str) -> str:
    """``text`` with every character outside GSM-7 folded to a plain letter or dropped."""
    out = []
    for char in text:
        if char in GSM7:
            out.append(char)
            continue
        plain = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
        out.append("".join(c for c in plain if c in GSM7))
    return "".join(out)


def sms_name(name: str, limit: int = SMS_NAME_MAX) -> str:
    return gsm7(name).strip()[:limit].strip()


def clinic_sms_name(reminder: Reminder) -> str:
    clinic = reminder.program.patient.clinic if reminder.program else None
    if clinic is None and reminder.contact is not None:
        clinic = reminder.contact.patient.clinic
    if clinic is None:
        return "gradus"
    return sms_name(clinic.short_name or clinic.name, CLINIC_NAME_MAX)


def clock(value: time) -> str:
    """4:30 pm, 9 am: how people say a time."""
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}:{value.minute:02d} {suffix}" if value.minute else f"{hour} {suffix}"


def _whose(contact: Contact | None) -> str:
    """ "your" for the patient, "Maya's" for a guardian."""
    if contact is None or contact.role == Contact.Role.PATIENT:
        return _("your")
    return _("%(name)s's") % {"name": sms_name(contact.patient.first_name)}


def session_text(reminder: Reminder) -> str:
    starts = reminder.session_starts_at
    assert starts is not None, "a session reminder knows when the session starts"
    local = starts.astimezone(ZoneInfo(reminder.time_zone))
    values = {
        "clinic": clinic_sms_name(reminder),
        "whose": _whose(reminder.contact),
        "time": clock(local.time()),
    }
    if local.date() != reminder.local_date:
        return (
            _(
                "Reminder from %(clinic)s: %(whose)s session is tomorrow at %(time)s. "
                "Reply STOP to opt out."
            )
            % values
        )
    return (
        _("Reminder from %(clinic)s: %(whose)s session is at %(time)s. Reply STOP to opt out.")
        % values
    )


def nudge_text(reminder: Reminder) -> str:
    return _(
        "Hi from %(clinic)s. Yesterday's session didn't happen, and that's OK. Today is a new "
        "day: the next one is waiting for you. Reply STOP to opt out."
    ) % {"clinic": clinic_sms_name(reminder)}


def check_in_text(reminder: Reminder) -> str:
    return _(
        "Reminder from %(clinic)s: it's time for the weekly check-in. It takes two minutes. "
        "Reply STOP to opt out."
    ) % {"clinic": clinic_sms_name(reminder)}


TEXTS = {
    Reminder.Kind.SESSION: session_text,
    Reminder.Kind.MISSED_NUDGE: nudge_text,
    Reminder.Kind.CHECK_IN_DUE: check_in_text,
}


def render(reminder: Reminder) -> OutgoingMessage:
    """The message a reminder sends, in the contact's language."""
    language = reminder.contact.language if reminder.contact is not None else "en"
    with translation.override(language):
        body = TEXTS[Reminder.Kind(reminder.kind)](reminder)
        subject = ""
        headers: dict[str, str] = {}
        if reminder.channel == Channel.EMAIL:
            subject = _("Reminder from %(clinic)s") % {"clinic": clinic_sms_name(reminder)}
            headers = unsubscribe_headers(reminder)
    return OutgoingMessage(
        channel=reminder.channel,
        to=reminder.address,
        body=gsm7(body) if reminder.channel == Channel.SMS else body,
        idempotency_key=reminder.idempotency_key,
        subject=subject,
        headers=headers,
    )


def unsubscribe_headers(reminder: Reminder) -> dict[str, str]:
    """One-click unsubscribe (RFC 8058): a POST to the link unsubscribes at once."""
    from reminders.unsubscribe import unsubscribe_url

    if reminder.contact is None:
        return {}
    url = unsubscribe_url(reminder.contact)
    return {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
