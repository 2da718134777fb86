"""The technician queue over the API: the same ``ticket_queue`` as the workspace, keyset pages."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.generics import GenericAPIView

from ...selectors import person_rows_attach, tag_names_attach, ticket_queue
from ..filters import QueueFilterSerializer
from ..pagination import QueuePagination
from ..permissions import IsStaff
from ..serializers import TicketSerializer
from ..serializers.tickets import ticket_rows, ticket_rows_queryset
from ._common import ERRORS, ApiMixin, ok


@extend_schema_view(
    get=extend_schema(
        summary="The technician queue",
        description="Staff only. Open tickets by priority rank, then arrival (the workspace's order), "
        "keyset-paginated forward.",
        operation_id="queue_list",
        # Not a viewset `list`, so the paginator's parameters are named here.
        parameters=[
            QueueFilterSerializer,
            *(
                OpenApiParameter(p["name"], p["schema"], OpenApiParameter.QUERY, description=p["description"])
                for p in QueuePagination().get_schema_operation_parameters(None)
            ),
        ],
        responses={
            200: ok(TicketSerializer(many=True), "One page of the queue."),
            400: ERRORS[400],
            404: OpenApiResponse(
                OpenApiTypes.OBJECT, description="No saved view `view` that you see (`detail`)."
            ),
        },
    )
)
class QueueView(ApiMixin, GenericAPIView):
    serializer_class = TicketSerializer
    permission_classes = [IsStaff]
    pagination_class = QueuePagination

    def get(self, request):
        filters = QueueFilterSerializer(data=request.query_params, context=self.get_serializer_context())
        filters.is_valid(raise_exception=True)
        now = self.now()
        qs = ticket_queue(agent=request.user, now=now, include_waiting=filters.include_waiting)
        # Only the columns a row shows; the page's tags and people in one query each, whatever its size.
        qs = ticket_rows_queryset(qs)
        page = self.paginate_queryset(filters.apply(qs, agent=request.user, now=now))
        tag_names_attach(person_rows_attach(page))
        # TicketSerializer's schema, built as plain dicts (the schema above still documents it).
        return self.get_paginated_response(ticket_rows(page, now=now, staff=True))
