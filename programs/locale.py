"""The one rule for the code Django activates for a person: their language decides the words,
their clinic's locale (``Clinic.locale``) the formats of dates and times (config/formats/).

| language | en-us clinic | en-gb clinic |
|---|---|---|
| English (en) | en-us: "3:30 PM" | en-gb: "15:30" |
| Spanish (es) | es-us: "3:30 p.m." | es: "15:30" |

Someone of no clinic (or a page before sign-in) is written as a US clinic writes
(``settings.LANGUAGE_CODE``). The web pages (web/locale.py), the API (programs/api) and the
emails and texts (reminders/locale.py) all ask ``locale_for``; it lives here, below them all.
"""

from __future__ import annotations

from django.conf import settings


def words_of(code: str | None) -> str:
    """The language (settings.PEOPLE_LANGUAGES) of a code: "es" for "es-us", "en" for "en-GB";
    English for a code of no language offered."""
    offered = dict(settings.PEOPLE_LANGUAGES)
    for each in (code or "", settings.LANGUAGE_CODE):
        base = each.replace("_", "-").split("-")[0].lower()
        if base in offered:
            return base
    return next(iter(offered))


def _region(code: str) -> str:
    return code.replace("_", "-").partition("-")[2].lower()


def locale_for(language: str | None, clinic_locale: str | None) -> str:
    """The code (one of settings.LANGUAGES) for ``language``'s words written as
    ``clinic_locale`` writes dates: ("es", "en-us") is "es-us", ("es", "en-gb") is "es" (no
    "es-gb": the language's own formats, which are 24-hour), ("en", "en-gb") is "en-gb".
    An empty ``language`` is the clinic's own; an empty ``clinic_locale``, the default's."""
    clinic_locale = clinic_locale or settings.LANGUAGE_CODE
    words = words_of(language or clinic_locale)
    codes = [code for code, _name in settings.LANGUAGES]
    region = _region(clinic_locale)
    if f"{words}-{region}" in codes:
        return f"{words}-{region}"
    if words in codes:
        return words
    return next(code for code in codes if words_of(code) == words)


def html_lang(code: str | None) -> str:
    """``code`` as an HTML lang attribute (BCP 47) writes it: "en-US", "es-US", "es"."""
    base, _sep, region = (code or settings.LANGUAGE_CODE).replace("_", "-").partition("-")
    return f"{base.lower()}-{region.upper()}" if region else base.lower()
