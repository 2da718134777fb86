from django.contrib import admin

from .models import Macro, Rule


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin):
    list_display = ("name", "scope", "owner", "team", "reply", "set_status", "set_priority", "active")
    list_filter = ("scope", "active", "reply")
    search_fields = ("name", "body")
    fields = (
        "name",
        "active",
        "scope",
        "owner",
        "team",
        "reply",
        "body",
        "set_status",
        "set_priority",
        "priority_reason",
        "assign_to_me",
        "set_team",
        "add_tags",
        "remove_tags",
    )


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
