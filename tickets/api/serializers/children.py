"""What hangs off a ticket: messages (and a new reply), attachments (and an upload), events."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from ...models import Attachment, Message, TicketEvent
from ...policy import MINUTES_MAX
from ...reasons import event_reason
from .common import EVENT_DATA_SCHEMA, MAX_TEXT, UserRefSerializer

# --- thread --------------------------------------------------------------------------------------


class MessageSerializer(serializers.ModelSerializer):
    author = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Message
        fields = [
            "id",
            "kind",
            "author",
            "from_staff",
            "channel",
            "body",
            "body_html",
            "minutes",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "minutes": {"help_text": "Time a technician logged (staff only; null for customers)."}
        }

    def to_representation(self, message):
        data = super().to_representation(message)
        request = self.context.get("request")
        if not (request and request.user.is_staff):
            data["minutes"] = None  # billing detail, for staff
        return data


class MessageCreateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=MAX_TEXT)
    kind = serializers.ChoiceField(
        choices=[Message.Kind.PUBLIC, Message.Kind.INTERNAL],
        required=False,
        default=Message.Kind.PUBLIC,
        help_text="`internal` notes are for staff only and never shown to customers.",
    )

    minutes = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=MINUTES_MAX,
        help_text="Staff: the time spent, in minutes. Required when the ticket's plan bills by time.",
    )

    def validate_minutes(self, value):
        if value is not None and not self.context["request"].user.is_staff:
            raise serializers.ValidationError(_("Only staff log time on a ticket."))
        return value

    def validate_kind(self, value):
        if value == Message.Kind.INTERNAL and not self.context["request"].user.is_staff:
            raise serializers.ValidationError(_("Customers can only post public replies."))
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
    reason = serializers.SerializerMethodField(
        help_text="Why, in the reader's language (Accept-Language or their profile) where the reason is the "
        "system's (a rule's, a macro's, auto-assignment's): `data.reason` then holds its message id "
        "(`msgid`) and values (`params`). A person's own words read as they were written."
    )
    data = serializers.SerializerMethodField()

    class Meta:
        model = TicketEvent
        fields = ["id", "kind", "actor", "old_value", "new_value", "reason", "data", "created_at"]
        read_only_fields = fields

    def get_reason(self, event: TicketEvent) -> str:
        return event_reason(event)

    @extend_schema_field(EVENT_DATA_SCHEMA)
    def get_data(self, event: TicketEvent) -> dict:
        return event.data
