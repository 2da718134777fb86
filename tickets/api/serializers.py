"""Shapes of the API: what goes in (validated here, never acted on here) and what comes out.

Write serializers only check input; the views hand ``validated_data`` to the services in
``tickets/services.py`` (and ``tickets/attachments.py``), which do the work.
"""

from __future__ import annotations

import json
from datetime import timedelta

from django.contrib.auth import get_user_model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from accounts.models import Organization
from sla.models import PriorityLevel, SLATarget, SupportPlan

from ..models import Attachment, Channel, Message, RequestType, Status, Ticket, TicketEvent
from ..policy import TicketError, check_requester
from ..selectors import sla_state

User = get_user_model()

MAX_TEXT = 100_000  # characters in a description or message body
MAX_REQUEST_FIELDS_BYTES = 20_000
# How a ticket opened through the API may have reached us (named in the schema: ENUM_NAME_OVERRIDES).
INTAKE_CHANNELS = [Channel.API, Channel.PHONE, Channel.CHAT, Channel.EMAIL]


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(read_only=True)
    name = serializers.CharField(source="display_name", read_only=True)


# The shape of ``tickets.selectors.sla_state``: only ``state`` is always there.
SLA_STATE_SCHEMA = {
    "type": "object",
    "required": ["state", "breached"],
    "properties": {
        "breached": {
            "type": "boolean",
            "description": "A target was missed: overdue while running, or met late (a breach stays a breach).",
        },
        "state": {
            "type": "string",
            "enum": ["on_track", "due_soon", "breached", "paused", "done", "none"],
            "description": "For the next running target: on_track, due_soon (within an hour), breached; "
            "paused (waiting on the customer), done (resolved or closed), none (no target).",
        },
        "target": {"type": "string", "enum": ["first_response", "resolution"]},
        "due_at": {"type": "string", "format": "date-time"},
        "seconds": {"type": "integer", "description": "Until due; negative when late."},
        "label": {"type": "string"},
    },
}


# A request form's answers. The forms are defined by admins at run time (``RequestType.fields``), so
# the keys cannot be in a static schema; the values can: text, textarea, date (YYYY-MM-DD) and choice
# answers are strings, phone_list answers a list of strings, and numbers, true/false and null pass.
# One anyOf branch per type (not a type list): generators model each branch as a plain type.
_SCALARS = [{"type": "string"}, {"type": "number"}, {"type": "boolean"}, {"type": "null"}]
REQUEST_FIELDS_SCHEMA = {
    "type": "object",
    "description": "A request form's answers: field name -> a text, number, true/false, null or a list "
    f"of those. Names are at most 64 characters; at most {MAX_REQUEST_FIELDS_BYTES} characters in all.",
    "propertyNames": {"maxLength": 64},
    "additionalProperties": {"anyOf": [*_SCALARS, {"type": "array", "items": {"anyOf": _SCALARS}}]},
}
EVENT_DATA_SCHEMA = {
    "type": "object",
    "additionalProperties": True,
    "description": "Details that depend on `kind`; for `edited`: `field`, `old` and `new` as JSON values.",
}


def _request_fields(value):
    if not isinstance(value, dict):
        raise serializers.ValidationError("Expected an object of field names to values.")
    if "\\u0000" in json.dumps(value):
        # PostgreSQL's jsonb cannot store NUL characters.
        raise serializers.ValidationError("Null characters are not allowed.")
    if len(json.dumps(value)) > MAX_REQUEST_FIELDS_BYTES:
        raise serializers.ValidationError(f"At most {MAX_REQUEST_FIELDS_BYTES} characters of form data.")
    for key, item in value.items():
        if len(key) > 64:
            raise serializers.ValidationError("Field names are at most 64 characters.")
        scalar = (str, int, float, bool, type(None))
        if not (
            isinstance(item, scalar) or (isinstance(item, list) and all(isinstance(i, scalar) for i in item))
        ):
            raise serializers.ValidationError(
                f"'{key}': a text, number, true/false, null or a list of those."
            )
    return value


@extend_schema_field(REQUEST_FIELDS_SCHEMA)
class RequestFieldsField(serializers.JSONField):
    default_error_messages = {"invalid": "Expected an object of field names to values."}

    def to_internal_value(self, data):
        return _request_fields(super().to_internal_value(data))


# --- tickets -------------------------------------------------------------------------------------


class TicketSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True, help_text='"HD-<id>"')
    priority = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    organization = serializers.SlugRelatedField(slug_field="customer_number", read_only=True)
    requester = UserRefSerializer(read_only=True)
    assignee = UserRefSerializer(read_only=True, allow_null=True)
    request_fields = RequestFieldsField(read_only=True)
    sla_state = serializers.SerializerMethodField()

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
        ]
        read_only_fields = fields

    @extend_schema_field(SLA_STATE_SCHEMA)
    def get_sla_state(self, ticket: Ticket) -> dict:
        state = sla_state(ticket, self.context["now"])
        if "due_at" in state:
            state["due_at"] = serializers.DateTimeField().to_representation(state["due_at"])
        return state


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
            errors["requester"] = ["Customers open tickets for themselves."]
        if "organization" in data and (
            user.organization is None or data["organization"] != user.organization.customer_number
        ):
            errors["organization"] = ["You can only open tickets for your own organization."]
        if data.get("channel", Channel.API) != Channel.API:
            errors["channel"] = ["Only staff set the channel."]
        if errors:
            raise serializers.ValidationError(errors)
        data["requester"] = user
        data["organization"] = user.organization
        return data

    def _validate_for_staff(self, data):
        ref = data.get("requester")
        if not ref:
            raise serializers.ValidationError(
                {"requester": ["Name the customer (user id or email address)."]}
            )
        lookup = {"pk": int(ref)} if ref.isdigit() and int(ref) < 2**62 else {"email__iexact": ref}
        requester = (
            User.objects.filter(is_active=True, is_staff=False, **lookup)
            .select_related("organization")
            .first()
        )
        if requester is None:
            raise serializers.ValidationError(
                {"requester": ["No active customer with this id or email address."]}
            )
        organization = requester.organization
        if "organization" in data:
            organization = Organization.objects.filter(customer_number=data["organization"]).first()
            if organization is None:
                raise serializers.ValidationError(
                    {"organization": ["No organization with this customer number."]}
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

    def validate(self, data):
        user = self.context["request"].user
        errors = {}
        initial = self.initial_data if isinstance(self.initial_data, dict) else {}
        for name in initial:
            if name in self.ROUTED:
                errors[name] = [self.ROUTED[name]]
            elif name not in self.fields:
                errors[name] = ["This field cannot be changed."]
        if not user.is_staff:
            for name in ("status", "assignee"):
                if name in data:
                    errors[name] = ["Only staff change this; use the close/, reopen/ or escalate/ actions."]
        if "assignee" in data and data["assignee"] is not None and not errors.get("assignee"):
            try:
                data["assignee"] = staff_user(data["assignee"])
            except serializers.ValidationError as exc:
                errors["assignee"] = exc.detail
        if not initial:
            errors["non_field_errors"] = ["Send at least one field to change."]
        if errors:
            raise serializers.ValidationError(errors)
        return data


def staff_user(ref: str):
    ref = str(ref).strip()
    lookup = {"pk": int(ref)} if ref.isdigit() and int(ref) < 2**62 else {"email__iexact": ref}
    agent = User.objects.filter(is_active=True, is_staff=True, **lookup).first()
    if agent is None:
        raise serializers.ValidationError(["No active staff member with this id or email address."])
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
            raise serializers.ValidationError("A ticket cannot be merged into itself.")
        target = Ticket.objects.visible_to(self.context["request"].user).filter(pk=value).first()
        if target is None:
            raise serializers.ValidationError("No such ticket.")
        return target


# --- thread --------------------------------------------------------------------------------------


class MessageSerializer(serializers.ModelSerializer):
    author = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Message
        fields = ["id", "kind", "author", "from_staff", "channel", "body", "body_html", "created_at"]
        read_only_fields = fields


class MessageCreateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=MAX_TEXT)
    kind = serializers.ChoiceField(
        choices=[Message.Kind.PUBLIC, Message.Kind.INTERNAL],
        required=False,
        default=Message.Kind.PUBLIC,
        help_text="`internal` notes are for staff only and never shown to customers.",
    )

    def validate_kind(self, value):
        if value == Message.Kind.INTERNAL and not self.context["request"].user.is_staff:
            raise serializers.ValidationError("Customers can only post public replies.")
        return value


class AttachmentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "filename", "content_type", "size", "message", "created_at", "download_url"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, attachment: Attachment) -> str:
        return reverse(
            "api:ticket-attachment-download",
            kwargs={"ticket_id": attachment.ticket_id, "pk": attachment.pk},
            request=self.context.get("request"),
        )


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        max_length=255,
        allow_empty_file=False,
        help_text="Images (PNG, JPEG, GIF, WebP), PDF, ZIP or plain text; the type is read from the content.",
    )


