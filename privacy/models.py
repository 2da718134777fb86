"""The audit of privacy requests: who asked for what about whom, when, through which door, and what it did.

A row names the person by account id only (after an erase the account is a placeholder), never by name
or address, so the audit itself keeps no personal data of the person it is about.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PrivacyRequest(models.Model):
    class Kind(models.TextChoices):
        EXPORT = "export", _("Export (access request)")
        ERASE = "erase", _("Erase (right to be forgotten)")
        RETENTION = "retention", _("Retention sweep")

    class Channel(models.TextChoices):
        ADMIN = "admin", _("Django admin")
        COMMAND = "command", _("Management command")
        PORTAL = "portal", _("Portal (the person themselves)")
        JOB = "job", _("Timed job")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The person it is about (empty for a retention sweep)."),
    )
    subject_ref = models.CharField(
        max_length=32, blank=True, help_text=_("The person's account id, kept if the account row goes.")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Who asked (empty: the timed job)."),
    )
    requested_by_ref = models.CharField(max_length=32, blank=True)
    note = models.CharField(max_length=255, blank=True, help_text=_("Why, as the requester gave it."))
    created_at = models.DateTimeField()
    summary = models.JSONField(default=dict, blank=True, help_text=_("What it did, counted."))

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["kind", "created_at"], name="privacy_request_kind_time")]

    def __str__(self) -> str:
        who = f"user #{self.subject_ref}" if self.subject_ref else "closed tickets"
        return f"{self.get_kind_display()} of {who} at {self.created_at:%Y-%m-%d %H:%M}"
