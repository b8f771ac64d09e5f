from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from pytest_django import Settings


@pytest.mark.django_db
@pytest.mark.requires_redis
def test_it_reports_that_the_services_answer() -> None:
    out = StringIO()

    call_command("check_services", stdout=out)

    assert out.getvalue() == "The database and Redis answer.\n"


@pytest.mark.django_db
def test_it_says_how_to_start_redis_when_it_does_not_answer(
    settings: Settings, closed_port: int
) -> None:
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port}/0"

    with pytest.raises(CommandError) as raised:
        call_command("check_services")

    assert "Redis does not answer" in str(raised.value)
    assert "redis-server --daemonize yes --bind 127.0.0.1 --port 6379" in str(raised.value)
