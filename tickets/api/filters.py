"""Query-string filters for the ticket list and the queue: validated by a serializer (a bad value is
a 400 with the parameter's name), then applied to a queryset that is already scoped by
``visible_to``."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import NotFound

from sla.models import PriorityLevel, SupportPlan

from ..desk.queue import queue_filter, saved_view_filters, view_q
from ..models import Status, Ticket
from ..policy import TicketError, breached_q, breaching_q, tag_name
from ..search import MAX_QUERY, search_filter
from ..selectors import saved_views_for, tagged_q

SEARCH_HELP = (
    "Full-text search over subject, messages, form fields, attachment names, requester and organization "
    '(staff also search internal notes): all words must match; "quoted phrase", -word to exclude, OR '
    "between alternatives; a ticket reference such as HD-12 finds that ticket. Filters the list; the order "
    "and the pagination stay the endpoint's own."
)


def assignee_q(value: str) -> Q:
    return Q(assignee_id=int(value)) if value.isdigit() else Q(assignee__email__iexact=value)


class TagFilterField(serializers.CharField):
    """``?tag=billing``: staff only (customers never see tags, so they cannot probe for them either)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 60)
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "Staff only: tickets carrying this tag.")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        request = self.context.get("request")
        if request is None or not request.user.is_staff:
            raise serializers.ValidationError(_("Only staff filter by tag."))
        try:
            return tag_name(value)
        except TicketError as exc:
            raise serializers.ValidationError(str(exc)) from None


def _apply_shared(qs: QuerySet, data: dict, *, now: datetime) -> QuerySet:
    """The filters both lists offer, spelled once: status, priority, organization, breached."""
    if "status" in data:
        qs = qs.filter(status=data["status"])
    if "priority" in data:
        qs = qs.filter(priority=data["priority"])
    if "organization" in data:
        qs = qs.filter(organization__customer_number=data["organization"])
    if data.get("breached") is True:
        qs = qs.filter(breached_q(now))
    elif data.get("breached") is False:
        qs = qs.exclude(breached_q(now))
    if "tag" in data:
        qs = qs.filter(tagged_q(data["tag"]))
    return qs


class TicketFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    priority = serializers.SlugRelatedField(
        slug_field="slug", queryset=PriorityLevel.objects.all(), required=False, help_text="Priority slug."
    )
    # Not checked for existence: a customer must not learn which customer numbers exist.
    organization = serializers.CharField(max_length=32, required=False, help_text="Customer number.")
    assignee = serializers.CharField(max_length=254, required=False, help_text="User id or email address.")
    breached = serializers.BooleanField(required=False, allow_null=True, default=None)
    updated_since = serializers.DateTimeField(required=False, help_text="ISO 8601 date and time.")
    tag = TagFilterField()
    q = serializers.CharField(max_length=MAX_QUERY, required=False, allow_blank=True, help_text=SEARCH_HELP)

    def validate_assignee(self, value: str) -> str:
        if value.isdigit() and int(value) > 2**62:
            raise serializers.ValidationError(_("Not a user id."))
        return value

    def apply(self, qs: QuerySet, *, now: datetime, reader) -> QuerySet:
        data = self.validated_data
        qs = _apply_shared(qs, data, now=now)
        qs = search_filter(qs, text=data.get("q", ""), reader=reader)
        if "assignee" in data:
            qs = qs.filter(assignee_q(data["assignee"]))
        if "updated_since" in data:
            qs = qs.filter(updated_at__gte=data["updated_since"])
        return qs


class QueueFilterSerializer(serializers.Serializer):
    mine = serializers.BooleanField(required=False, default=False, help_text="Only tickets assigned to me.")
    unassigned = serializers.BooleanField(
        required=False, default=False, help_text="Only tickets nobody owns."
    )
    status = serializers.ChoiceField(
        choices=[Status.NEW, Status.OPEN, Status.WAITING],
        required=False,
        help_text="The queue holds new and open tickets; `waiting` shows those waiting on the customer.",
    )
    priority = serializers.SlugRelatedField(
        slug_field="slug", queryset=PriorityLevel.objects.all(), required=False
    )
    organization = serializers.CharField(max_length=32, required=False, help_text="Customer number.")
    plan = serializers.SlugRelatedField(slug_field="slug", queryset=SupportPlan.objects.all(), required=False)
    breaching_within = serializers.IntegerField(
        min_value=0,
        max_value=60 * 24 * 366,
        required=False,
        help_text="Minutes: a running target falls due within this time from now.",
    )
    breached = serializers.BooleanField(required=False, allow_null=True, default=None)
    escalated = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="Only tickets a customer escalated (or not)."
    )
    tag = TagFilterField()
    q = serializers.CharField(max_length=MAX_QUERY, required=False, allow_blank=True, help_text=SEARCH_HELP)
    view = serializers.IntegerField(
        min_value=1,
        max_value=2**62,
        required=False,
        help_text="A saved view's id (`/api/views/`): its filters, as the desk's tab shows them, and any "
        "other filter here on top. The order stays the endpoint's own. A view you do not see is a 404.",
    )

    def validate_view(self, value: int):
        request = self.context["request"]
        view = saved_views_for(request.user).filter(pk=value).first()
        if view is None:
            raise NotFound(_("No such saved view."))
        return saved_view_filters(view)

    @property
    def include_waiting(self) -> bool:
        saved = self.validated_data.get("view")
        if saved is not None and saved.status in ("", Status.WAITING):
            return True  # as on the desk: a view with no status filter shows waiting tickets too
        return self.validated_data.get("status") == Status.WAITING

    def apply(self, qs: QuerySet, *, agent, now: datetime) -> QuerySet:
        data = self.validated_data
        saved = data.get("view")
        if saved is not None:
            qs = queue_filter(qs, agent=agent, now=now, filters=saved).filter(
                view_q(saved.view, agent=agent, now=now)
            )
        if data["mine"]:
            qs = qs.filter(assignee=agent)
        if data["unassigned"]:
            qs = qs.filter(assignee__isnull=True)
        qs = _apply_shared(qs, data, now=now)
        qs = search_filter(qs, text=data.get("q", ""), reader=agent)
        if "plan" in data:
            qs = qs.filter(plan=data["plan"])
        if "breaching_within" in data:
            qs = qs.filter(breaching_q(now, timedelta(minutes=data["breaching_within"])))
        if data.get("escalated") is not None:
            escalated = Ticket.objects.escalated_q()
            qs = qs.filter(escalated) if data["escalated"] else qs.exclude(escalated)
        return qs
