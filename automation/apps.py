from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "automation"
    verbose_name = "Automation: macros and rules"

    def ready(self) -> None:
        from . import config, receivers  # noqa: F401  (rules listen to tickets.signals.ticket_event)

        config.register()  # macros and rules travel in the SLA file
        from django.utils.translation import gettext_lazy as _

        from tickets.services.bulk import BulkAction, bulk_action_register

        from .services import bulk_macro_prepare

        # The desk queue's and the API's bulk actions offer "apply a macro" (tickets never imports us).
        bulk_action_register(BulkAction("macro", _("Apply a macro"), bulk_macro_prepare))
        from django.db.models.signals import post_migrate

        from .permissions import grant_managers

        post_migrate.connect(grant_managers, sender=self, dispatch_uid="automation-managers")
