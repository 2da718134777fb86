"""Tickets in and out: the ticket as read, opening one, changing one, and the actions' inputs.

Write serializers only check input; the views hand ``validated_data`` to the services in
``tickets/services.py``, which do the work."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from accounts.models import Organization
from sla.models import PriorityLevel

from ...models import Channel, RequestType, Status, Tag, Ticket
from ...policy import TAGS_PER_TICKET_MAX, TicketError, check_requester, tag_name
from ...selectors import sla_state
from .common import INTAKE_CHANNELS, MAX_TEXT, SLA_STATE_SCHEMA, RequestFieldsField, UserRefSerializer

User = get_user_model()


# --- tickets -------------------------------------------------------------------------------------


@extend_schema_field({"type": "array", "items": {"type": "string"}, "readOnly": False})
class StaffTagsField(serializers.Field):
    """The ticket's tag names. Output only; not marked read-only so the schema can say it is optional
    (customers' answers leave it out, see ``TicketSerializer._readable_fields``)."""

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def to_representation(self, manager) -> list[str]:
        return [tag.name for tag in manager.all()]

    def to_internal_value(self, data):
        raise serializers.ValidationError(_("Change tags with PATCH tags or POST tags/."))


class TicketSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True, help_text='"HD-<id>"')
    priority = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    organization = serializers.SlugRelatedField(slug_field="customer_number", read_only=True)
    requester = UserRefSerializer(read_only=True)
    assignee = UserRefSerializer(read_only=True, allow_null=True)
    request_fields = RequestFieldsField(read_only=True)
    sla_state = serializers.SerializerMethodField()
    tags = StaffTagsField(help_text="Staff only (absent for customers): the ticket's tags, in name order.")

    class Meta:
        model = Ticket
        fields = [
            "id",
            "reference",
            "subject",
            "description",
            "request_fields",
            "priority",
            "status",
            "channel",
            "organization",
            "requester",
            "assignee",
            "received_at",
            "updated_at",
            "first_response_due_at",
            "resolution_due_at",
            "first_responded_at",
            "resolved_at",
            "closed_at",
            "escalated_at",
            "sla_state",
            "tags",
        ]
        read_only_fields = fields

    @property
    def _readable_fields(self):
        # Internal labels: a customer's answer has no ``tags`` (and costs no query for them).
        request = self.context.get("request")
        staff = request is not None and request.user.is_staff
        for field in super()._readable_fields:
            if staff or field.field_name != "tags":
                yield field

    @extend_schema_field(SLA_STATE_SCHEMA)
    def get_sla_state(self, ticket: Ticket) -> dict:
        state = sla_state(ticket, self.context["now"])
        if "due_at" in state:
            state["due_at"] = serializers.DateTimeField().to_representation(state["due_at"])
        return state


# The columns ``ticket_rows`` reads: what ``TicketSerializer`` shows and what ``sla_state`` asks.
TICKET_ROW_COLUMNS = (
    "id",
    "priority_rank",  # the queue's keyset cursor
    "subject",
    "description",
    "request_fields",
    "status",
    "channel",
    "received_at",
    "updated_at",
    "first_response_due_at",
    "resolution_due_at",
    "first_responded_at",
    "resolved_at",
    "closed_at",
    "escalated_at",
    "sla_paused_at",
    "requester_id",
    "assignee_id",
)


def ticket_rows_queryset(qs):
    """``qs`` narrowed to the columns of ``ticket_rows`` (no plan, no other wide column). The level's slug
    and the organization's number come as two joined columns, not as two model instances per row (102
    instances built for a page of 50 to read one field of each); the people come by id in one more query
    (``selectors.person_rows_attach``)."""
    return (
        qs.select_related(None)
        .only(*TICKET_ROW_COLUMNS)
        .annotate(row_priority=F("priority__slug"), row_organization=F("organization__customer_number"))
    )


