from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from reminders.channels.webpush import VapidKeys


class Command(BaseCommand):
    help = (
        "For development: write a VAPID key pair for Web Push into var/ (gitignored) unless "
        "the environment sets one or the file exists already."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        path = settings.WEBPUSH_DEV_KEYS_FILE
        if settings.WEBPUSH_VAPID_PRIVATE_KEY:
            self.stdout.write("webpush: VAPID keys are set")
            return
        if path.exists():
            self.stdout.write(f"webpush: development VAPID keys kept in {path}")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(VapidKeys.generate().as_json() + "\n")
        path.chmod(0o600)
        self.stdout.write(f"webpush: a development VAPID key pair written to {path}")
