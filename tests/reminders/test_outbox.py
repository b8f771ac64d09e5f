"""The outbox follows the program: one session reminder per (session, contact, channel,
lead) for the horizon, created once, re-timed, cancelled and revived as things change, and
never touched once a dispatcher has it."""

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from programs.models import Patient, Program
from programs.services import patient_update, program_discharge, program_pause
from reminders.models import Channel, Reminder, Suppression
from reminders.services import (
    consent_withdraw,
    contact_preferences_update,
    contact_update,
    outbox_sweep,
    outbox_sync_program,
)
from tests.clock import NOW, TODAY
from tests.programs.factories import active_program, clinician_of, guardian, patient
from tests.reminders.factories import new_contact, pending, ready_contact, session_reminders

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]

NEW_YORK = ZoneInfo("America/New_York")
Capture = Callable[..., Any]


@pytest.fixture
def child() -> Patient:
    return patient(with_user=True, first_name="Maya")


@pytest.fixture
def program(child: Patient) -> Program:
    """Walking every day from today, sessions at 16:30 local."""
    return active_program(patient=child)


def last_date(program: Program, **filters: Any) -> date:
    """The last session date with a pending reminder."""
    row = pending(program, **filters).order_by("-session_date").first()
    assert row is not None and row.session_date is not None
    return row.session_date


def local(moment: datetime) -> datetime:
    return moment.astimezone(NEW_YORK)


def test_it_plans_each_session_of_the_horizon_once_per_channel_and_lead(
    program: Program,
) -> None:
    ready_contact(patient=program.patient)

    result = outbox_sync_program(program.id)

    rows = list(pending(program))
    # Today's 16:30 session keeps its 15:30 reminder; its evening-before one (yesterday) is
    # gone. Thirteen more sessions up to 24 March, two leads, on two channels.
    assert result.created == len(rows) == 2 * (1 + 13 * 2)
    assert {row.session_date for row in rows} == {TODAY + timedelta(days=n) for n in range(14)}
    assert {(row.channel, row.lead) for row in rows} == {
        (channel, lead) for channel in ("email", "sms") for lead in ("evening_before", "60m")
    }


def test_it_times_the_evening_before_and_the_hour_before_in_the_patients_zone(
    program: Program,
) -> None:
    contact = ready_contact(patient=program.patient, channels=["email"])

    outbox_sync_program(program.id)

    evening = pending(program, session_date=date(2026, 3, 13), lead="evening_before").get()
    assert (evening.local_date, evening.local_time) == (date(2026, 3, 12), time(19, 0))
    assert local(evening.due_at) == datetime(2026, 3, 12, 19, 0, tzinfo=NEW_YORK)
    assert evening.not_after == evening.due_at + timedelta(minutes=60)
    assert local(evening.session_starts_at) == datetime(2026, 3, 13, 16, 30, tzinfo=NEW_YORK)  # type: ignore[arg-type]
    hour = pending(program, session_date=date(2026, 3, 13), lead="60m").get()
    assert local(hour.due_at) == datetime(2026, 3, 13, 15, 30, tzinfo=NEW_YORK)
    # The grace window never runs past the session's start.
    assert hour.not_after == hour.session_starts_at
    assert hour.idempotency_key == f"s:{program.id}:2026-03-13:{contact.id}:email:60m"
    assert hour.time_zone == "America/New_York"


def test_it_is_idempotent(program: Program) -> None:
    ready_contact(patient=program.patient)
    outbox_sync_program(program.id)
    before = sorted(session_reminders(program).values_list("id", "due_at", "status"))

    again = outbox_sync_program(program.id)

    assert sorted(session_reminders(program).values_list("id", "due_at", "status")) == before
    assert (again.created, again.updated, again.cancelled, again.revived) == (0, 0, 0, 0)


def test_it_plans_nothing_for_a_contact_not_verified_or_without_consent(
    program: Program,
) -> None:
    new_contact(patient=program.patient)  # neither verified nor consented
    ready_contact(
        patient=program.patient, guardian=guardian(patient=program.patient), channels=["sms"]
    )

    outbox_sync_program(program.id)

    assert set(pending(program).values_list("channel", flat=True)) == {"sms"}
    assert set(pending(program).values_list("contact__role", flat=True)) == {"guardian"}


