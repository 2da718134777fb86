"""Tickets in and out: the ticket as read, opening one, changing one, and the actions' inputs.

Write serializers only check input; the views hand ``validated_data`` to the services in
``tickets/services.py``, which do the work."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Organization
from sla.models import PriorityLevel

from ...models import Channel, RequestType, Status, Ticket
from ...policy import TicketError, check_requester
from ...selectors import sla_state
from .common import INTAKE_CHANNELS, MAX_TEXT, SLA_STATE_SCHEMA, RequestFieldsField, UserRefSerializer

User = get_user_model()


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
