"""The language a message is written in, which decides how it writes dates and times
(config/formats/): its recipient's clinic's locale (``Clinic.locale``), so a family of a US
clinic reads "tomorrow at 3:30 PM" and one of an en-gb clinic "tomorrow at 15:30". Workers
have no request to take it from, so each render activates it (``translation.override``).

A contact's own language (``Contact.language``) still chooses the words: when it is the
locale's language ("en" for "en-us"), the message is in the clinic's locale; another one
("es") is kept as it is, written as that language writes dates.
"""

from __future__ import annotations

from django.conf import settings

from programs.models import Clinic


def message_locale(clinic: Clinic | None, language: str = "") -> str:
    """The language code to render a message to someone of ``clinic`` in; ``language`` is
    the recipient's own, when they have one."""
    locale = clinic.locale if clinic is not None else settings.LANGUAGE_CODE
    if not language or _base(language) == _base(locale):
        return locale
    return language


def _base(code: str) -> str:
    return code.replace("_", "-").split("-")[0].lower()
