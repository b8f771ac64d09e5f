"""The dispatcher's services and tasks, in the test process: claim, send, retry, suppress,
expire and reap, on SQLite and on PostgreSQL (two dispatchers at once on PostgreSQL only).

The real worker, Redis and SIGKILL are in test_reliability.py.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from reminders.channels import OutgoingMessage, SendResult, TemporaryFailure, backend_for
from reminders.channels.memory import MemorySms
from reminders.channels.recording import JOURNAL_ENV, PERMANENT, TEMPORARY, Journal, Plan
from reminders.messages import render
from reminders.models import Channel, Reminder, Suppression
from reminders.services import dispatch as dispatch_module
from reminders.services.dispatch import (
    SEND_CHUNK,
    in_quiet_hours,
    reminders_claim_due,
    reminders_dispatch,
    reminders_reap,
    reminders_send,
)
from reminders.tasks import dispatch_reminders, enqueue_sends, send_reminders, sweep_outbox
from tests.concurrency import at_once
from tests.reminders.factories import contact_row, due_reminder, due_reminders
from tests.reminders.fake_twilio import FakeTwilio

pytestmark = pytest.mark.usefixtures("memory_sms")

Status = Reminder.Status
CaptureOnCommit = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]

# Thursday 5 March 2026, 15:00 in New York (EST, UTC-5).
AFTERNOON = datetime(2026, 3, 5, 20, 0, tzinfo=UTC)


@pytest.fixture
def journal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Journal:
    """The SMS provider as a journal on disk, to script its failures."""
    monkeypatch.setenv(JOURNAL_ENV, str(tmp_path / "journal"))
    return Journal(tmp_path / "journal")


def at(moment: datetime) -> time_machine.travel:
    return time_machine.travel(moment, tick=False)


def status_of(reminder: Reminder) -> str:
    reminder.refresh_from_db()
    return reminder.status


@pytest.mark.django_db
class TestDispatch:
    def test_it_claims_the_due_rows_and_sends_each_once(
        self, dispatch: Callable[[], list[int]]
    ) -> None:
        due = due_reminders(3)
        later = due_reminder(due_in=timedelta(minutes=10))

        claimed = dispatch()

        assert sorted(claimed) == sorted(r.id for r in due)
        assert [status_of(r) for r in due] == [Status.SENT] * 3
        assert status_of(later) == Status.PENDING
        assert MemorySms.calls == {r.idempotency_key: 1 for r in due}

    def test_it_records_the_provider_id_and_when_it_went(
        self, dispatch: Callable[[], list[int]]
    ) -> None:
        with at(AFTERNOON):
            reminder = due_reminder()
            dispatch()

        reminder.refresh_from_db()
        assert reminder.provider_message_id.startswith("SMmemory")
        assert (reminder.sent_at, reminder.attempts, reminder.lease_expires_at) == (
            AFTERNOON,
            1,
            None,
        )

    def test_a_claim_leases_the_rows_and_leaves_them_for_the_send(self) -> None:
        with at(AFTERNOON):
            reminder = due_reminder()
            ids = reminders_claim_due(limit=10)

        reminder.refresh_from_db()
        assert ids == [reminder.id]
        assert reminder.status == Status.CLAIMED
        assert reminder.lease_expires_at == AFTERNOON + timedelta(
            seconds=settings.REMINDERS_LEASE_SECONDS
        )

    def test_a_claim_takes_the_oldest_first_and_no_more_than_asked(self) -> None:
        newest, oldest, middle = (
            due_reminder(due_in=timedelta(minutes=-minutes)) for minutes in (1, 30, 10)
        )

        assert reminders_claim_due(limit=2) == sorted([oldest.id, middle.id])
        assert status_of(newest) == Status.PENDING

    def test_it_claims_in_batches_until_nothing_is_due(
        self, django_capture_on_commit_callbacks: CaptureOnCommit
    ) -> None:
        due_reminders(25)
        batches: list[list[int]] = []

        with django_capture_on_commit_callbacks(execute=True):
            report = reminders_dispatch(enqueue=batches.append, batch_size=10)

        assert [len(batch) for batch in batches] == [10, 10, 5]
        assert (report.claimed, report.batches) == (25, 3)

    def test_it_claims_no_more_than_workers_can_start_within_a_lease(
        self,
        django_capture_on_commit_callbacks: CaptureOnCommit,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setattr(dispatch_module, "MAX_CLAIMED", 20)
        due_reminders(30)
        reminders_claim_due(limit=5)  # still waiting for their send

        with django_capture_on_commit_callbacks(execute=True):
            report = reminders_dispatch(enqueue=lambda ids: None, batch_size=10)

        assert (report.claimed, report.batches) == (15, 2)
        assert Reminder.objects.filter(status=Status.PENDING).count() == 10

    def test_it_expires_what_is_past_its_grace_window_without_sending_it(
        self, dispatch: Callable[[], list[int]]
    ) -> None:
        late = due_reminder(due_in=timedelta(minutes=-61), grace=timedelta(minutes=60))
        started = due_reminder(due_in=timedelta(minutes=-30), session_in=timedelta(minutes=20))

        assert dispatch() == []
        assert (status_of(late), status_of(started)) == (Status.EXPIRED, Status.EXPIRED)
        assert MemorySms.calls == {}

    def test_a_send_run_twice_sends_once(self) -> None:
        reminder = due_reminder()
        ids = reminders_claim_due(limit=10)

        first = send_reminders(ids)
        second = send_reminders(ids)

        assert (first, second) == ({Status.SENT: 1}, {"skipped": 1})
        assert MemorySms.calls == {reminder.idempotency_key: 1}

    def test_a_send_leaves_rows_it_was_not_given_claimed(self) -> None:
        reminder = due_reminder()

        assert send_reminders([reminder.id]) == {"skipped": 1}
        assert status_of(reminder) == Status.PENDING
        assert MemorySms.calls == {}

    def test_a_send_out_of_time_gives_the_rest_back(self) -> None:
        reminders = due_reminders(3)
        ids = reminders_claim_due(limit=10)

        report = reminders_send(reminder_ids=ids, deadline_seconds=0)

        assert report.outcomes["released"] == 3
        assert {status_of(r) for r in reminders} == {Status.PENDING}


@pytest.mark.django_db
class TestRefusals:
    def test_it_does_not_send_to_an_address_suppressed_after_the_claim(self) -> None:
        reminder = due_reminder()
        ids = reminders_claim_due(limit=10)
        Suppression.objects.create(
            channel=Channel.SMS,
            address=reminder.contact.phone,  # type: ignore[union-attr]
            reason=Suppression.Reason.STOP_KEYWORD,
        )

        assert send_reminders(ids) == {Status.SUPPRESSED: 1}
        assert MemorySms.calls == {}

    @pytest.mark.parametrize(
        ("change", "reason"),
        [
            ({"paused": True}, "paused"),
            ({"sms_enabled": False}, "turned text messages off"),
            ({"phone_verified_at": None}, "not verified"),
        ],
    )
    def test_it_does_not_send_to_a_contact_who_changed_their_mind(
        self, dispatch: Callable[[], list[int]], change: dict[str, Any], reason: str
    ) -> None:
        reminder = due_reminder(contact_row(**change))

        dispatch()

        reminder.refresh_from_db()
        assert (reminder.status, MemorySms.calls) == (Status.CANCELLED, {})
        assert reason in reminder.last_error

    def test_it_does_not_send_once_consent_is_withdrawn(
        self, dispatch: Callable[[], list[int]]
    ) -> None:
        reminder = due_reminder()
        reminder.contact.consents.update(withdrawn_at=timezone.now())  # type: ignore[union-attr]

        dispatch()

        assert (status_of(reminder), MemorySms.calls) == (Status.CANCELLED, {})

    def test_it_sends_no_text_inside_quiet_hours(self, dispatch: Callable[[], list[int]]) -> None:
        contact = contact_row(quiet_start=time(20, 0), quiet_end=time(9, 0))
        # 20:30 in New York; due at 19:45, still inside its grace window.
        with at(datetime(2026, 3, 6, 1, 30, tzinfo=UTC)):
            evening = due_reminder(contact, due_in=timedelta(minutes=-45))
            dispatch()

        evening.refresh_from_db()
        assert (evening.status, MemorySms.calls) == (Status.EXPIRED, {})
        assert "quiet hours" in evening.last_error

    def test_it_texts_outside_quiet_hours(self, dispatch: Callable[[], list[int]]) -> None:
        contact = contact_row(quiet_start=time(20, 0), quiet_end=time(9, 0))
        with at(AFTERNOON):
            reminder = due_reminder(contact)
            dispatch()

        assert status_of(reminder) == Status.SENT

    def test_quiet_hours_may_span_midnight_or_be_none(self) -> None:
        evening, morning = time(20, 0), time(9, 0)

        assert [in_quiet_hours(time(h, 0), evening, morning) for h in (8, 9, 19, 20, 23)] == [
            True,
            False,
            False,
            True,
            True,
        ]
        assert in_quiet_hours(time(13, 0), time(12, 0), time(14, 0))
        assert not in_quiet_hours(time(3, 0), time(0, 0), time(0, 0))

    def test_it_sends_email_outside_quiet_hours_and_with_an_unsubscribe_header(
        self, dispatch: Callable[[], list[int]], mailoutbox: list[Any]
    ) -> None:
        contact = contact_row(quiet_start=time(20, 0), quiet_end=time(9, 0))
        with at(datetime(2026, 3, 6, 1, 30, tzinfo=UTC)):
            reminder = due_reminder(contact, channel=Channel.EMAIL, due_in=timedelta(minutes=-5))
            dispatch()

        assert status_of(reminder) == Status.SENT
        assert [m.to for m in mailoutbox] == [[contact.email]]
        assert "List-Unsubscribe" in mailoutbox[0].extra_headers


@pytest.mark.django_db
class TestFailures:
    def test_a_temporary_failure_is_retried_after_1_5_and_15_minutes(
        self, dispatch: Callable[[], list[int]], journal: Journal
    ) -> None:
        contact = contact_row()
        journal.write_plan(Plan(failures={contact.phone: [TEMPORARY] * 3}))
        with at(AFTERNOON) as clock:
            reminder = due_reminder(contact, grace=timedelta(minutes=60))
            waits = []
            for _ in range(4):
                dispatch()
                reminder.refresh_from_db()
                waits.append((reminder.due_at - timezone.now(), reminder.attempts))
                clock.shift(reminder.due_at - timezone.now())

        assert waits[:3] == [
            (timedelta(minutes=1), 1),
            (timedelta(minutes=5), 2),
            (timedelta(minutes=15), 3),
        ]
        assert reminder.status == Status.SENT
        assert reminder.sent_at == AFTERNOON + timedelta(minutes=21)
        assert journal.messages_per_key() == {reminder.idempotency_key: 1}

    def test_a_temporary_failure_with_no_time_left_to_retry_expires(
        self, dispatch: Callable[[], list[int]], journal: Journal
    ) -> None:
        contact = contact_row()
        journal.write_plan(Plan(failures={contact.phone: [TEMPORARY]}))
        reminder = due_reminder(contact, due_in=timedelta(minutes=-59), grace=timedelta(hours=1))

        dispatch()

        reminder.refresh_from_db()
        assert (reminder.status, reminder.attempts) == (Status.EXPIRED, 1)
        assert "20429" in reminder.last_error

    def test_a_permanent_failure_suppresses_the_address_and_is_not_retried(
        self, dispatch: Callable[[], list[int]], journal: Journal
    ) -> None:
        contact = contact_row()
        journal.write_plan(Plan(failures={contact.phone: [PERMANENT]}))
        failing = due_reminder(contact)
        tomorrow = due_reminder(contact, due_in=timedelta(days=1))
        by_email = due_reminder(contact, channel=Channel.EMAIL, due_in=timedelta(days=1))

        dispatch()
        dispatch()

        assert (status_of(failing), status_of(tomorrow)) == (Status.FAILED, Status.SUPPRESSED)
        assert status_of(by_email) == Status.PENDING
        assert Suppression.objects.filter(
            channel=Channel.SMS, address=contact.phone, reason="permanent_failure"
        ).exists()
        assert journal.calls_per_key() == {failing.idempotency_key: 1}

    def test_an_unexpected_error_from_an_idempotent_provider_is_retried_with_the_same_key(
        self, dispatch: Callable[[], list[int]], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def broken(self: MemorySms, message: OutgoingMessage) -> SendResult:
            raise ConnectionResetError("the provider hung up")

        monkeypatch.setattr(MemorySms, "send", broken)
        reminder = due_reminder()

        dispatch()

        reminder.refresh_from_db()
        assert (reminder.status, reminder.attempts) == (Status.PENDING, 1)
        assert "ConnectionResetError" in reminder.last_error

    def test_an_unexpected_error_from_a_provider_without_keys_is_never_retried(
        self, dispatch: Callable[[], list[int]], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def broken(self: MemorySms, message: OutgoingMessage) -> SendResult:
            raise ConnectionResetError("the provider hung up")

        monkeypatch.setattr(MemorySms, "send", broken)
        monkeypatch.setattr(MemorySms, "supports_idempotency", False)
        reminder = due_reminder()

        dispatch()
        dispatch()

        assert status_of(reminder) == Status.UNKNOWN

    @pytest.mark.parametrize(
        ("dedupes", "status"), [(True, Status.PENDING), (False, Status.UNKNOWN)]
    )
    def test_a_timeout_that_may_have_sent_it_is_retried_only_if_the_provider_dedupes(
        self,
        dispatch: Callable[[], list[int]],
        monkeypatch: pytest.MonkeyPatch,
        dedupes: bool,
        status: str,
    ) -> None:
        def timeout(self: MemorySms, message: OutgoingMessage) -> SendResult:
            raise TemporaryFailure("timeout", "no answer in time; it may have been sent")

        monkeypatch.setattr(MemorySms, "send", timeout)
        monkeypatch.setattr(MemorySms, "supports_idempotency", dedupes)
        reminder = due_reminder()

        dispatch()

        assert status_of(reminder) == status


@pytest.mark.django_db
class TestReap:
    def test_a_claim_whose_send_was_lost_is_sent_after_its_lease(
        self, dispatch: Callable[[], list[int]]
    ) -> None:
        with at(AFTERNOON) as clock:
            reminder = due_reminder()
            reminders_claim_due(limit=10)  # ...and the send task vanished with Redis
            clock.shift(timedelta(seconds=settings.REMINDERS_LEASE_SECONDS + 1))
            dispatch()
            reaped = reminders_reap()
            dispatch()

        assert reaped.released == 1
        assert status_of(reminder) == Status.SENT
        assert MemorySms.calls == {reminder.idempotency_key: 1}

    def test_it_leaves_leases_that_have_not_run_out(self) -> None:
        reminder = due_reminder()
        reminders_claim_due(limit=10)

        assert reminders_reap().released == 0
        assert status_of(reminder) == Status.CLAIMED

    def test_a_lost_send_is_sent_again_with_its_key_when_the_provider_dedupes(
        self, dispatch: Callable[[], list[int]]
    ) -> None:
        reminder = self._lost_mid_send(channel=Channel.SMS)

        reaped = reminders_reap()
        dispatch()

        assert reaped.retried == 1
        assert status_of(reminder) == Status.SENT
        assert [m.idempotency_key for m in MemorySms.sent] == [reminder.idempotency_key]

    def test_a_lost_send_is_marked_unknown_when_the_provider_cannot_dedupe(
        self, dispatch: Callable[[], list[int]], mailoutbox: list[Any]
    ) -> None:
        reminder = self._lost_mid_send(channel=Channel.EMAIL)

        reaped = reminders_reap()
        dispatch()

        assert reaped.unknown == 1
        assert status_of(reminder) == Status.UNKNOWN
        assert mailoutbox == []

    def test_a_lost_send_past_its_window_is_unknown_even_when_the_provider_dedupes(self) -> None:
        reminder = self._lost_mid_send(channel=Channel.SMS, grace=timedelta(minutes=1))

        assert reminders_reap().unknown == 1
        assert status_of(reminder) == Status.UNKNOWN

    def _lost_mid_send(self, *, channel: str, grace: timedelta = timedelta(hours=1)) -> Reminder:
        """A row a worker flipped to sending and then died with: its lease ran out."""
        return due_reminder(
            channel=channel,
            due_in=timedelta(minutes=-2),
            grace=grace,
            status=Status.SENDING,
            attempts=1,
            lease_expires_at=timezone.now() - timedelta(seconds=1),
        )


def lost_mid_call(contact: Any = None, **options: Any) -> Reminder:
    """A text a worker flipped to sending, began calling Twilio for, and died with: its
    lease has run out."""
    now = timezone.now()
    values: dict[str, Any] = {
        "due_in": timedelta(minutes=-5),
        "status": Status.SENDING,
        "attempts": 1,
        "attempt_started_at": now - timedelta(minutes=3),
        "lease_expires_at": now - timedelta(seconds=1),
    }
    values.update(options)
    return due_reminder(contact, **values)


def send_at_twilio(reminder: Reminder) -> str:
    """What the dead worker's call did get through: Twilio has the message."""
    row = Reminder.objects.select_related("contact__patient__clinic").get(id=reminder.id)
    return backend_for("sms").send(render(row)).provider_message_id


