from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from programs.services.demo import DEMO_CLINIC_NAME, Login, demo_build, demo_exists, demo_logins

SITE = "http://127.0.0.1:8000"


class Command(BaseCommand):
    help = (
        f"Build the demo clinic ({DEMO_CLINIC_NAME}) with weeks of history through the "
        "services, and print its logins. Does nothing but print them when it already exists."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        # The demo's accounts have published passwords, one of them a superuser's.
        if settings.PRODUCTION:
            raise CommandError("seed_demo creates accounts with known passwords: not in production")
        # `make run` calls this on every start: the clinic's name says it has been done.
        if demo_exists():
            self.stdout.write(f"The demo clinic ({DEMO_CLINIC_NAME}) is already there.")
        else:
            demo_build()
            self.stdout.write(self.style.SUCCESS(f"Built the demo clinic ({DEMO_CLINIC_NAME})."))
        self._print_logins(demo_logins())

    def _print_logins(self, logins: list[Login]) -> None:
        width = max(len(login.username) for login in logins)
        self.stdout.write("")
        self.stdout.write(f"{'username':<{width}}  {'password':<12}  who")
        for login in logins:
            self.stdout.write(f"{login.username:<{width}}  {login.password:<12}  {login.who}")
        self.stdout.write("")
        self.stdout.write(f"The web:    {SITE}/ (sign in with any login above)")
        self.stdout.write(f"Admin site: {SITE}/admin/ (sign in as admin)")
        self.stdout.write(f"API docs:   {SITE}/api/docs/")
