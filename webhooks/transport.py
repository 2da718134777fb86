"""The outbox's ``endpoint`` channel: a delivery's payload, formatted for its endpoint, signed to the
Standard Webhooks scheme and POSTed through the SSRF guard. Every try is logged (``attempt_record``)."""

from __future__ import annotations

import time
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from notifications.models import Notification
from notifications.transports import Transport, TransportError

from . import formats, net
from .models import Delivery
from .services import attempt_record
from .signing import signed_headers


def _now() -> datetime:
    """The clock seam: the signature's timestamp is the time of this try, as the spec asks."""
    return timezone.now()


def _permanent(status: int) -> bool:
    # A 4xx other than timeout / rate limit will not get better by retrying.
    return 400 <= status < 500 and status not in (408, 409, 425, 429)


class EndpointTransport(Transport):
    renders_templates = False

    def send(self, notification: Notification, rendered: dict) -> str:
        delivery = (
            Delivery.objects.select_related("endpoint")
            .filter(pk=notification.context.get("delivery"))
            .first()
        )
        if delivery is None:
            raise TransportError("the delivery was deleted", permanent=True)
        endpoint = delivery.endpoint
        if not endpoint.active:
            raise TransportError(
                f"endpoint disabled: {endpoint.disabled_reason or 'by an admin'}", permanent=True
            )
        now = _now()
        body, headers = formats.render(endpoint, delivery.payload)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"{settings.HELPDESK_NAME}-webhooks/1",
            **headers,
            **signed_headers(
                secrets=endpoint.signing_secrets(now),
                msg_id=delivery.msg_id,
                timestamp=int(now.timestamp()),
                body=body,
            ),
        }
        started = time.monotonic()
        try:
            answer = net.post(
                endpoint.url, body=body, headers=headers, timeout=settings.WEBHOOKS_TIMEOUT_SECONDS
            )
        except (net.Refused, net.Unreachable) as exc:
            refused = isinstance(exc, net.Refused)
            disabled = attempt_record(
                delivery=delivery, now=now, ok=False, error=str(exc), duration_ms=_ms(started)
            )
            raise TransportError(str(exc), permanent=refused or disabled) from exc
        ok = 200 <= answer.status < 300
        disabled = attempt_record(
            delivery=delivery,
            now=now,
            ok=ok,
            status_code=answer.status,
            response=answer.body,
            duration_ms=_ms(started),
        )
        if not ok:
            # A 3xx is a failure too: redirects are never followed (they could point inside our network).
            raise TransportError(f"HTTP {answer.status}", permanent=_permanent(answer.status) or disabled)
        return str(answer.status)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
