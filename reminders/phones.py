"""Mobile numbers as people type them, turned into the one form we store and send to: E.164."""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from phonenumbers import PhoneNumberType

# Numbers that can never take a text message. Most countries cannot tell mobile from fixed
# lines by the number (the US and Canada answer FIXED_LINE_OR_MOBILE), so those pass.
NOT_FOR_TEXTS = frozenset(
    {
        PhoneNumberType.FIXED_LINE,
        PhoneNumberType.PREMIUM_RATE,
        PhoneNumberType.SHARED_COST,
        PhoneNumberType.UAN,
        PhoneNumberType.VOICEMAIL,
        PhoneNumberType.PAGER,
    }
)


def _invalid(message: str, code: str) -> ValidationError:
    return ValidationError({"phone": ValidationError(message, code=code)})


def normalize_phone(raw: str, region: str = "US") -> str:
    """``raw`` as an E.164 number (+14155550123), or a ValidationError on the field "phone".

    ``region`` (ISO 3166 alpha-2) reads numbers typed without a country code; a number
    starting with + carries its own.
    """
    text = (raw or "").strip()
    if not text:
        raise _invalid("Enter a mobile phone number.", "required")
    try:
        number = phonenumbers.parse(text, region.upper())
    except phonenumbers.NumberParseException:
        raise _invalid(
            "Enter a phone number, such as +1 415 555 0123 or (415) 555-0123.", "invalid_phone"
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise _invalid(
            "This is not a valid phone number: check the digits and the country code.",
            "invalid_phone",
        )
    if phonenumbers.number_type(number) in NOT_FOR_TEXTS:
        raise _invalid(
            "This number cannot receive text messages: enter a mobile number.", "not_mobile"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
