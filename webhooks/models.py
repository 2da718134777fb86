"""Webhook endpoints, the events told to them (the delivery log) and every try at telling them."""

from __future__ import annotations

import base64
import secrets
from datetime import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .events import INTERNAL, EventType


def secret_new() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class EndpointQuerySet(models.QuerySet):
    def subscribed(self, event_type: str) -> list[Endpoint]:
        """The active endpoints told about ``event_type``: one query (the list is short, and a JSON
        ``contains`` lookup has no SQLite form). An internal event reaches only endpoints that take
        internal notes: the one place that rule is written."""
        return [
            e
            for e in self.filter(active=True).order_by("pk")
            if event_type in e.events and (event_type not in INTERNAL or e.include_internal)
        ]


class Endpoint(models.Model):
    class Format(models.TextChoices):
        STANDARD = "standard", _("Standard Webhooks JSON (the event as documented in the API schema)")
        SLACK = "slack", _("Slack-style chat message")
        TEAMS = "teams", _("Microsoft Teams-style chat message")
        PAGERDUTY = "pagerduty", _("PagerDuty Events API v2 (paging)")
        OPSGENIE = "opsgenie", _("Opsgenie alert (paging)")

    name = models.CharField(max_length=120)
    url = models.URLField(
        max_length=500, help_text=_("https:// in production; private addresses are refused.")
    )
    format = models.CharField(max_length=20, choices=Format.choices, default=Format.STANDARD)
    events = models.JSONField(
        default=list, blank=True, help_text=_("Event types this endpoint is told about.")
    )
    include_internal = models.BooleanField(
        default=False,
        help_text=_("Also send internal notes (staff-only words). Only for systems staff alone can read."),
    )
    integration_key = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("PagerDuty: the integration's routing key. Opsgenie: the API key (sent as GenieKey)."),
    )
    secret = models.CharField(max_length=100, default=secret_new, editable=False)
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_until = models.DateTimeField(null=True, blank=True, editable=False)
    active = models.BooleanField(default=True)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_reason = models.CharField(max_length=500, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = EndpointQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def signing_secrets(self, now: datetime) -> list[str]:
        """The current secret, and the previous one while its overlap window lasts (the spec lets a
        sender sign with both, so receivers switch without losing a message)."""
        out = [self.secret]
        if self.previous_secret and self.previous_secret_until and now < self.previous_secret_until:
            out.append(self.previous_secret)
        return out

    def get_event_labels(self) -> str:
        labels = dict(EventType.choices)
        return ", ".join(str(labels.get(e, e)) for e in self.events)


class Delivery(models.Model):
    """One event told to one endpoint: its id (``webhook-id``), its frozen payload, its outbox row."""

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_type = models.CharField(max_length=50, choices=EventType.choices)
    event_key = models.CharField(
        max_length=200, help_text=_("Names the occurrence: a repeat is the same event.")
    )
    msg_id = models.CharField(
        max_length=64, unique=True, help_text=_("Sent as webhook-id, the same on every try.")
    )
    payload = models.JSONField()
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notification = models.ForeignKey(
        "notifications.Notification",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The outbox row now sending it (a replay writes a new one)."),
    )
    replays = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_key"], name="webhook_delivery_once"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} -> {self.endpoint} ({self.msg_id})"


class Attempt(models.Model):
    """One HTTP try (or refusal) of a delivery, as the receiver answered it."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    at = models.DateTimeField()
    ok = models.BooleanField(default=False)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=1000, blank=True)
    response = models.CharField(
        max_length=1000, blank=True, help_text=_("The start of the receiver's answer.")
    )
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.status_code or self.error[:40]}"
