from django.contrib import admin

from .models import (
    Attachment,
    CannedReply,
    InboundEmail,
    Incident,
    IncidentUpdate,
    Message,
    RequestType,
    SurveyResponse,
    Ticket,
    TicketEvent,
)


class MessageInline(admin.TabularInline):
    model = Message
    fields = ("created_at", "kind", "author", "channel", "body")
    readonly_fields = fields
    extra = 0
    can_delete = False


class EventInline(admin.TabularInline):
    model = TicketEvent
    fields = ("created_at", "kind", "actor", "old_value", "new_value", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ("reference", "subject", "organization", "priority", "status", "channel", "assignee", "received_at",
                    "first_response_due_at", "resolution_due_at")
    list_filter = ("status", "priority", "channel", "plan", "organization")
    search_fields = ("subject", "requester__email", "organization__name", "organization__customer_number")
    list_select_related = ("organization", "priority", "assignee")
    raw_id_fields = ("requester", "assignee", "merged_into", "reopened_from", "organization", "incident")
    readonly_fields = ("priority_rank", "created_at", "updated_at", "first_response_due_at", "resolution_due_at",
                       "first_responded_at", "resolved_at", "closed_at", "sla_paused_at")
    date_hierarchy = "received_at"
    inlines = [MessageInline, EventInline]
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        # "HD-10423" or "10423" finds the ticket by its reference.
        queryset, distinct = super().get_search_results(request, queryset, search_term)
        digits = search_term.rsplit("-", 1)[-1].strip()
        if digits.isdigit():
            queryset |= self.model.objects.filter(pk=int(digits))
        return queryset, distinct


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("ticket", "kind", "author", "channel", "created_at")
    list_filter = ("kind", "channel", "from_staff")
    search_fields = ("body", "email_message_id")
    raw_id_fields = ("ticket", "author")


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ("filename", "ticket", "content_type", "size", "created_at")
    list_filter = ("content_type",)
    search_fields = ("filename",)
    raw_id_fields = ("ticket", "message", "uploaded_by")


@admin.register(TicketEvent)
class TicketEventAdmin(admin.ModelAdmin):
    list_display = ("ticket", "kind", "actor", "old_value", "new_value", "created_at")
    list_filter = ("kind",)
    search_fields = ("reason", "old_value", "new_value")
    raw_id_fields = ("ticket", "actor")

    def has_change_permission(self, request, obj=None):
        return False  # the audit trail is read-only

    def has_add_permission(self, request):
        return False


@admin.register(RequestType)
class RequestTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "is_default", "active", "position")
    list_editable = ("position", "active")
    filter_horizontal = ("priorities",)
    prepopulated_fields = {"slug": ("name",)}


class IncidentUpdateInline(admin.TabularInline):
    model = IncidentUpdate
    extra = 0


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ("title", "opened_at", "resolved_at")
    inlines = [IncidentUpdateInline]


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    list_display = ("title", "active")
    search_fields = ("title", "body")


@admin.register(SurveyResponse)
class SurveyResponseAdmin(admin.ModelAdmin):
    list_display = ("ticket", "sent_at", "rating", "answered_at")
    list_filter = ("rating",)
    exclude = ("token_hash",)
    raw_id_fields = ("ticket",)


@admin.register(InboundEmail)
class InboundEmailAdmin(admin.ModelAdmin):
    list_display = ("received_at", "sender", "subject", "outcome", "ticket")
    list_filter = ("outcome",)
    search_fields = ("sender", "subject", "message_id")
    raw_id_fields = ("ticket",)
