from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "automation"
    verbose_name = "Automation: macros and rules"

    def ready(self) -> None:
        from . import config, receivers  # noqa: F401  (rules listen to tickets.signals.ticket_event)

        config.register()  # macros and rules travel in the SLA file
        from django.db.models.signals import post_migrate

        from .permissions import grant_managers

        post_migrate.connect(grant_managers, sender=self, dispatch_uid="automation-managers")
