"""One small class per channel. ``send`` returns the provider's message id or raises TransportError."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from .models import Notification


class TransportError(Exception):
    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Transport:
    # False for a channel that builds its own body (a signed event): the outbox renders no template.
    renders_templates = True

    def send(self, notification: Notification, rendered: dict) -> str:
        raise NotImplementedError


class EmailTransport(Transport):
    """Email through Django's mail API, so the provider (anymail's ESPs, SMTP, console) is a setting."""

    def send(self, notification: Notification, rendered: dict) -> str:
        msg = EmailMultiAlternatives(
            subject=rendered["subject"],
            body=rendered["text"],
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[notification.recipient],
            headers=rendered.get("headers", {}),
            reply_to=rendered.get("reply_to") or None,
        )
        if rendered.get("html"):
            msg.attach_alternative(rendered["html"], "text/html")
        try:
            msg.send(fail_silently=False)
        except Exception as exc:  # anymail raises AnymailAPIError / AnymailRecipientsRefused
            permanent = exc.__class__.__name__ in {"AnymailRecipientsRefused", "AnymailInvalidAddress"}
            raise TransportError(f"{exc.__class__.__name__}: {exc}", permanent=permanent) from exc
        status = getattr(msg, "anymail_status", None)
        return (status.message_id if status is not None and status.message_id else "") or ""


class WebhookTransport(Transport):
    """A JSON POST, e.g. to a paging or chat service."""

    timeout = 10

    def send(self, notification: Notification, rendered: dict) -> str:
        payload = json.dumps(
            {
                "event": notification.event,
                "subject": rendered["subject"],
                "text": rendered["text"],
                "ticket": notification.context.get("ticket_reference"),
                "url": notification.context.get("ticket_url"),
            }
        ).encode()
        request = urllib.request.Request(
            notification.recipient,
            data=payload,
            headers={
                "Content-Type": "application/json",
                # The same key on every attempt: a receiver can drop a re-send after a worker crash.
                "Idempotency-Key": notification.message_id or f"notification-{notification.pk}",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (admin-set URL)
                return str(response.status)
        except urllib.error.HTTPError as exc:
            # 4xx other than 408/429 will not get better by retrying.
            raise TransportError(
                f"HTTP {exc.code}", permanent=400 <= exc.code < 500 and exc.code not in (408, 429)
            ) from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise TransportError(str(exc)) from exc


TRANSPORTS: dict[str, type[Transport]] = {
    Notification.Channel.EMAIL: EmailTransport,
    Notification.Channel.WEBHOOK: WebhookTransport,
}


def transport_register(channel: str, transport: type[Transport]) -> None:
    """An app on top of ``notifications`` adds its channel's transport at start-up (its ``ready``)."""
    TRANSPORTS[channel] = transport


def transport_for(channel: str) -> Transport:
    return TRANSPORTS[channel]()
