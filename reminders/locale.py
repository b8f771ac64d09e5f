"""The language a message is written in, which decides its words and how it writes dates and
times (config/formats/): its recipient's own language (a contact's ``Contact.language``, a
staff member's ``User.language``), written as their clinic writes (``Clinic.locale``), by the
rule the pages use too (programs.locale.locale_for). So a family of a US clinic reads
"tomorrow at 3:30 PM", a Spanish-speaking one "mañana a las 3:30 p. m." (es-us), and one of an
en-gb clinic "tomorrow at 15:30". Workers have no request to take it from, so each render
activates it (``translation.override``).
"""

from __future__ import annotations

from programs.locale import locale_for
from programs.models import Clinic


def message_locale(clinic: Clinic | None, language: str = "") -> str:
    """The language code to render a message to someone of ``clinic`` in; ``language`` is
    the recipient's own, when they have one (else the clinic's)."""
    return locale_for(language, clinic.locale if clinic is not None else "")
