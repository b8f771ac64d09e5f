"""Texts are counted as the carrier counts them (GSM-7 septets, the extension table's
characters two each; else UTF-16 units of UCS-2), and every text that is not a reminder (the
verification code, the answer to HELP) fits one GSM-7 segment in every language with the
longest clinic name we allow. The reminders' own texts are proved in test_messages.py."""

from __future__ import annotations

import pytest

from programs.models import Clinic
from reminders.channels.memory import MemorySms
from reminders.messages import CLINIC_NAME_MAX, GSM7, gsm7, help_text, sms_length
from reminders.models import Contact
from reminders.selectors import help_reply
from reminders.services import verification_start
from tests.programs.factories import guardian, patient
from tests.reminders.factories import new_contact

pytestmark = pytest.mark.django_db


# Counting as the carrier counts.


@pytest.mark.parametrize(
    ("text", "gsm", "units"),
    [
        ("Reply STOP", True, 10),
        ("ñüé àÑ ¿¡ £$@ Ø", True, 15),
        ("[x]", True, 5),  # [ and ] are in the extension table: an escape and the character
        ("{}~^|\\€", True, 14),
        ("sesión", False, 6),  # ó is outside GSM-7: UCS-2, one UTF-16 unit a character
        ("Zoë", False, 3),  # ë too (ä, ö, ü are in it, ë is not)
        ("hi 🌟", False, 5),  # beyond the BMP: a surrogate pair, two units
    ],
)
def test_it_counts_a_text_as_the_carrier_does(text: str, gsm: bool, units: int) -> None:
    length = sms_length(text)

    assert (length.gsm7, length.units) == (gsm, units)
    assert length.limit == (160 if gsm else 70)


def test_one_accented_vowel_turns_160_characters_into_three_segments() -> None:
    plain = "a" * 160

    assert sms_length(plain).segments == 1
    assert sms_length(plain[:-1] + "á").segments == 3  # 160 UCS-2 units in parts of 67
    assert sms_length("á" * 70).segments == 1 and sms_length("á" * 71).segments == 2


def test_escape_characters_count_two_and_are_never_split_across_segments() -> None:
    assert sms_length("a" * 158 + "€").segments == 1  # 160 septets
    assert sms_length("a" * 159 + "€").segments == 2  # 161 septets
    # 306 septets, two parts of 153, but the escape pair would straddle them: it moves whole.
    assert sms_length("a" * 152 + "€" + "a" * 152).segments == 3
    assert sms_length("a" * 153 + "a" * 153).segments == 2


def test_a_surrogate_pair_is_never_split_across_segments() -> None:
    assert sms_length("🌟" * 35).segments == 1  # 70 units
    assert sms_length("á" * 66 + "🌟" + "á" * 66).segments == 3
    assert sms_length("á" * 67 + "á" * 67).segments == 2


def test_it_folds_the_extension_table_to_one_septet_each() -> None:
    folded = gsm7("Kids [North] {A} ~|\\^ 5€")

    assert folded == "Kids (North) (A) -// 5EUR"
    assert sms_length(folded).units == len(folded)


# The texts that are not reminders, in every language.

# The longest short names a clinic may have (test_messages.py's), and none at all.
CLINIC_NAMES = ["Ñúñez Łódź Kids Clinic 🌟", "Riverside Children's Hos", ""]
# (clinic's locale, contact's language), and a phrase each text of that language says.
LANGUAGES = {
    ("en-us", "en"): "Reply STOP",
    ("en-gb", "en"): "Reply STOP",
    ("en-us", "es"): "Responder STOP",
    ("en-gb", "es"): "Responder STOP",
}
CODE_SAYS = {"en": "is your code to get reminders from", "es": "es la clave para recibir"}


def assert_one_gsm7_segment(body: str) -> None:
    length = sms_length(body)
    assert length.gsm7 and set(body) <= GSM7, f"not GSM-7: {set(body) - GSM7} in {body!r}"
    assert length.segments == 1, f"{length}: {body!r}"


def test_the_clinic_names_used_here_are_the_longest_we_allow() -> None:
    assert all(len(name) == CLINIC_NAME_MAX for name in CLINIC_NAMES if name)
    assert Clinic._meta.get_field("short_name").max_length == CLINIC_NAME_MAX


@pytest.mark.usefixtures("memory_sms")
@pytest.mark.parametrize(("locale", "language"), list(LANGUAGES))
@pytest.mark.parametrize("short_name", CLINIC_NAMES)
def test_a_verification_code_fits_one_gsm7_segment_in_the_contacts_language(
    locale: str, language: str, short_name: str
) -> None:
    child = patient(first_name="Maya")
    Clinic.objects.filter(pk=child.clinic_id).update(short_name=short_name, locale=locale)
    contact = new_contact(patient=child, language=language)

    verification_start(contact=contact, channel="sms")

    body = MemorySms.sent[-1].body
    assert_one_gsm7_segment(body)
    assert CODE_SAYS[language] in body


@pytest.mark.parametrize(("locale", "language"), list(LANGUAGES))
@pytest.mark.parametrize("short_name", CLINIC_NAMES)
@pytest.mark.parametrize("role", [Contact.Role.PATIENT, Contact.Role.GUARDIAN])
def test_the_help_reply_fits_one_gsm7_segment_in_the_contacts_language(
    locale: str, language: str, short_name: str, role: str
) -> None:
    child = patient(first_name="Maya")
    Clinic.objects.filter(pk=child.clinic_id).update(short_name=short_name, locale=locale)
    of = guardian(patient=child) if role == Contact.Role.GUARDIAN else None
    contact = new_contact(patient=child, guardian=of, language=language)

    reply = help_reply(contact.phone)

    assert_one_gsm7_segment(reply)
    assert LANGUAGES[locale, language] in reply and "START" in reply


def test_the_help_reply_to_a_number_we_do_not_know_is_in_english() -> None:
    reply = help_reply("+14155559999")

    assert reply.startswith("Reminders from gradus. Reply STOP")
    assert_one_gsm7_segment(reply)


@pytest.mark.usefixtures("memory_sms")
@pytest.mark.parametrize("language", ["en", "es"])
def test_the_code_and_help_are_written_in_gsm7_before_any_folding(
    monkeypatch: pytest.MonkeyPatch, language: str
) -> None:
    """The words themselves are GSM-7 (no á, í, ó, ú): folding is there for names only, and
    never misspells what we wrote."""
    monkeypatch.setattr("reminders.messages.gsm7", lambda text: text)
    monkeypatch.setattr("reminders.services.contacts.gsm7", lambda text: text)
    child = patient(first_name="Maya")
    Clinic.objects.filter(pk=child.clinic_id).update(short_name="Riverside Children's Hos")
    contact = new_contact(patient=child, language=language)

    verification_start(contact=contact, channel="sms")

    assert_one_gsm7_segment(MemorySms.sent[-1].body)
    assert_one_gsm7_segment(help_reply(contact.phone))


def test_help_text_folds_a_clinic_name_outside_gsm7() -> None:
    assert help_text("José María Kids").startswith("Reminders from José Maria Kids.")
    assert gsm7("Łucja") == "Lucja"
