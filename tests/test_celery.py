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
