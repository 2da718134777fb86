"""Endpoints and their delivery log, for helpdesk admins only (a webhook sends ticket data out of the
house). Fields the services own are read-only; rotation, enabling, test events and replays are actions
that call the services."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from . import services
from .events import INTERNAL, SUBSCRIBABLE
from .models import Attempt, Delivery, Endpoint
from .net import Refused, resolve


def _helpdesk_admin(request) -> bool:
    user = request.user
    return user.is_active and user.is_staff and (user.is_superuser or user.is_helpdesk_admin)


class AdminsOnly:
    def has_module_permission(self, request):
        return _helpdesk_admin(request)

    def has_view_permission(self, request, obj=None):
        return _helpdesk_admin(request)

    def has_add_permission(self, request, *args):
        return _helpdesk_admin(request)

    def has_change_permission(self, request, obj=None):
        return _helpdesk_admin(request)

    def has_delete_permission(self, request, obj=None):
        return _helpdesk_admin(request)


class EndpointForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        choices=[(t.value, t.label) for t in SUBSCRIBABLE], widget=forms.CheckboxSelectMultiple, required=True
    )

    class Meta:
        model = Endpoint
        fields = ["name", "url", "format", "events", "include_internal", "integration_key", "active"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            resolve(url)
        except Refused as exc:
            raise forms.ValidationError(f"Refused: {exc}") from exc
        except Exception:  # DNS may be down now; the send re-checks every time
            pass
        return url

    def clean(self):
        data = super().clean()
        if set(data.get("events") or ()) & INTERNAL and not data.get("include_internal"):
            self.add_error("include_internal", "Internal notes are sent only when this is ticked.")
        if data.get("format") in (Endpoint.Format.PAGERDUTY, Endpoint.Format.OPSGENIE) and not data.get(
            "integration_key"
        ):
            self.add_error("integration_key", "A paging format needs the service's key.")
        return data


@admin.register(Endpoint)
class EndpointAdmin(AdminsOnly, admin.ModelAdmin):
    form = EndpointForm
    list_display = ("name", "url", "format", "active", "consecutive_failures", "disabled_at")
    list_filter = ("active", "format")
    search_fields = ("name", "url")
    readonly_fields = (
        "signing_secret",
        "previous_secret_until",
        "consecutive_failures",
        "disabled_at",
        "disabled_reason",
        "created_at",
    )
    actions = ["rotate_secret", "enable", "send_test_event"]

    @admin.display(description=_("Signing secret (give it to the receiver)"))
    def signing_secret(self, obj):
        return format_html("<code>{}</code>", obj.secret) if obj.pk else "Created on save."

    @admin.action(description=_("Rotate the secret (the old one keeps signing for the overlap window)"))
    def rotate_secret(self, request, queryset):
        for endpoint in queryset:
            services.endpoint_rotate_secret(endpoint=endpoint, now=timezone.now())
        self.message_user(request, f"Rotated {queryset.count()} secret(s).")

    @admin.action(description=_("Enable (and clear the failure count)"))
    def enable(self, request, queryset):
        for endpoint in queryset:
            services.endpoint_enable(endpoint=endpoint)
        self.message_user(request, f"Enabled {queryset.count()} endpoint(s).")

    @admin.action(description=_("Send a test event"))
    def send_test_event(self, request, queryset):
        sent = [e for e in queryset if e.active and services.endpoint_ping(endpoint=e, now=timezone.now())]
        self.message_user(request, f"Queued a test event to {len(sent)} active endpoint(s).")


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    fields = readonly_fields = ("at", "ok", "status_code", "error", "response", "duration_ms")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(AdminsOnly, admin.ModelAdmin):
    list_display = ("msg_id", "event_type", "endpoint", "state", "tries", "created_at", "replays")
    list_filter = ("event_type", "endpoint", "notification__status")
    search_fields = ("msg_id", "event_key")
    list_select_related = ("endpoint", "notification")
    readonly_fields = [f.name for f in Delivery._meta.fields]
    inlines = [AttemptInline]
    actions = ["replay"]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # the log is read-only; only the replay action writes

    @admin.display(description=_("state"))
    def state(self, obj):
        return obj.notification.get_status_display() if obj.notification else "-"

    @admin.display(description=_("tries"))
    def tries(self, obj):
        return obj.notification.attempts if obj.notification else 0

    @admin.action(description=_("Replay (send again with the same webhook-id)"))
    def replay(self, request, queryset):
        done = 0
        for delivery in queryset:
            try:
                services.delivery_replay(delivery=delivery, now=timezone.now())
                done += 1
            except services.WebhookError as exc:
                self.message_user(request, str(exc), level=messages.WARNING)
        self.message_user(request, f"Replaying {done} deliver{'y' if done == 1 else 'ies'}.")
