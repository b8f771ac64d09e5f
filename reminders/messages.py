"""What each reminder says. Plain, kind, and free of health detail.

Messages name the clinic by its short name only (never its full name, which may name the
condition; "gradus" when it has none) and the patient by first name only; they carry no
diagnosis and no program detail. Texts always fit one 160-character GSM-7 segment: names are
cut to the longest we allow (``SMS_NAME_MAX``, ``CLINIC_NAME_MAX``) and any character outside
GSM-7 is folded to its plain letter, so a name like "Zoë" never turns a message into a
70-character UCS-2 one. tests/reminders/test_messages.py proves it for every text.

Every sentence is a whole translatable string: a guardian's message is its own sentence
rather than the patient's with a possessive glued in, because languages say "Maya's session"
in different orders.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _

from programs.models import Clinic
from programs.models.clinic import condition_word_in
from reminders.channels import OutgoingMessage
from reminders.locale import message_locale
from reminders.models import Channel, Contact, Reminder
from reminders.staff_messages import STAFF_KINDS, render_staff
from reminders.unsubscribe import unsubscribe_url

SMS_MAX = 160
SMS_NAME_MAX = 20
CLINIC_NAME_MAX = 24
# When a clinic is not known (or its name folds to nothing), messages come from the app.
APP_NAME = "gradus"

# The GSM 03.38 basic character set (the escape table's characters count double and are
# left out on purpose).
GSM7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)

# Characters that Unicode does not decompose into a plain letter (Ł is not "L" plus a mark),
# and the typographic punctuation translators and phones like to use.
_FOLDS = str.maketrans(
    {
        "\u0141": "L",  # Ł
        "\u0142": "l",  # ł
        "\u0110": "D",  # Đ
        "\u0111": "d",  # đ
        "\u0126": "H",  # Ħ
        "\u0127": "h",  # ħ
        "\u0131": "i",  # dotless i
        "\u0152": "OE",  # Œ
        "\u0153": "oe",  # œ
        "\u00de": "Th",  # Þ
        "\u00fe": "th",  # þ
        "\u00f0": "d",  # ð
        "\u2018": "'",  # left single quote
        "\u2019": "'",  # right single quote, the apostrophe phones type
        "\u201a": "'",  # low single quote
        "\u0060": "'",  # grave accent
        "\u00b4": "'",  # acute accent
        "\u201c": '"',  # left double quote
        "\u201d": '"',  # right double quote
        "\u201e": '"',  # low double quote
        "\u00ab": '"',  # left guillemet
        "\u00bb": '"',  # right guillemet
        "\u2010": "-",  # hyphen
        "\u2011": "-",  # non-breaking hyphen
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
        "\u2212": "-",  # minus sign
        "\u2026": "...",  # ellipsis
        "\u00a0": " ",  # no-break space
        "\u202f": " ",  # narrow no-break space
        "\t": " ",
    }
)


def gsm7(text: str) -> str:
    """``text`` with every character outside GSM-7 folded to a plain letter or dropped."""
    out = []
    for char in text.translate(_FOLDS):
        if char in GSM7:
            out.append(char)
            continue
        plain = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
        out.append("".join(c for c in plain if c in GSM7))
    return "".join(out)


def sms_name(name: str, limit: int = SMS_NAME_MAX) -> str:
    """A name fit for a text message: GSM-7, single spaces, at most ``limit`` characters."""
    return " ".join(gsm7(name).split())[:limit].strip()


def safe_short_name(clinic: Clinic | None) -> str:
    """The clinic's short name, or "" when it has none, is not known, or names a condition.

    Never the clinic's full name: full names often name the condition treated ("... Pain
    Rehabilitation Centre"), and texts and subject lines show on lock screens. A clinic
    without a short name is named by the app instead. Short names that name a condition are
    refused when saved (programs.models.clinic.validate_short_name); one saved before that
    rule, or past it, is still never sent.
    """
    if clinic is None or condition_word_in(clinic.short_name) is not None:
        return ""
    return clinic.short_name


def _clinic_of(reminder: Reminder) -> Clinic | None:
    clinic = reminder.program.patient.clinic if reminder.program else None
    if clinic is None and reminder.contact is not None:
        clinic = reminder.contact.patient.clinic
    return clinic


def _clinic_short_name(reminder: Reminder) -> str:
    return safe_short_name(_clinic_of(reminder))


def clinic_sms_name(reminder: Reminder) -> str:
    return sms_name(_clinic_short_name(reminder), CLINIC_NAME_MAX) or APP_NAME


def clinic_email_name(reminder: Reminder) -> str:
    return " ".join(_clinic_short_name(reminder).split())[:CLINIC_NAME_MAX].strip() or APP_NAME


def clock(value: time) -> str:
    """A wall-clock time as the active locale writes it (config/formats): "4:30 PM", "9 AM" in
    the US, "16:30", "09:00" in en-gb."""
    return time_format(value, "TIME_FORMAT")


def _for_guardian(reminder: Reminder) -> bool:
    return reminder.contact is not None and reminder.contact.role == Contact.Role.GUARDIAN


def _child(reminder: Reminder, *, sms: bool) -> str:
    """The patient's first name, as a guardian's message names them."""
    assert reminder.contact is not None
    first_name = reminder.contact.patient.first_name
    return sms_name(first_name) if sms else " ".join(first_name.split())


def _session_start(reminder: Reminder) -> datetime:
    starts = reminder.session_starts_at
    assert starts is not None, "a session reminder knows when the session starts"
    return starts.astimezone(ZoneInfo(reminder.time_zone))


def _named(reminder: Reminder, *, sms: bool) -> dict[str, str]:
    """Who a sentence names: the clinic (as a text or as an email names it) and, in one to a
    guardian, the child."""
    values = {"clinic": clinic_sms_name(reminder) if sms else clinic_email_name(reminder)}
    if _for_guardian(reminder):
        values["name"] = _child(reminder, sms=sms)
    return values


def _addressed(reminder: Reminder, values: dict[str, str], *, guardian: str, own: str) -> str:
    """The sentence for the reader: ``guardian``'s (which names the child) in a message to a
    guardian, else ``own``; both filled in with ``values``."""
    return (guardian if _for_guardian(reminder) else own) % values


def session_sentence(reminder: Reminder, *, sms: bool) -> str:
    local = _session_start(reminder)
    days_ahead = (local.date() - reminder.local_date).days
    values = {
        **_named(reminder, sms=sms),
        "time": clock(local.time()),
        "day": date_format(local, "WEEKDAY_DATE_FORMAT"),
    }
    if days_ahead <= 0:
        guardian = _("Reminder from %(clinic)s: %(name)s's session is today at %(time)s.")
        own = _("Reminder from %(clinic)s: your session is today at %(time)s.")
    elif days_ahead == 1:
        guardian = _("Reminder from %(clinic)s: %(name)s's session is tomorrow at %(time)s.")
        own = _("Reminder from %(clinic)s: your session is tomorrow at %(time)s.")
    else:
        guardian = _("Reminder from %(clinic)s: %(name)s's session is on %(day)s at %(time)s.")
        own = _("Reminder from %(clinic)s: your session is on %(day)s at %(time)s.")
    sentence = _addressed(reminder, values, guardian=guardian, own=own)
    # A time that ends with its own full stop (Spanish at a US clinic: "3:30 p.m.") ends the
    # sentence with it: "hoy a las 3:30 p.m.", never "p.m..".
    if values["time"].endswith("."):
        sentence = sentence.replace(values["time"] + ".", values["time"])
    return sentence


def nudge_sentence(reminder: Reminder, *, sms: bool) -> str:
    """The day after a missed session: no guilt, no pain talk, just the door held open."""
    return _addressed(
        reminder,
        _named(reminder, sms=sms),
        guardian=_(
            "Hi from %(clinic)s. %(name)s's session yesterday didn't happen, and that's "
            "OK. Today is a fresh start."
        ),
        own=_(
            "Hi from %(clinic)s. Yesterday's session didn't happen, and that's OK. Today is a "
            "fresh start, whenever you're ready."
        ),
    )


def check_in_sentence(reminder: Reminder, *, sms: bool) -> str:
    return _addressed(
        reminder,
        _named(reminder, sms=sms),
        guardian=_(
            "Reminder from %(clinic)s: %(name)s's weekly check-in is due. It only takes a moment."
        ),
        own=_("Reminder from %(clinic)s: your weekly check-in is due. It only takes a moment."),
    )


SENTENCES: dict[str, Callable[..., str]] = {
    Reminder.Kind.SESSION: session_sentence,
    Reminder.Kind.MISSED_NUDGE: nudge_sentence,
    Reminder.Kind.CHECK_IN_DUE: check_in_sentence,
}


def email_subject(reminder: Reminder) -> str:
    """Subjects name the clinic and nothing else: they show on lock screens."""
    values = {"clinic": clinic_email_name(reminder)}
    if reminder.kind == Reminder.Kind.CHECK_IN_DUE:
        return _("Weekly check-in from %(clinic)s") % values
    if reminder.kind == Reminder.Kind.MISSED_NUDGE:
        return _("A note from %(clinic)s") % values
    return _("Reminder from %(clinic)s") % values


def sms_text(reminder: Reminder) -> str:
    sentence = SENTENCES[reminder.kind](reminder, sms=True)
    return gsm7(f"{sentence} {_('Reply STOP to opt out.')}")


def push_url(reminder: Reminder) -> str:
    """Where tapping a push notification goes, as a path on our site: a session reminder or
    a nudge to the patient's today page (a guardian's, to the child's), a check-in reminder
    to the check-in. Any other goes home, which takes the person to their own pages."""
    patient_id = reminder.contact.patient_id if reminder.contact is not None else None
    if patient_id is not None:
        if reminder.kind in (Reminder.Kind.SESSION, Reminder.Kind.MISSED_NUDGE):
            return reverse("web:today", kwargs={"patient_id": patient_id})
        if reminder.kind == Reminder.Kind.CHECK_IN_DUE:
            return reverse("web:check-in", kwargs={"patient_id": patient_id})
    return "/"


def push_keep_until(reminder: Reminder) -> datetime | None:
    """Until when a push service may hold a notification for a device that is off: until
    the session starts, for a session reminder; for one about the day (a nudge, a check-in),
    until that day ends or the contact's quiet hours begin, so a phone switched on at night
    or the next morning does not light up with yesterday's message."""
    if reminder.session_starts_at is not None:
        return reminder.session_starts_at
    if reminder.contact is None:
        return None
    zone = ZoneInfo(reminder.time_zone)
    until = datetime.combine(reminder.local_date + timedelta(days=1), time(0), tzinfo=zone)
    quiet_start, quiet_end = reminder.contact.quiet_start, reminder.contact.quiet_end
    if quiet_start != quiet_end and quiet_start > reminder.local_time:
        until = min(until, datetime.combine(reminder.local_date, quiet_start, tzinfo=zone))
    return until


