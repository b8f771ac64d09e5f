from django.apps import AppConfig
from django.conf import settings


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = "Reminders"

    def ready(self) -> None:
        # As programs does: each app adds its own periodic tasks to the one schedule.
        from reminders.tasks import beat_schedule

        settings.CELERY_BEAT_SCHEDULE.update(beat_schedule())
        # The outbox follows programs, contacts and suppressions through signals.
        from reminders.signals import connect

        connect()
        # A red flag emails the therapists at once (programs.signals.alert_raised).
        from reminders import receivers

        receivers.connect()
