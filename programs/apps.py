from django.apps import AppConfig
from django.conf import settings


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = "Programs"

    def ready(self) -> None:
        # Beat reads CELERY_BEAT_SCHEDULE after Django is set up; each app adds its own
        # entries to the one dict rather than settings listing every app's tasks.
        from programs.tasks import BEAT_SCHEDULE

        settings.CELERY_BEAT_SCHEDULE.update(BEAT_SCHEDULE)
