"""A clinic's short name is in every text message and email subject, on lock screens: it may
not name a condition (or a specialty that gives one away), wherever it is set."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from programs.models import Clinic, User
from programs.models.clinic import CONDITION_WORDS, condition_word_in
from programs.services import clinic_create


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("short_name", "word"),
    [
        ("CRPS Pain Clinic", "CRPS"),
        ("Riverside pain kids", "pain"),
        ("Fibromyalgia Center", "Fibromyalgia"),
        ("AMPS program", "AMPS"),
        ("Amplified Kids", "Amplified"),
        ("Complex-Regional Team", "Complex-Regional"),
        ("RSD clinic", "RSD"),
        ("Kids Rheumatology", "Rheumatology"),
        ("Páin Clinic", "Pain"),
    ],
)
def test_a_short_name_that_names_a_condition_is_refused_and_nothing_is_saved(
    short_name: str, word: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        clinic_create(name="Riverside Pediatric Pain Clinic", short_name=short_name)

    (message,) = refused.value.message_dict["short_name"]
    assert f"“{word}”" in message
    assert not Clinic.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "short_name", ["Riverside Clinic", "Spain Kids", "Painter Street PT", "Lakeside Rehab", ""]
)
def test_a_plain_short_name_is_kept(short_name: str) -> None:
    clinic = clinic_create(name="Riverside Pediatric Pain Clinic", short_name=short_name)

    assert Clinic.objects.get(pk=clinic.pk).short_name == short_name


SEPARATORS = ["", " ", "-", ". ", " & ", "2 ", "'s "]


@given(
    word=st.sampled_from(CONDITION_WORDS),
    upper=st.lists(st.booleans(), min_size=20, max_size=20),
    before=st.sampled_from(SEPARATORS),
    after=st.sampled_from(SEPARATORS),
)
def test_a_condition_word_is_found_in_any_case_wherever_it_stands(
    word: str, upper: list[bool], before: str, after: str
) -> None:
    cased = "".join(c.upper() if up else c for c, up in zip(word, upper, strict=False))

    assert condition_word_in(f"{before}{cased}{after}") is not None
    assert condition_word_in(f"Kids{before or ' '}{cased}{after or ' '}Clinic") is not None
    assert condition_word_in(f"x{cased}y") is None  # inside another word: not a word


@pytest.mark.django_db
def test_the_admins_clinic_form_refuses_it_too(client: Client) -> None:
    client.force_login(
        User.objects.create_user(username="operator", is_staff=True, is_superuser=True)
    )
    clinic = clinic_create(name="Lakeside Clinic", short_name="Lakeside")

    added = client.post(
        reverse("admin:programs_clinic_add"),
        {"name": "New clinic", "short_name": "Fibro Kids", "time_zone": "America/New_York"},
    )
    changed = client.post(
        reverse("admin:programs_clinic_change", args=[clinic.pk]),
        {"name": "Lakeside Clinic", "short_name": "Lakeside Pain", "time_zone": "America/New_York"},
    )

    assert (added.status_code, changed.status_code) == (200, 200)
    assert "cannot name a condition" in added.content.decode()
    assert Clinic.objects.filter(name="New clinic").exists() is False
    assert Clinic.objects.get(pk=clinic.pk).short_name == "Lakeside"
