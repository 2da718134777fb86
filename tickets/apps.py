from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (rank and job-policy changes reach the tickets)
        from .intake import receivers as intake_receivers  # noqa: F401  (connects anymail's inbound signal)
