"""The API's index, and the JSON 404 for any path under /api/ that is not an endpoint."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from ..serializers import ApiRootSerializer
from ._common import ok


@extend_schema_view(
    get=extend_schema(
        operation_id="api_root",
        tags=["root"],
        summary="The API's index",
        description="Links to the schema, the documentation, the token endpoint and each resource. Open to all.",
        responses={200: ok(ApiRootSerializer, "Where everything is.")},
        auth=[],
    )
)
class ApiRootView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    def get(self, request):
        def url(name: str) -> str:
            return reverse(name, request=request)

        return Response(
            {
                "schema": url("api-schema"),
                "docs": url("api-docs"),
                "token": url("api:token"),
                "tickets": url("api:ticket-list"),
                "queue": url("api:queue"),
                "priorities": url("api:priority-list"),
                "plans": url("api:plan-list"),
                "organizations": url("api:organization-list"),
            }
        )


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([AllowAny])
def not_found(request, *args, **kwargs):
    raise NotFound(_("No such endpoint."))
