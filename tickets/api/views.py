"""Thin API views: validate with a serializer, scope with ``visible_to``, call a service, answer.

Errors: input that is wrong in itself is a 400 with field messages; a well-formed request that the
ticket's current state refuses (a service's ``TicketError`` on an existing ticket, e.g. resolving a
closed ticket) is a 409 with ``detail``; a ticket the caller cannot see is a 404, whoever they are.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import ProtectedError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action, api_view, authentication_classes, permission_classes
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.utils.mediatypes import media_type_matches
from rest_framework.views import APIView

from accounts.api import VerifiedIdentityRequired
from accounts.authentication import ApiTokenAuthentication
from accounts.models import Organization
from sla.models import PriorityLevel, SupportPlan

from ..attachments import attachment_add, attachment_response, attachments_visible_to
from ..filing import FilingKeyReused, request_fingerprint, ticket_file_once
from ..models import Channel, Message, Ticket, TicketEvent
from ..selectors import ticket_queue
from ..services import (
    TicketError,
    message_add,
    ticket_assign,
    ticket_change_status,
    ticket_close,
    ticket_edit_request,
    ticket_escalate,
    ticket_merge,
    ticket_reclassify,
    ticket_reopen,
    ticket_resolve,
)
from . import serializers as s
from .filters import QueueFilterSerializer, TicketFilterSerializer
from .pagination import QueuePagination, ThreadPagination, TicketPagination
from .permissions import IsStaff, ReadSignedInWriteAdmin, RequesterOrStaffObject, StaffOnlyObject
from .throttling import WriteThrottle

# Events a customer sees on their ticket; staff-side alerts, reminders and warnings stay internal.
CUSTOMER_EVENT_KINDS = [
    TicketEvent.Kind.CREATED,
    TicketEvent.Kind.STATUS,
    TicketEvent.Kind.PRIORITY,
    TicketEvent.Kind.ASSIGNEE,
    TicketEvent.Kind.MERGED,
    TicketEvent.Kind.ESCALATED,
    TicketEvent.Kind.EDITED,
    TicketEvent.Kind.SLA_DUE,
    TicketEvent.Kind.SLA_PAUSED,
    TicketEvent.Kind.SLA_RESUMED,
    TicketEvent.Kind.SLA_MET,
    TicketEvent.Kind.SLA_BREACHED,
]


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The ticket's current state does not allow this."
    default_code = "conflict"


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
        raise ValidationError({"Idempotency-Key": ["Use 1 to 255 printable ASCII characters, e.g. a UUID."]})
    return f"api:{raw}"


ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid input: field name -> list of messages."),
    409: OpenApiResponse(
        OpenApiTypes.OBJECT, description="Refused by the ticket's current state (`detail`)."
    ),
}
TICKET_OK = "The ticket as it is now."


def ok(serializer, description: str) -> OpenApiResponse:
    return OpenApiResponse(serializer, description=description)


class ApiMixin(VerifiedIdentityRequired):  # an unverified account gets a 403 saying so, everywhere
    # Token first, so an anonymous call is answered 401 with `WWW-Authenticate: Token`.
    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    throttle_classes = [WriteThrottle]
    # JSON in, so each operation has one request body type in the schema and a generated client
    # sends nested objects and nulls as they are (uploads override this with multipart).
    parser_classes = [JSONParser]

    def now(self):
        return timezone.now()

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["now"] = self.now()
        return context


def _ticket_response(view, ticket: Ticket, code=status.HTTP_200_OK) -> Response:
    ticket = view.get_queryset().get(pk=ticket.pk)
    return Response(s.TicketSerializer(ticket, context=view.get_serializer_context()).data, status=code)


# The router's `{id}` is a ticket's integer id (a non-number is a 404, like a missing ticket).
TICKET_PK = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The ticket's id.")


def _action_schema(request, summary: str, *, staff_only: bool, description: str = ""):
    who = "Staff only." if staff_only else "Staff, and the customers who can see the ticket."
    return extend_schema(
        summary=summary,
        description=f"{who} {description}".strip(),
        parameters=[TICKET_PK],
        request=request,
        responses={200: ok(s.TicketSerializer, TICKET_OK), **ERRORS},
    )


@extend_schema_view(
    list=extend_schema(
        summary="Tickets visible to you",
        description="Newest first, cursor-paginated. Customers see their own tickets (and their "
        "organization's, where it shares tickets); staff see all.",
        parameters=[TicketFilterSerializer],
        responses={200: ok(s.TicketSerializer, "One page of tickets."), 400: ERRORS[400]},
    ),
    retrieve=extend_schema(
        summary="One ticket",
        description="With its SLA deadlines and state. A ticket you cannot see is a 404.",
        parameters=[TICKET_PK],
        responses={200: ok(s.TicketSerializer, "The ticket.")},
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
                "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
                description="1 to 255 printable ASCII characters, unique per ticket you mean to file.",
            )
        ],
        request=s.TicketCreateSerializer,
        responses={
            201: ok(s.TicketSerializer, "The new ticket."),
            200: OpenApiResponse(s.TicketSerializer, description="A retry: the ticket this key filed."),
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
        request=s.TicketUpdateSerializer,
        responses={200: ok(s.TicketSerializer, TICKET_OK), **ERRORS},
    ),
)
class TicketViewSet(ApiMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.TicketSerializer
    pagination_class = TicketPagination
    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "post", "patch", "head", "options"]
    lookup_value_regex = r"[^/]+"

    def get_queryset(self):
        return Ticket.objects.visible_to(self.request.user).select_related(
            "priority", "organization", "requester", "assignee"
        )

    def get_permissions(self):
        if self.action in {"assign", "reclassify", "resolve", "merge"}:
            return [StaffOnlyObject()]
        if self.action == "partial_update":
            return [RequesterOrStaffObject()]
        return super().get_permissions()

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        filters = TicketFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return filters.apply(queryset, now=self.now())

    def create(self, request):
        key = _idempotency_key(request)
        data = self._valid(s.TicketCreateSerializer, request)
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
        data = self._valid(s.TicketUpdateSerializer, request)
        now, user = self.now(), request.user
        with transaction.atomic(), self._conflicts():
            edits = {k: data[k] for k in ("subject", "description", "request_fields") if k in data}
            if edits:
                ticket = ticket_edit_request(ticket=ticket, by=user, now=now, **edits)
            if "assignee" in data:
                ticket = ticket_assign(ticket=ticket, agent=data["assignee"], by=user, now=now)
            if "status" in data:
                ticket = ticket_change_status(ticket=ticket, status=data["status"], by=user, now=now)
        return _ticket_response(self, ticket)

    # --- actions ---------------------------------------------------------------------------------

    @_action_schema(s.AssignSerializer, "Assign (or unassign) the ticket", staff_only=True)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        ticket, data = self.get_object(), self._valid(s.AssignSerializer, request)
        with self._conflicts():
            ticket = ticket_assign(ticket=ticket, agent=data["assignee"], by=request.user, now=self.now())
        return _ticket_response(self, ticket)

    @_action_schema(s.ReclassifySerializer, "Change the priority, with a reason", staff_only=True)
    @action(detail=True, methods=["post"])
    def reclassify(self, request, pk=None):
        ticket, data = self.get_object(), self._valid(s.ReclassifySerializer, request)
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

    @_action_schema(s.ReasonSerializer, "Close the ticket", staff_only=False)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        ticket, data = self.get_object(), self._valid(s.ReasonSerializer, request)
        with self._conflicts():
            ticket = ticket_close(ticket=ticket, by=request.user, reason=data["reason"], now=self.now())
        return _ticket_response(self, ticket)

    @_action_schema(s.ReasonSerializer, "Reopen a resolved or closed ticket", staff_only=False)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        ticket, data = self.get_object(), self._valid(s.ReasonSerializer, request)
        with self._conflicts():
            ticket = ticket_reopen(ticket=ticket, by=request.user, reason=data["reason"], now=self.now())
        return _ticket_response(self, ticket)

    @_action_schema(
        s.ReasonSerializer,
        "Escalate to leadership",
        staff_only=False,
        description="Customers may escalate once a response target is breached, or at once for the top "
        "priorities, while the ticket is open (409 otherwise; the same rule for staff). A ticket is escalated once.",
    )
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        ticket, data = self.get_object(), self._valid(s.ReasonSerializer, request)
        with self._conflicts():
            ticket = ticket_escalate(
                ticket=ticket,
                by=request.user,
                reason=data["reason"],
                now=self.now(),
            )
        return _ticket_response(self, ticket)

    @_action_schema(
        s.MergeSerializer,
        "Merge this ticket into another",
        staff_only=True,
        description="The thread moves to the target and this ticket closes; answers the target.",
    )
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        ticket = self.get_object()
        serializer = s.MergeSerializer(
            data=request.data, context={**self.get_serializer_context(), "ticket": ticket}
        )
        serializer.is_valid(raise_exception=True)
        with self._conflicts():
            target = ticket_merge(
                source=ticket, target=serializer.validated_data["target"], by=request.user, now=self.now()
            )
        return _ticket_response(self, target)

    # --- helpers ---------------------------------------------------------------------------------

    def _valid(self, serializer_class, request) -> dict:
        serializer = serializer_class(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @staticmethod
    def _conflicts():
        return _TicketConflicts()


class _TicketConflicts:
    """Turn a service's refusal on an existing ticket into a 409 with its message."""

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None and issubclass(exc_type, TicketError):
            raise Conflict(str(exc)) from exc
        return False


