"""What the API's serializers share: size limits, the intake channels, a user reference, the
documented shapes of ``sla_state``, request fields and event data, and the request-fields field."""

from __future__ import annotations

import json

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ...models import Channel

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
        "label": {
            "type": "string",
            "description": "The state in the reader's language (Accept-Language or their profile); `state` is the code to compare.",
        },
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
    "description": "Details that depend on `kind`; for `edited`: `field`, `old` and `new` as JSON values. "
    "A system reason (a rule's, a macro's, auto-assignment's) is under `reason`: its message id `msgid` and "
    "values `params` (a value may be such a message itself), which the event's `reason` words for the reader.",
}


def _request_fields(value):
    if not isinstance(value, dict):
        raise serializers.ValidationError(_("Expected an object of field names to values."))
    if "\\u0000" in json.dumps(value):
        # PostgreSQL's jsonb cannot store NUL characters.
        raise serializers.ValidationError(_("Null characters are not allowed."))
    if len(json.dumps(value)) > MAX_REQUEST_FIELDS_BYTES:
        raise serializers.ValidationError(
            _("At most %(max)d characters of form data.") % {"max": MAX_REQUEST_FIELDS_BYTES}
        )
    for key, item in value.items():
        if len(key) > 64:
            raise serializers.ValidationError(_("Field names are at most 64 characters."))
        scalar = (str, int, float, bool, type(None))
        if not (
            isinstance(item, scalar) or (isinstance(item, list) and all(isinstance(i, scalar) for i in item))
        ):
            raise serializers.ValidationError(
                _("“%(key)s”: a text, number, true/false, null or a list of those.") % {"key": key}
            )
    return value


@extend_schema_field(REQUEST_FIELDS_SCHEMA)
class RequestFieldsField(serializers.JSONField):
    default_error_messages = {"invalid": _("Expected an object of field names to values.")}

    def to_internal_value(self, data):
        return _request_fields(super().to_internal_value(data))
