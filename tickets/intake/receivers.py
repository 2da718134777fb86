"""anymail's inbound webhooks (any provider it supports) hand us an AnymailInboundMessage. The receiver
only stores the raw bytes durably and queues the parse (``email_receive``), so the ESP gets its quick 200;
a worker then runs the same service as ``manage.py ingest_email``, with the same idempotency."""

from anymail.signals import inbound
from django.dispatch import receiver
from django.utils import timezone

from .store import email_receive


@receiver(inbound, dispatch_uid="tickets.intake.inbound")
def inbound_email(sender, event, esp_name, **kwargs) -> None:
    message = event.message
    try:
        raw = message.as_bytes()
    except Exception:  # a message anymail built but cannot flatten: its text is still worth a ticket
        raw = str(message).encode("utf-8", "replace")
    email_receive(raw=raw, now=timezone.now(), source=f"{esp_name} webhook")
