"""Which ticket events a customer may see: one base set, and the two views of it (portal, API)."""

from __future__ import annotations

from .models import TicketEvent

# What happened to the request itself. Internal notes are messages, not events, and never appear;
# staff alerts, reminders and warnings (and anything not listed) stay internal.
CUSTOMER_VISIBLE_BASE = frozenset(
    {
        TicketEvent.Kind.STATUS,
        TicketEvent.Kind.PRIORITY,
        TicketEvent.Kind.ASSIGNEE,
        TicketEvent.Kind.MERGED,
        TicketEvent.Kind.ESCALATED,
        TicketEvent.Kind.EDITED,
    }
)

# The portal's history tells the story in words: the ticket's own page already shows when it was
# opened and its SLA clock, so it adds only the incident link (``tickets.portal.history`` words each kind).
PORTAL_HISTORY_KINDS = CUSTOMER_VISIBLE_BASE | {TicketEvent.Kind.INCIDENT}

# The API gives integrators the raw timeline, so on purpose it adds the creation and the SLA events
# (due, paused, resumed, met, breached) that a customer's system tracks.
API_CUSTOMER_EVENT_KINDS = CUSTOMER_VISIBLE_BASE | {
    TicketEvent.Kind.CREATED,
    TicketEvent.Kind.SLA_DUE,
    TicketEvent.Kind.SLA_PAUSED,
    TicketEvent.Kind.SLA_RESUMED,
    TicketEvent.Kind.SLA_MET,
    TicketEvent.Kind.SLA_BREACHED,
}
