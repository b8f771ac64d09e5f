"""Every code the planner and the services say a reason with has a message whose placeholders
are exactly its parameters, in English and in Spanish; reasons are written the reader's way,
and kept and read back as codes."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.utils import translation
from django.utils.formats import date_format

from planner import PARAMS, Code, Kind, Reason
from programs import reasons
from programs.reasons import KINDS, MESSAGES, Say, Sentence, say

LANGUAGES = ["en-us", "es"]
SAMPLES: dict[Kind, Any] = {
    Kind.COUNT: 2,
    Kind.NUMBER: 70.5,
    Kind.PERCENT: 80,
    Kind.DATE: date(2026, 3, 30),
    Kind.WEEKDAY: 0,
    Kind.NAME: "walking",
    Kind.NAMES: ("walking", "stairs"),
    Kind.UNIT: "minutes",
    Kind.INTENSITY: "moderate",
    Kind.RED_FLAGS: ("fever", "rash"),
}


class Placeholders(dict[str, Any]):
    """Values for a message that note which of them it asks for."""

    def __init__(self, kinds: dict[str, Kind], count: int) -> None:
        super().__init__(
            {name: count if kind is Kind.COUNT else "x" for name, kind in kinds.items()}
        )
        self.asked: set[str] = set()

    def __getitem__(self, name: str) -> Any:
        self.asked.add(name)
        return super().__getitem__(name)


def sample(code: str) -> Sentence:
    return Sentence(code, {name: SAMPLES[kind] for name, kind in KINDS[code].items()})


def test_every_code_the_planner_can_say_has_a_message() -> None:
    assert set(Code) <= set(MESSAGES)


def test_every_sentence_of_the_services_has_a_message_but_what_a_person_typed() -> None:
    assert {str(code) for code in Say} - set(MESSAGES) == {Say.NOTE}
    assert set(MESSAGES) <= set(KINDS)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("code", sorted(set(MESSAGES)))
def test_each_message_names_exactly_the_parameters_of_its_code(code: str, language: str) -> None:
    # One and two of each count: a plural message has a form for each, both checked.
    for count in (1, 2):
        values = Placeholders(dict(KINDS[code]), count)
        with translation.override(language):
            str(MESSAGES[code] % values)
        assert values.asked == set(KINDS[code]), (code, language, count)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("code", sorted(set(KINDS)))
def test_every_code_is_written_with_values_of_its_kinds(code: str, language: str) -> None:
    with translation.override(language):
        written = reasons.text(sample(code))

    assert written and "%(" not in written


def test_the_planners_codes_are_the_planners_parameters() -> None:
    assert all(KINDS[code] == PARAMS[code] for code in Code)


def test_a_review_reason_reads_in_spanish_with_its_plural_and_percentages() -> None:
    held = Reason(
        Code.REVIEW_LOW_ADHERENCE, {"done": 5, "planned": 7, "adherence": 71, "needed": 80}
    )

    with translation.override("es"):
        spanish = reasons.text(held)
    english = reasons.english([held])

    assert spanish == (
        "5 de 7 sesiones hechas (71%), por debajo del 80% necesario para avanzar: se repiten "
        "las dosis de esta semana."
    )
    assert english == (
        "5 of 7 sessions done (71%), below the 80% needed to progress: repeating this week's doses."
    )


def test_values_are_written_the_readers_way() -> None:
    over = Reason(Code.DAILY_CAP, {"minutes": 70.5, "weekday": 0, "cap": 60.0})
    flagged = Reason(Code.REVIEW_RED_FLAG, {"flags": ("fever", "joint_swelling")})

    with translation.override("es"):
        spanish = (reasons.text(over), reasons.text(flagged))
    english = reasons.english([over, flagged])

    assert "70,5 minutos el lunes" in spanish[0] and "límite diario de 60 minutos" in spanish[0]
    assert "(Fiebre, Hinchazón o calor en una articulación)" in spanish[1]
    assert "70.5 minutes on Monday, above the daily cap of 60 minutes" in english
    assert "(Fever, Joint swelling or warmth)" in english


def test_a_date_is_written_in_the_readers_format() -> None:
    reached = Reason(Code.FEASIBLE, {"goal_date": date(2026, 3, 30)})

    with translation.override("es"):
        spanish = reasons.text(reached)
        written = date_format(date(2026, 3, 30), "DATE_FORMAT")

    assert reasons.english([reached]) == "Every goal is reached by Mar 30, 2026."
    assert spanish == f"Todas las metas se alcanzan para el {written}."
    assert written.startswith("30 de ")


def test_the_crisis_guidance_leads_with_988_and_911() -> None:
    crisis = Reason(Code.GUIDANCE_CRISIS)

    english = reasons.english([crisis])

    first_three = " ".join(english.split(". ")[:3])
    assert "Call or text 988" in first_three and "call 911" in first_three
    assert english.count("988") == 1


def test_the_spanish_crisis_guidance_says_how_988_answers_in_spanish() -> None:
    for code in (Code.GUIDANCE_CRISIS, Code.GUIDANCE_CRISIS_AND_DOCTOR):
        with translation.override("es"):
            spanish = reasons.text(Reason(code))

        assert "llama al 988 y marca 2" in spanish
        assert "AYUDA por mensaje de texto al 988" in spanish
        assert "llama al 911" in spanish


def test_the_doctor_guidance_never_names_the_crisis_line() -> None:
    doctor = reasons.english([Reason(Code.GUIDANCE_CONTACT_DOCTOR)])

    assert "contact your doctor today" in doctor and "988" not in doctor


def test_reasons_are_kept_as_codes_and_read_back_the_same() -> None:
    said: list[reasons.Said] = [
        say(Say.REVISION_WEEK_REVIEW, week=3),
        Reason(Code.REVIEW_RED_FLAG, {"flags": ("fever",)}),
        Reason(Code.FEASIBLE, {"goal_date": date(2026, 3, 30)}),
        *reasons.note("Seeing the GP"),
    ]

    stored = reasons.as_stored(said)

    assert stored[1] == {"code": "review.red_flag", "params": {"flags": ["fever"]}}
    assert stored[2]["params"] == {"goal_date": "2026-03-30"}
    assert stored[3] == {"code": "note", "params": {"text": "Seeing the GP"}}
    assert reasons.texts(reasons.read_stored(stored)) == reasons.english(said)
    assert reasons.english(said).endswith("Mar 30, 2026. Seeing the GP")


def test_a_row_without_codes_or_with_codes_that_no_longer_read_shows_its_text() -> None:
    assert reasons.stored_text([], "Paused for the holidays.") == "Paused for the holidays."
    unknown = [{"code": "review.retired", "params": {}}]
    assert reasons.stored_text(unknown, "As it was.") == "As it was."
    wrong = [{"code": "review.gap_step_back", "params": {"weeks": 2}}]
    assert reasons.stored_text(wrong, "As it was.") == "As it was."


def test_a_sentence_of_an_unknown_code_or_with_the_wrong_values_is_refused() -> None:
    with pytest.raises(ValueError):
        Sentence("review.retired", {})
    with pytest.raises(ValueError):
        say(Say.ALERT_RED_FLAG, reported="2026-03-30", flags=("fever",))
