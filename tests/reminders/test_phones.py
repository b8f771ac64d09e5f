"""Mobile numbers as people type them, stored in E.164."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from reminders.phones import normalize_phone


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("(415) 555-0123", "US", "+14155550123"),
        ("415.555.0123", "US", "+14155550123"),
        (" +1 202 555 0100 ", "US", "+12025550100"),
        ("+44 7911 123456", "US", "+447911123456"),
        ("07911 123456", "GB", "+447911123456"),
        ("07911 123456", "gb", "+447911123456"),
    ],
)
def test_it_stores_a_valid_number_in_e164(raw: str, region: str, e164: str) -> None:
    assert normalize_phone(raw, region=region) == e164


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "required"),
        ("call me", "invalid_phone"),
        ("415-555-01", "invalid_phone"),
        ("+1 999 555 0123", "invalid_phone"),
    ],
)
def test_it_rejects_what_is_not_a_phone_number_naming_the_field(raw: str, code: str) -> None:
    with pytest.raises(ValidationError) as error:
        normalize_phone(raw)

    assert list(error.value.error_dict) == ["phone"]
    assert error.value.error_dict["phone"][0].code == code


def test_it_rejects_a_landline_that_cannot_take_texts() -> None:
    with pytest.raises(ValidationError) as error:
        normalize_phone("020 7946 0018", region="GB")

    assert "cannot receive text messages" in error.value.message_dict["phone"][0]
