"""Tickets: list, read, open (with an ``Idempotency-Key``), change, and the actions (assign,
reclassify, resolve, close, reopen, escalate, merge)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from ...desk.queue import QueueFilters, queue_ids
from ...models import Ticket
from ...selectors import tags_prefetch
from ...services import (
    BULK_MAX,
    TicketError,
    ticket_assign,
    ticket_change_status,
    ticket_close,
    ticket_edit_request,
    ticket_escalate,
    ticket_merge,
    ticket_reclassify,
    ticket_reopen,
    ticket_resolve,
    ticket_tags_change,
    ticket_tags_set,
    tickets_bulk_apply,
)
from ...services.filing import FilingKeyReused, request_fingerprint, ticket_file_once
from ..filters import TicketFilterSerializer
from ..pagination import TicketPagination
from ..permissions import IsStaff, RequesterOrStaffObject, StaffOnlyObject
from ..serializers import (
    AssignSerializer,
    BulkResultSerializer,
    BulkSerializer,
    MergeSerializer,
    ReasonSerializer,
    ReclassifySerializer,
    TagsChangeSerializer,
    TicketCreateSerializer,
    TicketSerializer,
    TicketUpdateSerializer,
)
from ._common import ERRORS, TICKET_OK, ApiMixin, TicketConflicts, ok


class IdempotencyKeyReused(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"


def _idempotency_key(request) -> str:
    """The ``Idempotency-Key`` header as a filing key scoped to the API ("" when absent)."""
    raw = request.headers.get("Idempotency-Key")
    if raw is None:
        return ""
    raw = raw.strip()
    if not 1 <= len(raw) <= 255 or not raw.isascii() or not raw.isprintable():
        raise ValidationError(
            {"Idempotency-Key": [_("Use 1 to 255 printable ASCII characters, e.g. a UUID.")]}
        )
    return f"api:{raw}"


def _ticket_response(view, ticket: Ticket, code=status.HTTP_200_OK) -> Response:
    ticket = view.get_queryset().get(pk=ticket.pk)
    return Response(TicketSerializer(ticket, context=view.get_serializer_context()).data, status=code)


# The router's `{id}` is a ticket's integer id (a non-number is a 404, like a missing ticket).
TICKET_PK = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The ticket's id.")


def _action_schema(request, summary: str, *, staff_only: bool, description: str = ""):
    who = "Staff only." if staff_only else "Staff, and the customers who can see the ticket."
    return extend_schema(
        summary=summary,
        description=f"{who} {description}".strip(),
        parameters=[TICKET_PK],
        request=request,
        responses={200: ok(TicketSerializer, TICKET_OK), **ERRORS},
    )


@extend_schema_view(
    list=extend_schema(
        summary="Tickets visible to you",
        description="Newest first, cursor-paginated. Customers see their own tickets (and their "
        "organization's, where it shares tickets); staff see all.",
        parameters=[TicketFilterSerializer],
        responses={200: ok(TicketSerializer, "One page of tickets."), 400: ERRORS[400]},
    ),
    retrieve=extend_schema(
        summary="One ticket",
        description="With its SLA deadlines and state. A ticket you cannot see is a 404.",
        parameters=[TICKET_PK],
        responses={200: ok(TicketSerializer, "The ticket.")},
    ),
    create=extend_schema(
        summary="Open a ticket",
        description="Customers open tickets for themselves in their own organization. Staff name the "
        "requester (user id or email) and may give the organization (customer number) and channel. "
        "Send an `Idempotency-Key` header (e.g. a UUID) to make retries safe: the same key from the same "
        "user files one ticket (201, then 200 with `Idempotent-Replayed: true`); the same key with a "
        "different body is a 422.",
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=False,
                description="1 to 255 printable ASCII characters, unique per ticket you mean to file.",
            )
        ],
        request=TicketCreateSerializer,
        responses={
            201: ok(TicketSerializer, "The new ticket."),
            200: OpenApiResponse(TicketSerializer, description="A retry: the ticket this key filed."),
            400: ERRORS[400],
            422: OpenApiResponse(OpenApiTypes.OBJECT, description="The key was used for a different body."),
        },
    ),
    partial_update=extend_schema(
        summary="Change a ticket",
        description="Customers: subject, description and request_fields while the ticket is new. "
        "Staff: those (on any ticket not closed), status and assignee. Priority needs "
        "`reclassify/`; other fields are read-only (400).",
        parameters=[TICKET_PK],
        request=TicketUpdateSerializer,
        responses={200: ok(TicketSerializer, TICKET_OK), **ERRORS},
    ),
)
class TicketViewSet(ApiMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = TicketSerializer
    pagination_class = TicketPagination
    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "post", "patch", "head", "options"]
    lookup_value_regex = r"[^/]+"

    def get_queryset(self):
        qs = Ticket.objects.visible_to(self.request.user).select_related(
            "priority", "organization", "requester", "assignee"
        )
        # Staff read the tags: one more query per page; customers never get them (nor the query).
        return qs.prefetch_related(tags_prefetch()) if self.request.user.is_staff else qs

    def get_permissions(self):
        if self.action in {"assign", "reclassify", "resolve", "merge", "tags"}:
            return [StaffOnlyObject()]
        if self.action == "bulk":
            return [IsStaff()]
        if self.action == "partial_update":
            return [RequesterOrStaffObject()]
        return super().get_permissions()

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        filters = TicketFilterSerializer(
            data=self.request.query_params, context=self.get_serializer_context()
        )
        filters.is_valid(raise_exception=True)
        return filters.apply(queryset, now=self.now(), reader=self.request.user)

    def create(self, request):
        key = _idempotency_key(request)
        data = self._valid(TicketCreateSerializer, request)
        try:
            filed = ticket_file_once(
                key=key,
                fingerprint=request_fingerprint(request.data) if key else "",
                requester=data["requester"],
                organization=data["organization"],
                subject=data["subject"],
                description=data["description"],
                priority=data.get("priority"),
                request_fields=data["request_fields"],
                request_type=data["request_type"],
                channel=data["channel"],
                by=request.user,
                now=self.now(),
            )
        except FilingKeyReused as exc:
            raise IdempotencyKeyReused(str(exc)) from None
        except TicketError as exc:
            raise ValidationError({"non_field_errors": [str(exc)]}) from None
        if not filed.created:  # a retry: the ticket the first request filed, unchanged
            response = _ticket_response(self, filed.ticket)
            response["Idempotent-Replayed"] = "true"
            return response
        return _ticket_response(self, filed.ticket, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        ticket = self.get_object()
        data = self._valid(TicketUpdateSerializer, request)
        now, user = self.now(), request.user
        with transaction.atomic(), self._conflicts():
            edits = {k: data[k] for k in ("subject", "description", "request_fields") if k in data}
            if edits:
                ticket = ticket_edit_request(ticket=ticket, by=user, now=now, **edits)
            if "assignee" in data:
                ticket = ticket_assign(ticket=ticket, agent=data["assignee"], by=user, now=now)
            if "status" in data:
                ticket = ticket_change_status(ticket=ticket, status=data["status"], by=user, now=now)
            if "tags" in data:
                ticket = ticket_tags_set(ticket=ticket, names=data["tags"], by=user, now=now)
        return _ticket_response(self, ticket)

    # --- actions ---------------------------------------------------------------------------------

    @_action_schema(AssignSerializer, "Assign (or unassign) the ticket", staff_only=True)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        ticket, data = self.get_object(), self._valid(AssignSerializer, request)
        with self._conflicts():
            ticket = ticket_assign(ticket=ticket, agent=data["assignee"], by=request.user, now=self.now())
        return _ticket_response(self, ticket)

    @_action_schema(ReclassifySerializer, "Change the priority, with a reason", staff_only=True)
    @action(detail=True, methods=["post"])
    def reclassify(self, request, pk=None):
        ticket, data = self.get_object(), self._valid(ReclassifySerializer, request)
        with self._conflicts():
            ticket = ticket_reclassify(
                ticket=ticket,
                priority=data["priority"],
                reason=data["reason"],
                by=request.user,
                now=self.now(),
            )
        return _ticket_response(self, ticket)

    @_action_schema(None, "Mark the ticket resolved", staff_only=True)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        ticket = self.get_object()
        with self._conflicts():
            ticket = ticket_resolve(ticket=ticket, by=request.user, now=self.now())
        return _ticket_response(self, ticket)

    @_action_schema(ReasonSerializer, "Close the ticket", staff_only=False)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        ticket, data = self.get_object(), self._valid(ReasonSerializer, request)
        with self._conflicts():
            ticket = ticket_close(ticket=ticket, by=request.user, reason=data["reason"], now=self.now())
        return _ticket_response(self, ticket)

    @_action_schema(ReasonSerializer, "Reopen a resolved or closed ticket", staff_only=False)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        ticket, data = self.get_object(), self._valid(ReasonSerializer, request)
        with self._conflicts():
            ticket = ticket_reopen(ticket=ticket, by=request.user, reason=data["reason"], now=self.now())
        return _ticket_response(self, ticket)

    @_action_schema(
        ReasonSerializer,
        "Escalate to leadership",
        staff_only=False,
        description="Customers may escalate once a response target is breached, or at once for the top "
        "priorities, while the ticket is open (409 otherwise; the same rule for staff). A ticket is escalated once.",
    )
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        ticket, data = self.get_object(), self._valid(ReasonSerializer, request)
        with self._conflicts():
            ticket = ticket_escalate(
                ticket=ticket,
                by=request.user,
                reason=data["reason"],
                now=self.now(),
            )
        return _ticket_response(self, ticket)

    @_action_schema(
        MergeSerializer,
        "Merge this ticket into another",
        staff_only=True,
        description="The thread moves to the target and this ticket closes; answers the target.",
    )
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        ticket = self.get_object()
        serializer = MergeSerializer(
            data=request.data, context={**self.get_serializer_context(), "ticket": ticket}
        )
        serializer.is_valid(raise_exception=True)
        with self._conflicts():
            target = ticket_merge(
                source=ticket, target=serializer.validated_data["target"], by=request.user, now=self.now()
            )
        return _ticket_response(self, target)

    @extend_schema(
        summary="One action on many tickets",
        description="Staff only. Assign, change status, re-classify (reason required), tag, link to an "
        "incident, merge into one, or apply a macro, on the tickets in `ids` or every ticket the desk "
        "queue's `filters` match (at most 500). Each ticket goes through the same service as its own "
        "action (every rule, event and notice applies) in its own transaction: a ticket is changed whole "
        "or not at all, and one refusal does not undo the others. A bad action or input changes nothing "
        "(400).",
        request=BulkSerializer,
        responses={
            200: ok(BulkResultSerializer, "What changed and what was refused, and why."),
            400: ERRORS[400],
        },
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        data = self._valid(BulkSerializer, request)
        now = self.now()
        if "filters" in data:
            ids = queue_ids(
                agent=request.user,
                now=now,
                filters=QueueFilters.from_query(data["filters"]),
                limit=BULK_MAX + 1,
            )
        else:
            ids = data["ids"]
        inputs = {k: v for k, v in data.items() if k not in ("action", "ids", "filters")}
        try:
            result = tickets_bulk_apply(
                action=data["action"], inputs=inputs, ids=ids, by=request.user, now=now
            )
        except TicketError as exc:
            raise ValidationError({"non_field_errors": [str(exc)]}) from None
        return Response(
            {
                "changed": result.changed,
                "refused": [
                    {"id": r.ticket_id, "reference": r.reference, "reason": r.reason} for r in result.refused
                ],
                "summary": result.summary(),
            }
        )

    @_action_schema(
        TagsChangeSerializer,
        "Add and remove tags",
        staff_only=True,
        description="A new name makes a new tag; an event is recorded per tag added or removed. "
        "A ticket carries at most 20 tags (409 beyond).",
    )
    @action(detail=True, methods=["post"])
    def tags(self, request, pk=None):
        ticket, data = self.get_object(), self._valid(TagsChangeSerializer, request)
        with self._conflicts():
            ticket = ticket_tags_change(
                ticket=ticket, add=data["add"], remove=data["remove"], by=request.user, now=self.now()
            )
        return _ticket_response(self, ticket)

    # --- helpers ---------------------------------------------------------------------------------

    def _valid(self, serializer_class, request) -> dict:
        serializer = serializer_class(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @staticmethod
    def _conflicts():
        return TicketConflicts()
