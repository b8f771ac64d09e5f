from typing import Any

from django.core.management.base import BaseCommand, CommandError

from config.health import database_error, redis_error

REDIS_START_COMMAND = (
    'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no'
)


class Command(BaseCommand):
    """`make run` calls this before starting anything, so a missing service reads as one line.

    It lives in config, beside the /healthz probes it shares (config/health.py).
    """

    help = "Check that the database and Redis answer; say how to start Redis if it does not."

    def handle(self, *args: Any, **options: Any) -> None:
        # CommandError prints just its message and exits with status 1: no traceback.
        if (error := database_error()) is not None:
            raise CommandError(f"The database does not answer ({error}); check DATABASE_URL.")
        if redis_error() is not None:
            raise CommandError(
                f"Redis does not answer at REDIS_URL; start it with: {REDIS_START_COMMAND}"
            )
        self.stdout.write("The database and Redis answer.")