def push_payload(reminder: Reminder, *, now: datetime) -> tuple[str, int]:
    """A push notification's payload (JSON for the service worker: title, body, where a tap
    goes, a tag so a second copy replaces the first) and its TTL in seconds. The text is
    the text message's sentence: as short, and as free of health detail, since it shows on
    a lock screen. Kept by the push service until ``push_keep_until`` at most."""
    sentence = SENTENCES[reminder.kind](reminder, sms=True)
    payload = {
        "title": clinic_sms_name(reminder),
        "body": sentence,
        "url": push_url(reminder),
        "tag": reminder.idempotency_key,
    }
    ttl = int(settings.WEBPUSH_TTL_SECONDS)
    until = push_keep_until(reminder)
    if until is not None:
        ttl = min(ttl, int((until - now).total_seconds()))
    return json.dumps(payload, ensure_ascii=False), max(ttl, 0)


def email_text(reminder: Reminder, unsubscribe_link: str) -> str:
    sentence = SENTENCES[reminder.kind](reminder, sms=False)
    greeting = (
        _("Hello %(name)s,") % {"name": reminder.contact.name}
        if reminder.contact is not None and reminder.contact.name
        else _("Hello,")
    )
    parts = [greeting, sentence]
    if unsubscribe_link:
        parts.append(
            "-- \n"
            + _("You get these emails because you asked for reminders. To stop them: %(url)s")
            % {"url": unsubscribe_link}
        )
    return "\n\n".join(parts) + "\n"


