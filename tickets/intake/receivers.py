"""anymail's inbound webhooks (any provider it supports) hand us an AnymailInboundMessage; it goes to
the same service as ``manage.py ingest_email``."""

from anymail.signals import inbound
from django.dispatch import receiver
from django.utils import timezone

from .service import email_ingest


@receiver(inbound, dispatch_uid="tickets.intake.inbound")
def inbound_email(sender, event, esp_name, **kwargs) -> None:
    message = event.message
    try:
        raw = message.as_bytes()
    except Exception:  # a message anymail built but cannot flatten: its text is still worth a ticket
        raw = str(message).encode("utf-8", "replace")
    email_ingest(raw=raw, message=message, now=timezone.now(), source=f"{esp_name} webhook")
