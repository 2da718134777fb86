"""Every write of the webhooks app: publishing an event to its endpoints, recording each try,
auto-disabling a failing endpoint, rotating a secret, replaying a delivery."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q

from accounts.models import Role, User
from notifications.models import Notification
from notifications.services import notification_queue

from .events import FROM_SIGNAL, INTERNAL, EventType
from .models import Attempt, Delivery, Endpoint, secret_new
from .payloads import envelope, incident_data, message_data, ticket_data

log = logging.getLogger(__name__)


class WebhookError(Exception):
    """A refused admin action (replaying a delivery still in flight, replaying to a disabled endpoint)."""


def disable_after() -> int:
    return settings.WEBHOOKS_DISABLE_AFTER


def _deliver(
    *,
    endpoint: Endpoint,
    event_type: str,
    event_key: str,
    payload: dict,
    ticket,
    now: datetime,
    not_before: datetime | None = None,
):
    """One delivery row and its outbox row, or nothing when this endpoint was already told this event."""
    try:
        with transaction.atomic():
            delivery = Delivery.objects.create(
                endpoint=endpoint,
                event_type=event_type,
                event_key=event_key[:200],
                msg_id=f"msg_{uuid.uuid4().hex}",
                payload=payload,
                ticket=ticket,
                created_at=now,
            )
    except IntegrityError:
        return None  # the unique (endpoint, event_key): a repeated event is told once
    delivery.notification = _queue(delivery, now=now, attempt_no=0, not_before=not_before)
    Delivery.objects.filter(pk=delivery.pk).update(notification=delivery.notification)
    return delivery


def _queue(
    delivery: Delivery, *, now: datetime, attempt_no: int, not_before: datetime | None = None
) -> Notification | None:
    return notification_queue(
        not_before=not_before,
        event=delivery.event_type,
        recipient=delivery.endpoint.url,
        channel=Notification.Channel.ENDPOINT,
        ticket=delivery.ticket,
        now=now,
        context={"delivery": delivery.pk},
        dedupe_key=f"webhook:{delivery.pk}:{attempt_no}",
    )


def webhook_publish(
    *, event_type: str, now: datetime, build, not_before: datetime | None = None
) -> list[Delivery]:
    """Queue an event to every endpoint subscribed to ``event_type``, in the caller's transaction.

    ``build()`` returns the items, (event key, payload, ticket or None); it runs only when someone
    listens, so an event nobody subscribed to costs one query. The event key names the occurrence: a
    repeat (a sweep run twice, a redelivered task) is told once per endpoint."""
    endpoints = Endpoint.objects.subscribed(event_type)
    if not endpoints:
        return []
    items = build()
    out = []
    for endpoint in endpoints:
        for event_key, payload, ticket in items:
            delivery = _deliver(
                endpoint=endpoint,
                event_type=event_type,
                event_key=event_key,
                payload=payload,
                ticket=ticket,
                now=now,
                not_before=not_before,
            )
            if delivery is not None:
                out.append(delivery)
    return out


def _ticket_extra(event_type: str, ticket, message, extra: dict) -> tuple[dict, str]:
    """The event's own data beside the ticket, and what tells this occurrence from another."""
    data: dict = {}
    key = ""
    if message is not None and (message.kind == "public" or event_type in INTERNAL):
        data["message"] = message_data(message)
        key = f"m{message.pk}"
    if "old" in extra and event_type == EventType.STATUS_CHANGED:
        data["old_status"] = extra["old"]
        key = f"{extra['old']}>{ticket.status}"
    if event_type == EventType.ASSIGNED:
        data["previous_assignee"] = extra.get("old") or None
        key = f"a{ticket.assignee_id}"
    if "target" in extra:
        data["target"] = extra["target"]
        key = str(extra["target"])
    if "changes" in extra:
        data["changes"] = extra["changes"]
        key = ",".join(sorted(extra["changes"]))
    if "reason" in extra:
        data["reason"] = extra["reason"]
    if "alert" in extra:
        data["alert"] = extra["alert"]
        key = str(extra.get("discriminator", ""))
    return data, key


def webhook_ticket_event(
    *, tickets: list, event: str, now: datetime, message=None, **extra
) -> list[Delivery]:
    """A ``tickets.signals`` event (one ticket or a sweep's batch) to the endpoints that subscribe to it."""
    event_type = FROM_SIGNAL.get(event)
    if event_type is None or not tickets:
        return []

    def build():
        items = []
        for ticket in tickets:
            data, key = _ticket_extra(event_type, ticket, message, extra)
            payload = envelope(event_type, now, {"ticket": ticket_data(ticket), **data})
            items.append((f"{event_type}:{ticket.pk}:{now.isoformat()}:{key}", payload, ticket))
        return items

    return webhook_publish(event_type=event_type, now=now, build=build, not_before=extra.get("not_before"))