def test_it_moves_a_text_message_out_of_quiet_hours_and_leaves_email_alone(
    program: Program,
) -> None:
    ready_contact(patient=program.patient, lead_times=[{"kind": "evening_before", "at": "21:00"}])

    outbox_sync_program(program.id)

    email = pending(program, session_date=date(2026, 3, 13), channel="email").get()
    sms = pending(program, session_date=date(2026, 3, 13), channel="sms").get()
    assert local(email.due_at) == datetime(2026, 3, 12, 21, 0, tzinfo=NEW_YORK)
    # 21:00 is inside 20:00-09:00: the text goes at 09:00 on the session's morning.
    assert local(sms.due_at) == datetime(2026, 3, 13, 9, 0, tzinfo=NEW_YORK)
    assert (sms.local_date, sms.local_time) == (date(2026, 3, 13), time(9, 0))


def test_it_sends_no_text_when_quiet_hours_end_after_the_session_starts(child: Patient) -> None:
    program = active_program(patient=child, session_time=time(8, 0))
    ready_contact(patient=child, lead_times=[{"kind": "before", "minutes": 60}])

    outbox_sync_program(program.id)

    # 07:00 is quiet, and 09:00 is after the 08:00 start: only the email goes.
    assert set(pending(program).values_list("channel", flat=True)) == {"email"}
    assert local(pending(program).first().due_at).time() == time(7, 0)  # type: ignore[union-attr]


def test_two_texts_pushed_to_the_end_of_quiet_hours_make_one(program: Program) -> None:
    ready_contact(
        patient=program.patient,
        channels=["sms"],
        lead_times=[
            {"kind": "evening_before", "at": "21:00"},
            {"kind": "before", "minutes": 10 * 60},  # 06:30
        ],
    )

    outbox_sync_program(program.id)

    friday = pending(program, session_date=date(2026, 3, 13)).get()
    assert (friday.lead, friday.local_time) == ("evening_before", time(9, 0))


def test_it_skips_a_reminder_whose_window_has_passed(child: Patient) -> None:
    # Today's session starts at 11:30; it is 11:00.
    program = active_program(patient=child, session_time=time(11, 30))
    ready_contact(patient=child, channels=["email"], lead_times=[{"kind": "before", "minutes": 60}])

    outbox_sync_program(program.id)

    # Due 10:30, now 11:00: still inside its grace window (until the 11:30 start).
    today = pending(program, session_date=TODAY).get()
    assert today.due_at < NOW < today.not_after
    with time_machine.travel(datetime(2026, 3, 11, 15, 31, tzinfo=UTC), tick=False):
        Reminder.objects.filter(pk=today.pk).delete()
        outbox_sync_program(program.id)
    # After the start nothing is planned for that session again.
    assert not session_reminders(program, session_date=TODAY).exists()


def test_it_cancels_and_revives_as_a_contact_pauses_and_resumes(program: Program) -> None:
    contact = ready_contact(patient=program.patient)
    outbox_sync_program(program.id)
    ids = set(pending(program).values_list("id", flat=True))

    contact_preferences_update(contact=contact, paused=True)
    paused = outbox_sync_program(program.id)
    assert paused.cancelled == len(ids)
    assert not pending(program).exists()

    contact_preferences_update(contact=contact, paused=False)
    resumed = outbox_sync_program(program.id)
    assert resumed.revived == len(ids)
    assert set(pending(program).values_list("id", flat=True)) == ids


def test_it_never_touches_a_reminder_a_dispatcher_has(program: Program) -> None:
    contact = ready_contact(patient=program.patient, channels=["sms"])
    outbox_sync_program(program.id)
    claimed, sending, sent = list(pending(program)[:3])
    for row, status in ((claimed, "claimed"), (sending, "sending"), (sent, "sent")):
        Reminder.objects.filter(pk=row.pk).update(status=status)

    contact_preferences_update(contact=contact, paused=True)
    outbox_sync_program(program.id)

    statuses = dict(session_reminders(program).values_list("id", "status"))
    assert [statuses[row.pk] for row in (claimed, sending, sent)] == ["claimed", "sending", "sent"]
    assert set(statuses.values()) == {"claimed", "sending", "sent", "cancelled"}


def test_a_moved_evening_reminder_keeps_its_row_and_is_never_sent_twice(
    program: Program,
) -> None:
    contact = ready_contact(patient=program.patient, channels=["email"])
    outbox_sync_program(program.id)
    tomorrow = pending(program, session_date=date(2026, 3, 12), lead="evening_before").get()
    Reminder.objects.filter(pk=tomorrow.pk).update(status="sent")
    later = pending(program, session_date=date(2026, 3, 13), lead="evening_before").get()

    contact_preferences_update(
        contact=contact,
        lead_times=[{"kind": "evening_before", "at": "18:00"}, {"kind": "before", "minutes": 60}],
    )
    result = outbox_sync_program(program.id)

    assert result.created == 0
    assert session_reminders(program, session_date=date(2026, 3, 12)).count() == 2
    later.refresh_from_db()
    assert local(later.due_at) == datetime(2026, 3, 12, 18, 0, tzinfo=NEW_YORK)


