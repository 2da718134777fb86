from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import Count, Q
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.admin import OrganizationAdmin as BaseOrganizationAdmin
from accounts.models import Organization, User
from sla.models import PriorityLevel

from .models import (
    Attachment,
    CannedReply,
    InboundEmail,
    Incident,
    IncidentUpdate,
    Message,
    RequestType,
    Status,
    SurveyResponse,
    Tag,
    Ticket,
    TicketEvent,
)
from .policy import parse_reference, tag_name
from .querysets import OPEN_STATUSES
from .reasons import event_reason, inbound_detail
from .services import (
    TicketError,
    organization_bar_top_priority,
    organization_lift_top_priority_bar,
    ticket_assign,
    ticket_change_status,
    ticket_reclassify,
)


class MessageInline(admin.TabularInline):
    model = Message
    fields = ("created_at", "kind", "author", "channel", "body")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.display(description=_("Reason"))
def worded_reason(event: TicketEvent) -> str:
    """The event's reason in the admin's language (``tickets.reasons.event_reason``, as the desk shows it)."""
    return event_reason(event)


class EventInline(admin.TabularInline):
    model = TicketEvent
    fields = ("created_at", "kind", "actor", "old_value", "new_value", worded_reason)
    readonly_fields = fields
    extra = 0
    can_delete = False


class TicketActionForm(ActionForm):
    """What the service-backed actions need: pick a value here, tick tickets, run the action."""

    agent = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True, is_staff=True), required=False, label="Technician"
    )
    status = forms.ChoiceField(choices=[("", "---------"), *Status.choices], required=False)
    priority = forms.ModelChoiceField(queryset=PriorityLevel.objects.all(), required=False)
    reason = forms.CharField(required=False, max_length=1000, help_text=_("Required to re-classify."))


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read-only for every field a service owns; changes go through the actions, which call the same
    services as the desk and the API, so the audit trail, deadlines, rank and notices stay whole."""

    list_display = (
        "reference",
        "subject",
        "organization",
        "priority",
        "status",
        "channel",
        "assignee",
        "received_at",
        "first_response_due_at",
        "resolution_due_at",
    )
    list_filter = ("status", "priority", "channel", "plan", "organization")
    search_fields = ("subject", "requester__email", "organization__name", "organization__customer_number")
    list_select_related = ("organization", "priority", "assignee")
    date_hierarchy = "received_at"
    inlines = [MessageInline, EventInline]
    show_full_result_count = False
    action_form = TicketActionForm
    actions = ["assign_action", "change_status_action", "reclassify_action"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Ticket._meta.concrete_fields] + ["cc"]

    def has_add_permission(self, request) -> bool:
        return False  # tickets are filed through the portal, the desk, the API or email

    def get_search_results(self, request, queryset, search_term):
        # "HD-10423" or "10423" finds the ticket by its reference.
        queryset, distinct = super().get_search_results(request, queryset, search_term)
        number = parse_reference(search_term)
        if number is not None:
            queryset |= self.model.objects.filter(pk=number)
        return queryset, distinct

    @staticmethod
    def _action_values(request) -> TicketActionForm:
        form = TicketActionForm(request.POST)
        form.is_valid()  # the "action" field has no choices here; the values below are validated one by one
        return form

    def _each(self, request, queryset, act, done: str) -> None:
        now, ok = timezone.now(), 0
        for ticket in queryset:
            try:
                act(ticket, now)
            except TicketError as exc:
                self.message_user(request, f"{ticket.reference}: {exc}", messages.ERROR)
            else:
                ok += 1
        if ok:
            self.message_user(request, f"{ok} ticket(s) {done}.", messages.SUCCESS)

    @admin.action(description=_("Assign to the chosen technician (none: unassign)"))
    def assign_action(self, request, queryset):
        form = self._action_values(request)
        if "agent" in form.errors:
            self.message_user(request, "Choose a technician from the list.", messages.ERROR)
            return
        agent = form.cleaned_data.get("agent")
        self._each(
            request,
            queryset,
            lambda t, now: ticket_assign(ticket=t, agent=agent, by=request.user, now=now),
            "assigned",
        )

    @admin.action(description=_("Change status to the chosen status"))
    def change_status_action(self, request, queryset):
        status = self._action_values(request).cleaned_data.get("status")
        if not status:
            self.message_user(request, "Choose a status first.", messages.ERROR)
            return
        self._each(
            request,
            queryset,
            lambda t, now: ticket_change_status(
                ticket=t, status=status, by=request.user, now=now, reason=request.POST.get("reason", "")
            ),
            f"now {Status(status).label.lower()}",
        )

    @admin.action(description=_("Re-classify to the chosen priority (give a reason)"))
    def reclassify_action(self, request, queryset):
        priority = self._action_values(request).cleaned_data.get("priority")
        if priority is None:
            self.message_user(request, "Choose a priority first.", messages.ERROR)
            return
        reason = request.POST.get("reason", "")
        self._each(
            request,
            queryset,
            lambda t, now: ticket_reclassify(
                ticket=t, priority=priority, by=request.user, reason=reason, now=now
            ),
            f"re-classified as {priority.name}",
        )


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


class ReadOnlyAdmin(admin.ModelAdmin):
    """An audit view: rows are looked at, never written or removed through the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TicketEvent)
class TicketEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "ticket", "kind", "actor", "old_value", "new_value", worded_reason)
    list_filter = ("kind", ("actor", admin.RelatedOnlyFieldListFilter))
    search_fields = ("reason", "old_value", "new_value", "ticket__subject")
    list_select_related = ("ticket", "actor")
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(RequestType)
class RequestTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "offered_priorities", "field_count", "is_default", "active", "position")
    list_editable = ("position", "active")
    list_filter = ("active", "is_default")
    search_fields = ("name", "slug", "description")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("priorities")

    @admin.display(description=_("Priorities offered"))
    def offered_priorities(self, obj):
        return ", ".join(p.name for p in obj.priorities.all()) or "every level"

    @admin.display(description=_("Fields"))
    def field_count(self, obj):
        return len(obj.fields or [])

    filter_horizontal = ("priorities",)
    prepopulated_fields = {"slug": ("name",)}


class IncidentUpdateInline(admin.TabularInline):
    """Updates are posted from the desk (they mail every linked requester); here they are read."""

    model = IncidentUpdate
    extra = 0
    fields = ("created_at", "author", "body")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class IncidentOpenFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", "Open"), ("resolved", "Resolved")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ("title", "opened_at", "opened_by", "resolved_at", "ticket_count")
    list_filter = (IncidentOpenFilter,)
    search_fields = ("title", "public_status")
    readonly_fields = ("opened_by", "opened_at", "resolved_at")
    inlines = [IncidentUpdateInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("opened_by").annotate(n_tickets=Count("tickets"))

    @admin.display(description=_("Tickets"), ordering="n_tickets")
    def ticket_count(self, obj):
        return obj.n_tickets


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    list_display = ("title", "preview", "active")
    list_editable = ("active",)
    list_filter = ("active",)
    search_fields = ("title", "body")

    @admin.display(description=_("Text"))
    def preview(self, obj):
        return obj.body if len(obj.body) <= 80 else obj.body[:79] + "…"


@admin.register(SurveyResponse)
class SurveyResponseAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "sent_at", "rating", "answered_at")
    list_filter = ("rating",)
    exclude = ("token_hash",)
    raw_id_fields = ("ticket",)


@admin.register(InboundEmail)
class InboundEmailAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "sender", "subject", "outcome", "ticket")
    list_filter = ("outcome",)
    search_fields = ("sender", "subject", "message_id")
    raw_id_fields = ("ticket",)
    exclude = ("notes",)  # shown worded, as "why"
    readonly_fields = ("why",)

    @admin.display(description=_("Why"))
    def why(self, row: InboundEmail) -> str:
        """What the record says (why it was held) in the admin's language, as the inbound page shows it."""
        return inbound_detail(row)


class AbuseReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=2000,
        label=gettext_lazy("Reason"),
        help_text=gettext_lazy(
            "Recorded on the organization and told to the customer on every downgraded ticket."
        ),
    )


# The abuse decision lives in tickets (it re-classifies tickets), so the action is added here, on a
# subclass of the accounts admin: accounts never imports tickets.
admin.site.unregister(Organization)


@admin.register(Organization)
class OrganizationAdmin(BaseOrganizationAdmin):
    list_display = (
        "name",
        "customer_number",
        "plan",
        "member_count",
        "open_tickets",
        "may_file_top_priority",
        "shares_tickets",
        "created_at",
    )
    list_select_related = ("plan",)
    readonly_fields = ("top_priority_barred_reason", "created_at")
    actions = ["bar_top_priority", "lift_top_priority_bar"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_members=Count("members", distinct=True),
                n_open=Count("tickets", filter=Q(tickets__status__in=OPEN_STATUSES), distinct=True),
            )
        )

    @admin.display(description=_("People"), ordering="n_members")
    def member_count(self, obj):
        return obj.n_members

    @admin.display(description=_("Open tickets"), ordering="n_open")
    def open_tickets(self, obj):
        return obj.n_open

    @admin.action(
        description=_("Abuse of top priorities: downgrade open Urgent/High tickets and bar the top level"),
        permissions=["change"],
    )
    def bar_top_priority(self, request, queryset):
        form = AbuseReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            for organization in queryset:
                try:
                    decision = organization_bar_top_priority(
                        organization=organization,
                        by=request.user,
                        reason=form.cleaned_data["reason"],
                        now=timezone.now(),
                    )
                except TicketError as exc:
                    self.message_user(request, f"{organization.name}: {exc}", messages.ERROR)
                    continue
                self.log_change(
                    request, organization, f"Barred from the top priority: {form.cleaned_data['reason']}"
                )
                self.message_user(
                    request,
                    f"{organization.name}: barred from the top priority, "
                    f"{len(decision.downgraded)} open ticket(s) downgraded one level.",
                )
            return None
        return TemplateResponse(
            request,
            "tickets/desk/admin_abuse_confirm.html",
            {
                **self.admin_site.each_context(request),
                "title": gettext("Abuse of the top priorities"),
                "organizations": queryset,
                "form": form,
                "action": "bar_top_priority",
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
            },
        )

    @admin.action(description=_("Lift the top-priority bar"), permissions=["change"])
    def lift_top_priority_bar(self, request, queryset):
        for organization in queryset.filter(may_file_top_priority=False):
            organization_lift_top_priority_bar(organization=organization, by=request.user, now=timezone.now())
            self.log_change(request, organization, "Top-priority bar lifted")
            self.message_user(request, f"{organization.name} may file the top priority again.")


class TagForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ("name", "suggested", "description")

    def clean_name(self) -> str:
        try:
            return tag_name(self.cleaned_data["name"])
        except TicketError as exc:
            raise forms.ValidationError(str(exc)) from None


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    """Admins curate the suggestions technicians are offered (and may fix a name's spelling once for
    every ticket). Tags leave a ticket only through the desk, the API or a rule, each with an event, so
    a tag in use cannot be deleted here."""

    form = TagForm
    list_display = ("name", "suggested", "description", "tickets")
    list_editable = ("suggested",)
    list_filter = ("suggested",)
    search_fields = ("name", "description")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(ticket_count=Count("ticket_tags"))

    @admin.display(ordering="ticket_count")
    def tickets(self, tag: Tag) -> int:
        return tag.ticket_count

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one at a time, where the check below applies
        return actions

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.ticket_tags.exists():
            return False
        return super().has_delete_permission(request, obj)
