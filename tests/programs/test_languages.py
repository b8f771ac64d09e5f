"""A person's own language (User.language) and the one rule that turns it and their clinic's
locale into the code Django activates (programs.locale)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from programs.locale import locale_for, words_of
from programs.models import User
from programs.services import user_language_set
from tests.programs import factories


@pytest.mark.parametrize(
    ("language", "clinic", "code"),
    [
        ("en", "en-us", "en-us"),
        ("en", "en-gb", "en-gb"),
        ("es", "en-us", "es-us"),
        ("es", "en-gb", "es"),
        ("es", "", "es-us"),  # no clinic: written as a US clinic writes
        ("", "en-gb", "en-gb"),  # not chosen: the clinic's own
        ("", "", "en-us"),
    ],
)
def test_the_words_are_the_persons_and_the_formats_their_clinics(
    language: str, clinic: str, code: str
) -> None:
    assert locale_for(language, clinic) == code


def test_a_code_of_a_language_not_offered_reads_as_english() -> None:
    assert (words_of("es-US"), words_of("en-gb"), words_of("fr"), words_of(None)) == (
        "es",
        "en",
        "en",
        "en",
    )


@pytest.mark.django_db
def test_a_person_chooses_their_language() -> None:
    user = factories.UserFactory.create()

    user_language_set(user=user, language="es")

    assert User.objects.get(pk=user.pk).language == "es"


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["fr", "", "es-us", None, 1])
def test_a_language_not_offered_is_refused_naming_the_field(value: object) -> None:
    user = factories.UserFactory.create(language="en")

    with pytest.raises(ValidationError) as refused:
        user_language_set(user=user, language=value)  # type: ignore[arg-type]

    assert list(refused.value.message_dict) == ["language"]
    assert User.objects.get(pk=user.pk).language == "en"
