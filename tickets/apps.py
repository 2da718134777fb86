from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"

    def ready(self) -> None:
        from .intake import receivers  # noqa: F401  (connects anymail's inbound signal)
