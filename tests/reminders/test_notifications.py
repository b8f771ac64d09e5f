"""The messages beyond the session reminder: the nudge after a missed session, the weekly
check-in, and the therapists' red-flag email and morning digest. The nudge and the check-in
by push go through the real pywebpush to the local push service (tests/reminders/
fake_push.py), which decrypts them with each device's own key."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from config.celery import app as celery_app
from planner import AlertKind
from programs.models import Alert, Clinic, Patient, Program, User
from programs.services import (
    alert_acknowledge,
    alert_raise,
    check_in_submit,
    program_pause,
    user_language_set,
)
from programs.services.common import local_today
from reminders.channels.email import EmailChannel
from reminders.messages import render
from reminders.models import Channel, Contact, PushSubscription, Reminder, Suppression
from reminders.services.notifications import (
    in_quiet_hours,
    local_to_utc,
    notifications_sweep,
    red_flag_notify,
)
from reminders.staff_messages import render_staff
from reminders.tasks import sweep_notifications
from tests.programs.factories import (
    ClinicFactory,
    active_program,
    clinic_admin,
    guardian,
    log_session,
    patient,
    quiet_check_in,
    therapist,
)
from tests.reminders.factories import contact_row
from tests.reminders.fake_push import HEALTH_WORDS, Device, FakePushService, Push

pytestmark = pytest.mark.django_db

# A Wednesday in May: New York is on daylight time (UTC-4), far from a clock change.
NY = "America/New_York"
NUDGE_TIME = datetime(2025, 5, 14, 20, 5, tzinfo=UTC)  # 16:05 in New York
CHECK_IN_TIME = datetime(2025, 5, 14, 22, 5, tzinfo=UTC)  # 18:05
DIGEST_TIME = datetime(2025, 5, 14, 12, 5, tzinfo=UTC)  # 08:05


@pytest.fixture
def at() -> Iterator[Callable[[datetime], None]]:
    """Travel to an instant (frozen) for the rest of the test."""
    travellers: list[Any] = []

    def travel(moment: datetime) -> None:
        if travellers:
            travellers.pop().stop()
        traveller = time_machine.travel(moment, tick=False)
        traveller.start()
        travellers.append(traveller)

    yield travel
    for traveller in travellers:
        traveller.stop()


def program_missing_yesterday(child: Patient, *, days_ago: int = 9) -> Program:
    """A daily program started ``days_ago`` days ago, every session done but yesterday's."""
    program = active_program(patient=child, started_days_ago=days_ago)
    yesterday = local_today(child) - timedelta(days=1)
    for session in program.sessions.filter(date__lt=yesterday):
        log_session(session)
    return program


def made(kind: str) -> list[Reminder]:
    return list(Reminder.objects.filter(kind=kind).order_by("id"))


# -- The nudge ----------------------------------------------------------------------------


@pytest.fixture
def new_yorker(at: Any) -> Patient:
    """A patient in New York, where it is 16:05: the nudge's time."""
    at(NUDGE_TIME)
    return patient(time_zone=NY)


@pytest.fixture
def missed(new_yorker: Patient) -> Program:
    """The New Yorker with a contact of their own and a daily program with every session
    done but yesterday's: the nudge is due."""
    contact_row(patient=new_yorker)
    return program_missing_yesterday(new_yorker)


def test_it_nudges_the_patient_at_4_pm_the_day_after_a_missed_session(missed: Program) -> None:
    own = Contact.objects.get(patient=missed.patient)

    result = notifications_sweep(timezone.now())

    (nudge,) = made(Reminder.Kind.MISSED_NUDGE)
    assert result.nudges == 1
    assert (nudge.contact, nudge.channel, nudge.program) == (own, Channel.SMS, missed)
    assert nudge.session_date == date(2025, 5, 13)
    assert (nudge.local_date, nudge.local_time) == (date(2025, 5, 14), time(16))
    assert nudge.due_at == datetime(2025, 5, 14, 20, 0, tzinfo=UTC)


def test_it_makes_the_nudge_only_once_it_is_due(missed: Program) -> None:

    notifications_sweep(datetime(2025, 5, 14, 19, 55, tzinfo=UTC))

    assert made(Reminder.Kind.MISSED_NUDGE) == []


def test_it_makes_one_nudge_however_often_the_sweep_runs(missed: Program) -> None:

    notifications_sweep(timezone.now())
    again = notifications_sweep(timezone.now() + timedelta(minutes=20))

    assert again.nudges == 0
    assert len(made(Reminder.Kind.MISSED_NUDGE)) == 1


@pytest.mark.parametrize(
    ("status", "nudges"),
    [("missed", 1), ("partial", 0)],
    ids=["logged as missed", "partly done"],
)
def test_it_nudges_after_a_session_logged_as_missed_but_not_partly_done(
    missed: Program, status: str, nudges: int
) -> None:
    log_session(missed.sessions.get(date=date(2025, 5, 13)), status=status)

    notifications_sweep(timezone.now())

    assert len(made(Reminder.Kind.MISSED_NUDGE)) == nudges