def _iso_datetime():
    """DRF's ``DateTimeField().to_representation`` for aware datetimes in ISO 8601 (our API's format): in
    the current zone, ``+00:00`` written ``Z``; the zone looked up once per page instead of per field."""
    field = serializers.DateTimeField()
    if getattr(field, "format", api_settings.DATETIME_FORMAT) != ISO_8601 or not settings.USE_TZ:
        return field.to_representation
    zone = timezone.get_current_timezone()

    def iso(value):
        if not value or not timezone.is_aware(value):
            return field.to_representation(value)
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return iso


def ticket_rows(tickets, *, now, staff: bool) -> list[dict]:
    # (The caller attaches requester and assignee, ``person_rows_attach``, and the tags, ``tag_names_attach``,
    # on rows of ``ticket_rows_queryset``.)
    """``TicketSerializer(tickets, many=True).data`` for a staff list page, built without DRF's per-field
    machinery (about 9 ms for 50 rows). Same keys, same order, same formats:
    ``tests/api/test_queue_rows.py`` compares the two on every kind of ticket."""
    dt = _iso_datetime()

    def when(value):
        return None if value is None else dt(value)

    def ref(user):
        return None if user is None else {"id": user.pk, "email": user.email, "name": user.display_name}

    out = []
    for t in tickets:
        state = sla_state(t, now)
        if "due_at" in state:
            state["due_at"] = dt(state["due_at"])
        row = {
            "id": t.pk,
            "reference": t.reference,
            "subject": t.subject,
            "description": t.description,
            "request_fields": t.request_fields,
            "priority": t.row_priority,
            "status": t.status,
            "channel": t.channel,
            "organization": t.row_organization,
            "requester": ref(t.requester_row),
            "assignee": ref(t.assignee_row),
            "received_at": when(t.received_at),
            "updated_at": when(t.updated_at),
            "first_response_due_at": when(t.first_response_due_at),
            "resolution_due_at": when(t.resolution_due_at),
            "first_responded_at": when(t.first_responded_at),
            "resolved_at": when(t.resolved_at),
            "closed_at": when(t.closed_at),
            "escalated_at": when(t.escalated_at),
            "sla_state": state,
        }
        if staff:
            row["tags"] = t.tag_names
        out.append(row)
    return out


class TicketCreateSerializer(serializers.Serializer):
    subject = serializers.CharField(max_length=255)
    description = serializers.CharField(max_length=MAX_TEXT, required=False, allow_blank=True, default="")
    priority = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=PriorityLevel.objects.all(),
        required=False,
        help_text="Default: the default level.",
    )
    request_fields = RequestFieldsField(required=False, default=dict)
    request_type = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=RequestType.objects.filter(active=True),
        required=False,
        allow_null=True,
        default=None,
        help_text="The request form (slug) whose fields `request_fields` fills; its required fields must be given.",
    )
    organization = serializers.CharField(
        max_length=32, required=False, help_text="Customer number. Customers: their own (the default)."
    )
    requester = serializers.CharField(
        max_length=254,
        required=False,
        help_text="Staff only, required for staff: the customer's user id or email address.",
    )
    channel = serializers.ChoiceField(
        choices=INTAKE_CHANNELS,
        required=False,
        default=Channel.API,
        help_text="Staff only: how the request reached us.",
    )

    def validate(self, data):
        user = self.context["request"].user
        if user.is_staff:
            return self._validate_for_staff(data)
        errors = {}
        if data.get("requester") not in (None, str(user.pk), user.email):
            errors["requester"] = [_("Customers open tickets for themselves.")]
        if "organization" in data and (
            user.organization is None or data["organization"] != user.organization.customer_number
        ):
            errors["organization"] = [_("You can only open tickets for your own organization.")]
        if data.get("channel", Channel.API) != Channel.API:
            errors["channel"] = [_("Only staff set the channel.")]
        if errors:
            raise serializers.ValidationError(errors)
        data["requester"] = user
        data["organization"] = user.organization
        return data

    def _validate_for_staff(self, data):
        ref = data.get("requester")
        if not ref:
            raise serializers.ValidationError(
                {"requester": [_("Name the customer (user id or email address).")]}
            )
        lookup = {"pk": int(ref)} if ref.isdigit() and int(ref) < 2**62 else {"email__iexact": ref}
        requester = (
            User.objects.filter(is_active=True, is_staff=False, **lookup)
            .select_related("organization")
            .first()
        )
        if requester is None:
            raise serializers.ValidationError(
                {"requester": [_("No active customer with this id or email address.")]}
            )
        organization = requester.organization
        if "organization" in data:
            organization = Organization.objects.filter(customer_number=data["organization"]).first()
            if organization is None:
                raise serializers.ValidationError(
                    {"organization": [_("No organization with this customer number.")]}
                )
            try:
                check_requester(requester=requester, organization=organization)
            except TicketError as exc:
                raise serializers.ValidationError({"requester": [str(exc)]}) from None
        data["requester"], data["organization"] = requester, organization
        return data


