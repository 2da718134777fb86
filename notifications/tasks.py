from celery import shared_task
from django.utils import timezone

from . import services
from .transports import TransportError


@shared_task(
    bind=True, autoretry_for=(TransportError,), retry_backoff=30, retry_backoff_max=3600, max_retries=7
)
def notification_send(self, notification_id: int) -> None:
    services.notification_deliver(
        notification_id=notification_id, now=timezone.now(), claimant=self.request.id or ""
    )


@shared_task
def outbox_flush() -> int:
    return services.outbox_flush(now=timezone.now())