def test_it_nudges_once_for_missed_sessions_in_a_row(new_yorker: Patient) -> None:
    contact_row(patient=new_yorker)
    program = active_program(patient=new_yorker, started_days_ago=9)
    for session in program.sessions.filter(date__lt=date(2025, 5, 12)):
        log_session(session)
    # Missed on the 12th (nudged on the 13th) and again on the 13th.

    notifications_sweep(datetime(2025, 5, 13, 20, 5, tzinfo=UTC))
    notifications_sweep(timezone.now())

    (nudge,) = made(Reminder.Kind.MISSED_NUDGE)
    assert nudge.session_date == date(2025, 5, 12)


def test_it_nudges_again_after_a_session_was_done_in_between(new_yorker: Patient) -> None:
    contact_row(patient=new_yorker)
    program = active_program(patient=new_yorker, started_days_ago=9)
    for session in program.sessions.filter(date__lt=date(2025, 5, 13)):
        log_session(session, status="missed" if session.date == date(2025, 5, 11) else "done")

    notifications_sweep(timezone.now())

    (nudge,) = made(Reminder.Kind.MISSED_NUDGE)
    assert nudge.session_date == date(2025, 5, 13)


def test_it_nudges_the_child_not_the_parents_when_the_child_has_a_contact(
    new_yorker: Patient,
) -> None:
    own = contact_row(patient=new_yorker)
    contact_row(patient=new_yorker, guardian=guardian(patient=new_yorker))
    program_missing_yesterday(new_yorker)

    notifications_sweep(timezone.now())

    assert [nudge.contact for nudge in made(Reminder.Kind.MISSED_NUDGE)] == [own]


def test_it_nudges_a_minors_guardians_when_the_child_has_no_contact(new_yorker: Patient) -> None:
    mother = contact_row(patient=new_yorker, guardian=guardian(patient=new_yorker))
    program_missing_yesterday(new_yorker)

    notifications_sweep(timezone.now())

    assert [nudge.contact for nudge in made(Reminder.Kind.MISSED_NUDGE)] == [mother]


def test_it_never_nudges_an_adults_guardians(at: Any) -> None:
    at(NUDGE_TIME)
    adult = patient(time_zone=NY, date_of_birth=date(1995, 1, 1))
    contact_row(patient=adult, guardian=guardian(patient=adult))
    program_missing_yesterday(adult)

    notifications_sweep(timezone.now())

    assert made(Reminder.Kind.MISSED_NUDGE) == []


@pytest.mark.parametrize(
    ("now", "quiet", "channel", "local_time"),
    [
        # 18:05: the texts wait until the quiet hours end.
        (datetime(2025, 5, 14, 22, 5, tzinfo=UTC), (time(13), time(18)), Channel.SMS, time(18)),
        # The quiet hours last the rest of the day: an email instead, at 16:00.
        (NUDGE_TIME, (time(15), time(9)), Channel.EMAIL, time(16)),
    ],
    ids=["texts after the quiet hours end", "emails when they last the rest of the day"],
)
def test_a_nudge_that_falls_in_the_quiet_hours_waits_or_goes_by_email(
    at: Any, now: datetime, quiet: tuple[time, time], channel: str, local_time: time
) -> None:
    at(now)
    child = patient(time_zone=NY)
    contact_row(patient=child, quiet_start=quiet[0], quiet_end=quiet[1])
    program_missing_yesterday(child)

    notifications_sweep(timezone.now())

    (nudge,) = made(Reminder.Kind.MISSED_NUDGE)
    assert (nudge.channel, nudge.local_time) == (channel, local_time)


def test_it_does_not_nudge_a_paused_contact_or_one_without_consent(at: Any) -> None:
    at(NUDGE_TIME)
    paused_child, silent_child = patient(time_zone=NY), patient(time_zone=NY)
    contact_row(patient=paused_child, paused=True)
    contact_row(patient=silent_child, consent_to=())
    program_missing_yesterday(paused_child)
    program_missing_yesterday(silent_child)

    notifications_sweep(timezone.now())

    assert made(Reminder.Kind.MISSED_NUDGE) == []


def test_it_does_not_text_a_suppressed_number(new_yorker: Patient) -> None:
    own = contact_row(patient=new_yorker)
    Suppression.objects.create(
        channel=Channel.SMS, address=own.phone, reason=Suppression.Reason.STOP_KEYWORD
    )
    program_missing_yesterday(new_yorker)

    notifications_sweep(timezone.now())

    (nudge,) = made(Reminder.Kind.MISSED_NUDGE)
    assert nudge.channel == Channel.EMAIL


def test_it_does_not_nudge_a_paused_program(missed: Program) -> None:
    program_pause(actor=missed.created_by, program=missed, reason="Seen in clinic.")

    notifications_sweep(timezone.now())

    assert made(Reminder.Kind.MISSED_NUDGE) == []


