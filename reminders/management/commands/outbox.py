import json
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reminders.outbox_view import outbox_summary, summary_lines


class Command(BaseCommand):
    help = (
        "The reminder outbox at a glance: pending, due now, late, failed and expired counts, "
        "and how long the oldest due reminder has waited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--hours",
            type=int,
            default=24,
            help="Count failed and expired reminders due in the last HOURS (default 24).",
        )
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")
        parser.add_argument(
            "--check",
            action="store_true",
            help="Exit with status 1 when any reminder is late (for a monitor or cron).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["hours"] < 1:
            raise CommandError("--hours must be at least 1")
        summary = outbox_summary(recent=timedelta(hours=options["hours"]))
        if options["json"]:
            age = summary.oldest_due_age
            self.stdout.write(
                json.dumps(
                    {
                        "at": summary.now.isoformat(),
                        "pending": summary.pending,
                        "due_now": summary.due_now,
                        "late": summary.late,
                        "failed": summary.failed,
                        "expired": summary.expired,
                        "oldest_due_age_seconds": (
                            int(age.total_seconds()) if age is not None else None
                        ),
                    }
                )
            )
        else:
            self.stdout.write(f"Outbox at {summary.now:%Y-%m-%d %H:%M:%S} UTC")
            for label, value, note in summary_lines(summary):
                self.stdout.write(f"  {label:<11} {value:>12}  {note}")
        if options["check"] and summary.late:
            raise CommandError(f"{summary.late} reminder(s) late", returncode=1)