def help_text(clinic_name: str = APP_NAME) -> str:
    """The answer to HELP: who sends these texts and how to stop them."""
    values = {"clinic": sms_name(clinic_name, CLINIC_NAME_MAX) or APP_NAME}
    return gsm7(
        _(
            "Reminders from %(clinic)s. Reply STOP to stop them, START to get them again. "
            "For anything else, please contact your clinic."
        )
        % values
    )


def render(reminder: Reminder) -> OutgoingMessage:
    """The message a reminder sends, in the contact's language, its dates and times written
    as their clinic's locale writes them (reminders.locale)."""
    if reminder.kind in STAFF_KINDS:
        # A red flag and the alert digest go to staff, with texts of their own.
        return render_staff(reminder)
    language = message_locale(
        _clinic_of(reminder), reminder.contact.language if reminder.contact is not None else ""
    )
    subject = ""
    headers: dict[str, str] = {}
    with translation.override(language):
        if reminder.channel == Channel.SMS:
            body = sms_text(reminder)
        elif reminder.channel == Channel.PUSH:
            body, ttl = push_payload(reminder, now=timezone.now())
            headers = {"TTL": str(ttl)}
        else:
            url = unsubscribe_url(reminder.contact) if reminder.contact is not None else ""
            subject = email_subject(reminder)
            headers = list_unsubscribe_headers(url)
            body = email_text(reminder, url)
    return reminder.message(body=body, subject=subject, headers=headers)


def unsubscribe_headers(reminder: Reminder) -> dict[str, str]:
    """One-click unsubscribe (RFC 8058) for a contact's email: a POST to the link unsubscribes
    at once. Staff emails have no contact, and no link."""
    if reminder.contact is None:
        return {}
    return list_unsubscribe_headers(unsubscribe_url(reminder.contact))


def list_unsubscribe_headers(url: str) -> dict[str, str]:
    if not url:
        return {}
    return {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
