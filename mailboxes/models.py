"""Support mailboxes the desk fetches by IMAP (and, with no ESP configured, sends through by SMTP).

A ``Mailbox`` holds how to reach the server and the secret (a password, or an OAuth2 token pair), which the
admin never shows back; where new mail lands (team, request form); and the poller's state: a lease so two
workers never fetch one mailbox at once, and the last error with its backoff. ``MailboxFolder`` tracks
UIDVALIDITY and the last UID handed to intake per folder; ``MailboxMessage`` records each UID handed over,
in the same transaction as the ingest, so a worker killed before it marked the mail seen never ingests it
twice.
"""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Security(models.TextChoices):
    SSL = "ssl", _("TLS from the start (IMAPS 993 / SMTPS 465)")
    STARTTLS = "starttls", _("STARTTLS (IMAP 143 / submission 587)")
    NONE = "none", _("None (loopback and tests only)")


class MailboxQuerySet(models.QuerySet):
    def failing_q(self) -> Q:
        return Q(active=True) & ~Q(last_error="")

    def failing(self) -> MailboxQuerySet:
        """Active mailboxes whose last fetch failed: /healthz, the admin list and the desk banner."""
        return self.filter(self.failing_q())

    def due(self, now: datetime) -> MailboxQuerySet:
        """Active mailboxes whose next fetch (after any backoff) has come."""
        return self.filter(active=True).filter(Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now))


class Mailbox(models.Model):
    class Auth(models.TextChoices):
        PASSWORD = "password", _("Password")
        OAUTH2 = "oauth2", _("OAuth2 (XOAUTH2: Microsoft 365, Google)")

    class Provider(models.TextChoices):
        MICROSOFT = "microsoft", _("Microsoft 365")
        GOOGLE = "google", _("Google Workspace")
        CUSTOM = "custom", _("Other (enter the endpoints)")

    name = models.CharField(max_length=100, unique=True)
    address = models.EmailField(unique=True, help_text=_("The support address this mailbox serves."))
    active = models.BooleanField(default=True)

    host = models.CharField(
        max_length=255, help_text=_("IMAP server, e.g. outlook.office365.com, imap.gmail.com")
    )
    port = models.PositiveIntegerField(default=993)
    security = models.CharField(max_length=10, choices=Security.choices, default=Security.SSL)
    folder = models.CharField(max_length=255, default="INBOX")
    processed_folder = models.CharField(
        max_length=255,
        blank=True,
        help_text=_("Move each mail here once it is a ticket (empty: leave it in the folder, marked seen)."),
    )
    username = models.CharField(max_length=320)
    auth = models.CharField(max_length=10, choices=Auth.choices, default=Auth.PASSWORD)
    secret = models.TextField(blank=True, help_text=_("The password (never shown back)."))

    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "New tickets from this mailbox go to this team (empty: the request form's, or the team "
            "that takes unrouted tickets)."
        ),
    )
    request_type = models.ForeignKey(
        "tickets.RequestType",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("New tickets from this mailbox are filed on this form."),
    )

    smtp_host = models.CharField(
        max_length=255, blank=True, help_text=_("Outbound server (used only when no ESP is configured).")
    )
    smtp_port = models.PositiveIntegerField(default=587)
    smtp_security = models.CharField(max_length=10, choices=Security.choices, default=Security.STARTTLS)
    sent_folder = models.CharField(
        max_length=255,
        blank=True,
        help_text=_(
            "Append each sent mail here (empty: the server files it itself, as Microsoft 365 and Gmail do)."
        ),
    )

    oauth_provider = models.CharField(max_length=10, choices=Provider.choices, blank=True)
    oauth_client_id = models.CharField(max_length=255, blank=True)
    oauth_client_secret = models.TextField(blank=True, help_text=_("Never shown back."))
    oauth_tenant = models.CharField(
        max_length=100, blank=True, help_text=_("Microsoft 365 tenant (or 'common').")
    )
    oauth_authorize_url = models.URLField(blank=True, help_text=_("Custom provider only."))
    oauth_token_url = models.URLField(blank=True, help_text=_("Custom provider only."))
    oauth_scope = models.CharField(max_length=500, blank=True, help_text=_("Custom provider only."))
    oauth_access_token = models.TextField(blank=True, editable=False)
    oauth_refresh_token = models.TextField(blank=True, editable=False)
    oauth_expires_at = models.DateTimeField(null=True, blank=True, editable=False)

    # The poller's state (written by mailboxes.services only).
    lease_token = models.CharField(max_length=32, blank=True, editable=False)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    last_polled_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    failures = models.PositiveIntegerField(default=0, editable=False)
    next_poll_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = MailboxQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("mailboxes")

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"


class MailboxFolder(models.Model):
    """Per folder: the UIDVALIDITY seen last, and the highest UID handed to intake and marked done."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="folders")
    name = models.CharField(max_length=255)
    uidvalidity = models.BigIntegerField(default=0)
    last_uid = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["mailbox", "name"], name="mailbox_folder_once")]

    def __str__(self) -> str:
        return f"{self.mailbox.name}/{self.name}"


class MailboxMessage(models.Model):
    """One UID handed to intake: written in the ingest's transaction, the second guard after Message-ID."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="messages")
    folder = models.CharField(max_length=255)
    uidvalidity = models.BigIntegerField()
    uid = models.BigIntegerField()
    inbound = models.ForeignKey(
        "tickets.InboundEmail", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    fetched_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "folder", "uidvalidity", "uid"], name="mailbox_uid_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.mailbox_id}/{self.folder}/{self.uidvalidity}/{self.uid}"
