"""The guided session's writes: a bout at a time (programs/services/guided.py) and the
milestones (programs/services/milestones.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from programs import services
from programs.models import BoutLog, Milestone, PlannedDose, PlannedSession, Program, SessionLog
from programs.services.common import local_today
from tests.concurrency import at_once
from tests.programs import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def program() -> Program:
    return factories.guided_program(patient=factories.patient(with_user=True))


@pytest.fixture
def session(program: Program) -> PlannedSession:
    return program.sessions.get(date=local_today(program.patient))


def dose_of(session: PlannedSession, name: str) -> PlannedDose:
    return session.doses.get(program_activity__name=name)


def send_bout(session: PlannedSession, name: str, **values: object) -> services.BoutLogResult:
    dose = dose_of(session, name)
    values.setdefault("bout", 1)
    values.setdefault("amount", dose.amount)
    patient = session.program.patient
    assert patient.user is not None
    return services.session_bout_log(
        actor=patient.user,
        session=session,
        program_activity_id=dose.program_activity_id,
        **values,  # type: ignore[arg-type]
    )


def log_bout(session: PlannedSession, name: str, **values: object) -> SessionLog:
    log = send_bout(session, name, **values).log
    assert log is not None
    return log


def amounts(log: SessionLog) -> dict[str, int]:
    return {result.program_activity.name: result.amount for result in log.results.all()}


def test_a_first_bout_logs_the_day_as_partly_done(session: PlannedSession) -> None:
    log = log_bout(session, "Walking", exertion=4)

    assert log.status == "partial"
    assert amounts(log) == {"Walking": 7, "Wall squats": 0, "Soft towel": 0}
    assert log.results.get(program_activity__name="Walking").exertion == 4


def test_the_day_is_done_when_every_bout_of_every_activity_is(session: PlannedSession) -> None:
    log_bout(session, "Walking")
    log_bout(session, "Wall squats")
    log_bout(session, "Soft towel", bout=1)
    log = log_bout(session, "Soft towel", bout=2)

    assert log.status == "done"
    assert amounts(log) == {"Walking": 7, "Wall squats": 7, "Soft towel": 3}
    assert BoutLog.objects.filter(session=session).count() == 4


def test_two_bouts_share_their_total_over_the_planned_times(session: PlannedSession) -> None:
    log_bout(session, "Walking")
    log_bout(session, "Wall squats")
    log_bout(session, "Soft towel", bout=1, amount=3)
    log = log_bout(session, "Soft towel", bout=2, amount=2)

    assert amounts(log)["Soft towel"] == 2  # (3 + 2) // 2: short of 3 each time
    assert log.status == "partial"


def test_saving_a_bout_again_replaces_it(session: PlannedSession) -> None:
    log_bout(session, "Walking", amount=2)
    log = log_bout(session, "Walking", amount=7, exertion=5)

    assert BoutLog.objects.get(session=session).amount == 7
    assert amounts(log)["Walking"] == 7


def test_the_hardest_bout_is_the_days_exertion(session: PlannedSession) -> None:
    log_bout(session, "Walking", exertion=3)
    dose = dose_of(session, "Soft towel")
    log_bout(session, "Soft towel", bout=1, exertion=None)
    log = log_bout(session, "Soft towel", bout=2, amount=dose.amount, exertion=None)

    assert log.results.get(program_activity__name="Walking").exertion == 3
    assert log.results.get(program_activity__name="Soft towel").exertion is None


def test_a_bout_keeps_what_the_log_form_gave_the_other_activities(
    session: PlannedSession,
) -> None:
    factories.log_session(
        session, status="partial", amounts={dose_of(session, "Wall squats").program_activity_id: 5}
    )
    log = log_bout(session, "Walking", amount=4)

    assert amounts(log) == {"Walking": 4, "Wall squats": 5, "Soft towel": 3}


def test_the_log_form_replaces_the_bouts(session: PlannedSession) -> None:
    log_bout(session, "Walking", amount=4)
    factories.log_session(session)

    assert not BoutLog.objects.filter(session=session).exists()
    assert SessionLog.objects.get(session=session).status == "done"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"bout": 2}, "bout"),
        ({"bout": 0}, "bout"),
        ({"amount": -1}, "amount"),
        ({"amount": 100_000}, "amount"),
        ({"amount": True}, "amount"),
        ({"exertion": 11}, "exertion"),
        ({"exertion": -1}, "exertion"),
    ],
)
def test_it_refuses_a_bout_out_of_range_naming_the_field(
    session: PlannedSession, values: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        log_bout(session, "Walking", **values)

    assert field in refused.value.message_dict
    assert not SessionLog.objects.filter(session=session).exists()
    assert not BoutLog.objects.exists()


def test_it_refuses_an_activity_the_session_does_not_plan(session: PlannedSession) -> None:
    patient = session.program.patient
    assert patient.user is not None
    other = factories.guided_program(patient=factories.patient()).activities.first()
    assert other is not None

    with pytest.raises(ValidationError) as refused:
        services.session_bout_log(
            actor=patient.user, session=session, program_activity_id=other.pk, bout=1, amount=1
        )

    assert "activity" in refused.value.message_dict


def test_it_refuses_tomorrows_session_with_the_log_forms_words(program: Program) -> None:
    tomorrow = program.sessions.get(date=local_today(program.patient) + timedelta(days=1))

    with pytest.raises(ValidationError) as refused:
        log_bout(tomorrow, "Walking")

    assert "has not come yet" in refused.value.message_dict["session"][0]


# Milestones


def started(weeks_ago: int) -> Program:
    return factories.guided_program(
        patient=factories.patient(with_user=True), started_weeks_ago=weeks_ago
    )


def do_whole_session(session: PlannedSession) -> None:
    for dose in session.doses.all():
        for bout in range(1, dose.times_per_day + 1):
            log_bout(session, dose.program_activity.name, bout=bout)


def test_the_first_full_week_is_reached_by_the_weeks_last_session() -> None:
    program = started(weeks_ago=1)
    week = factories.sessions_of_week(program, 0)
    for session in week[:-1]:
        factories.log_session(session, status="partial")
    assert not Milestone.objects.exists()

    do_whole_session(week[-1])

    assert list(Milestone.objects.values_list("kind", "reached_on")) == [
        ("first_full_week", week[-1].date)
    ]


def test_a_week_with_a_session_not_done_is_not_full() -> None:
    program = started(weeks_ago=1)
    week = factories.sessions_of_week(program, 0)
    factories.log_session(week[0], status="missed")
    for session in week[1:]:
        factories.log_session(session)

    assert not Milestone.objects.filter(kind="first_full_week").exists()


def test_halfway_is_reached_by_a_session_past_the_middle() -> None:
    program = started(weeks_ago=7)
    middle = program.start_date + (program.goal_date - program.start_date) / 2
    before = program.sessions.filter(date__lt=middle).order_by("date").last()
    session = program.sessions.filter(date__gte=middle).order_by("date").first()
    assert before is not None and session is not None
    factories.log_session(before)
    assert not Milestone.objects.filter(kind="halfway").exists()

    factories.log_session(session, status="partial")

    assert Milestone.objects.filter(kind="halfway", reached_on=session.date).exists()


def test_the_goal_is_reached_by_a_session_done_at_every_goal() -> None:
    program = started(weeks_ago=13)
    session = program.sessions.filter(phase="maintain").order_by("date").first()
    assert session is not None
    factories.log_session(
        session,
        status="partial",
        amounts={dose.program_activity_id: dose.amount - 1 for dose in session.doses.all()},
    )
    assert not Milestone.objects.filter(kind="goal_reached").exists()

    factories.log_session(session)

    assert Milestone.objects.filter(kind="goal_reached").exists()


def test_milestones_are_celebrated_once() -> None:
    program = started(weeks_ago=1)
    factories.log_week(program, week=0)
    factories.log_session(factories.sessions_of_week(program, 0)[-1])  # not reached again

    first = services.milestones_celebrate(program=program)
    second = services.milestones_celebrate(program=program)

    assert [milestone.kind for milestone in first] == ["first_full_week"]
    assert second == []
    assert Milestone.objects.get().shown_at is not None


@pytest.mark.requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_bouts_saved_at_once_from_two_phones_both_count() -> None:
    """Each save rebuilds the day's log from every bout: the second waits for the first (the
    session is locked), so neither log is built without the other's bout."""
    program = factories.guided_program(patient=factories.patient(with_user=True))
    session = program.sessions.get(date=local_today(program.patient))
    errors: list[Exception] = []

    def phone(bout: int) -> Callable[[], None]:
        def save() -> None:
            try:
                log_bout(session, "Soft towel", bout=bout)
            except Exception as error:  # reported below, with the other's
                errors.append(error)

        return save

    at_once(phone(1), phone(2))

    assert errors == []
    assert BoutLog.objects.filter(session=session).count() == 2
    assert amounts(SessionLog.objects.get(session=session))["Soft towel"] == 3


