from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self) -> None:
        from . import (
            checks,  # noqa: F401  (registers the webhook-secret deploy check)
            receivers,  # noqa: F401  (connects anymail's tracking signal)
        )