class TicketUpdateSerializer(serializers.Serializer):
    """PATCH: the request itself (subject, description, form fields) and, for staff, status and
    assignee. Everything else is read-only or has its own action (priority needs a reason)."""

    ROUTED = {
        "priority": "Use POST reclassify/ (a reason is required).",
        "organization": "A ticket cannot move to another organization.",
        "requester": "The requester cannot be changed.",
    }

    subject = serializers.CharField(max_length=255, required=False)
    description = serializers.CharField(max_length=MAX_TEXT, required=False, allow_blank=True)
    request_fields = RequestFieldsField(required=False)
    status = serializers.ChoiceField(
        choices=[Status.OPEN, Status.WAITING, Status.RESOLVED, Status.CLOSED],
        required=False,
        help_text="Staff only.",
    )
    assignee = serializers.CharField(
        max_length=254,
        required=False,
        allow_null=True,
        help_text="Staff only: a staff user id or email; null to unassign.",
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=60),
        max_length=TAGS_PER_TICKET_MAX,
        required=False,
        help_text="Staff only: the ticket's tags after the change (a new name makes a new tag; "
        "omitted ones are removed). An event is recorded per tag added or removed.",
    )

    def validate_tags(self, value):
        return _tag_names(value)

    def validate(self, data):
        user = self.context["request"].user
        errors = {}
        initial = self.initial_data if isinstance(self.initial_data, dict) else {}
        for name in initial:
            if name in self.ROUTED:
                errors[name] = [self.ROUTED[name]]
            elif name not in self.fields:
                errors[name] = [_("This field cannot be changed.")]
        if not user.is_staff:
            for name in ("status", "assignee", "tags"):
                if name in data:
                    errors[name] = [
                        _("Only staff change this; use the close/, reopen/ or escalate/ actions.")
                    ]
        if "assignee" in data and data["assignee"] is not None and not errors.get("assignee"):
            try:
                data["assignee"] = staff_user(data["assignee"])
            except serializers.ValidationError as exc:
                errors["assignee"] = exc.detail
        if not initial:
            errors["non_field_errors"] = [_("Send at least one field to change.")]
        if errors:
            raise serializers.ValidationError(errors)
        return data


def staff_user(ref: str):
    ref = str(ref).strip()
    lookup = {"pk": int(ref)} if ref.isdigit() and int(ref) < 2**62 else {"email__iexact": ref}
    agent = User.objects.filter(is_active=True, is_staff=True, **lookup).first()
    if agent is None:
        raise serializers.ValidationError([_("No active staff member with this id or email address.")])
    return agent


# --- actions -------------------------------------------------------------------------------------


class AssignSerializer(serializers.Serializer):
    assignee = serializers.CharField(
        max_length=254, allow_null=True, help_text="A staff user's id or email address; null to unassign."
    )

    def validate_assignee(self, value):
        return None if value is None else staff_user(value)


