from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from programs.services.demo import DEMO_CLINIC_NAME
from reminders.services.demo import demo_contacts_build, demo_reminders_soon


class Command(BaseCommand):
    help = (
        "Give the demo clinic's patients and guardians reminder contacts (fictional, verified, "
        "with consent), sync their session reminders, and queue two demo reminders due within "
        "a minute. Run after seed_demo; safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-soon",
            action="store_true",
            help="Skip the two demo reminders due within a minute.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("seed_demo_reminders is for the demo clinic: not in production")
        built = demo_contacts_build()
        if not built.patients:
            self.stdout.write(f"No demo clinic ({DEMO_CLINIC_NAME}): run seed_demo first.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Reminder contacts for {len(built.patients)} demo patients and their guardians: "
                f"{built.contacts_created} new, {built.consents_recorded} consents recorded, "
                f"{built.session_reminders} session reminders pending in the outbox."
            )
        )
        if options["no_soon"]:
            return
        soon = demo_reminders_soon()
        for reminder in soon:
            assert reminder.contact is not None
            self.stdout.write(
                f"Demo reminder by {reminder.channel} to {reminder.contact.name}, due "
                f"{reminder.due_at:%H:%M:%S} UTC: watch the reminders worker's output."
            )
        if not soon:
            self.stdout.write("No demo session ahead to remind of right now.")
