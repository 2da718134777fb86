from django.contrib import admin

from .models import Notification, Suppression


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("event", "recipient", "channel", "status", "attempts", "created_at", "sent_at", "ticket")
    list_filter = ("status", "channel", "event")
    search_fields = ("recipient", "event", "provider_message_id", "message_id")
    readonly_fields = [f.name for f in Notification._meta.fields]
    list_select_related = ("ticket",)
    raw_id_fields = ("ticket", "recipient_user")

    def has_add_permission(self, request):
        return False


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    list_display = ("email", "reason", "created_at")
    list_filter = ("reason",)
    search_fields = ("email",)
