"""Mailboxes in the admin: secrets are write-only, the poller's state read-only, the server's last error in
the list; the OAuth2 consent flow and "fetch now" call the services."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Mailbox
from .oauth import OAuthError, consent_url, token_from_consent
from .services import mailbox_poll

SECRETS = ("secret", "oauth_client_secret")
SESSION_KEY = "mailbox_oauth"


class MailboxForm(forms.ModelForm):
    """A secret is typed, never shown: left empty on an edit, the stored one is kept."""

    secret = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("The password (or app password). Left empty: the stored one is kept. Never shown back."),
    )
    oauth_client_secret = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Left empty: the stored one is kept. Never shown back."),
    )

    oauth_authorize_url = forms.URLField(
        required=False, assume_scheme="https", help_text=_("Other provider only.")
    )
    oauth_token_url = forms.URLField(
        required=False, assume_scheme="https", help_text=_("Other provider only.")
    )

    class Meta:
        model = Mailbox
        fields = (
            "name",
            "address",
            "active",
            "team",
            "request_type",
            "host",
            "port",
            "security",
            "folder",
            "processed_folder",
            "username",
            "auth",
            "secret",
            "oauth_provider",
            "oauth_tenant",
            "oauth_client_id",
            "oauth_client_secret",
            "oauth_authorize_url",
            "oauth_token_url",
            "oauth_scope",
            "smtp_host",
            "smtp_port",
            "smtp_security",
            "sent_folder",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in SECRETS:
            self.initial[name] = ""
            if self.instance.pk and getattr(self.instance, name):
                self.fields[name].help_text = "A secret is stored. " + self.fields[name].help_text

    def clean(self):
        data = super().clean()
        for name in SECRETS:
            if not data.get(name) and self.instance.pk:
                data[name] = getattr(Mailbox.objects.get(pk=self.instance.pk), name)
        if data.get("auth") == Mailbox.Auth.PASSWORD and not data.get("secret"):
            self.add_error("secret", "Enter the mailbox's password.")
        if data.get("auth") == Mailbox.Auth.OAUTH2 and not (
            data.get("oauth_provider") and data.get("oauth_client_id")
        ):
            self.add_error("oauth_provider", "OAuth2 needs a provider and the app's client id.")
        return data


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = ("name", "address", "host", "auth", "status", "last_success_at", "active")
    list_filter = ("active", "auth")
    search_fields = ("name", "address", "host", "username")
    actions = ["fetch_now"]
    readonly_fields = (
        "status",
        "oauth_status",
        "last_polled_at",
        "last_success_at",
        "failing_since",
        "failures",
        "next_poll_at",
    )
    fieldsets = (
        (None, {"fields": ("name", "address", "active", "status")}),
        ("Where new mail lands", {"fields": ("team", "request_type")}),
        (
            "IMAP",
            {
                "fields": (
                    "host",
                    "port",
                    "security",
                    "folder",
                    "processed_folder",
                    "username",
                    "auth",
                    "secret",
                )
            },
        ),
        (
            "OAuth2 (Microsoft 365, Google)",
            {
                "fields": (
                    "oauth_status",
                    "oauth_provider",
                    "oauth_tenant",
                    "oauth_client_id",
                    "oauth_client_secret",
                    "oauth_authorize_url",
                    "oauth_token_url",
                    "oauth_scope",
                )
            },
        ),
        (
            "Outbound SMTP (when no ESP is configured)",
            {"fields": ("smtp_host", "smtp_port", "smtp_security", "sent_folder")},
        ),
        (
            "Fetching",
            {"fields": ("last_polled_at", "last_success_at", "failing_since", "failures", "next_poll_at")},
        ),
    )

    @admin.display(description=_("Status"))
    def status(self, obj: Mailbox) -> str:
        if not obj.pk:
            return "-"
        if not obj.active:
            return "inactive"
        if obj.last_error:
            return format_html('<strong class="error">failing</strong>: {}', obj.last_error)
        if obj.last_success_at is None:
            return "not fetched yet"
        return "ok"

    @admin.display(description=_("OAuth2 token"))
    def oauth_status(self, obj: Mailbox) -> str:
        if not obj.pk or obj.auth != Mailbox.Auth.OAUTH2:
            return "-"
        link = reverse("admin:mailboxes_mailbox_oauth_start", args=[obj.pk])
        state = "granted" if obj.oauth_refresh_token else "not granted yet"
        return format_html('{} · <a href="{}">Connect with OAuth2</a> (save first)', state, link)

    @admin.action(description=_("Fetch now"))
    def fetch_now(self, request: HttpRequest, queryset) -> None:
        now = timezone.now()
        for mailbox in queryset:
            taken = mailbox_poll(mailbox_id=mailbox.pk, now=now)
            mailbox.refresh_from_db()
            if mailbox.last_error:
                self.message_user(request, f"{mailbox.name}: {mailbox.last_error}", messages.ERROR)
            else:
                self.message_user(request, f"{mailbox.name}: {taken} mail(s) fetched.", messages.SUCCESS)

    def get_urls(self):
        own = [
            path(
                "<int:pk>/oauth/start/",
                self.admin_site.admin_view(self.oauth_start),
                name="mailboxes_mailbox_oauth_start",
            ),
            path(
                "oauth/callback/",
                self.admin_site.admin_view(self.oauth_callback),
                name="mailboxes_mailbox_oauth_callback",
            ),
        ]
        return own + super().get_urls()

    def _redirect_uri(self, request: HttpRequest) -> str:
        """Register exactly this URL with the provider's app."""
        return request.build_absolute_uri(reverse("admin:mailboxes_mailbox_oauth_callback"))

    def oauth_start(self, request: HttpRequest, pk: int):
        mailbox = get_object_or_404(Mailbox, pk=pk)
        if not self.has_change_permission(request, mailbox):
            raise PermissionDenied
        change = reverse("admin:mailboxes_mailbox_change", args=[pk])
        try:
            url, state = consent_url(mailbox, redirect_uri=self._redirect_uri(request))
        except OAuthError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(change)
        request.session[SESSION_KEY] = {"state": state, "mailbox": mailbox.pk}
        return HttpResponseRedirect(url)

    def oauth_callback(self, request: HttpRequest):
        pending = request.session.pop(SESSION_KEY, None)
        if not pending or request.GET.get("state") != pending["state"]:
            raise PermissionDenied("This consent was not started here (state mismatch).")
        mailbox = get_object_or_404(Mailbox, pk=pending["mailbox"])
        if not self.has_change_permission(request, mailbox):
            raise PermissionDenied
        change = reverse("admin:mailboxes_mailbox_change", args=[mailbox.pk])
        if request.GET.get("error"):
            self.message_user(
                request,
                f"The provider refused: {request.GET.get('error_description') or request.GET['error']}",
                messages.ERROR,
            )
            return HttpResponseRedirect(change)
        try:
            token_from_consent(
                mailbox,
                redirect_uri=self._redirect_uri(request),
                authorization_response=request.build_absolute_uri(),
                state=pending["state"],
                now=timezone.now(),
            )
        except OAuthError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(change)
        self.message_user(request, f"{mailbox.name}: access granted; the token is stored and refreshed.")
        return HttpResponseRedirect(change)