def test_it_reminds_a_minors_guardians_each_with_their_own_consent(child: Patient) -> None:
    program = active_program(patient=child)
    mum = ready_contact(patient=child, guardian=guardian(patient=child), channels=["sms"])
    dad = ready_contact(patient=child, guardian=guardian(patient=child), channels=["email"])
    own = ready_contact(patient=child, channels=["sms"])

    outbox_sync_program(program.id)

    per_contact = {
        contact.id: set(pending(program, contact=contact).values_list("channel", flat=True))
        for contact in (mum, dad, own)
    }
    assert per_contact == {mum.id: {"sms"}, dad.id: {"email"}, own.id: {"sms"}}
    consent_withdraw(contact=dad, channel="email")
    outbox_sync_program(program.id)
    assert not pending(program, contact=dad).exists()


def test_it_stops_reminding_guardians_from_the_patients_eighteenth_birthday() -> None:
    # 18 on 18 March 2026: a minor for the first week of the horizon only.
    grown = patient(date_of_birth=date(2008, 3, 18))
    program = active_program(patient=grown)
    parent = ready_contact(patient=grown, guardian=guardian(patient=grown), channels=["email"])
    own = ready_contact(patient=grown, channels=["email"])

    outbox_sync_program(program.id)

    assert last_date(program, contact=parent) == date(2026, 3, 17)
    assert last_date(program, contact=own) == date(2026, 3, 24)


def test_a_changed_address_stops_reminders_to_it_until_verified(program: Program) -> None:
    contact = ready_contact(patient=program.patient)
    outbox_sync_program(program.id)

    contact_update(contact=contact, phone="+1 (212) 555-0100")
    outbox_sync_program(program.id)

    assert set(pending(program).values_list("channel", flat=True)) == {"email"}


def test_it_cancels_everything_when_the_program_is_paused(
    program: Program, django_capture_on_commit_callbacks: Capture
) -> None:
    ready_contact(patient=program.patient)
    outbox_sync_program(program.id)

    with django_capture_on_commit_callbacks(execute=True):
        program_pause(actor=clinician_of(program), program=program, reason="A red flag.")

    assert not pending(program).exists()
    assert session_reminders(program, status="cancelled").count() == 54


def test_it_follows_a_discharge_through_the_signal(
    program: Program, django_capture_on_commit_callbacks: Capture
) -> None:
    ready_contact(patient=program.patient)
    outbox_sync_program(program.id)

    with django_capture_on_commit_callbacks(execute=True):
        program_discharge(actor=clinician_of(program), program=program)

    assert not pending(program).exists()


def test_activating_a_program_plans_its_reminders_on_commit(
    child: Patient, django_capture_on_commit_callbacks: Capture
) -> None:
    ready_contact(patient=child, channels=["email"])

    with django_capture_on_commit_callbacks(execute=True):
        program = active_program(patient=child)

    assert pending(program).count() == 27


def test_a_contact_change_resyncs_on_commit(
    program: Program, django_capture_on_commit_callbacks: Capture
) -> None:
    contact = ready_contact(patient=program.patient)
    outbox_sync_program(program.id)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        contact_preferences_update(contact=contact, sms_enabled=False, paused=False)

    assert len(callbacks) == 1
    assert set(pending(program).values_list("channel", flat=True)) == {"email"}


def test_a_suppression_stops_and_its_removal_restores_texts(
    program: Program, django_capture_on_commit_callbacks: Capture
) -> None:
    contact = ready_contact(patient=program.patient)
    outbox_sync_program(program.id)

    with django_capture_on_commit_callbacks(execute=True):
        suppression = Suppression.objects.create(
            channel=Channel.SMS, address=contact.phone, reason=Suppression.Reason.MANUAL
        )
    assert set(pending(program).values_list("channel", flat=True)) == {"email"}

    with django_capture_on_commit_callbacks(execute=True):
        suppression.delete()
    assert pending(program, channel="sms").count() == 27


def test_a_new_time_zone_re_times_what_is_pending(
    program: Program, django_capture_on_commit_callbacks: Capture
) -> None:
    ready_contact(patient=program.patient, channels=["email"])
    outbox_sync_program(program.id)

    with django_capture_on_commit_callbacks(execute=True):
        patient_update(
            actor=clinician_of(program), patient=program.patient, time_zone="Europe/London"
        )

    row = pending(program, session_date=date(2026, 3, 13), lead="evening_before").get()
    assert row.due_at == datetime(2026, 3, 12, 19, 0, tzinfo=UTC)  # 19:00 GMT
    assert row.time_zone == "Europe/London"