def test_it_cancels_a_pending_nudge_once_the_session_is_logged_done(missed: Program) -> None:
    notifications_sweep(timezone.now())
    log_session(missed.sessions.get(date=date(2025, 5, 13)))

    result = notifications_sweep(timezone.now())

    (nudge,) = made(Reminder.Kind.MISSED_NUDGE)
    assert result.cancelled == 1
    assert nudge.status == Reminder.Status.CANCELLED


# -- The weekly check-in ------------------------------------------------------------------


def test_it_reminds_of_the_check_in_at_6_pm_on_the_last_day_of_the_week(at: Any) -> None:
    at(CHECK_IN_TIME)
    child = patient(time_zone=NY)
    own = contact_row(patient=child)
    mother = contact_row(patient=child, guardian=guardian(patient=child))
    program = active_program(patient=child, started_days_ago=6)

    result = notifications_sweep(timezone.now())

    rows = made(Reminder.Kind.CHECK_IN_DUE)
    assert result.check_ins == 2
    assert [row.contact for row in rows] == [own, mother]
    assert {(row.program, row.local_time, row.lead) for row in rows} == {
        (program, time(18), "week_1")
    }


def test_it_does_not_remind_of_a_check_in_already_submitted_that_week(at: Any) -> None:
    at(CHECK_IN_TIME)
    child = patient(time_zone=NY, with_user=True)
    contact_row(patient=child)
    active_program(patient=child, started_days_ago=13)
    assert child.user is not None
    quiet_check_in(actor=child.user, patient=child, mood=4, today=date(2025, 5, 9))

    notifications_sweep(timezone.now())

    assert made(Reminder.Kind.CHECK_IN_DUE) == []


def test_it_reminds_of_no_check_in_in_the_middle_of_a_week(at: Any) -> None:
    at(CHECK_IN_TIME)
    child = patient(time_zone=NY)
    contact_row(patient=child)
    active_program(patient=child, started_days_ago=10)

    notifications_sweep(timezone.now())

    assert made(Reminder.Kind.CHECK_IN_DUE) == []


def test_it_cancels_the_check_in_reminder_once_the_check_in_arrives(at: Any) -> None:
    at(CHECK_IN_TIME)
    child = patient(time_zone=NY, with_user=True)
    contact_row(patient=child)
    active_program(patient=child, started_days_ago=6)
    notifications_sweep(timezone.now())
    assert child.user is not None
    quiet_check_in(actor=child.user, patient=child, mood=4)

    notifications_sweep(timezone.now())

    (row,) = made(Reminder.Kind.CHECK_IN_DUE)
    assert row.status == Reminder.Status.CANCELLED


def test_the_check_in_reminder_stands_in_for_the_nudge_on_its_day(at: Any) -> None:
    at(CHECK_IN_TIME)
    child = patient(time_zone=NY)
    contact_row(patient=child)
    program_missing_yesterday(child, days_ago=13)

    notifications_sweep(timezone.now())

    assert made(Reminder.Kind.MISSED_NUDGE) == []
    assert len(made(Reminder.Kind.CHECK_IN_DUE)) == 1


# -- By push -----------------------------------------------------------------------------


@pytest.fixture
def maya(at: Any) -> Patient:
    """Maya in New York, who signs in, at 16:05 there: a nudge's time."""
    at(NUDGE_TIME)
    return patient(time_zone=NY, with_user=True, first_name="Maya", last_name="Lopez")


def on_devices(
    push: FakePushService, contact: Contact, count: int = 1
) -> list[tuple[Device, PushSubscription]]:
    """``contact`` turns notifications on on ``count`` devices (their texts and email stay
    ready as well)."""
    return [push.subscribe(contact) for _ in range(count)]


def notified(push: FakePushService, device: Device, kind: str) -> list[Push]:
    """The notifications of ``kind`` that reached ``device`` (its session reminders are
    left out)."""
    return [
        one
        for one in push.delivered_to(device)
        if one.payload is not None and one.payload["tag"].startswith(f"{kind}:")
    ]


def texted(memory_sms: Any, kind: str) -> list[Any]:
    return [sms for sms in memory_sms.sent if sms.idempotency_key.startswith(f"{kind}:")]


def arrived(push: FakePushService, device: Device, kind: str) -> dict[str, Any]:
    """The one notification of ``kind`` that reached ``device``, decrypted, checked for
    health detail."""
    (one,) = notified(push, device, kind)
    assert one.payload is not None
    lock_screen = f"{one.payload['title']} {one.payload['body']}"
    assert not HEALTH_WORDS.search(lock_screen), lock_screen
    return one.payload


