"""What happened to a ticket, in the customer's words: the events a customer may see, never internal
notes, SLA bookkeeping, staff alerts or the team's reasons for an escalation request it refused."""

from __future__ import annotations

from django.utils.translation import gettext as _

from sla.models import PriorityLevel

from ..events import PORTAL_HISTORY_KINDS
from ..models import Status, Ticket, TicketEvent
from ..reasons import event_reason


def _edited(field: str) -> str:
    named = {"subject": _("subject"), "description": _("description"), "text": _("text")}
    words = named.get(field) or field.replace("_", " ")
    return _("The request's %(field)s was edited") % {"field": words}


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
    # A level from a preset reads in the customer's language (sla/preset_messages.py); an admin's own as written.
    levels = {slug: _(name) for slug, name in PriorityLevel.objects.values_list("slug", "name")}
    lines = []
    for e in events:
        reason = event_reason(e)  # a rule's or auto-assignment's reason in the customer's language
        if e.kind == TicketEvent.Kind.STATUS:
            text = _("Status changed to %(status)s") % {"status": _status(e.new_value)}
        elif e.kind == TicketEvent.Kind.PRIORITY:
            old, new = levels.get(e.old_value, e.old_value), levels.get(e.new_value, e.new_value)
            text = _("Priority changed from %(old)s to %(new)s") % {"old": old, "new": new}
        elif e.kind == TicketEvent.Kind.ASSIGNEE:
            text = (
                _("Assigned to %(name)s") % {"name": e.new_value}
                if e.new_value
                else _("No longer assigned to anyone")
            )
        elif e.kind == TicketEvent.Kind.MERGED:
            text = (
                _("Merged into %(reference)s: the conversation continues there") % {"reference": e.new_value}
                if e.old_value == ticket.reference
                else _("%(reference)s was merged into this ticket") % {"reference": e.old_value}
            )
        elif e.kind == TicketEvent.Kind.ESCALATED:
            if e.data.get("requested_only"):
                text, reason = _("You asked for escalation; support leadership was told"), ""
            else:
                text = _("Escalated to support leadership")
        elif e.kind == TicketEvent.Kind.INCIDENT:
            text = _("Linked to the incident “%(title)s”") % {"title": e.new_value}
        else:  # EDITED: which part changed, not the old text (that stays in the staff audit)
            text = _edited(e.data.get("field", "text"))
            reason = ""
        by = ""
        if e.actor is not None:
            by = _("you") if e.actor_id == ticket.requester_id else e.actor.display_name
        lines.append({"at": e.created_at, "text": text, "reason": reason, "by": by})
    return lines
