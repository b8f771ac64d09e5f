"""The weekly review as programs/ stores it: late, around pauses, resumes and red flags."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
import time_machine
from django.core.exceptions import ValidationError

from planner import Code, Reason
from programs.models import Alert, PlannedDose, Program, WeeklyReview
from programs.services import (
    check_in_submit,
    program_pause,
    program_resume,
    weekly_review_run,
)
from tests.programs.factories import (
    ActivityFactory,
    active_program,
    activity_choice,
    clinician_of,
    log_session,
    sessions_of_week,
)

pytestmark = pytest.mark.django_db

# A Wednesday, 10 am in New York: program weeks below run Wednesday to Tuesday.
START = datetime(2026, 3, 11, 14, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def walking_doses(program: Program) -> list[tuple[str, int]]:
    rows = PlannedDose.objects.filter(session__program=program).order_by("session__date")
    return [(row.session.date.isoformat(), row.amount) for row in rows.select_related("session")]


def test_a_red_flag_acts_once_and_the_clinicians_resume_stands(
    clock: time_machine.Traveller,
) -> None:
    program = active_program()
    first, second = sessions_of_week(program, 0)[:2]
    log_session(first)
    clock.shift(timedelta(days=1))
    log_session(second)
    check_in_submit(
        actor=clinician_of(program), patient=program.patient, flare=False, red_flags=["fever"]
    )
    program_resume(actor=clinician_of(program), program=program, reason="Seen: a cold.")

    clock.shift(timedelta(days=6))
    review = weekly_review_run(program=program)

    program.refresh_from_db()
    assert review is not None and review.decision != "pause"
    assert program.status == Program.Status.ACTIVE
    assert Alert.objects.filter(patient=program.patient, kind="red_flag").count() == 1


def test_a_late_review_after_a_resume_never_raises_a_dose_two_steps_at_once(
    clock: time_machine.Traveller,
) -> None:
    # Weeks 0 and 1 done and reviewed on time (step 2 in week 2); every session of week 2
    # done, then a pause on its last day (a paused program's sessions from the pause on take
    # no log); week 2's review does not run; the clinician resumes at step 1 on day 1 of
    # week 3, and the review of week 2 runs two days later.
    program = active_program()
    for week in range(3):
        sessions = sessions_of_week(program, week)
        for day, session in enumerate(sessions):
            clock.move_to(datetime.combine(session.date, START.timetz()))
            if week in (1, 2) and day == 0:
                weekly_review_run(program=program)
            log_session(program.sessions.get(date=session.date))
            if week == 2 and day == len(sessions) - 1:
                program_pause(actor=clinician_of(program), program=program, reason="Away.")
    first_of_week_3 = sessions_of_week(program, 3)[0].date
    clock.move_to(datetime.combine(first_of_week_3 + timedelta(days=1), START.timetz()))
    program_resume(actor=clinician_of(program), program=program, step=1)
    clock.shift(timedelta(days=2))

    review = weekly_review_run(program=program)

    assert review is not None and review.week == 2 and review.decision == "progress"
    doses = walking_doses(program)
    rises = [(a, b) for a, b in pairwise(doses) if b[1] > a[1] + max(a[1] * 20 // 100, 1)]
    assert rises == []
    assert WeeklyReview.objects.filter(program=program).count() == 3


def test_a_program_planned_before_a_rule_was_made_is_still_reviewed_and_paused(
    clock: time_machine.Traveller,
) -> None:
    # Desensitization once a day was accepted before the rule of 2-3 times: the program it is
    # in is reviewed, and a red flag pauses it, as any other.
    feather = ActivityFactory.create(name="Feather", kind="desensitization", unit="seconds")
    program = active_program(
        activities=[
            activity_choice(),
            activity_choice(feather, baseline_trials=[60], goal_quota=300),
        ]
    )
    program.activities.filter(kind="desensitization").update(times_per_day=1)
    log_session(sessions_of_week(program, 0)[0])
    clock.shift(timedelta(days=1))

    result = check_in_submit(
        actor=clinician_of(program), patient=program.patient, flare=False, red_flags=["rash"]
    )

    program.refresh_from_db()
    assert result.review is not None and result.review.decision == "pause"
    assert program.status == Program.Status.PAUSED


def test_a_red_flag_stands_and_pauses_even_when_the_review_fails(
    clock: time_machine.Traveller, monkeypatch: pytest.MonkeyPatch
) -> None:
    program = active_program()
    log_session(sessions_of_week(program, 0)[0])
    clock.shift(timedelta(days=1))

    def broken(**_: object) -> None:
        raise ValidationError({"activities[0].times_per_day": ["a rule made later"]})

    monkeypatch.setattr("programs.services.records.weekly_review_run", broken)
    result = check_in_submit(
        actor=clinician_of(program), patient=program.patient, flare=False,
        red_flags=["self_harm"],
    )  # fmt: skip

    program.refresh_from_db()
    assert result.check_in.pk is not None and result.guidance == Reason(Code.GUIDANCE_CRISIS)
    assert Alert.objects.filter(patient=program.patient, kind="self_harm").count() == 1
    assert program.status == Program.Status.PAUSED
