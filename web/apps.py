from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "web"
    verbose_name = "Web pages"

    def ready(self) -> None:
        # Connects the receivers that mark a session at sign-in, for the idle timeout and the
        # clinic's locale: in every process, before any request (tests sign in without one).
        import web.accounts.idle
        import web.locale  # noqa: F401
