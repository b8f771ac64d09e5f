"""A session log's one-time key (services.session_log): a form sent twice saves one
log and gets the same answer; a log from another form corrects the first, as before."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from programs.models import ActivityLog, PlannedSession, SessionLog
from programs.services import ResultInput, program_discharge, program_pause, session_log
from programs.services.common import local_today
from programs.services.records import SessionLogResult
from tests.programs.factories import active_program, clinician_of

pytestmark = pytest.mark.django_db


def first_session() -> PlannedSession:
    program = active_program(started_weeks_ago=1)
    return program.sessions.get(date=program.start_date)


def send(session: PlannedSession, key: str, amount: int = 5) -> SessionLogResult:
    dose = session.doses.get()
    return session_log(
        actor=clinician_of(session.program),
        session=session,
        status="partial" if amount < dose.amount else "done",
        results=[ResultInput(program_activity_id=dose.program_activity_id, amount=amount)],
        submission_key=key,
    )


def test_the_same_key_twice_saves_one_log_and_answers_the_same() -> None:
    session = first_session()

    first = send(session, "a1b2c3")
    again = send(session, "a1b2c3")

    assert (first.repeated, again.repeated) == (False, True)
    assert again.log.pk == first.log.pk
    assert SessionLog.objects.filter(session=session).count() == 1
    assert ActivityLog.objects.filter(session_log=first.log).count() == 1


def test_a_repeat_with_other_amounts_changes_nothing() -> None:
    # The same form sent again is the same log: the phone keeps what it sent the first time.
    session = first_session()

    send(session, "k1", amount=2)
    send(session, "k1", amount=9)

    assert list(ActivityLog.objects.values_list("amount", flat=True)) == [2]


def test_another_key_corrects_the_log_as_before() -> None:
    session = first_session()

    first = send(session, "k1", amount=2)
    second = send(session, "k2", amount=3)

    assert second.repeated is False
    assert second.log.pk == first.log.pk
    assert SessionLog.objects.filter(session=session).count() == 1
    assert list(second.log.results.values_list("amount", flat=True)) == [3]
    assert SessionLog.objects.get().submission_key == "k2"


def test_no_key_logs_and_corrects_as_it_always_did() -> None:
    session = first_session()

    send(session, "", amount=2)
    result = send(session, "", amount=4)

    assert result.repeated is False
    assert list(result.log.results.values_list("amount", flat=True)) == [4]


def test_a_key_of_another_sessions_log_is_refused() -> None:
    session = first_session()
    other = session.program.sessions.filter(date__gt=session.date).first()
    assert other is not None
    send(session, "k1")

    with pytest.raises(ValidationError) as excinfo:
        send(other, "k1")

    assert "submission_key" in excinfo.value.message_dict
    assert not SessionLog.objects.filter(session=other).exists()


def test_a_late_log_is_saved_for_its_own_day() -> None:
    session = first_session()
    assert session.date < local_today(session.program.patient)

    result = send(session, "late")

    assert result.log.session.date == session.date


def test_a_log_sent_again_after_a_pause_is_the_one_that_arrived() -> None:
    program = active_program(started_weeks_ago=1)
    today = program.sessions.get(date=local_today(program.patient))
    send(today, "sent-before")
    program_pause(actor=clinician_of(program), program=program, reason="Checking a rash")

    assert send(today, "sent-before").repeated is True


def test_a_log_kept_from_before_a_pause_is_refused_from_the_pause_on() -> None:
    program = active_program(started_weeks_ago=1)
    with time_machine.travel(timedelta(days=-1)):
        program_pause(actor=clinician_of(program), program=program, reason="Checking a rash")
    today = program.sessions.get(date=local_today(program.patient))

    with pytest.raises(ValidationError) as excinfo:
        send(today, "kept")

    assert "paused" in str(excinfo.value.message_dict["session"])
    assert not SessionLog.objects.exists()


def test_a_log_kept_from_before_a_discharge_is_refused() -> None:
    session = first_session()
    program = session.program
    program_discharge(actor=clinician_of(program), program=program, reason="Goal reached")

    with pytest.raises(ValidationError) as excinfo:
        send(session, "kept")

    assert "ended" in str(excinfo.value.message_dict["session"])
    assert not SessionLog.objects.exists()