def test_the_horizon_rolls_forward_with_the_sweep(program: Program) -> None:
    ready_contact(patient=program.patient, channels=["email"])
    outbox_sync_program(program.id)
    assert last_date(program) == date(2026, 3, 24)

    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        outbox_sweep()

    assert last_date(program) == date(2026, 3, 25)


@override_settings(REMINDERS_HORIZON_DAYS=3)
def test_the_horizon_is_a_setting(program: Program) -> None:
    ready_contact(patient=program.patient, channels=["email"])

    outbox_sync_program(program.id)

    assert last_date(program) == date(2026, 3, 13)


def test_the_sweep_repairs_a_lost_signal_both_ways(child: Patient) -> None:
    running = active_program(patient=child)
    ready_contact(patient=child, channels=["email"])
    other = active_program(patient=patient())
    ready_contact(patient=other.patient, channels=["email"])
    outbox_sync_program(other.id)
    # Discharged with no signal heard: its reminders are still pending.
    Program.objects.filter(pk=other.pk).update(status=Program.Status.DISCHARGED)

    result = outbox_sweep()

    assert pending(running).count() == 27
    assert not pending(other).exists()
    assert result.cancelled == 27


def test_the_sweep_takes_the_same_queries_for_more_programs() -> None:
    def program_with_contacts() -> None:
        child = patient()
        active_program(patient=child)
        ready_contact(patient=child)
        ready_contact(patient=child, guardian=guardian(patient=child))

    for _ in range(2):
        program_with_contacts()
    outbox_sweep()
    for _ in range(4):
        program_with_contacts()

    # One batch: the candidates (2), savepoint and lock, the rows, sessions, contacts,
    # consents, push subscriptions, suppressions (2), then the insert. SQLite splits a large
    # insert to stay under its limit on query parameters, so the inserts are counted apart.
    with CaptureQueriesContext(connection) as queries:
        result = outbox_sweep()
    reads = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith("INSERT")]
    assert len(reads) <= 12, reads
    assert result.created == 4 * 2 * 2 * 27


# What quiet hours do to a reminder time, as the service tells it: the same as the outbox plans.


def test_a_text_asked_for_inside_quiet_hours_is_said_to_come_when_the_outbox_plans_it(
    program: Program,
) -> None:
    contact = ready_contact(patient=program.patient)

    saved = contact_preferences_update(
        contact=contact,
        lead_times=[{"kind": "evening_before", "at": "21:30"}, {"kind": "before", "minutes": 60}],
        quiet_start="20:00",
        quiet_end="09:00",
    )
    outbox_sync_program(program.id)

    (notice,) = saved.quiet_hours
    assert notice.message == (
        "Quiet hours are 8 PM to 9 AM: the text due at 9:30 PM will arrive at 9 AM the next "
        "day instead."
    )
    planned = pending(program, session_date=date(2026, 3, 13), lead="evening_before")
    assert (planned.get(channel="sms").local_date, planned.get(channel="sms").local_time) == (
        date(2026, 3, 13),
        notice.arrives,
    )
    assert planned.get(channel="email").local_time == time(21, 30)


def test_a_text_that_quiet_hours_would_push_past_the_session_is_said_not_to_come(
    program: Program,
) -> None:
    Program.objects.filter(pk=program.pk).update(session_time=time(8, 0))
    contact = ready_contact(patient=program.patient)

    saved = contact_preferences_update(
        contact=contact,
        lead_times=[{"kind": "before", "minutes": 60}],
        quiet_start="20:00",
        quiet_end="09:00",
    )
    outbox_sync_program(program.id)

    (notice,) = saved.quiet_hours
    assert (notice.due, notice.arrives) == (time(7, 0), None)
    assert notice.message == (
        "Quiet hours are 8 PM to 9 AM: the text due at 7 AM would come after the session "
        "starts (8 AM), so it will not be sent."
    )
    assert not pending(program, channel="sms").exists()
    assert pending(program, channel="email").exists()


@pytest.mark.parametrize(
    "change",
    [
        {"quiet_start": "20:00", "quiet_end": "09:00"},  # 19:00 and 15:30: outside
        {"sms_enabled": False, "lead_times": [{"kind": "evening_before", "at": "21:30"}]},
        {"quiet_start": "00:00", "quiet_end": "00:00"},  # no quiet hours
    ],
)
def test_nothing_is_said_when_no_text_is_moved(program: Program, change: dict[str, Any]) -> None:
    contact = ready_contact(patient=program.patient)

    assert contact_preferences_update(contact=contact, **change).quiet_hours == []