@pytest.mark.django_db
class TestLostSendsAtTwilio:
    def test_a_call_that_timed_out_is_asked_about_and_recorded_sent_not_sent_twice(
        self, twilio: FakeTwilio, dispatch: Callable[[], list[int]]
    ) -> None:
        reminder = due_reminder()
        twilio.hang_next(2)
        with twilio.settings(TWILIO_TIMEOUT_SECONDS=0.3):
            dispatch()
        waiting = status_of(reminder)
        with at(timezone.now() + timedelta(seconds=settings.REMINDERS_LEASE_SECONDS + 1)):
            reaped = reminders_reap()
            dispatch()

        reminder.refresh_from_db()
        assert waiting == Status.SENDING
        assert (reaped.confirmed, reminder.status) == (1, Status.SENT)
        assert reminder.provider_message_id == twilio.sent[0].sid
        assert twilio.sent_per_key == {reminder.idempotency_key: 1}

    def test_a_send_lost_after_twilio_took_it_is_recorded_sent(self, twilio: FakeTwilio) -> None:
        reminder = lost_mid_call()
        sid = send_at_twilio(reminder)

        reaped = reminders_reap()

        reminder.refresh_from_db()
        assert (reaped.confirmed, reminder.status, reminder.provider_message_id) == (
            1,
            Status.SENT,
            sid,
        )
        assert twilio.sent_per_key == {reminder.idempotency_key: 1}

    def test_a_send_lost_before_it_reached_twilio_is_sent_again_once(
        self, twilio: FakeTwilio, dispatch: Callable[[], list[int]]
    ) -> None:
        reminder = lost_mid_call()

        reaped = reminders_reap()
        dispatch()

        reminder.refresh_from_db()
        assert (reaped.retried, reminder.status, reminder.attempts) == (1, Status.SENT, 2)
        assert twilio.sent_per_key == {reminder.idempotency_key: 1}

    def test_a_send_lost_before_twilio_and_past_its_window_expires(
        self, twilio: FakeTwilio
    ) -> None:
        reminder = lost_mid_call(due_in=timedelta(minutes=-61), grace=timedelta(minutes=60))

        reaped = reminders_reap()

        assert (reaped.expired, reaped.unknown, status_of(reminder)) == (1, 0, Status.EXPIRED)
        assert twilio.sent == []

    def test_identical_texts_to_one_number_are_told_apart_by_the_ids_recorded(
        self, twilio: FakeTwilio, dispatch: Callable[[], list[int]]
    ) -> None:
        """Twilio shows the same number and text for both; the message a row already holds
        is not the other's, and of two lost, one message settles only one."""
        contact = contact_row()
        starts = timezone.now() + timedelta(hours=1)
        recorded, first_lost, _ = (
            lost_mid_call(contact, session_starts_at=starts) for _ in range(3)
        )
        recorded_sid = send_at_twilio(recorded)
        Reminder.objects.filter(id=recorded.id).update(
            status=Status.SENT, provider_message_id=recorded_sid, lease_expires_at=None
        )
        lost_sid = send_at_twilio(first_lost)

        reaped = reminders_reap()
        dispatch()

        assert (reaped.confirmed, reaped.retried) == (1, 1)
        rows = Reminder.objects.filter(contact=contact)
        assert set(rows.values_list("status", flat=True)) == {Status.SENT}
        assert len(set(rows.values_list("provider_message_id", flat=True))) == 3
        assert lost_sid in set(rows.values_list("provider_message_id", flat=True))
        assert len(twilio.sent) == 3

    def test_a_lost_send_waits_while_twilio_cannot_be_asked_then_is_unknown(
        self, twilio: FakeTwilio
    ) -> None:
        reminder = lost_mid_call()
        twilio.fail_lookups(20500)

        first = reminders_reap()
        with at(timezone.now() + timedelta(days=1)):
            later = reminders_reap()

        reminder.refresh_from_db()
        assert (first.unanswered, later.unknown) == (1, 1)
        assert reminder.status == Status.UNKNOWN
        assert "could not be asked" in reminder.last_error


