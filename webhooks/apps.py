from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks: signed events to other systems"

    def ready(self) -> None:
        from notifications.models import Notification
        from notifications.transports import transport_register

        from . import receivers  # noqa: F401  (events come from tickets.signals)
        from .transport import EndpointTransport

        transport_register(Notification.Channel.ENDPOINT, EndpointTransport)