class TicketChildMixin(ApiMixin):
    """Sub-resources of a ticket: the ticket is looked up through ``visible_to`` first (404)."""

    permission_classes = [IsAuthenticated]
    pagination_class = ThreadPagination

    def get_ticket(self) -> Ticket:
        if not hasattr(self, "_ticket"):
            ticket_id = self.kwargs["ticket_id"]
            if not (ticket_id.isascii() and ticket_id.isdigit() and len(ticket_id) < 19):
                raise NotFound()
            self._ticket = get_object_or_404(
                Ticket.objects.visible_to(self.request.user).select_related(
                    "plan", "priority", "requester", "organization"
                ),
                pk=int(ticket_id),
            )
        return self._ticket


TICKET_ID = OpenApiParameter(
    "ticket_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The ticket's id."
)


@extend_schema_view(
    list=extend_schema(
        summary="The ticket's thread",
        description="Oldest first, cursor-paginated. Customers see public replies only.",
        parameters=[TICKET_ID],
        responses={200: ok(s.MessageSerializer, "One page of messages.")},
    ),
    create=extend_schema(
        summary="Reply, or add an internal note (staff)",
        description="A public reply is mailed to the requester; an `internal` note is for staff only. "
        "A customer's reply may reopen a resolved ticket, as the ticket's policy allows (409 otherwise).",
        parameters=[TICKET_ID],
        request=s.MessageCreateSerializer,
        responses={201: ok(s.MessageSerializer, "The new message."), **ERRORS},
    ),
)
class MessageViewSet(TicketChildMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.MessageSerializer

    def get_queryset(self):
        qs = self.get_ticket().messages.select_related("author")
        if not self.request.user.is_staff:
            qs = qs.filter(kind=Message.Kind.PUBLIC)
        return qs

    def create(self, request, ticket_id=None):
        ticket = self.get_ticket()
        serializer = s.MessageCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        with _TicketConflicts():
            message = message_add(
                ticket=ticket,
                author=request.user,
                body=serializer.validated_data["body"],
                kind=serializer.validated_data["kind"],
                channel=Channel.API,
                now=self.now(),
            )
        return Response(self.get_serializer(message).data, status=status.HTTP_201_CREATED)


ATTACHMENT_ID = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The attachment's id."
)


