"""Shapes of the API: what goes in (validated here, never acted on here) and what comes out, one
module per resource. The public names are re-exported here: every API view and the schema settings
(``ENUM_NAME_OVERRIDES``) name them from ``tickets.api.serializers``."""

from .children import (
    AttachmentSerializer,
    AttachmentUploadSerializer,
    MessageCreateSerializer,
    MessageSerializer,
    TicketEventSerializer,
)
from .common import INTAKE_CHANNELS, MAX_REQUEST_FIELDS_BYTES, MAX_TEXT, RequestFieldsField, UserRefSerializer
from .config import (
    ApiRootSerializer,
    OrganizationSerializer,
    PlanSerializer,
    PrioritySerializer,
    TargetSerializer,
    UniqueSlugOneDefaultMixin,
)
from .tickets import (
    AssignSerializer,
    BulkResultSerializer,
    BulkSerializer,
    MergeSerializer,
    ReasonSerializer,
    ReclassifySerializer,
    TagsChangeSerializer,
    TagSerializer,
    TicketCreateSerializer,
    TicketSerializer,
    TicketUpdateSerializer,
    staff_user,
)
from .views import SavedViewMoveSerializer, SavedViewSerializer

__all__ = [
    "SavedViewMoveSerializer",
    "SavedViewSerializer",
    "INTAKE_CHANNELS",
    "MAX_REQUEST_FIELDS_BYTES",
    "MAX_TEXT",
    "ApiRootSerializer",
    "AssignSerializer",
    "AttachmentSerializer",
    "AttachmentUploadSerializer",
    "BulkResultSerializer",
    "BulkSerializer",
    "MergeSerializer",
    "MessageCreateSerializer",
    "MessageSerializer",
    "OrganizationSerializer",
    "PlanSerializer",
    "PrioritySerializer",
    "ReasonSerializer",
    "ReclassifySerializer",
    "RequestFieldsField",
    "TagSerializer",
    "TagsChangeSerializer",
    "TargetSerializer",
    "TicketCreateSerializer",
    "TicketEventSerializer",
    "TicketSerializer",
    "TicketUpdateSerializer",
    "UniqueSlugOneDefaultMixin",
    "UserRefSerializer",
    "staff_user",
]