# -- Each save once, and never over a newer one ----------------------------------------------


def test_the_same_save_sent_twice_is_saved_once(session: PlannedSession) -> None:
    first = send_bout(session, "Walking", amount=5, submission_key="a" * 32)
    again = send_bout(session, "Walking", amount=6, submission_key="a" * 32)

    assert (first.repeated, again.repeated) == (False, True)
    assert BoutLog.objects.get(session=session).amount == 5


def test_a_save_from_a_form_shown_before_the_bouts_last_save_leaves_it(
    session: PlannedSession,
) -> None:
    shown = timezone.now() - timedelta(minutes=10)
    send_bout(session, "Walking", amount=7, submission_key="b" * 32)

    late = send_bout(session, "Walking", amount=2, submission_key="c" * 32, shown_at=shown)

    assert late.newer_kept
    assert BoutLog.objects.get(session=session).amount == 7


def test_a_save_from_a_form_shown_before_the_whole_day_was_logged_leaves_it(
    session: PlannedSession,
) -> None:
    shown = timezone.now() - timedelta(minutes=10)
    factories.log_session(session, submission_key="d" * 32)

    late = send_bout(session, "Walking", amount=2, submission_key="e" * 32, shown_at=shown)

    assert late.newer_kept
    assert not BoutLog.objects.filter(session=session).exists()


