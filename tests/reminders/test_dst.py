"""A reminder at 17:00 local stays at 17:00 local across the clock changes, in New York and
in London, on the days around each change and on the changeover days themselves; and a
wall time that does not exist that day lands on the first one that does."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from programs.models import Program
from reminders.services import outbox_sync_program, wall_clock
from tests.programs.factories import active_program, patient
from tests.reminders.factories import pending, ready_contact

pytestmark = pytest.mark.django_db

# The 2026 clock changes: (zone, changeover day, hours the clocks move).
CHANGES = [
    pytest.param("America/New_York", date(2026, 3, 8), id="new-york-spring"),
    pytest.param("America/New_York", date(2026, 11, 1), id="new-york-autumn"),
    pytest.param("Europe/London", date(2026, 3, 29), id="london-spring"),
    pytest.param("Europe/London", date(2026, 10, 25), id="london-autumn"),
]
AROUND = [-2, -1, 0, 1, 2]


def program_in(zone: str, *, starts: date, session_time: time) -> Program:
    """A program in ``zone`` made at noon UTC three days before ``starts``, so every
    reminder of the days around the change is ahead."""
    made = datetime.combine(starts - timedelta(days=3), time(12, 0), tzinfo=UTC)
    with time_machine.travel(made, tick=False):
        child = patient(time_zone=zone)
        program = active_program(patient=child, start_date=starts)
    # Set on the row: program_create refuses a session outside 06:00-21:00 (such as 02:30,
    # inside the spring gap), but rows stored before it did may hold one.
    Program.objects.filter(pk=program.pk).update(session_time=session_time)
    program.refresh_from_db()
    return program


@pytest.mark.parametrize(("zone", "change"), CHANGES)
def test_an_hour_before_an_18_00_session_is_17_00_local_every_day(zone: str, change: date) -> None:
    program = program_in(zone, starts=change - timedelta(days=2), session_time=time(18, 0))
    ready_contact(
        patient=program.patient, channels=["sms"], lead_times=[{"kind": "before", "minutes": 60}]
    )

    with time_machine.travel(datetime.combine(change, time(0, 0), tzinfo=UTC) - timedelta(days=3)):
        outbox_sync_program(program.id)

    tz = ZoneInfo(zone)
    for offset in AROUND:
        day = change + timedelta(days=offset)
        row = pending(program, session_date=day).get()
        assert row.due_at.astimezone(tz).replace(tzinfo=None) == datetime.combine(day, time(17))
        assert (row.local_date, row.local_time) == (day, time(17, 0))
    # The same wall time is a different UTC hour either side of the change.
    before = pending(program, session_date=change - timedelta(days=1)).get().due_at
    after = pending(program, session_date=change + timedelta(days=1)).get().due_at
    assert abs((after - before) - timedelta(days=2)) == timedelta(hours=1)


@pytest.mark.parametrize(("zone", "change"), CHANGES)
def test_an_evening_before_at_17_00_is_17_00_local_every_day(zone: str, change: date) -> None:
    program = program_in(zone, starts=change - timedelta(days=1), session_time=time(16, 30))
    ready_contact(
        patient=program.patient,
        channels=["email"],
        lead_times=[{"kind": "evening_before", "at": "17:00"}],
    )

    with time_machine.travel(datetime.combine(change, time(0, 0), tzinfo=UTC) - timedelta(days=3)):
        outbox_sync_program(program.id)

    tz = ZoneInfo(zone)
    for offset in AROUND:
        day = change + timedelta(days=offset)
        row = pending(program, session_date=day + timedelta(days=1)).get()
        assert row.due_at.astimezone(tz).replace(tzinfo=None) == datetime.combine(day, time(17))


@pytest.mark.parametrize(
    ("zone", "day", "wall", "expected"),
    [
        # Clocks jump from 02:00 to 03:00: 02:30 never happens, 03:00 is the first that does.
        ("America/New_York", date(2026, 3, 8), time(2, 30), datetime(2026, 3, 8, 7, 0)),
        ("Europe/London", date(2026, 3, 29), time(1, 30), datetime(2026, 3, 29, 1, 0)),
        # Clocks go back: 01:30 happens twice; the first (still on summer time) is taken.
        ("America/New_York", date(2026, 11, 1), time(1, 30), datetime(2026, 11, 1, 5, 30)),
        ("Europe/London", date(2026, 10, 25), time(1, 30), datetime(2026, 10, 25, 0, 30)),
        # An ordinary day is left alone.
        ("America/New_York", date(2026, 3, 9), time(2, 30), datetime(2026, 3, 9, 6, 30)),
    ],
)
def test_a_wall_time_is_turned_into_one_instant(
    zone: str, day: date, wall: time, expected: datetime
) -> None:
    assert wall_clock(day, wall, ZoneInfo(zone)).astimezone(UTC) == expected.replace(tzinfo=UTC)


def test_a_reminder_at_a_wall_time_that_does_not_exist_goes_at_the_first_that_does() -> None:
    # The evening before Monday's session is Sunday 8 March, at 02:30: not a time that day.
    program = program_in("America/New_York", starts=date(2026, 3, 9), session_time=time(16, 30))
    ready_contact(
        patient=program.patient,
        channels=["email"],
        lead_times=[{"kind": "evening_before", "at": "02:30"}],
    )

    with time_machine.travel(datetime(2026, 3, 6, 12, 0, tzinfo=UTC)):
        outbox_sync_program(program.id)

    row = pending(program, session_date=date(2026, 3, 9)).get()
    assert row.due_at.astimezone(ZoneInfo("America/New_York")) == datetime(
        2026, 3, 8, 3, 0, tzinfo=ZoneInfo("America/New_York")
    )
    assert (row.local_date, row.local_time) == (date(2026, 3, 8), time(3, 0))


def test_a_session_at_a_time_that_does_not_exist_starts_at_the_first_that_does() -> None:
    program = program_in("America/New_York", starts=date(2026, 3, 8), session_time=time(2, 30))
    ready_contact(
        patient=program.patient,
        channels=["email"],
        lead_times=[{"kind": "before", "minutes": 60}],
    )

    with time_machine.travel(datetime(2026, 3, 6, 12, 0, tzinfo=UTC)):
        outbox_sync_program(program.id)

    row = pending(program, session_date=date(2026, 3, 8)).get()
    # The session starts at 03:00 EDT (07:00 UTC); an hour before that is 01:00 EST.
    assert row.session_starts_at == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    assert row.due_at == datetime(2026, 3, 8, 6, 0, tzinfo=UTC)
    assert (row.local_date, row.local_time) == (date(2026, 3, 8), time(1, 0))
