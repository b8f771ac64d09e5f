"""The Celery tasks, called as plain functions with the clock frozen; the queue is stood in for
by a fake that runs what would have been sent, so each test shows what a worker would do."""

import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import OperationalError

from config.celery import app as celery_app
from programs.models import Program, WeeklyReview
from programs.tasks import (
    SWEEP_MINUTES,
    complete_program,
    programs_due,
    review_program,
    run_weekly_reviews,
)
from tests.programs.factories import (
    active_program,
    activity_choice,
    draft_program,
    log_week,
    patient,
)

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 3, 2)
# Week 0 of a program starting on MONDAY ends at local midnight between Sunday 8 and Monday 9
# March 2026. London is on GMT then; Los Angeles moved to PDT (UTC-7) that Sunday.
LONDON_MIDNIGHT = datetime(2026, 3, 9, 0, 0, tzinfo=UTC)
LOS_ANGELES_MIDNIGHT = datetime(2026, 3, 9, 7, 0, tzinfo=UTC)


class Queue:
    """Stands in for Redis and a worker: records what is sent and runs it at once."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, int]] = []

    def sender(self, task: Any) -> Callable[..., None]:
        def apply_async(args: tuple[int], **options: Any) -> None:
            assert options["expires"] > 0  # nothing stale is ever run from the queue
            self.sent.append((task.name, args[0]))
            task(*args)

        return apply_async


@pytest.fixture
def queue(monkeypatch: pytest.MonkeyPatch) -> Queue:
    fake = Queue()
    for task in (review_program, complete_program):
        monkeypatch.setattr(task, "apply_async", fake.sender(task))
    return fake


def at(moment: datetime) -> "time_machine.travel":
    return time_machine.travel(moment, tick=False)


def program_in(zone: str, *, start: date = MONDAY, **options: Any) -> Program:
    with at(datetime(2026, 3, 2, 12, 0, tzinfo=UTC)):
        return active_program(patient=patient(time_zone=zone), start_date=start, **options)


def scheduled_reviews(program: Program) -> list[int]:
    return list(
        program.reviews.filter(trigger=WeeklyReview.Trigger.SCHEDULED).values_list(
            "week", flat=True
        )
    )


@pytest.mark.parametrize(
    ("zone", "midnight"),
    [("Europe/London", LONDON_MIDNIGHT), ("America/Los_Angeles", LOS_ANGELES_MIDNIGHT)],
)
def test_it_reviews_a_week_at_the_patients_local_midnight(
    queue: Queue, zone: str, midnight: datetime
) -> None:
    program = program_in(zone)

    with at(midnight - timedelta(minutes=1)):
        run_weekly_reviews()
    before = scheduled_reviews(program)
    with at(midnight):
        run_weekly_reviews()

    assert before == []
    assert scheduled_reviews(program) == [0]


def test_it_reviews_london_and_los_angeles_at_different_utc_times(queue: Queue) -> None:
    london = program_in("Europe/London")
    los_angeles = program_in("America/Los_Angeles")

    with at(LONDON_MIDNIGHT + timedelta(minutes=SWEEP_MINUTES)):
        run_weekly_reviews()

    assert queue.sent == [("programs.review_program", london.pk)]
    assert scheduled_reviews(london) == [0] and scheduled_reviews(los_angeles) == []


def test_it_stores_one_review_however_often_it_runs(queue: Queue) -> None:
    program = program_in("Europe/London")

    with at(LONDON_MIDNIGHT):
        run_weekly_reviews()
        run_weekly_reviews()
        first = review_program(program.pk)
        second = review_program(program.pk)

    assert first is not None and first == second
    assert WeeklyReview.objects.filter(program=program).count() == 1
    assert queue.sent == [("programs.review_program", program.pk)]  # the second sweep: nothing


def test_it_reviews_nothing_while_the_first_week_runs(queue: Queue) -> None:
    program_in("Europe/London")

    with at(LONDON_MIDNIGHT - timedelta(seconds=1)):
        counts = run_weekly_reviews()

    assert counts == {"reviews": 0, "completions": 0}
    assert not WeeklyReview.objects.exists()


def test_it_reviews_the_week_just_ended_and_not_the_next_one(queue: Queue) -> None:
    program = program_in("America/Los_Angeles")

    for week in range(1, 4):
        with at(LOS_ANGELES_MIDNIGHT + timedelta(weeks=week - 1, minutes=5)):
            run_weekly_reviews()
            run_weekly_reviews()

    assert scheduled_reviews(program) == [2, 1, 0]
    assert len(queue.sent) == 3


def test_it_leaves_drafts_and_discharged_programs_alone(queue: Queue) -> None:
    with at(datetime(2026, 3, 2, 12, 0, tzinfo=UTC)):
        draft_program(patient=patient(time_zone="Europe/London"), start_date=MONDAY)
    discharged = program_in("Europe/London")
    Program.objects.filter(pk=discharged.pk).update(status=Program.Status.DISCHARGED)

    with at(LONDON_MIDNIGHT):
        run_weekly_reviews()

    assert queue.sent == []
    assert not WeeklyReview.objects.exists()


def test_it_reviews_a_paused_program_so_the_pause_holds(queue: Queue) -> None:
    program = program_in("Europe/London")
    Program.objects.filter(pk=program.pk).update(status=Program.Status.PAUSED)

    with at(LONDON_MIDNIGHT):
        run_weekly_reviews()

    review = program.reviews.get()
    assert review.decision == "pause"


def test_it_discharges_a_finished_program_once_its_last_week_is_reviewed(queue: Queue) -> None:
    # 7 to 8 minutes in one step and no maintain or taper weeks: discharged after two weeks.
    program = program_in(
        "Europe/London",
        weeks=1,
        activities=[activity_choice(goal_quota=8)],
        parameters={"maintain_weeks": 0, "taper_weeks": 0},
    )
    with at(LONDON_MIDNIGHT + timedelta(days=6)):
        log_week(program, week=0)
    with at(LONDON_MIDNIGHT + timedelta(days=13)):
        log_week(program, week=1)

    with at(LONDON_MIDNIGHT + timedelta(weeks=1)):  # the discharge date
        run_weekly_reviews()
        run_weekly_reviews()
    program.refresh_from_db()

    assert queue.sent == [
        ("programs.review_program", program.pk),
        ("programs.complete_program", program.pk),
    ]
    assert scheduled_reviews(program) == [1]
    assert program.status == Program.Status.DISCHARGED


def test_it_finds_the_due_programs_in_one_query(
    django_assert_num_queries: Callable[[int], Any],
) -> None:
    for zone in ("Europe/London", "America/Los_Angeles", "Asia/Kolkata", "Pacific/Kiritimati"):
        program_in(zone)

    with django_assert_num_queries(1):
        due = programs_due(LONDON_MIDNIGHT)

    assert len(due.reviews) == 3  # all but Los Angeles, where it is still Sunday


def test_it_does_nothing_for_a_program_that_is_gone() -> None:
    assert review_program(10**9) is None
    assert complete_program(10**9) is None


def test_beat_runs_the_sweep_every_quarter_hour() -> None:
    entry = celery_app.conf.beat_schedule["programs.run_weekly_reviews"]

    assert entry["task"] == run_weekly_reviews.name
    assert entry["schedule"].minute == {0, 15, 30, 45}
    assert entry["options"]["expires"] <= SWEEP_MINUTES * 60


def test_the_review_tasks_retry_a_lost_database_and_are_time_limited() -> None:
    visibility_timeout = celery_app.conf.broker_transport_options["visibility_timeout"]

    tasks: tuple[Any, ...] = (review_program, complete_program)
    for task in tasks:
        assert OperationalError in task.autoretry_for
        assert task.soft_time_limit is not None and task.time_limit is not None
        assert task.soft_time_limit < task.time_limit < visibility_timeout


@pytest.fixture
def worker_queue() -> Iterator[str]:
    """A queue of this test's own, so a worker started here takes nobody else's messages."""
    name = f"test-{uuid.uuid4().hex}"
    previous = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = name
    yield name
    celery_app.conf.task_default_queue = previous


# SQLite's shared in-memory test database locks whole tables between threads, so the worker
# thread and this one would trip over each other there.
@pytest.mark.slow  # starts a Celery worker
@pytest.mark.requires_redis
@pytest.mark.requires_postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_reviews_a_finished_week(worker_queue: str) -> None:
    from celery.contrib.testing.worker import start_worker

    program = active_program(started_weeks_ago=1)

    with start_worker(celery_app, perform_ping_check=False, queues=[worker_queue]):
        run_weekly_reviews.delay()
        deadline = time.monotonic() + 20
        while not program.reviews.exists() and time.monotonic() < deadline:
            time.sleep(0.2)

    assert scheduled_reviews(program) == [0]
