from django.apps import AppConfig


class HelpdeskConfig(AppConfig):
    """The project package as an app, so its system checks register (it has no models)."""

    name = "helpdesk"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the placeholder-secret deploy check)
