"""The events in the OpenAPI document (3.1 ``webhooks``): one entry per event type, each body described
by serializers that mirror ``payloads`` (tests/webhooks/test_schema.py validates real deliveries against
these, so the document cannot drift from what is sent)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, OpenApiWebhook, extend_schema
from rest_framework import serializers

from .events import EventType

SIGNING = (
    "Signed to the Standard Webhooks scheme: headers `webhook-id` (the same on every retry and replay; "
    "drop a repeat), `webhook-timestamp` (Unix seconds of this try) and `webhook-signature` "
    "(`v1,<base64 HMAC-SHA256 of id.timestamp.body>` with the endpoint's `whsec_` secret; during a "
    "secret rotation two signatures, space-separated). Answer 2xx within the timeout; anything else "
    "(redirects included) is retried with exponential backoff."
)


class WebhookOrganization(serializers.Serializer):
    name = serializers.CharField()
    customer_number = serializers.CharField()


class WebhookPriority(serializers.Serializer):
    name = serializers.CharField()
    advise_phone = serializers.BooleanField()
    rank = serializers.IntegerField(help_text="1 is the most urgent.")


class WebhookPerson(serializers.Serializer):
    full_name = serializers.CharField()
    display_name = serializers.CharField()


class WebhookAssignee(serializers.Serializer):
    display_name = serializers.CharField()


class WebhookTicket(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField(help_text="The ticket on the staff desk.")
    reference = serializers.CharField()
    subject = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField()
    organization = WebhookOrganization()
    priority = WebhookPriority()
    requester = WebhookPerson()
    assignee = WebhookAssignee(allow_null=True)
    first_response_due_at = serializers.DateTimeField(allow_null=True)
    resolution_due_at = serializers.DateTimeField(allow_null=True)
    first_response_owed = serializers.BooleanField()


class WebhookMessage(serializers.Serializer):
    id = serializers.IntegerField()
    internal = serializers.BooleanField(help_text="True only in ticket.note_added.")
    from_staff = serializers.BooleanField()
    author = serializers.CharField()
    body = serializers.CharField()
    created_at = serializers.DateTimeField()


class WebhookIncident(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    public_status = serializers.CharField()
    opened_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    url = serializers.URLField()


class WebhookChange(serializers.Serializer):
    old = serializers.JSONField()
    new = serializers.JSONField()


class WebhookAlert(serializers.Serializer):
    rule = serializers.CharField()
    event = serializers.CharField(help_text="The alert rule's event (created, warning, breach ...).")
    target = serializers.CharField(allow_null=True)
    audience = serializers.CharField()
    recipients = serializers.ListField(child=serializers.CharField(), help_text="The people paged.")
    rota_gap = serializers.BooleanField()
    text = serializers.CharField()


def _data_fields(event_type: str) -> dict:
    if event_type.startswith("incident."):
        fields = {"incident": WebhookIncident()}
        if event_type != EventType.INCIDENT_OPENED:
            fields["update"] = serializers.CharField(help_text="The words posted.")
        return fields
    if event_type == EventType.PING:
        return {"endpoint": serializers.DictField()}
    fields = {"ticket": WebhookTicket()}
    if event_type in (EventType.CUSTOMER_REPLIED, EventType.STAFF_REPLIED, EventType.NOTE_ADDED):
        fields["message"] = WebhookMessage()
    if event_type == EventType.STATUS_CHANGED:
        fields["old_status"] = serializers.CharField()
    if event_type == EventType.ASSIGNED:
        fields["previous_assignee"] = serializers.CharField(allow_null=True)
    if event_type in (EventType.SLA_WARNING, EventType.SLA_BREACH):
        fields["target"] = serializers.ChoiceField(choices=["first_response", "resolution"])
    if event_type == EventType.TICKET_UPDATED:
        fields["changes"] = serializers.DictField(
            child=WebhookChange(), help_text="Field name -> old and new value."
        )
        fields["reason"] = serializers.CharField(required=False)
    if event_type == EventType.PAGED:
        fields["alert"] = WebhookAlert()
    return fields


def _camel(event_type: str) -> str:
    return "".join(part.capitalize() for part in event_type.replace(".", "_").split("_"))


def _event_serializer(event_type: str) -> type[serializers.Serializer]:
    name = _camel(event_type)
    data = type(f"{name}Data", (serializers.Serializer,), _data_fields(event_type))
    return type(
        f"{name}Event",
        (serializers.Serializer,),
        {
            "type": serializers.ChoiceField(choices=[event_type]),
            "timestamp": serializers.DateTimeField(help_text="When it happened."),
            "data": data(),
        },
    )


def _webhook(event_type: EventType) -> OpenApiWebhook:
    return OpenApiWebhook(
        name=event_type.value,
        decorator=extend_schema(
            summary=str(event_type.label),
            description=f"Sent to endpoints subscribed to `{event_type.value}` in the standard format. {SIGNING}",
            request=_event_serializer(event_type.value),
            responses={200: OpenApiResponse(description="Received (any 2xx).")},
        ),
    )


# One module attribute per event type, named as in settings.SPECTACULAR_SETTINGS["WEBHOOKS"].
for _t in EventType:
    globals()[_t.value.replace(".", "_")] = _webhook(_t)