# What a download can be: a stored file's type is read from its bytes (tickets/attachments.py), so it
# is an image, audio, video, text or application type; application/octet-stream is always offered.
DOWNLOAD_TYPES = ["application/octet-stream", "image/*", "text/*", "audio/*", "video/*", "application/*"]


def download_type(accept: str, stored: str) -> str:
    """The Content-Type to serve a file of type ``stored`` with, given the client's ``Accept``: its
    own type when accepted, else application/octet-stream when that is, else its own type anyway.

    Never a 406: a client generated by openapi-generator sends `Accept: application/json` (the type of
    the errors) for every call, downloads included, and HTTP lets a server disregard Accept."""
    accepted, refused = [], []
    for part in accept.split(","):
        media, *params = (p.strip().replace(" ", "") for p in part.split(";"))
        if media.count("/") == 1:
            zero = any(p in ("q=0", "q=0.0", "q=0.00", "q=0.000") for p in params)
            (refused if zero else accepted).append(media)
    # No Accept, or none we can read: anything goes (as without the header).
    ranges = accepted if accepted or refused else ["*/*"]
    for candidate in (stored, "application/octet-stream"):
        if any(media_type_matches(candidate, r) for r in ranges):
            return candidate
    return stored


@extend_schema_view(
    list=extend_schema(
        summary="Files on the ticket",
        description="Oldest first, cursor-paginated. Customers see files on public replies and the ticket.",
        parameters=[TICKET_ID],
        responses={200: ok(s.AttachmentSerializer, "One page of file details.")},
    ),
    retrieve=extend_schema(
        summary="One file's details",
        description="Name, type read from the content, size and the download URL.",
        parameters=[TICKET_ID, ATTACHMENT_ID],
        responses={200: ok(s.AttachmentSerializer, "The file's details.")},
    ),
    create=extend_schema(
        summary="Upload a file",
        description="multipart/form-data with one `file`. The type is read from the content and must "
        "match an allowed extension; the size limit is HELPDESK_MAX_ATTACHMENT_BYTES.",
        parameters=[TICKET_ID],
        request={"multipart/form-data": s.AttachmentUploadSerializer},
        responses={201: ok(s.AttachmentSerializer, "The stored file's details."), 400: ERRORS[400]},
    ),
    download=extend_schema(
        summary="Download the file",
        description="Always served as a download (Content-Disposition: attachment, nosniff, a sandboxing "
        "CSP). The Content-Type is the file's own type (`content_type`), or application/octet-stream when "
        "`Accept` allows that and not the file's type.",
        parameters=[TICKET_ID, ATTACHMENT_ID],
        responses={
            **{
                (200, media): OpenApiResponse(OpenApiTypes.BINARY, description="The file's bytes.")
                for media in DOWNLOAD_TYPES
            },
        },
    ),
)
class AttachmentViewSet(
    TicketChildMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = s.AttachmentSerializer
    parser_classes = [MultiPartParser]
    lookup_value_regex = r"[^/]+"

    def perform_content_negotiation(self, request, force=False):
        # A download's bytes are not rendered, so only an error needs a renderer: JSON, whatever the
        # client accepts (DRF would answer 406 to `Accept: image/*`, for want of an image renderer).
        if getattr(self, "action", None) == "download":
            return JSONRenderer(), JSONRenderer.media_type
        return super().perform_content_negotiation(request, force=force)

    def get_queryset(self):
        return attachments_visible_to(self.request.user, self.get_ticket())

    def create(self, request, ticket_id=None):
        ticket = self.get_ticket()
        serializer = s.AttachmentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            attachment = attachment_add(
                ticket=ticket, upload=serializer.validated_data["file"], by=request.user
            )
        except TicketError as exc:
            raise ValidationError({"file": [str(exc)]}) from None
        return Response(self.get_serializer(attachment).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["get"])
    def download(self, request, ticket_id=None, pk=None):
        attachment = self.get_object()
        stored = attachment.content_type or "application/octet-stream"
        response = attachment_response(attachment)
        response["Content-Type"] = download_type(request.headers.get("Accept", ""), stored)
        return response


@extend_schema_view(
    list=extend_schema(
        summary="Audit and SLA events",
        description="Oldest first, cursor-paginated. Customers see the events about their request "
        "(status, priority, assignee, edits, SLA); staff also see alerts and reminders.",
        parameters=[TICKET_ID],
        responses={200: ok(s.TicketEventSerializer, "One page of events.")},
    )
)
class EventViewSet(TicketChildMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.TicketEventSerializer

    def get_queryset(self):
        qs = self.get_ticket().events.select_related("actor")
        if not self.request.user.is_staff:
            qs = qs.filter(kind__in=CUSTOMER_EVENT_KINDS)
        return qs


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
        responses={200: ok(s.TicketSerializer(many=True), "One page of the queue."), 400: ERRORS[400]},
    )
)
class QueueView(ApiMixin, GenericAPIView):
    serializer_class = s.TicketSerializer
    permission_classes = [IsStaff]
    pagination_class = QueuePagination

    def get(self, request):
        filters = QueueFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        now = self.now()
        qs = ticket_queue(agent=request.user, now=now, include_waiting=filters.include_waiting)
        page = self.paginate_queryset(filters.apply(qs, agent=request.user, now=now))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


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
    s.PrioritySerializer,
    one="priority level",
    many="priority levels",
    key="slug",
    note="Ordered by rank (1 is the most urgent); changing a rank re-orders open tickets.",
)
class PriorityViewSet(ConfigViewSet):
    """Priority levels: read by everyone signed in, changed by admins."""

    queryset = PriorityLevel.objects.all()
    serializer_class = s.PrioritySerializer

    # A rank change re-orders the open tickets through ``tickets.receivers`` (as from the admin or YAML).


