"""check_in_submit's rules: what must be answered, every range, the FDI whole or not at all,
and a form sent twice saved once. The web form and the API get all of it from here."""

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner import Code, Reason
from programs.models import Alert, CheckIn, Patient
from programs.services import check_in_submit
from tests.hypothesis_profiles import examples
from tests.programs.factories import active_program, clinician_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]

NOTHING_WORRYING: dict[str, Any] = {"flare": False, "red_flags": [], "no_red_flags": True}
FIELDS = {
    "fdi_answers",
    "sleep_hours",
    "sleep_quality",
    "mood",
    "school_days_attended",
    "school_days_scheduled",
    "pain",
    "flare",
    "red_flags",
    "no_red_flags",
}


@pytest.fixture
def child() -> Patient:
    return active_program(started_weeks_ago=1).patient


def submit(child: Patient, **answers: Any) -> CheckIn:
    actor = clinician_of(child.programs.get())
    return check_in_submit(actor=actor, patient=child, **{**NOTHING_WORRYING, **answers}).check_in


def refusal(child: Patient, **answers: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as excinfo:
        submit(child, **answers)
    assert not CheckIn.objects.exists()
    return excinfo.value.message_dict


def test_it_refuses_a_check_in_whose_flare_question_is_unanswered(child: Patient) -> None:
    assert refusal(child, flare=None) == {"flare": ["Please answer yes or no."]}


def test_it_refuses_an_unanswered_red_flag_question(child: Patient) -> None:
    message = ["Please say which of these happened, or that none of them did."]
    assert refusal(child, red_flags=None, no_red_flags=False) == {"red_flags": message}
    assert refusal(child, red_flags=[], no_red_flags=False) == {"red_flags": message}


def test_it_takes_an_explicit_none_of_these(child: Patient) -> None:
    check_in = submit(child, red_flags=[], no_red_flags=True)
    assert check_in.red_flags == [] and not Alert.objects.exists()


def test_it_refuses_none_of_these_together_with_a_sign(child: Patient) -> None:
    assert list(refusal(child, red_flags=["rash"], no_red_flags=True)) == ["no_red_flags"]


def test_it_says_once_how_many_fdi_answers_are_missing(child: Patient) -> None:
    problems = refusal(child, fdi_answers=[1] * 8 + [None] * 7)
    assert problems == {
        "fdi_answers": ["Please answer all 15 questions about everyday activities (7 are missing)."]
    }


def test_it_takes_an_fdi_with_no_answer_as_skipped(child: Patient) -> None:
    assert submit(child, fdi_answers=[None] * 15).fdi_answers is None


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"school_days_scheduled": 8, "school_days_attended": 5}, "school_days_scheduled"),
        ({"school_days_scheduled": 0, "school_days_attended": 6}, "school_days_attended"),
        ({"school_days_attended": 3}, "school_days_scheduled"),
        ({"school_days_scheduled": 4}, "school_days_attended"),
        ({"sleep_hours": Decimal("24.5")}, "sleep_hours"),
        ({"sleep_hours": Decimal("7.3")}, "sleep_hours"),
        ({"sleep_hours": Decimal("-0.5")}, "sleep_hours"),
        ({"sleep_hours": Decimal("NaN")}, "sleep_hours"),
        ({"sleep_quality": 0}, "sleep_quality"),
        ({"mood": 6}, "mood"),
        ({"pain": 11}, "pain"),
        ({"fdi_answers": [5] * 15}, "fdi_answers[0]"),
    ],
)
def test_it_refuses_an_answer_out_of_its_range(
    child: Patient, answers: dict[str, Any], field: str
) -> None:
    assert field in refusal(child, **answers)


def test_it_keeps_a_week_of_holidays_without_school_days_attended(child: Patient) -> None:
    check_in = submit(child, school_days_scheduled=0)
    assert (check_in.school_days_scheduled, check_in.school_days_attended) == (0, None)


