"""The Functional Disability Inventory (FDI): 15 items about everyday activities.

Each item is answered 0 (no trouble) to 4 (impossible), so the total runs 0-60. The
bands are the clinical cut-offs for youth with chronic pain (Kashikar-Zuck et al., Pain
2011): 0-12 no or minimal disability, 13-29 moderate, 30-60 severe.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from planner.errors import PlannerInputError, check_between
from planner.reasons import Code, reason

FDI_ITEM_COUNT = 15
_MAX_ANSWER = 4
_MAX_TOTAL = FDI_ITEM_COUNT * _MAX_ANSWER

# The highest total of each band but the last; the last band runs up to _MAX_TOTAL.
_NONE_OR_MINIMAL_MAX = 12
_MODERATE_MAX = 29


class FdiBand(StrEnum):
    NONE_OR_MINIMAL = "none_or_minimal"
    MODERATE = "moderate"
    SEVERE = "severe"


@dataclass(frozen=True)
class FdiScore:
    """An FDI total, 0-60, and the band it falls in."""

    total: int
    band: FdiBand

    def __post_init__(self) -> None:
        # A score whose band disagrees with its total would show a clinician two answers.
        if self.band is not fdi_band(self.total):
            raise PlannerInputError(
                "band", reason(Code.FDI_BAND_MISMATCH, band=str(self.band), total=self.total)
            )


def fdi_band(total: int) -> FdiBand:
    """The disability band of an FDI total, which must be a whole number 0-60."""
    if not isinstance(total, int) or isinstance(total, bool):
        raise PlannerInputError("total", reason(Code.NOT_WHOLE))
    check_between(total, "total", 0, _MAX_TOTAL)
    if total <= _NONE_OR_MINIMAL_MAX:
        return FdiBand.NONE_OR_MINIMAL
    if total <= _MODERATE_MAX:
        return FdiBand.MODERATE
    return FdiBand.SEVERE


def fdi_score(answers: Sequence[int]) -> FdiScore:
    """Score a completed FDI: exactly 15 answers, each a whole number 0-4, in item order.

    The total is the plain sum (0-60); a partly answered inventory is refused rather than
    scaled up, since a guessed total would move a patient between bands.
    """
    if isinstance(answers, str | bytes) or not isinstance(answers, Sequence):
        raise PlannerInputError("answers", reason(Code.FDI_NOT_LIST, count=FDI_ITEM_COUNT))
    if len(answers) != FDI_ITEM_COUNT:
        raise PlannerInputError(
            "answers", reason(Code.FDI_COUNT, count=FDI_ITEM_COUNT, given=len(answers))
        )
    for index, answer in enumerate(answers):
        # True would sum as 1; an answer has to be a chosen number, not a flag.
        if not isinstance(answer, int) or isinstance(answer, bool):
            raise PlannerInputError(
                f"answers[{index}]", reason(Code.WHOLE_BETWEEN, low=0, high=_MAX_ANSWER)
            )
        if not 0 <= answer <= _MAX_ANSWER:
            raise PlannerInputError(
                f"answers[{index}]", reason(Code.NOT_FROM_ZERO, high=_MAX_ANSWER, value=answer)
            )
    total = sum(answers)
    return FdiScore(total=total, band=fdi_band(total))


def fdi_due(*, today: date, last_answered: date | None, weeks_from: date, every_weeks: int) -> bool:
    """Whether a check-in on ``today`` asks the FDI: at baseline (none answered yet), then once
    every ``every_weeks`` weeks after the last one answered. Weeks are the program's, counted
    from ``weeks_from`` (its start), so a check-in sent a day early or late in its week asks
    what that week asks; an FDI skipped when due is asked again the next week."""
    if not isinstance(every_weeks, int) or isinstance(every_weeks, bool) or every_weeks < 1:
        raise PlannerInputError("every_weeks", reason(Code.NOT_WHOLE_WEEKS))
    if last_answered is None:
        return True
    week = (today - weeks_from).days // 7
    answered_week = (last_answered - weeks_from).days // 7
    return week - answered_week >= every_weeks