@_config_schema(
    s.PlanSerializer,
    one="support plan",
    many="support plans",
    key="slug",
    note="Each plan lists its SLA targets per priority (read-only here).",
)
class PlanViewSet(ConfigViewSet):
    """Support plans with their SLA targets: read by everyone signed in, changed by admins."""

    queryset = SupportPlan.objects.prefetch_related("targets__priority", "targets__calendar")
    serializer_class = s.PlanSerializer


@extend_schema_view(
    list=extend_schema(
        summary="All customer organizations",
        description="Staff only.",
        responses={200: ok(s.OrganizationSerializer(many=True), "Every organization.")},
    ),
    retrieve=extend_schema(
        summary="One organization, by customer number",
        description="Staff only.",
        responses={200: ok(s.OrganizationSerializer, "The organization.")},
    ),
)
class OrganizationViewSet(ApiMixin, viewsets.ReadOnlyModelViewSet):
    """Customer organizations (staff only)."""

    queryset = Organization.objects.select_related("plan")
    serializer_class = s.OrganizationSerializer
    permission_classes = [IsStaff]
    lookup_field = "customer_number"
    lookup_value_regex = r"[^/]+"
    pagination_class = None


@extend_schema_view(
    get=extend_schema(
        operation_id="api_root",
        tags=["root"],
        summary="The API's index",
        description="Links to the schema, the documentation, the token endpoint and each resource. Open to all.",
        responses={200: ok(s.ApiRootSerializer, "Where everything is.")},
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
    raise NotFound("No such endpoint.")