def webhook_incident_event(*, incident, event: str, now: datetime, update: str = "") -> list[Delivery]:
    event_type = FROM_SIGNAL.get(event)
    if event_type is None:
        return []

    def build():
        data = {"incident": incident_data(incident)}
        if update:
            data["update"] = update
        return [(f"{event_type}:{incident.pk}:{now.isoformat()}", envelope(event_type, now, data), None)]

    return webhook_publish(event_type=event_type, now=now, build=build)


def endpoint_ping(*, endpoint: Endpoint, now: datetime) -> Delivery | None:
    """A test event to one endpoint (the admin's "send a test event")."""
    payload = envelope(EventType.PING, now, {"endpoint": {"id": endpoint.pk, "name": endpoint.name}})
    return _deliver(
        endpoint=endpoint,
        event_type=EventType.PING,
        event_key=f"ping:{now.isoformat()}",
        payload=payload,
        ticket=None,
        now=now,
    )


@transaction.atomic
def endpoint_rotate_secret(
    *, endpoint: Endpoint, now: datetime, overlap: timedelta | None = None
) -> Endpoint:
    """A new secret at once; the old one still signs (beside the new) for ``overlap``, so receivers can
    switch without rejecting a message."""
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    overlap = overlap if overlap is not None else timedelta(seconds=settings.WEBHOOKS_SECRET_OVERLAP_SECONDS)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_until = now + overlap
    endpoint.secret = secret_new()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_until"])
    return endpoint


def endpoint_enable(*, endpoint: Endpoint) -> None:
    """Turn a disabled endpoint back on with a clean failure count."""
    Endpoint.objects.filter(pk=endpoint.pk).update(
        active=True, consecutive_failures=0, disabled_at=None, disabled_reason=""
    )


@transaction.atomic
def delivery_replay(*, delivery: Delivery, now: datetime) -> Delivery:
    """Send a delivery again, with the same ``webhook-id`` (a receiver that has it already can drop it).
    Refused while it is still in the outbox, so a replay never races its own retry."""
    delivery = (
        Delivery.objects.select_for_update(of=("self",))
        .select_related("endpoint", "notification")
        .get(pk=delivery.pk)
    )
    current = delivery.notification
    if current is not None and current.status not in (Notification.Status.SENT, Notification.Status.FAILED):
        raise WebhookError(f"{delivery.msg_id} is still being delivered ({current.get_status_display()}).")
    if not delivery.endpoint.active:
        raise WebhookError(f"{delivery.endpoint} is disabled; enable it first.")
    delivery.replays += 1
    delivery.notification = _queue(delivery, now=now, attempt_no=delivery.replays)
    delivery.save(update_fields=["replays", "notification"])
    return delivery


def attempt_record(
    *,
    delivery: Delivery,
    now: datetime,
    ok: bool,
    status_code: int | None = None,
    error: str = "",
    response: str = "",
    duration_ms: int = 0,
) -> bool:
    """Log one try and keep the endpoint's failure count; True when this failure disabled the endpoint
    (claimed with one conditional update, so the admins are told once however many workers fail)."""
    Attempt.objects.create(
        delivery=delivery,
        at=now,
        ok=ok,
        status_code=status_code,
        error=error[:1000],
        response=response[:1000],
        duration_ms=duration_ms,
    )
    endpoints = Endpoint.objects.filter(pk=delivery.endpoint_id)
    if ok:
        endpoints.exclude(consecutive_failures=0).update(consecutive_failures=0)
        return False
    endpoints.update(consecutive_failures=F("consecutive_failures") + 1)
    reason = f"{disable_after()} failed tries in a row; the last: {error or f'HTTP {status_code}'}"[:500]
    disabled = endpoints.filter(active=True, consecutive_failures__gte=disable_after()).update(
        active=False, disabled_at=now, disabled_reason=reason
    )
    if disabled:
        _tell_admins(endpoint=Endpoint.objects.get(pk=delivery.endpoint_id), now=now)
    return bool(disabled)


def _tell_admins(*, endpoint: Endpoint, now: datetime) -> None:
    admins = (
        User.objects.filter(is_active=True, is_staff=True)
        .filter(Q(is_superuser=True) | Q(groups__name=Role.ADMINS))
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )
    log.warning("webhook endpoint %s disabled: %s", endpoint.pk, endpoint.disabled_reason)
    for admin in admins:
        notification_queue(
            event="webhook_disabled",
            recipient=admin.email,
            recipient_user=admin,
            now=now,
            dedupe_key=f"webhook-disabled:{endpoint.pk}:{now.isoformat()}:{admin.pk}",
            context={
                "endpoint_name": endpoint.name,
                "endpoint_url": endpoint.url,
                "reason": endpoint.disabled_reason,
                "admin_url": f"{settings.SITE_URL}/admin/webhooks/endpoint/{endpoint.pk}/change/",
            },
        )