def test_a_nudge_goes_to_each_device_instead_of_a_text_and_opens_today(
    maya: Patient, push: FakePushService, dispatch: Callable[[], object], memory_sms: Any
) -> None:
    own = contact_row(patient=maya, quiet_start=time(20), quiet_end=time(9))
    (phone, _), (laptop, _) = on_devices(push, own, 2)
    program_missing_yesterday(maya)

    notifications_sweep(timezone.now())
    dispatch()
    notifications_sweep(timezone.now())
    dispatch()

    nudges = made(Reminder.Kind.MISSED_NUDGE)
    assert {(row.channel, row.status) for row in nudges} == {(Channel.PUSH, Reminder.Status.SENT)}
    for device in (phone, laptop):
        payload = arrived(push, device, Reminder.Kind.MISSED_NUDGE)
        assert payload["url"] == f"/p/{maya.pk}/today/"
        assert payload["body"].endswith("Today is a fresh start, whenever you're ready.")
        assert "Lopez" not in payload["body"]
    assert texted(memory_sms, Reminder.Kind.MISSED_NUDGE) == [] and mail.outbox == []
    # Held for a phone that is off no later than 20:00, when the quiet hours begin.
    (first,) = notified(push, phone, Reminder.Kind.MISSED_NUDGE)
    assert first.ttl is not None and int(first.ttl) <= 3 * 3600 + 55 * 60


def test_a_check_in_reminder_arrives_by_push_once_and_opens_the_check_in(
    at: Any, push: FakePushService, dispatch: Callable[[], object]
) -> None:
    at(CHECK_IN_TIME)
    child = patient(time_zone=NY, with_user=True, first_name="Maya")
    mother = contact_row(patient=child, guardian=guardian(patient=child))
    ((device, _),) = on_devices(push, mother)
    active_program(patient=child, started_days_ago=6)

    first = notifications_sweep(timezone.now())
    dispatch()
    again = notifications_sweep(timezone.now() + timedelta(minutes=5))
    dispatch()

    assert (first.check_ins, again.check_ins) == (1, 0)
    payload = arrived(push, device, Reminder.Kind.CHECK_IN_DUE)
    assert payload["url"] == f"/p/{child.pk}/check-in/"
    assert payload["body"].endswith("Maya's weekly check-in is due. It only takes a moment.")
    (row,) = made(Reminder.Kind.CHECK_IN_DUE)
    assert (row.channel, row.status, row.attempts) == (Channel.PUSH, Reminder.Status.SENT, 1)


def test_a_push_nudge_waits_for_the_quiet_hours_to_end(
    maya: Patient, at: Any, push: FakePushService, dispatch: Callable[[], object]
) -> None:
    own = contact_row(patient=maya, quiet_start=time(13), quiet_end=time(18))
    ((device, _),) = on_devices(push, own)
    program_missing_yesterday(maya)

    notifications_sweep(timezone.now())
    dispatch()
    assert push.pushes == []
    at(datetime(2025, 5, 14, 22, 1, tzinfo=UTC))  # 18:01
    notifications_sweep(timezone.now())
    dispatch()

    (nudge,) = made(Reminder.Kind.MISSED_NUDGE)
    assert (nudge.channel, nudge.local_time) == (Channel.PUSH, time(18))
    assert len(notified(push, device, Reminder.Kind.MISSED_NUDGE)) == 1


def test_a_push_nudge_planned_before_the_quiet_hours_changed_is_not_sent_in_them(
    maya: Patient, push: FakePushService, dispatch: Callable[[], object]
) -> None:
    own = contact_row(patient=maya)
    on_devices(push, own)
    program_missing_yesterday(maya)
    notifications_sweep(timezone.now())
    Contact.objects.filter(pk=own.pk).update(quiet_start=time(15), quiet_end=time(9))

    dispatch()

    (nudge,) = made(Reminder.Kind.MISSED_NUDGE)
    assert nudge.status == Reminder.Status.EXPIRED and "quiet hours" in nudge.last_error
    assert push.pushes == []


def test_no_push_nudge_goes_to_a_paused_contact_even_one_planned_before(
    maya: Patient, push: FakePushService, dispatch: Callable[[], object], memory_sms: Any
) -> None:
    own = contact_row(patient=maya)
    on_devices(push, own)
    program_missing_yesterday(maya)
    notifications_sweep(timezone.now())
    Contact.objects.filter(pk=own.pk).update(paused=True)

    dispatch()
    notifications_sweep(timezone.now())
    dispatch()

    (nudge,) = made(Reminder.Kind.MISSED_NUDGE)
    assert nudge.status == Reminder.Status.CANCELLED and "paused" in nudge.last_error
    assert push.pushes == [] and memory_sms.sent == [] and mail.outbox == []


