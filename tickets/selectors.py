"""Named reads shared by the HTML views, the API and the timed jobs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL

from . import policy
from .models import Incident, Ticket


@dataclass(frozen=True)
class QueueCursor:
    """Keyset position in the queue: the last row's (priority_rank, received_at, id)."""

    priority_rank: int
    received_at: datetime
    id: int


def ticket_queue(*, agent, now: datetime, include_waiting: bool = False) -> QuerySet[Ticket]:
    """The one definition of "what to work next": open tickets by priority rank, then arrival.

    Served by the partial index ``ticket_queue_open`` on (priority_rank, received_at, id).
    """
    return (
        Ticket.objects.visible_to(agent)
        .filter(policy.queue_q(include_waiting=include_waiting))
        .select_related("organization", "plan", "priority", "assignee", "requester")
        .order_by("priority_rank", "received_at", "id")
    )


def queue_after(qs: QuerySet[Ticket], cursor: QueueCursor | None) -> QuerySet[Ticket]:
    """The rows after ``cursor`` in queue order.

    A row-value comparison, ``(priority_rank, received_at, id) > (...)``: PostgreSQL starts the scan of
    ``ticket_queue_open`` at the cursor, so a deep page costs what the first page costs. (The same
    condition spelled as ORs is only a filter: the scan then walks every row before the cursor.)
    """
    if cursor is None:
        return qs
    table = connection.ops.quote_name(Ticket._meta.db_table)
    columns = ", ".join(f"{table}.{connection.ops.quote_name(c)}" for c in ("priority_rank", "received_at", "id"))
    after = RawSQL(
        f"({columns}) > (%s, %s, %s)",
        (cursor.priority_rank, connection.ops.adapt_datetimefield_value(cursor.received_at), cursor.id),
        output_field=BooleanField(),
    )
    return qs.filter(after)


def customer_tickets(*, user) -> QuerySet[Ticket]:
    """What a customer sees in the portal, newest activity first."""
    return (
        Ticket.objects.visible_to(user)
        .select_related("priority", "assignee", "organization", "requester")
        .order_by("-last_activity_at", "-id")
    )


def sla_state(ticket: Ticket, now: datetime) -> dict:
    """``policy.sla_state`` as a dict (the API's ``sla_state`` field and the templates read this shape)."""
    return policy.sla_state(ticket, now).as_dict()


def open_incidents() -> QuerySet[Incident]:
    """Major incidents shown on the portal banner, with their status updates."""
    return Incident.objects.filter(resolved_at__isnull=True).prefetch_related("updates").order_by("-opened_at")
