"""Configuration resources: priority levels and support plans (admins change them), organizations (staff read)."""

from __future__ import annotations

from django.db.models import ProtectedError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets

from accounts.models import Organization
from sla.models import PriorityLevel, SupportPlan

from ...models import Tag
from ..permissions import IsStaff, ReadSignedInWriteAdmin
from ..serializers import OrganizationSerializer, PlanSerializer, PrioritySerializer, TagSerializer
from ._common import ERRORS, ApiMixin, Conflict, ok


class ConfigViewSet(ApiMixin, viewsets.ModelViewSet):
    permission_classes = [ReadSignedInWriteAdmin]
    lookup_field = "slug"
    lookup_value_regex = r"[^/]+"
    http_method_names = ["get", "post", "patch", "put", "delete", "head", "options"]
    pagination_class = None

    def perform_destroy(self, instance):
        try:
            instance.delete()
        except ProtectedError:
            raise Conflict(f"{instance} is in use and cannot be deleted.") from None


CONFIG_ERRORS = {400: ERRORS[400], 409: ERRORS[409]}


def _config_schema(serializer, *, one: str, many: str, key: str, note: str = ""):
    """The six operations of a configuration resource: read by everyone signed in, changed by admins."""
    read, write = f"Everyone signed in. {note}".strip(), "Admins only."
    return extend_schema_view(
        list=extend_schema(
            summary=f"All {many}",
            description=read,
            responses={200: ok(serializer(many=True), f"Every {one}.")},
        ),
        retrieve=extend_schema(
            summary=f"One {one}, by {key}", description=read, responses={200: ok(serializer, f"The {one}.")}
        ),
        create=extend_schema(
            summary=f"Add a {one}",
            description=write,
            responses={201: ok(serializer, f"The new {one}."), **CONFIG_ERRORS},
        ),
        update=extend_schema(
            summary=f"Replace a {one}",
            description=f"{write} Send every writable field.",
            responses={200: ok(serializer, f"The {one} as it is now."), **CONFIG_ERRORS},
        ),
        partial_update=extend_schema(
            summary=f"Change a {one}",
            description=f"{write} Send only the fields to change.",
            responses={200: ok(serializer, f"The {one} as it is now."), **CONFIG_ERRORS},
        ),
        destroy=extend_schema(
            summary=f"Delete a {one}",
            description=f"{write} A {one} still in use is a 409.",
            responses={204: OpenApiResponse(description="Deleted."), 409: ERRORS[409]},
        ),
    )


@_config_schema(
    PrioritySerializer,
    one="priority level",
    many="priority levels",
    key="slug",
    note="Ordered by rank (1 is the most urgent); changing a rank re-orders open tickets.",
)
class PriorityViewSet(ConfigViewSet):
    """Priority levels: read by everyone signed in, changed by admins."""

    queryset = PriorityLevel.objects.all()
    serializer_class = PrioritySerializer

    # A rank change re-orders the open tickets through ``tickets.receivers`` (as from the admin or YAML).


@_config_schema(
    PlanSerializer,
    one="support plan",
    many="support plans",
    key="slug",
    note="Each plan lists its SLA targets per priority (read-only here).",
)
class PlanViewSet(ConfigViewSet):
    """Support plans with their SLA targets: read by everyone signed in, changed by admins."""

    queryset = SupportPlan.objects.prefetch_related("targets__priority", "targets__calendar")
    serializer_class = PlanSerializer


@extend_schema_view(
    list=extend_schema(
        summary="All customer organizations",
        description="Staff only.",
        responses={200: ok(OrganizationSerializer(many=True), "Every organization.")},
    ),
    retrieve=extend_schema(
        summary="One organization, by customer number",
        description="Staff only.",
        responses={200: ok(OrganizationSerializer, "The organization.")},
    ),
)
class OrganizationViewSet(ApiMixin, viewsets.ReadOnlyModelViewSet):
    """Customer organizations (staff only)."""

    queryset = Organization.objects.select_related("plan")
    serializer_class = OrganizationSerializer
    permission_classes = [IsStaff]
    lookup_field = "customer_number"
    lookup_value_regex = r"[^/]+"
    pagination_class = None


TAGS_LISTED_MAX = 500


@extend_schema_view(
    list=extend_schema(
        summary="Tags",
        description="Staff only. The curated suggestions first, then the rest by name (at most 500); "
        "`?prefix=bil` narrows to names starting so, for a tag picker. Tags are set on a ticket with "
        "`POST /api/tickets/{id}/tags/` or `PATCH tags`.",
        parameters=[
            OpenApiParameter("prefix", OpenApiTypes.STR, OpenApiParameter.QUERY, required=False),
        ],
        responses={200: ok(TagSerializer(many=True), "The tags.")},
    ),
)
class TagViewSet(ApiMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = TagSerializer
    permission_classes = [IsStaff]
    pagination_class = None

    def get_queryset(self):
        qs = Tag.objects.order_by("-suggested", "name")
        prefix = self.request.query_params.get("prefix", "").strip().lower()[:50]
        if prefix:
            qs = qs.filter(name__startswith=prefix)
        return qs[:TAGS_LISTED_MAX]
