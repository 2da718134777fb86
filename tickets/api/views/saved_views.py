"""Saved queue views over the API: the views the caller sees (their own and their teams' shared ones),
made, changed, moved and deleted through the same services as the desk. Another person's private view,
or one shared with a team the caller is not in, is a 404."""

from __future__ import annotations

from django.db.models import prefetch_related_objects
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from ...policy import may_edit_saved_view
from ...selectors import saved_views_for
from ...services import (
    TicketError,
    saved_view_change,
    saved_view_create,
    saved_view_delete,
    saved_view_move,
)
from ..permissions import IsStaff
from ..serializers import SavedViewMoveSerializer, SavedViewSerializer
from ._common import ERRORS, ApiMixin, ok

STAFF = "Staff only. Visible: your own views and those shared with a team you belong to."
EDIT = "Its owner, a team lead who belongs to the team it is shared with, or an admin (else 403)."
FORBIDDEN = OpenApiResponse(description="Not allowed to change this view (`detail`).")


@extend_schema_view(
    list=extend_schema(
        summary="Saved queue views",
        description=f"{STAFF} In tab order: your own by position, then your teams' shared views. Open "
        "one as a queue page with `GET /api/queue/?view=<id>`.",
        responses={200: ok(SavedViewSerializer(many=True), "The views you see.")},
    ),
    retrieve=extend_schema(
        summary="One saved view",
        description=STAFF,
        responses={200: ok(SavedViewSerializer, "The view.")},
    ),
    create=extend_schema(
        summary="Save a queue view",
        description=f"{STAFF} `query` is validated as the desk queue's filter form reads it; `team` shares "
        "it with one of your teams. At most 20 views per person.",
        responses={201: ok(SavedViewSerializer, "The new view."), 400: ERRORS[400]},
    ),
    partial_update=extend_schema(
        summary="Rename, re-filter, re-sort, share or unshare a view",
        description=f"{EDIT} Send only the fields to change; `team: null` unshares.",
        responses={200: ok(SavedViewSerializer, "The view as it is now."), 400: ERRORS[400], 403: FORBIDDEN},
    ),
    destroy=extend_schema(
        summary="Delete a saved view",
        description=EDIT,
        responses={204: OpenApiResponse(description="Deleted."), 403: FORBIDDEN},
    ),
)
class SavedViewViewSet(
    ApiMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = SavedViewSerializer
    permission_classes = [IsStaff]
    pagination_class = None  # at most 20 of one's own, plus one's teams' shared ones
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        # `editable` asks the rule of every row: the caller's groups (and teams) are read once.
        if self.request.user.is_authenticated:  # (the schema generator asks anonymously)
            prefetch_related_objects([self.request.user], "groups")
        return saved_views_for(self.request.user)

    def _refused(self, view, exc: TicketError):
        if view is not None and not may_edit_saved_view(self.request.user, view):
            raise PermissionDenied(str(exc)) from None
        raise ValidationError({"non_field_errors": [str(exc)]}) from None

    def perform_create(self, serializer):
        data = serializer.validated_data
        try:
            serializer.instance = saved_view_create(
                owner=self.request.user,
                name=data.get("name", ""),
                query=data.get("query", ""),
                sort=data.get("sort"),
                team=data.get("team"),
            )
        except TicketError as exc:
            self._refused(None, exc)

    def partial_update(self, request, pk=None):
        view = self.get_object()
        serializer = self.get_serializer(view, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            saved_view_change(view=view, by=request.user, **serializer.validated_data)
        except TicketError as exc:
            self._refused(view, exc)
        return Response(self.get_serializer(view).data)

    def perform_destroy(self, instance):
        try:
            saved_view_delete(view=instance, by=self.request.user)
        except TicketError as exc:
            self._refused(instance, exc)

    @extend_schema(
        summary="Move a saved view up or down",
        description="Its owner only (else 403): swaps it with the neighbouring view of its owner's.",
        request=SavedViewMoveSerializer,
        responses={
            200: ok(SavedViewSerializer, "The view, with its new position."),
            400: ERRORS[400],
            403: FORBIDDEN,
        },
    )
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        view = self.get_object()
        serializer = SavedViewMoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if view.owner_id != request.user.pk:
            raise PermissionDenied(_("Only a view's owner moves it."))
        try:
            view = saved_view_move(
                view=view, by=request.user, up=serializer.validated_data["direction"] == "up"
            )
        except TicketError as exc:
            raise ValidationError({"non_field_errors": [str(exc)]}) from None
        return Response(self.get_serializer(view).data, status=status.HTTP_200_OK)
