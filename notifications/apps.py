from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects anymail's tracking signal)
