"""The event types an endpoint may subscribe to, named once.

Each maps the name ``tickets.signals`` sends (``ticket_event`` / ``tickets_event`` / ``incident_event``)
to the dotted ``type`` a receiver reads in the payload, as the Standard Webhooks spec suggests.
"""

from __future__ import annotations

from django.db import models


class EventType(models.TextChoices):
    TICKET_CREATED = "ticket.created", "Ticket created"
    TICKET_UPDATED = "ticket.updated", "Ticket updated (priority, request edited)"
    CUSTOMER_REPLIED = "ticket.customer_replied", "Customer replied"
    STAFF_REPLIED = "ticket.staff_replied", "Staff replied"
    NOTE_ADDED = "ticket.note_added", "Internal note added (only to endpoints that take internal notes)"
    STATUS_CHANGED = "ticket.status_changed", "Status changed"
    ASSIGNED = "ticket.assigned", "Assigned"
    SLA_WARNING = "ticket.sla_warning", "SLA warning"
    SLA_BREACH = "ticket.sla_breach", "SLA breach"
    PAGED = "ticket.paged", "Alert rule paged the on-call engineers"
    INCIDENT_OPENED = "incident.opened", "Incident opened"
    INCIDENT_UPDATED = "incident.updated", "Incident updated"
    INCIDENT_RESOLVED = "incident.resolved", "Incident resolved"
    PING = "webhook.ping", "Test event (sent from the admin)"


# The signals' names (tickets.signals) -> our types.
FROM_SIGNAL = {
    "created": EventType.TICKET_CREATED,
    "updated": EventType.TICKET_UPDATED,
    "customer_replied": EventType.CUSTOMER_REPLIED,
    "staff_replied": EventType.STAFF_REPLIED,
    "note_added": EventType.NOTE_ADDED,
    "status_changed": EventType.STATUS_CHANGED,
    "assigned": EventType.ASSIGNED,
    "sla_warning": EventType.SLA_WARNING,
    "sla_breach": EventType.SLA_BREACH,
    "paged": EventType.PAGED,
    "opened": EventType.INCIDENT_OPENED,
    "incident_updated": EventType.INCIDENT_UPDATED,
    "resolved": EventType.INCIDENT_RESOLVED,
}

# Events that carry staff-only words: delivered only to endpoints that ask for internal notes.
INTERNAL = frozenset({EventType.NOTE_ADDED})

SUBSCRIBABLE = [t for t in EventType if t != EventType.PING]