def test_it_saves_a_form_sent_twice_once_with_its_one_alert(child: Patient) -> None:
    first, again = (
        check_in_submit(
            actor=clinician_of(child.programs.get()),
            patient=child,
            flare=False,
            red_flags=["fever"],
            submission_key="abc123",
        )
        for _ in range(2)
    )
    assert (again.repeated, again.check_in.pk) == (True, first.check_in.pk)
    assert CheckIn.objects.count() == 1 and Alert.objects.count() == 1
    assert again.guidance == Reason(Code.GUIDANCE_CONTACT_DOCTOR)


def test_a_form_sent_again_with_other_answers_is_saved_as_what_they_say_now(
    child: Patient,
) -> None:
    actor = clinician_of(child.programs.get())
    first = check_in_submit(
        actor=actor, patient=child, flare=False, red_flags=[], no_red_flags=True,
        submission_key="abc123",
    )  # fmt: skip
    again = check_in_submit(
        actor=actor, patient=child, flare=False, red_flags=["self_harm"], submission_key="abc123"
    )
    assert not again.repeated and again.check_in.pk != first.check_in.pk
    assert Alert.objects.filter(kind="self_harm").count() == 1


answers = st.fixed_dictionaries(
    {},
    optional={
        "sleep_hours": st.decimals(min_value=-100, max_value=100, places=2),
        "sleep_quality": st.integers(min_value=-10, max_value=10),
        "mood": st.integers(min_value=-10, max_value=10),
        "pain": st.integers(min_value=-20, max_value=20),
        "school_days_scheduled": st.integers(min_value=-3, max_value=12),
        "school_days_attended": st.integers(min_value=-3, max_value=12),
        "fdi_answers": st.lists(
            st.one_of(st.none(), st.integers(min_value=-2, max_value=6)), max_size=17
        ),
        "flare": st.one_of(st.none(), st.booleans()),
        "no_red_flags": st.booleans(),
        "red_flags": st.one_of(
            st.none(), st.lists(st.sampled_from(["fever", "rash", "headache"]), max_size=3)
        ),
    },
)


@settings(
    max_examples=examples(150),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(answers=answers)
def test_a_check_in_is_refused_naming_its_fields_or_saved_within_every_range(
    child: Patient, answers: dict[str, Any]
) -> None:
    try:
        check_in = submit(child, **answers)
    except ValidationError as error:
        named = {field.split("[")[0] for field in error.message_dict}
        assert named and named <= FIELDS
        return
    assert isinstance(check_in.flare, bool)
    assert check_in.red_flags or answers.get("no_red_flags", True)
    if check_in.sleep_hours is not None:
        assert 0 <= check_in.sleep_hours <= 24 and check_in.sleep_hours % Decimal("0.5") == 0
    for value in (check_in.sleep_quality, check_in.mood):
        assert value is None or 1 <= value <= 5
    assert check_in.pain is None or 0 <= check_in.pain <= 10
    scheduled, attended = check_in.school_days_scheduled, check_in.school_days_attended
    assert scheduled is None or 0 <= scheduled <= 7
    assert attended is None or (scheduled is not None and 0 <= attended <= scheduled)
    assert check_in.fdi_answers is None or (
        len(check_in.fdi_answers) == 15 and all(0 <= a <= 4 for a in check_in.fdi_answers)
    )


def test_a_red_flag_is_passed_on_whatever_else_has_a_problem(child: Patient) -> None:
    actor = clinician_of(child.programs.get())

    result = check_in_submit(
        actor=actor,
        patient=child,
        flare=None,
        red_flags=["fever"],
        no_red_flags=False,
        mood=9,
        fdi_answers=[1, 2] + [None] * 13,
        sleep_hours=Decimal("7"),
    )

    check_in = result.check_in
    assert result.not_saved == ("fdi_answers", "flare", "mood")
    assert (check_in.red_flags, check_in.mood, check_in.fdi_answers) == (["fever"], None, None)
    assert (check_in.flare, check_in.sleep_hours) == (False, Decimal("7"))
    assert Alert.objects.filter(patient=child, kind="red_flag").exists()


def test_a_red_flag_with_none_of_these_is_still_refused(child: Patient) -> None:
    problems = refusal(child, red_flags=["fever"], no_red_flags=True, mood=9)

    assert set(problems) == {"no_red_flags", "mood"}
    assert not Alert.objects.exists()
