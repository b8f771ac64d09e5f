"""The planner says everything as codes with parameters (planner.reasons), never as sentences:
the Django side writes them in the reader's language."""

from datetime import date

import pytest

from planner import PARAMS, Code, Kind, PlannerInputError, Reason, fdi_score, start_quota
from planner.reasons import percent, reason
from planner.units import Unit


def test_every_code_declares_its_parameters() -> None:
    assert set(PARAMS) == set(Code)
    assert all(isinstance(kind, Kind) for kinds in PARAMS.values() for kind in kinds.values())


def test_codes_are_grouped_by_what_says_them() -> None:
    groups = {code.value.split(".")[0] for code in Code}

    assert groups == {"review", "guidance", "feasibility", "input"}


def test_a_reason_takes_exactly_the_parameters_its_code_declares() -> None:
    made = reason(Code.REVIEW_GAP_STEP_BACK, days=9)

    assert (made.code, dict(made.params)) == (Code.REVIEW_GAP_STEP_BACK, {"days": 9})
    with pytest.raises(TypeError):
        reason(Code.REVIEW_GAP_STEP_BACK)
    with pytest.raises(TypeError):
        reason(Code.REVIEW_GAP_STEP_BACK, days=9, weeks=1)


def test_a_reason_refuses_a_parameter_of_the_wrong_kind() -> None:
    with pytest.raises(TypeError):
        reason(Code.REVIEW_GAP_STEP_BACK, days="nine")
    with pytest.raises(TypeError):
        reason(Code.FEASIBLE, goal_date="2026-03-30")
    with pytest.raises(TypeError):
        reason(Code.DAILY_CAP, minutes=70, weekday=7, cap=60)


def test_a_reasons_parameters_cannot_be_changed_after_it_is_made() -> None:
    made = reason(Code.REVIEW_FLARE_ALERT, weeks=3)

    with pytest.raises(TypeError):
        made.params["weeks"] = 4  # type: ignore[index]
    assert made == Reason(Code.REVIEW_FLARE_ALERT, {"weeks": 3})
    assert len({made, Reason(Code.REVIEW_FLARE_ALERT, {"weeks": 3})}) == 1


def test_a_code_is_read_from_its_stored_text() -> None:
    assert Reason("review.flare_alert", {"weeks": 3}).code is Code.REVIEW_FLARE_ALERT  # type: ignore[arg-type]


def test_percentages_round_as_the_sentences_did() -> None:
    assert [percent(value) for value in (5 / 7, 0.8, 2 / 7, 1.0, 0.125)] == [71, 80, 29, 100, 12]


def test_an_input_error_names_the_field_and_carries_a_reason() -> None:
    with pytest.raises(PlannerInputError) as raised:
        start_quota([12, 5000], unit=Unit.MINUTES)

    assert raised.value.field == "trials[1]"
    assert raised.value.reason == Reason(
        Code.TRIAL_TOO_LARGE, {"value": 5000, "most": 240, "unit": "minutes"}
    )
    assert "input.trial_too_large" in str(raised.value)


def test_an_fdi_answer_out_of_range_is_refused_with_the_range_and_the_value() -> None:
    with pytest.raises(PlannerInputError) as raised:
        fdi_score([0] * 14 + [5])

    assert (raised.value.field, raised.value.reason) == (
        "answers[14]",
        Reason(Code.NOT_FROM_ZERO, {"high": 4, "value": 5}),
    )


def test_dates_stay_dates_for_the_reader_to_write_their_way() -> None:
    made = reason(Code.DATE_AFTER, date=date(2026, 3, 30))

    assert made.params["date"] == date(2026, 3, 30)
