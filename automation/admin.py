from django import forms
from django.contrib import admin

from .forms import MACRO_FIELDS, MacroPermissionMixin
from .models import Macro, Rule
from .permissions import manageable_macros_q, may_manage_macro
from .services import macro_save


class MacroAdminForm(MacroPermissionMixin, forms.ModelForm):
    class Meta:
        model = Macro
        fields = ("owner", *MACRO_FIELDS)


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin):
    """Leads and admins hold the model permissions; which macros each may touch is the one rule
    (``permissions.may_manage_macro``): the list shows those, the form refuses the rest."""

    form = MacroAdminForm
    list_display = ("name", "scope", "owner", "team", "reply", "set_status", "set_priority", "active")
    list_filter = ("scope", "active", "reply")
    search_fields = ("name", "body")
    # The desk editor's fields, plus the owner (the desk makes the editor the owner; an admin may choose).
    fields = MACRO_FIELDS[:3] + ("owner",) + MACRO_FIELDS[3:]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def get_queryset(self, request):
        return super().get_queryset(request).filter(manageable_macros_q(request.user))

    def save_model(self, request, obj, form, change):
        macro_save(macro=obj, by=request.user)  # the form asked the rule already; the service holds it

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or may_manage_macro(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or may_manage_macro(request.user, obj))


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    list_display = ("name", "event", "position", "active", "stop")
    list_editable = ("position", "active")
    list_filter = ("event", "active")
    search_fields = ("name", "words")
    fieldsets = (
        (None, {"fields": ("name", "event", "position", "active", "stop")}),
        (
            "When the ticket matches (empty: any)",
            {
                "fields": (
                    "channel",
                    "organization",
                    "plan",
                    "priority",
                    "request_type",
                    "request_fields",
                    "words",
                    "has_tag",
                    "hours",
                    "calendar",
                )
            },
        ),
        (
            "Then",
            {
                "fields": (
                    "set_priority",
                    "set_team",
                    "assign_to",
                    "apply_macro",
                    "add_tags",
                    "remove_tags",
                    "notify_emails",
                    "webhook_url",
                )
            },
        ),
    )