def test_a_suppressed_device_gets_no_nudge_and_a_text_goes_instead(
    maya: Patient, push: FakePushService, dispatch: Callable[[], object], memory_sms: Any
) -> None:
    own = contact_row(patient=maya)
    ((device, _),) = on_devices(push, own)
    Suppression.objects.create(
        channel=Channel.PUSH, address=device.endpoint, reason=Suppression.Reason.MANUAL
    )
    program_missing_yesterday(maya)

    notifications_sweep(timezone.now())
    dispatch()

    (nudge,) = made(Reminder.Kind.MISSED_NUDGE)
    assert nudge.channel == Channel.SMS
    assert len(texted(memory_sms, Reminder.Kind.MISSED_NUDGE)) == 1


def test_a_device_that_is_gone_is_removed_and_the_nudge_comes_by_text_once(
    maya: Patient, at: Any, push: FakePushService, dispatch: Callable[[], object], memory_sms: Any
) -> None:
    own = contact_row(patient=maya)
    ((device, subscription),) = on_devices(push, own)
    program_missing_yesterday(maya)
    push.forget(device)  # the browser unsubscribed: 410 Gone

    notifications_sweep(timezone.now())
    dispatch()
    for minutes in (5, 10):  # the next sweeps
        at(NUDGE_TIME + timedelta(minutes=minutes))
        notifications_sweep(timezone.now())
        dispatch()

    by_push, by_text = made(Reminder.Kind.MISSED_NUDGE)
    assert (by_push.channel, by_push.status) == (Channel.PUSH, Reminder.Status.FAILED)
    assert by_push.last_error.startswith("410:")
    assert not PushSubscription.objects.filter(pk=subscription.pk).exists()
    assert (by_text.channel, by_text.status) == (Channel.SMS, Reminder.Status.SENT)
    assert len(texted(memory_sms, Reminder.Kind.MISSED_NUDGE)) == 1


def test_a_nudge_that_reached_one_device_comes_by_nothing_else_when_another_is_gone(
    maya: Patient, at: Any, push: FakePushService, dispatch: Callable[[], object], memory_sms: Any
) -> None:
    own = contact_row(patient=maya)
    (phone, _), (old_laptop, _) = on_devices(push, own, 2)
    program_missing_yesterday(maya)
    push.forget(old_laptop)

    notifications_sweep(timezone.now())
    dispatch()
    at(NUDGE_TIME + timedelta(minutes=5))
    notifications_sweep(timezone.now())
    dispatch()

    assert len(notified(push, phone, Reminder.Kind.MISSED_NUDGE)) == 1
    assert len(made(Reminder.Kind.MISSED_NUDGE)) == 2
    assert texted(memory_sms, Reminder.Kind.MISSED_NUDGE) == []


def test_a_pending_push_nudge_is_cancelled_once_the_session_is_logged_done(
    maya: Patient, push: FakePushService
) -> None:
    own = contact_row(patient=maya)
    on_devices(push, own, 2)
    program = program_missing_yesterday(maya)
    notifications_sweep(timezone.now())
    log_session(program.sessions.get(date=date(2025, 5, 13)))

    result = notifications_sweep(timezone.now())

    assert result.cancelled == 2
    assert {row.status for row in made(Reminder.Kind.MISSED_NUDGE)} == {Reminder.Status.CANCELLED}


# -- The red flag, to the therapists ------------------------------------------------------


@pytest.fixture
def child(at: Any) -> Patient:
    """At 16:05 in New York, Maya, who signs in, with one therapist at her clinic, Jordan."""
    at(NUDGE_TIME)
    clinic = ClinicFactory.create()
    jordan = therapist(clinic=clinic, first_name="Jordan")
    return patient(clinic=clinic, therapists=[jordan], with_user=True, first_name="Maya")


def reporter(child: Patient) -> User:
    assert child.user is not None
    return child.user


def red_flag(child: Patient, django_capture_on_commit_callbacks: Any) -> Alert:
    reporter = child.user or child.therapists.get()
    with django_capture_on_commit_callbacks(execute=True):
        check_in_submit(actor=reporter, patient=child, red_flags=["fever", "rash"], flare=False)
    return Alert.objects.get(patient=child, kind=AlertKind.RED_FLAG.value)


def self_harm_email(child: Patient, django_capture_on_commit_callbacks: Any) -> Reminder:
    """The one staff email after ``child`` reports thoughts of self-harm in a check-in."""
    with django_capture_on_commit_callbacks(execute=True):
        check_in_submit(flare=False, actor=reporter(child), patient=child, red_flags=["self_harm"])
    (row,) = made(Reminder.Kind.RED_FLAG_STAFF)
    return row


def test_a_red_flag_emails_each_therapist_at_once(
    at: Any, django_capture_on_commit_callbacks: Any
) -> None:
    at(NUDGE_TIME)
    clinic = ClinicFactory.create()
    first, second = therapist(clinic=clinic), therapist(clinic=clinic)
    child = patient(clinic=clinic, therapists=[first, second], with_user=True)

    alert = red_flag(child, django_capture_on_commit_callbacks)

    rows = made(Reminder.Kind.RED_FLAG_STAFF)
    assert [row.staff_user for row in rows] == [first, second]
    assert {(row.channel, row.due_at, row.context["alert_id"]) for row in rows} == {
        (Channel.EMAIL, alert.created_at, alert.id)
    }


