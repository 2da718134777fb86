from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "automation"
    verbose_name = "Automation: macros and rules"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (rules listen to tickets.signals.ticket_event)
