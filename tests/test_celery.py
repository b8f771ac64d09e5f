from pathlib import Path

from django.conf import settings

from config.celery import app


def test_it_gives_back_the_tasks_of_a_worker_that_dies() -> None:
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


def test_it_limits_tasks_to_less_than_the_redis_visibility_timeout() -> None:
    visibility_timeout = app.conf.broker_transport_options["visibility_timeout"]

    assert app.conf.task_soft_time_limit < app.conf.task_time_limit
    assert app.conf.task_time_limit < visibility_timeout == 3600


def test_it_sends_tasks_through_redis_and_never_runs_them_eagerly() -> None:
    assert app.conf.broker_url == settings.REDIS_URL
    assert app.conf.task_always_eager is False
    assert app.conf.task_serializer == "json"


def test_a_lost_broker_connection_lets_the_tasks_in_flight_finish() -> None:
    """A Redis restart must not cut a reminder's provider call short
    (reminders/services/dispatch.py)."""
    assert app.conf.worker_cancel_long_running_tasks_on_connection_loss is False


def queue_of(task_name: str) -> str:
    route = app.amqp.router.route({}, task_name)
    return str(route["queue"].name)


def test_reminders_are_dispatched_sent_and_reaped_on_a_queue_of_their_own() -> None:
    assert {
        name: queue_of(name) for name in ("reminders.dispatch", "reminders.send", "reminders.reap")
    } == dict.fromkeys(("reminders.dispatch", "reminders.send", "reminders.reap"), "reminders")
    assert queue_of("programs.run_weekly_reviews") == "celery"
    assert queue_of("programs.review_program") == "celery"
    assert queue_of("reminders.outbox_sweep") == "celery"


def _procfile_queues() -> list[set[str]]:
    lines = (Path(settings.BASE_DIR) / "Procfile").read_text().splitlines()
    workers = [line.split(":", 1)[1].split() for line in lines if " worker " in f" {line} "]
    return [set(words[words.index("--queues") + 1].split(",")) for words in workers]


def test_make_run_starts_a_worker_for_reminders_alone_and_one_for_the_rest() -> None:
    assert sorted(map(sorted, _procfile_queues())) == [["celery"], ["reminders"]]