def test_the_red_flag_email_names_the_patient_but_its_subject_does_not(
    child: Patient, django_capture_on_commit_callbacks: Any
) -> None:
    alert = red_flag(child, django_capture_on_commit_callbacks)
    (row,) = made(Reminder.Kind.RED_FLAG_STAFF)

    message = render_staff(row)

    assert message.to == child.therapists.get().email
    assert "Maya" not in message.subject and "fibromyalgia" not in message.subject.lower()
    assert child.full_name in message.body and "Fever, Rash" in message.body
    assert f"http://127.0.0.1:8000/clinic/alerts/?alert={alert.id}#alert-{alert.id}" in message.body
    assert "/api/" not in message.body


@pytest.mark.parametrize(
    ("locale", "when"),
    [("en-us", "(Wednesday, May 14, 4:05 PM)"), ("en-gb", "(Wednesday 14 May, 16:05)")],
)
def test_the_red_flag_email_says_when_as_the_clinic_writes_it(
    child: Patient, django_capture_on_commit_callbacks: Any, locale: str, when: str
) -> None:
    Clinic.objects.filter(pk=child.clinic_id).update(locale=locale)
    red_flag(child, django_capture_on_commit_callbacks)
    (row,) = made(Reminder.Kind.RED_FLAG_STAFF)

    body = render_staff(row).body

    assert f"{child.full_name} reported a red flag {when}." in body


@pytest.mark.parametrize(
    ("locale", "when"),
    [("en-us", "(miércoles 14 de mayo, 4:05 p.m.)"), ("en-gb", "(miércoles 14 de mayo, 16:05)")],
)
def test_a_spanish_speaking_therapist_gets_the_red_flag_email_in_spanish(
    child: Patient, django_capture_on_commit_callbacks: Any, locale: str, when: str
) -> None:
    Clinic.objects.filter(pk=child.clinic_id).update(locale=locale)
    jordan = child.therapists.get()
    user_language_set(user=jordan, language="es")
    colleague = therapist(clinic=child.clinic, language="en")
    child.therapists.add(colleague)
    red_flag(child, django_capture_on_commit_callbacks)
    rows = sorted(made(Reminder.Kind.RED_FLAG_STAFF), key=lambda row: row.staff_user_id or 0)
    spanish, english = (render_staff(row) for row in rows)

    # Each in the language of the one who reads it, with the clinic's way with times.
    assert spanish.to == jordan.email
    assert spanish.subject == "Se informó una señal de alarma: por favor, revísela hoy"
    assert f"{child.full_name} informó una señal de alarma {when}." in spanish.body
    assert english.subject == "A red flag was reported: please review it today"


def test_thoughts_of_self_harm_email_the_therapist_urgently_with_nothing_in_the_subject(
    child: Patient, django_capture_on_commit_callbacks: Any
) -> None:
    row = self_harm_email(child, django_capture_on_commit_callbacks)
    alert = Alert.objects.get(patient=child)

    message = render_staff(row)

    assert (alert.kind, row.context["alert_id"]) == ("self_harm", alert.id)
    assert message.subject == "Urgent: please check gradus now"
    assert f"{child.full_name} reported thoughts of self-harm" in message.body
    assert f"/clinic/alerts/?alert={alert.id}#alert-{alert.id}" in message.body
    # Without a running program, nothing was paused, and the email does not say so.
    assert "paused" not in message.body


def test_a_self_harm_email_whose_alert_is_gone_still_says_only_that_it_is_urgent(
    child: Patient, django_capture_on_commit_callbacks: Any
) -> None:
    row = self_harm_email(child, django_capture_on_commit_callbacks)
    Alert.objects.all().delete()

    message = render_staff(row)

    assert message.subject == "Urgent: please check gradus now"
    assert "self-harm" not in message.body and "/clinic/alerts/" in message.body