@pytest.mark.django_db
class TestTasks:
    def test_dispatch_queues_the_claimed_rows_in_chunks_after_commit(
        self,
        monkeypatch: pytest.MonkeyPatch,
        django_capture_on_commit_callbacks: CaptureOnCommit,
    ) -> None:
        due_reminders(2 * SEND_CHUNK + 20)
        queued: list[tuple[list[int], dict[str, Any]]] = []
        monkeypatch.setattr(
            send_reminders, "apply_async", lambda args, **options: queued.append((*args, options))
        )

        with django_capture_on_commit_callbacks(execute=True):
            report = dispatch_reminders()

        assert report == {"claimed": 2 * SEND_CHUNK + 20, "expired": 0, "batches": 1}
        assert [len(ids) for ids, _ in queued] == [SEND_CHUNK, SEND_CHUNK, 20]
        assert {options["expires"] for _, options in queued} == {settings.REMINDERS_LEASE_SECONDS}

    def test_rows_whose_send_the_broker_refused_are_given_back_at_once(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        reminders = due_reminders(3)
        ids = reminders_claim_due(limit=10)

        def refuse(*args: Any, **options: Any) -> None:
            raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

        monkeypatch.setattr(send_reminders, "apply_async", refuse)
        enqueue_sends(ids)

        assert {status_of(r) for r in reminders} == {Status.PENDING}

    def test_beat_runs_the_dispatcher_every_30_seconds_and_the_reaper(self) -> None:
        schedule = settings.CELERY_BEAT_SCHEDULE

        assert schedule["reminders.dispatch"]["schedule"] == timedelta(seconds=30)
        assert schedule["reminders.dispatch"]["options"] == {"expires": 30}
        assert schedule["reminders.reap"]["task"] == "reminders.reap"
        assert schedule["reminders.outbox_sweep"]["schedule"] == timedelta(hours=1)

    def test_the_outbox_sweep_task_reports_what_it_changed(self) -> None:
        assert sweep_outbox() == {
            "created": 0,
            "updated": 0,
            "revived": 0,
            "cancelled": 0,
            "programs": 0,
        }


@pytest.mark.requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_claim_disjoint_rows_and_send_each_once() -> None:
    reminders = due_reminders(400, per_contact=40)
    claims: dict[str, list[int]] = {"a": [], "b": []}
    errors: list[BaseException] = []

    def dispatcher(name: str) -> Callable[[], None]:
        def claim_and_send() -> None:
            try:
                while ids := _claim_batch():
                    claims[name].extend(ids)
                    reminders_send(reminder_ids=ids)
            except BaseException as error:  # surfaced by the assertion below
                errors.append(error)

        return claim_and_send

    at_once(*(dispatcher(name) for name in claims))

    assert errors == []
    assert claims["a"] and claims["b"], "both dispatchers took part"
    assert not set(claims["a"]) & set(claims["b"])
    assert MemorySms.calls == {r.idempotency_key: 1 for r in reminders}


def _claim_batch() -> list[int]:
    from django.db import transaction

    with transaction.atomic():
        return reminders_claim_due(limit=7)


@pytest.mark.requires_postgres
@pytest.mark.django_db(transaction=True)
def test_one_send_task_delivered_twice_at_once_sends_each_reminder_once() -> None:
    """Redis may hand the same task to two workers (a visibility timeout, a restart)."""
    reminders = due_reminders(100)
    ids = reminders_claim_due(limit=500)
    outcomes: list[dict[str, int]] = []

    def worker() -> None:
        outcomes.append(dict(reminders_send(reminder_ids=ids).outcomes))

    at_once(worker, worker)

    assert sum(o.get(Status.SENT, 0) for o in outcomes) == 100
    assert MemorySms.calls == {r.idempotency_key: 1 for r in reminders}