def test_a_key_of_another_bouts_save_is_refused(session: PlannedSession) -> None:
    send_bout(session, "Walking", submission_key="f" * 32)

    with pytest.raises(ValidationError) as refused:
        send_bout(session, "Wall squats", submission_key="f" * 32)

    assert "submission_key" in refused.value.message_dict


def test_a_form_shown_after_now_is_refused(session: PlannedSession) -> None:
    with pytest.raises(ValidationError) as refused:
        send_bout(session, "Walking", shown_at=timezone.now() + timedelta(minutes=1))

    assert "shown_at" in refused.value.message_dict


def test_a_whole_day_log_without_a_key_still_outranks_a_bout_from_an_older_form(
    session: PlannedSession,
) -> None:
    shown = timezone.now() - timedelta(minutes=10)
    factories.log_session(session)  # the API's log sends no form key

    late = send_bout(session, "Walking", amount=2, submission_key="g" * 32, shown_at=shown)

    assert late.newer_kept
    assert not BoutLog.objects.filter(session=session).exists()


def test_the_log_form_sent_again_after_a_bout_is_still_found_as_sent(
    session: PlannedSession,
) -> None:
    factories.log_session(session, status="missed", submission_key="h" * 32)
    log_bout(session, "Walking", submission_key="i" * 32)

    again = factories.log_session(session, status="missed", submission_key="h" * 32)

    assert BoutLog.objects.filter(session=session).count() == 1
    assert amounts(again)["Walking"] == 7
