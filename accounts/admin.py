from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import tokens, two_factor
from .forms import LanguagesField
from .models import ApiToken, Invitation, Organization, Team, User


class MemberInline(admin.TabularInline):
    model = User
    fields = ("email", "full_name", "is_org_admin", "is_active")
    extra = 0
    show_change_link = True


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "customer_number",
        "plan",
        "may_file_top_priority",
        "shares_tickets",
        "created_at",
    )
    list_filter = ("plan", "may_file_top_priority", "shares_tickets")
    search_fields = ("name", "customer_number", "email_domains")
    inlines = [MemberInline]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = (
        "email",
        "full_name",
        "organization",
        "is_staff",
        "is_org_admin",
        "is_active",
        "last_login",
    )
    list_filter = ("is_staff", "is_superuser", "is_active", "groups", "teams", "organization__plan")
    search_fields = ("email", "full_name", "organization__name", "organization__customer_number")
    list_select_related = ("organization",)
    fieldsets = (
        (None, {"fields": ("email", "username", "password")}),
        (
            "Person",
            {
                "fields": (
                    "full_name",
                    "first_name",
                    "last_name",
                    "phone",
                    "organization",
                    "is_org_admin",
                    "email_verified_at",
                )
            },
        ),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Desk", {"fields": ("available", "languages")}),  # languages: what auto-assignment matches
        ("Language and time zone", {"fields": ("language", "time_zone")}),  # empty: organization's, browser's
        ("Sign-in", {"fields": ("two_factor_enabled",)}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ("two_factor_enabled",)
    actions = ["reset_two_factor"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "languages":  # boxes to tick, not raw JSON; the model's validator still runs
            return LanguagesField(label="Languages spoken", help_text=db_field.help_text)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.action(description=_("Reset two-factor sign-in (lost phone)"), permissions=["change"])
    def reset_two_factor(self, request, queryset):
        for user in queryset:
            two_factor.two_factor_reset(user=user, by=request.user)
        self.message_user(
            request, "Two-factor sign-in is reset; required accounts set it up at their next sign-in."
        )

    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "username", "password1", "password2")}),
    )


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "organization", "invited_by", "created_at", "accepted_at")
    list_filter = ("organization",)
    list_select_related = ("organization", "invited_by")
    readonly_fields = ("invited_by", "created_at", "accepted_at")
    search_fields = ("email", "organization__name")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "member_count",
        "auto_assign",
        "max_open_per_agent",
        "calendar",
        "match_language",
        "receives_unrouted",
    )
    list_filter = ("auto_assign", "match_language")
    search_fields = ("name", "members__email", "members__full_name")
    filter_horizontal = ("members",)
    fields = (
        "name",
        "members",
        "receives_unrouted",
        "auto_assign",
        "match_language",
        "max_open_per_agent",
        "calendar",
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_members=Count("members"))

    @admin.display(description=_("Members"), ordering="n_members")
    def member_count(self, obj):
        return obj.n_members

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "members":  # teams are made of staff, not customers
            kwargs["queryset"] = User.objects.filter(is_staff=True)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Keys are issued by their owners (POST /api/auth/token/) and shown once; here admins see them
    (never the key: only a hash is stored) and revoke them."""

    list_display = ("prefix", "user", "name", "created_at", "expires_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at", "expires_at")
    list_select_related = ("user",)
    search_fields = ("prefix", "name", "user__email")
    readonly_fields = ("user", "prefix", "name", "created_at", "expires_at", "last_used_at", "revoked_at")
    exclude = ("key_hash",)
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("Revoke the selected API keys"), permissions=["change"])
    def revoke(self, request, queryset):
        now = timezone.now()
        for token in queryset.filter(revoked_at__isnull=True):
            tokens.token_revoke(token=token, by=request.user, now=now)
        self.message_user(request, "The selected API keys are revoked.")