def test_self_harm_with_another_red_flag_sends_one_email_for_each_alert(
    child: Patient, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        check_in_submit(
            flare=False, actor=reporter(child), patient=child, red_flags=["self_harm", "fever"]
        )

    subjects = sorted(render_staff(row).subject for row in made(Reminder.Kind.RED_FLAG_STAFF))

    assert subjects == [
        "A red flag was reported: please review it today",
        "Urgent: please check gradus now",
    ]


def test_the_sweep_repairs_a_lost_self_harm_email(child: Patient) -> None:
    # No on-commit callbacks run: the signal's email is lost.
    check_in_submit(flare=False, actor=reporter(child), patient=child, red_flags=["self_harm"])

    result = notifications_sweep(timezone.now())

    assert result.red_flags == 1
    assert made(Reminder.Kind.RED_FLAG_STAFF)[0].context["kind"] == "self_harm"


def test_the_red_flag_email_goes_out_through_the_email_channel(
    child: Patient, django_capture_on_commit_callbacks: Any
) -> None:
    red_flag(child, django_capture_on_commit_callbacks)
    (row,) = made(Reminder.Kind.RED_FLAG_STAFF)

    EmailChannel().send(render_staff(row))

    (sent,) = mail.outbox
    assert sent.subject == "A red flag was reported: please review it today"
    assert sent.extra_headers["Auto-Submitted"] == "auto-generated"
    assert "List-Unsubscribe" not in sent.extra_headers


def test_the_dispatchers_render_hands_staff_reminders_to_the_staff_texts(
    child: Patient, django_capture_on_commit_callbacks: Any
) -> None:
    red_flag(child, django_capture_on_commit_callbacks)
    (row,) = made(Reminder.Kind.RED_FLAG_STAFF)

    message = render(row)

    assert message == render_staff(row)


def test_a_red_flag_skips_therapists_without_email_or_from_another_clinic(
    at: Any, django_capture_on_commit_callbacks: Any
) -> None:
    at(NUDGE_TIME)
    clinic = ClinicFactory.create()
    reachable = therapist(clinic=clinic)
    no_email = therapist(clinic=clinic, email="")
    moved_on = therapist()  # works at another clinic now
    child = patient(clinic=clinic, therapists=[reachable, no_email, moved_on], with_user=True)

    red_flag(child, django_capture_on_commit_callbacks)

    assert [row.staff_user for row in made(Reminder.Kind.RED_FLAG_STAFF)] == [reachable]


def test_a_red_flag_goes_to_the_clinic_admins_when_no_therapist_can_be_reached(
    at: Any, django_capture_on_commit_callbacks: Any
) -> None:
    at(NUDGE_TIME)
    clinic = ClinicFactory.create()
    admin = clinic_admin(clinic=clinic)
    child = patient(clinic=clinic, with_user=True)

    red_flag(child, django_capture_on_commit_callbacks)

    assert [row.staff_user for row in made(Reminder.Kind.RED_FLAG_STAFF)] == [admin]


def test_other_alerts_send_no_email_at_once(
    child: Patient, django_capture_on_commit_callbacks: Any
) -> None:

    with django_capture_on_commit_callbacks(execute=True):
        alert_raise(patient=child, program=None, kind=AlertKind.LOW_ADHERENCE, message="Low.")

    assert made(Reminder.Kind.RED_FLAG_STAFF) == []


def test_the_sweep_emails_a_red_flag_whose_signal_was_lost(child: Patient) -> None:
    # Raised in this test's transaction: its on-commit signal never runs.
    alert_raise(patient=child, program=None, kind=AlertKind.RED_FLAG, message="Fever.")

    result = notifications_sweep(timezone.now())
    notifications_sweep(timezone.now())

    assert result.red_flags == 1
    assert len(made(Reminder.Kind.RED_FLAG_STAFF)) == 1


def test_a_red_flag_older_than_a_day_is_left_to_the_digest(child: Patient) -> None:
    alert = alert_raise(patient=child, program=None, kind=AlertKind.RED_FLAG, message="Fever.")

    added = red_flag_notify(alert_id=alert.id, now=timezone.now() + timedelta(hours=25))

    assert added == 0
    assert made(Reminder.Kind.RED_FLAG_STAFF) == []


def test_an_acknowledged_red_flag_cancels_its_pending_email(at: Any) -> None:
    at(NUDGE_TIME)
    clinic = ClinicFactory.create()
    pt = therapist(clinic=clinic)
    child = patient(clinic=clinic, therapists=[pt])
    alert = alert_raise(patient=child, program=None, kind=AlertKind.RED_FLAG, message="Fever.")
    red_flag_notify(alert_id=alert.id)
    alert_acknowledge(actor=pt, alert=alert)

    notifications_sweep(timezone.now())

    (row,) = made(Reminder.Kind.RED_FLAG_STAFF)
    assert row.status == Reminder.Status.CANCELLED


# -- The morning digest -------------------------------------------------------------------


def digest_clinic() -> tuple[Clinic, User, Patient]:
    clinic = ClinicFactory.create(time_zone=NY)
    pt = therapist(clinic=clinic, first_name="Jordan")
    child = patient(clinic=clinic, therapists=[pt], first_name="Ava", last_name="Chen")
    return clinic, pt, child


def test_it_sends_each_therapist_a_digest_of_open_alerts_at_8_am(at: Any) -> None:
    at(DIGEST_TIME)
    clinic, pt, child = digest_clinic()
    flare = alert_raise(
        patient=child, program=None, kind=AlertKind.PERSISTENT_FLARE, message="Flares."
    )
    low = alert_raise(patient=child, program=None, kind=AlertKind.LOW_ADHERENCE, message="Low.")

    result = notifications_sweep(timezone.now())

    (digest,) = made(Reminder.Kind.ALERT_DIGEST)
    assert result.digests == 1
    assert (digest.staff_user, digest.local_time) == (pt, time(8))
    assert digest.due_at == datetime(2025, 5, 14, 12, 0, tzinfo=UTC)
    assert digest.context == {"clinic_id": clinic.id, "alert_ids": sorted([flare.id, low.id])}


def test_it_sends_no_digest_before_8_or_without_open_alerts(at: Any) -> None:
    at(DIGEST_TIME)
    _, pt, child = digest_clinic()
    seen = alert_raise(patient=child, program=None, kind=AlertKind.LOW_ADHERENCE, message="L.")
    notifications_sweep(datetime(2025, 5, 14, 11, 55, tzinfo=UTC))
    alert_acknowledge(actor=pt, alert=seen)

    notifications_sweep(timezone.now())

    assert made(Reminder.Kind.ALERT_DIGEST) == []


def test_it_sends_one_digest_a_day(at: Any) -> None:
    at(DIGEST_TIME)
    _, _, child = digest_clinic()
    alert_raise(patient=child, program=None, kind=AlertKind.LOW_ADHERENCE, message="Low.")

    notifications_sweep(timezone.now())
    notifications_sweep(timezone.now() + timedelta(hours=1))
    notifications_sweep(timezone.now() + timedelta(days=1))

    digests = made(Reminder.Kind.ALERT_DIGEST)
    assert [row.local_date for row in digests] == [date(2025, 5, 14), date(2025, 5, 15)]


def test_a_therapist_gets_no_digest_of_patients_not_theirs(at: Any) -> None:
    at(DIGEST_TIME)
    clinic, pt, child = digest_clinic()
    colleague = therapist(clinic=clinic)
    alert_raise(patient=child, program=None, kind=AlertKind.LOW_ADHERENCE, message="Low.")

    notifications_sweep(timezone.now())

    assert [row.staff_user for row in made(Reminder.Kind.ALERT_DIGEST)] == [pt]
    assert colleague.reminders.count() == 0


def test_the_digest_lists_what_is_still_open_with_links(at: Any) -> None:
    at(DIGEST_TIME)
    _, pt, child = digest_clinic()
    low = alert_raise(
        patient=child, program=None, kind=AlertKind.LOW_ADHERENCE, message="Two of seven."
    )
    done = alert_raise(
        patient=child, program=None, kind=AlertKind.PERSISTENT_FLARE, message="Flares."
    )
    notifications_sweep(timezone.now())
    alert_acknowledge(actor=pt, alert=done)
    (digest,) = made(Reminder.Kind.ALERT_DIGEST)

    message = render_staff(digest)

    assert message.subject == "1 open alert for your patients"
    assert "Ava Chen: low adherence, since May 14." in message.body
    assert "Two of seven." in message.body
    assert f"/clinic/alerts/?alert={low.id}#alert-{low.id}" in message.body
    assert f"?alert={done.id}#" not in message.body and "/api/" not in message.body


def test_an_en_gb_clinics_digest_writes_its_dates_its_way(at: Any) -> None:
    at(DIGEST_TIME)
    clinic, _, child = digest_clinic()
    Clinic.objects.filter(pk=clinic.pk).update(locale="en-gb")
    alert_raise(patient=child, program=None, kind=AlertKind.LOW_ADHERENCE, message="Low.")
    notifications_sweep(timezone.now())
    (digest,) = made(Reminder.Kind.ALERT_DIGEST)

    assert "Ava Chen: low adherence, since 14 May." in render_staff(digest).body


# -- Wall-clock times ---------------------------------------------------------------------


def test_4_pm_stays_4_pm_across_the_spring_clock_change() -> None:
    before = local_to_utc(date(2025, 3, 8), time(16), NY)
    after = local_to_utc(date(2025, 3, 9), time(16), NY)

    assert before.hour == 21
    assert after.hour == 20


def test_quiet_hours_wrap_around_midnight() -> None:
    night = (time(20), time(9))

    assert in_quiet_hours(time(22), *night) and in_quiet_hours(time(8, 59), *night)
    assert not in_quiet_hours(time(9), *night) and not in_quiet_hours(time(19, 59), *night)
    assert not in_quiet_hours(time(3), time(0), time(0))


# -- The periodic task --------------------------------------------------------------------


def test_beat_runs_the_sweep_every_few_minutes() -> None:
    entry = celery_app.conf.beat_schedule["reminders.notifications_sweep"]

    assert entry["task"] == "reminders.notifications_sweep"
    assert entry["schedule"] == timedelta(minutes=5)
    assert entry["options"]["expires"] == 300


def test_the_sweep_task_makes_what_is_due_and_says_how_much(missed: Program) -> None:

    counts = sweep_notifications.apply().get()

    assert counts == {
        "nudges": 1, "check_ins": 0, "digests": 0, "red_flags": 0, "cancelled": 0,
    }  # fmt: skip
