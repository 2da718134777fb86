"""The outbox: one row per message, written in the same transaction as the change that caused it."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed permanently")
        SUPPRESSED = "suppressed", _("Suppressed")
        HELD = "held", _("Held until office hours")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        WEBHOOK = "webhook", _("Webhook")
        # A signed event to a subscribed endpoint (the ``webhooks`` app registers its transport).
        ENDPOINT = "endpoint", _("Webhook endpoint (signed event)")

    event = models.CharField(max_length=50, help_text=_("Template folder under templates/notifications/."))
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    recipient = models.CharField(max_length=500, help_text=_("Email address or webhook URL."))
    recipient_user = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    context = models.JSONField(default=dict, blank=True)
    automatic = models.BooleanField(
        default=True, help_text=_("Sent by the system (Auto-Submitted: auto-generated).")
    )
    dedupe_key = models.CharField(
        max_length=200, null=True, blank=True, unique=True, help_text=_("Makes a repeated event one message.")
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    not_before = models.DateTimeField(
        null=True, blank=True, help_text=_("Held until this instant (office hours).")
    )
    message_id = models.CharField(max_length=998, blank=True, help_text=_("Our Message-ID header."))
    provider_message_id = models.CharField(max_length=255, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(
        max_length=255,
        blank=True,
        default="",
        help_text=_("The task run sending it (a redelivered run may finish it)."),
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    retry_at = models.DateTimeField(
        null=True, blank=True, help_text=_("After a temporary failure: the outbox sweep waits until then.")
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(status__in=["pending", "sending", "held"]),
                name="notification_unsent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} -> {self.recipient} ({self.status})"


class Suppression(models.Model):
    """Addresses we must not mail: hard bounces, complaints, unsubscribes."""

    class Reason(models.TextChoices):
        BOUNCED = "bounced", _("Bounced")
        COMPLAINED = "complained", _("Complained (spam report)")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
        MANUAL = "manual", _("Added by staff")

    email = models.EmailField(unique=True)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} ({self.reason})"
