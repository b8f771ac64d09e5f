from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Load demo clinics, people and programs (a placeholder until the programs issue)."

    def handle(self, *args: Any, **options: Any) -> None:
        # `make run` calls this on every start, so the real version must stay idempotent too.
        self.stdout.write("No demo data yet: it arrives with the programs issue. Nothing changed.")
