"""What happened to a ticket, in the customer's words: the events a customer may see, never internal
notes, SLA bookkeeping, staff alerts or the team's reasons for an escalation request it refused."""

from __future__ import annotations

from sla.models import PriorityLevel

from ..events import PORTAL_HISTORY_KINDS
from ..models import Status, Ticket, TicketEvent


def _status(value: str) -> str:
    try:
        return Status(value).label
    except ValueError:
        return value


def customer_history(ticket: Ticket) -> list[dict]:
    """Each customer-visible event as ``{"at", "text", "reason", "by"}``, oldest first (two queries)."""
    events = (
        ticket.events.filter(kind__in=PORTAL_HISTORY_KINDS)
        .select_related("actor")
        .order_by("created_at", "id")
    )
    levels = dict(PriorityLevel.objects.values_list("slug", "name"))
    lines = []
    for e in events:
        reason = e.reason
        if e.kind == TicketEvent.Kind.STATUS:
            text = f"Status changed to {_status(e.new_value)}"
        elif e.kind == TicketEvent.Kind.PRIORITY:
            old, new = levels.get(e.old_value, e.old_value), levels.get(e.new_value, e.new_value)
            text = f"Priority changed from {old} to {new}"
        elif e.kind == TicketEvent.Kind.ASSIGNEE:
            text = f"Assigned to {e.new_value}" if e.new_value else "No longer assigned to anyone"
        elif e.kind == TicketEvent.Kind.MERGED:
            text = (
                f"Merged into {e.new_value}: the conversation continues there"
                if e.old_value == ticket.reference
                else f"{e.old_value} was merged into this ticket"
            )
        elif e.kind == TicketEvent.Kind.ESCALATED:
            if e.data.get("requested_only"):
                text, reason = "You asked for escalation; support leadership was told", ""
            else:
                text = "Escalated to support leadership"
        elif e.kind == TicketEvent.Kind.INCIDENT:
            text = f"Linked to the incident “{e.new_value}”"
        else:  # EDITED: which part changed, not the old text (that stays in the staff audit)
            text = f"The request's {e.data.get('field', 'text').replace('_', ' ')} was edited"
            reason = ""
        by = ""
        if e.actor is not None:
            by = "you" if e.actor_id == ticket.requester_id else e.actor.display_name
        lines.append({"at": e.created_at, "text": text, "reason": reason, "by": by})
    return lines
