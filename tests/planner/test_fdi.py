import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.errors import PlannerInputError
from planner.fdi import FDI_ITEM_COUNT, FdiBand, FdiScore, fdi_band, fdi_score

# Band cut-offs from Kashikar-Zuck et al., "Clinical utility and validity of the Functional
# Disability Inventory among a multicenter sample of youth with chronic pain", Pain 2011;
# 152(7):1600-1607: 0-12 no/minimal, 13-29 moderate, 30-60 severe.


@pytest.mark.parametrize(
    ("answers", "total", "band"),
    [
        ([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0, FdiBand.NONE_OR_MINIMAL),
        ([0, 1, 2, 0, 1, 0, 3, 1, 0, 2, 0, 1, 0, 1, 0], 12, FdiBand.NONE_OR_MINIMAL),
        ([1, 1, 2, 0, 1, 0, 3, 1, 0, 2, 0, 1, 0, 1, 0], 13, FdiBand.MODERATE),
        ([2, 3, 2, 1, 2, 1, 3, 2, 1, 2, 2, 2, 2, 2, 2], 29, FdiBand.MODERATE),
        ([2, 3, 2, 2, 2, 1, 3, 2, 1, 2, 2, 2, 2, 2, 2], 30, FdiBand.SEVERE),
        ([4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4], 60, FdiBand.SEVERE),
    ],
)
def test_it_scores_totals_at_the_band_edges(answers: list[int], total: int, band: FdiBand) -> None:
    score = fdi_score(answers)

    assert score == FdiScore(total=total, band=band)


def test_it_accepts_a_tuple_of_answers() -> None:
    assert fdi_score((1,) * FDI_ITEM_COUNT).total == 15


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, FdiBand.NONE_OR_MINIMAL),
        (12, FdiBand.NONE_OR_MINIMAL),
        (13, FdiBand.MODERATE),
        (29, FdiBand.MODERATE),
        (30, FdiBand.SEVERE),
        (60, FdiBand.SEVERE),
    ],
)
def test_it_bands_a_total(total: int, band: FdiBand) -> None:
    assert fdi_band(total) is band


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ([], "answers"),
        ([1] * 14, "answers"),
        ([1] * 16, "answers"),
        ("012340123401234", "answers"),
        ([1, 1, 1, 5] + [1] * 11, "answers[3]"),
        ([-1] + [1] * 14, "answers[0]"),
        ([1] * 14 + [True], "answers[14]"),
        ([1, 2.0] + [1] * 13, "answers[1]"),
        ([1, 1, "2"] + [1] * 12, "answers[2]"),
        ([1] * 9 + [None] + [1] * 5, "answers[9]"),
    ],
)
def test_it_refuses_answers_it_cannot_score(answers: list[int], field: str) -> None:
    with pytest.raises(PlannerInputError) as caught:
        fdi_score(answers)

    assert caught.value.field == field


@pytest.mark.parametrize("total", [-1, 61, 12.5, True])
def test_it_refuses_a_total_outside_the_scale(total: int) -> None:
    with pytest.raises(PlannerInputError) as caught:
        fdi_band(total)

    assert caught.value.field == "total"


def test_it_refuses_a_score_whose_band_disagrees_with_its_total() -> None:
    with pytest.raises(PlannerInputError) as caught:
        FdiScore(total=30, band=FdiBand.MODERATE)

    assert caught.value.field == "band"


@given(st.lists(st.integers(min_value=0, max_value=4), min_size=15, max_size=15))
def test_it_totals_the_answers_and_bands_by_the_published_edges(answers: list[int]) -> None:
    score = fdi_score(answers)

    assert score.total == sum(answers)
    if score.total <= 12:
        assert score.band is FdiBand.NONE_OR_MINIMAL
    elif score.total <= 29:
        assert score.band is FdiBand.MODERATE
    else:
        assert score.band is FdiBand.SEVERE
