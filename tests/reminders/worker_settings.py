"""Settings for the Celery worker that tests/reminders/test_reliability.py starts: the app's
own settings, read from the environment the test gives it, with one change a test cannot make
through the environment: temporary failures are tried again after a second, not a minute, so
a real worker shows a retry within the test."""

from config.settings import *  # noqa: F403

REMINDERS_RETRY_BACKOFF_SECONDS = (1, 1, 1)
