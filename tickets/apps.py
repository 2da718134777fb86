from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (marks tickets when the job policies they follow change)
        from .intake import receivers as intake_receivers  # noqa: F401  (connects anymail's inbound signal)