class TicketEventSerializer(serializers.ModelSerializer):
    actor = UserRefSerializer(read_only=True, allow_null=True)
    old_value = serializers.CharField(
        read_only=True,
        help_text="Display text (at most 255 characters); JSON for form fields. Full values: `data`.",
    )
    new_value = serializers.CharField(
        read_only=True,
        help_text="Display text (at most 255 characters); JSON for form fields. Full values: `data`.",
    )
    data = serializers.SerializerMethodField()

    class Meta:
        model = TicketEvent
        fields = ["id", "kind", "actor", "old_value", "new_value", "reason", "data", "created_at"]
        read_only_fields = fields

    @extend_schema_field(EVENT_DATA_SCHEMA)
    def get_data(self, event: TicketEvent) -> dict:
        return event.data


# --- configuration -------------------------------------------------------------------------------


class PrioritySerializer(serializers.ModelSerializer):
    slug = serializers.SlugField(max_length=50)
    name = serializers.CharField(max_length=60)
    rank = serializers.IntegerField(min_value=1, max_value=1000)
    definition = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    examples = serializers.ListField(
        child=serializers.CharField(max_length=500), max_length=50, required=False
    )
    colour = serializers.RegexField(
        r"^#[0-9a-fA-F]{6}$", required=False, help_text="Hex colour, e.g. #dc2626."
    )

    class Meta:
        model = PriorityLevel
        fields = ["slug", "name", "rank", "definition", "examples", "colour", "advise_phone", "is_default"]

    def validate_slug(self, value):
        clash = PriorityLevel.objects.filter(slug=value)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError("A priority level with this slug exists.")
        return value

    def validate_is_default(self, value):
        if (
            value
            and PriorityLevel.objects.filter(is_default=True)
            .exclude(pk=getattr(self.instance, "pk", None))
            .exists()
        ):
            raise serializers.ValidationError("Another level is the default; unset it there first.")
        return value


class TargetSerializer(serializers.ModelSerializer):
    priority = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    calendar = serializers.SlugRelatedField(slug_field="name", read_only=True)
    first_response_seconds = serializers.SerializerMethodField()
    resolution_seconds = serializers.SerializerMethodField()

    class Meta:
        model = SLATarget
        fields = ["priority", "first_response_seconds", "resolution_seconds", "calendar"]

    @staticmethod
    def _seconds(value: timedelta | None) -> int | None:
        return None if value is None else int(value.total_seconds())

    def get_first_response_seconds(self, target) -> int | None:
        return self._seconds(target.first_response)

    def get_resolution_seconds(self, target) -> int | None:
        return self._seconds(target.resolution)


class PlanSerializer(serializers.ModelSerializer):
    slug = serializers.SlugField(max_length=50)
    name = serializers.CharField(max_length=80)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    targets = TargetSerializer(many=True, read_only=True)

    class Meta:
        model = SupportPlan
        fields = ["slug", "name", "description", "is_default", "targets"]

    def validate_slug(self, value):
        clash = SupportPlan.objects.filter(slug=value)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError("A plan with this slug exists.")
        return value

    def validate_is_default(self, value):
        if (
            value
            and SupportPlan.objects.filter(is_default=True)
            .exclude(pk=getattr(self.instance, "pk", None))
            .exists()
        ):
            raise serializers.ValidationError("Another plan is the default; unset it there first.")
        return value


class OrganizationSerializer(serializers.ModelSerializer):
    plan = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Organization
        fields = [
            "customer_number",
            "name",
            "plan",
            "email_domains",
            "may_file_top_priority",
            "shares_tickets",
            "phone",
            "created_at",
        ]
        read_only_fields = fields


# --- index ---------------------------------------------------------------------------------------


class ApiRootSerializer(serializers.Serializer):
    schema = serializers.URLField(read_only=True, help_text="This API's OpenAPI document.")
    docs = serializers.URLField(read_only=True, help_text="The interactive documentation.")
    token = serializers.URLField(read_only=True, help_text="POST an email and password for a token.")
    tickets = serializers.URLField(read_only=True)
    queue = serializers.URLField(read_only=True, help_text="Staff: the technician queue.")
    priorities = serializers.URLField(read_only=True)
    plans = serializers.URLField(read_only=True)
    organizations = serializers.URLField(read_only=True, help_text="Staff only.")
