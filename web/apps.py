from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "web"
    verbose_name = "Web pages"

    def ready(self) -> None:
        # Connects the receiver that marks a staff member's session at sign-in, for the idle
        # timeout: in every process, before any request (tests sign in without one).
        import web.accounts.idle  # noqa: F401
