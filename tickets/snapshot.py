"""What a notification says about its ticket, frozen when the event happens.

Every mail or page about a ticket carries ``ticket_snapshot(ticket)`` as ``context["ticket"]``; the
templates read that, never the live ticket, so a mail retried an hour later still shows the assignee,
priority and due times of its event. ``notifications`` only renders it (it knows no tickets): values
under keys ending in ``_at`` are ISO instants, which it turns back into datetimes for the templates.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils import translation

from .models import Ticket


def _source_label(ticket: Ticket) -> str:
    with translation.override(None):  # no catalogue: the message id itself
        return str(ticket.get_status_display())


def ticket_url(ticket: Ticket, *, staff: bool = False) -> str:
    """The ticket's address in a notice: the desk's page for staff, the portal's for customers."""
    path = f"/desk/tickets/{ticket.pk}/" if staff else f"/tickets/{ticket.pk}/"
    return f"{settings.SITE_URL}{path}"


def ticket_context(
    ticket: Ticket, *, staff: bool = False, url: str | None = None, snapshot=None, **extra
) -> dict:
    """What every notice about a ticket carries: its reference, its link for the audience and the frozen
    snapshot (pass ``snapshot`` when one event notifies many people, so it is built once)."""
    return {
        "ticket_reference": ticket.reference,
        "ticket_url": url if url is not None else ticket_url(ticket, staff=staff),
        "ticket": snapshot if snapshot is not None else ticket_snapshot(ticket),
        **extra,
    }


def _instant(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def ticket_snapshot(ticket: Ticket) -> dict:
    """The ticket as the templates show it, JSON-safe. Reads the ticket's organization, priority,
    requester and assignee: load them with the ticket (``select_related``) in sweeps."""
    assignee = ticket.assignee if ticket.assignee_id else None
    requester = ticket.requester
    return {
        "reference": ticket.reference,
        "subject": ticket.subject,
        "status": ticket.status,
        # The English label (a message id): each mail says it in its reader's language when rendered.
        "status_display": _source_label(ticket),
        "organization": {
            "name": ticket.organization.name,
            "customer_number": ticket.organization.customer_number,
        },
        "priority": {"name": ticket.priority.name, "advise_phone": ticket.priority.advise_phone},
        "requester": {"full_name": requester.full_name, "display_name": requester.display_name},
        "assignee": {"display_name": assignee.display_name} if assignee else None,
        "first_response_due_at": _instant(ticket.first_response_due_at),
        "resolution_due_at": _instant(ticket.resolution_due_at),
        # The SLA condition the templates repeated: a first response is still owed by its due time.
        "first_response_owed": bool(ticket.first_response_due_at and not ticket.first_responded_at),
    }
