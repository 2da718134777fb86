from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import SsoIdentity, SsoProvider


class SsoProviderForm(forms.ModelForm):
    client_secret = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the stored secret."),
    )

    class Meta:
        model = SsoProvider
        fields = (
            "name",
            "slug",
            "organization",
            "enabled",
            "issuer",
            "client_id",
            "client_secret",
            "scopes",
            "sign_algo",
            "trusted_domains",
            "roles_claim",
            "role_map",
            "teams_claim",
            "team_map",
        )

    def clean_client_secret(self):
        # The secret is never sent back to the browser; an empty field keeps the one we have.
        return self.cleaned_data["client_secret"] or (self.instance.client_secret if self.instance.pk else "")


@admin.register(SsoProvider)
class SsoProviderAdmin(admin.ModelAdmin):
    form = SsoProviderForm
    list_display = ("name", "slug", "organization", "issuer", "enabled")
    list_filter = ("enabled",)
    list_select_related = ("organization",)
    search_fields = ("name", "slug", "issuer", "organization__name")
    prepopulated_fields = {"slug": ("name",)}
    fieldsets = (
        (None, {"fields": ("name", "slug", "organization", "enabled")}),
        ("Provider", {"fields": ("issuer", "client_id", "client_secret", "scopes", "sign_algo")}),
        ("Who it speaks for", {"fields": ("trusted_domains",)}),
        ("Roles and teams", {"fields": ("roles_claim", "role_map", "teams_claim", "team_map")}),
    )


@admin.register(SsoIdentity)
class SsoIdentityAdmin(admin.ModelAdmin):
    """Links are made by signing in; an admin may only remove one (the person then links afresh)."""

    list_display = ("user", "issuer", "subject", "provider", "created_at", "last_login_at")
    list_select_related = ("user", "provider")
    search_fields = ("user__email", "subject", "email")
    readonly_fields = ("user", "provider", "issuer", "subject", "email", "created_at", "last_login_at")

    def has_add_permission(self, request) -> bool:
        return False