class ReclassifySerializer(serializers.Serializer):
    priority = serializers.SlugRelatedField(slug_field="slug", queryset=PriorityLevel.objects.all())
    reason = serializers.CharField(max_length=2000, help_text="Required: told to the customer.")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class MergeSerializer(serializers.Serializer):
    target = serializers.IntegerField(
        min_value=1, max_value=2**62, help_text="The id of the ticket to merge into."
    )

    def validate_target(self, value):
        source = self.context["ticket"]
        if value == source.pk:
            raise serializers.ValidationError(_("A ticket cannot be merged into itself."))
        target = Ticket.objects.visible_to(self.context["request"].user).filter(pk=value).first()
        if target is None:
            raise serializers.ValidationError(_("No such ticket."))
        return target


def _tag_names(values: list[str]) -> list[str]:
    names, errors = [], []
    for value in values:
        try:
            names.append(tag_name(value))
        except TicketError as exc:
            errors.append(str(exc))
    if errors:
        raise serializers.ValidationError(errors)
    return names


class TagsChangeSerializer(serializers.Serializer):
    add = serializers.ListField(
        child=serializers.CharField(max_length=60),
        max_length=TAGS_PER_TICKET_MAX,
        required=False,
        default=list,
        help_text="Tags to add (a new name makes a new tag).",
    )
    remove = serializers.ListField(
        child=serializers.CharField(max_length=60),
        max_length=TAGS_PER_TICKET_MAX,
        required=False,
        default=list,
        help_text="Tags to remove (a name the ticket does not carry is ignored).",
    )

    def validate_add(self, value):
        return _tag_names(value)

    def validate_remove(self, value):
        return _tag_names(value)

    def validate(self, data):
        if not data["add"] and not data["remove"]:
            raise serializers.ValidationError({"non_field_errors": [_("Name a tag to add or remove.")]})
        return data


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["name", "suggested", "description"]
        read_only_fields = fields


class BulkSerializer(serializers.Serializer):
    """One action on many tickets. The inputs an action does not use are ignored."""

    action = serializers.CharField(
        max_length=20,
        help_text="assign | status | reclassify | tag | incident | merge | macro.",
    )
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**62),
        required=False,
        max_length=500,
        help_text="The tickets (ids). Or give `filters` instead.",
    )
    filters = serializers.DictField(
        child=serializers.CharField(max_length=200),
        required=False,
        help_text="Instead of `ids`: every ticket the desk queue's filters match (the queue's query "
        'parameters, e.g. {"view": "unassigned", "tag": "outage"}); at most 500.',
    )
    assignee = serializers.CharField(
        max_length=254, required=False, help_text='assign: "me", "none", or a staff id or email.'
    )
    status = serializers.CharField(max_length=16, required=False, help_text="status: the new status.")
    priority = serializers.CharField(max_length=50, required=False, help_text="reclassify: a priority slug.")
    reason = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        help_text="reclassify (required), status (optional).",
    )
    add = serializers.ListField(
        child=serializers.CharField(max_length=60),
        required=False,
        max_length=20,
        help_text="tag: names to add.",
    )
    remove = serializers.ListField(
        child=serializers.CharField(max_length=60),
        required=False,
        max_length=20,
        help_text="tag: names to remove.",
    )
    incident = serializers.IntegerField(
        min_value=1, max_value=2**62, required=False, help_text="incident: its id."
    )
    target = serializers.CharField(
        max_length=40, required=False, help_text="merge: the ticket to merge into."
    )
    macro = serializers.IntegerField(min_value=1, max_value=2**62, required=False, help_text="macro: its id.")

    def validate(self, data):
        if ("ids" in data) == ("filters" in data):
            raise serializers.ValidationError({"non_field_errors": [_("Give either `ids` or `filters`.")]})
        return data


class BulkRefusalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    reason = serializers.CharField()


class BulkResultSerializer(serializers.Serializer):
    changed = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ids changed (or already so)."
    )
    refused = BulkRefusalSerializer(many=True, help_text="Tickets left as they were, with the reason.")
    summary = serializers.CharField(help_text='"48 changed, 2 refused: HD-7: why; ..."')
