"""The language a message is written in, which decides how it writes dates and times
(config/formats/): its recipient's clinic's locale (``Clinic.locale``), so a family of a US
clinic reads "tomorrow at 3:30 PM" and one of an en-gb clinic "tomorrow at 15:30". Workers
have no request to take it from, so each render activates it (``translation.override``).

A contact's own language (``Contact.language``) still chooses the words: when it is the
locale's language ("en" for "en-us"), the message is in the clinic's locale; another one
("es") is written as that language writes dates in the clinic's country when we have formats
for it ("es-us" at a US clinic: "3:30 p.m."), else as the language itself does ("es" at an
en-gb clinic: "15:30").
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
    _, _, country = _code(locale).partition("-")
    regional = f"{_base(language)}-{country}"
    if country and regional in {code for code, _ in settings.LANGUAGES}:
        return regional
    return language


def _code(code: str) -> str:
    return code.replace("_", "-").lower()


def _base(code: str) -> str:
    return _code(code).split("-")[0]
