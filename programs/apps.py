from django.apps import AppConfig
from django.conf import settings


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = "Programs"

    def ready(self) -> None:
        # Connects the receivers that forget cached grants of today's session when a token,
        # user, guardian link or patient changes: in every process, whatever else it imports.
        import programs.cache

        # Connects the receiver that revokes a user's API tokens when their password changes.
        import programs.services.tokens  # noqa: F401

        # Beat reads CELERY_BEAT_SCHEDULE after Django is set up; each app adds its own
        # entries to the one dict rather than settings listing every app's tasks.
        from programs.tasks import BEAT_SCHEDULE

        settings.CELERY_BEAT_SCHEDULE.update(BEAT_SCHEDULE)
