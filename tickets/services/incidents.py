"""Major incidents (telephony policy: "during a major network incident we will instead update the status
information on this portal"): open one with a public status, link the dependent tickets, post updates
that reach every linked requester and the portal banner, and resolve it, optionally with its tickets.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from notifications.services import notification_queue

from ..models import Incident, IncidentUpdate, Status, Ticket, TicketEvent
from ..policy import TicketError
from ..reasons import Reason
from ..signals import incident_event_send
from ..snapshot import ticket_context
from ._common import _event, _lock
from .status import ticket_change_status


@transaction.atomic
def incident_open(*, title: str, public_status: str, by: User | None, now: datetime) -> Incident:
    """Open a major incident; its public status shows on every portal page until it is resolved."""
    title, public_status = (title or "").strip(), (public_status or "").strip()
    if not title or not public_status:
        raise TicketError(_("An incident needs a title and a public status text."))
    incident = Incident.objects.create(
        title=title[:200], public_status=public_status, opened_by=by, opened_at=now
    )
    incident_event_send(incident, "opened", now=now)
    return incident


@transaction.atomic
def incident_link_ticket(*, incident: Incident, ticket: Ticket, by: User | None, now: datetime) -> Ticket:
    """Attach a dependent fault to the incident so its requester hears every update."""
    incident = Incident.objects.get(pk=incident.pk)
    if not incident.is_open:
        raise TicketError(_("This incident is resolved; tickets can no longer be linked to it."))
    ticket = _lock(ticket)
    if ticket.incident_id == incident.pk:
        return ticket
    old = ticket.incident
    ticket.incident = incident
    ticket.save(update_fields=["incident", "updated_at"])
    _event(
        ticket,
        TicketEvent.Kind.INCIDENT,
        now=now,
        actor=by,
        old=old.title if old else "",
        new=incident.title,
        data={"incident_id": incident.pk},
    )
    return ticket


def _linked_recipients(incident: Incident) -> list[tuple[str, User | None, Ticket]]:
    """One entry per address across the linked tickets: a requester with three tickets hears once."""
    seen: set[str] = set()
    out = []
    tickets = incident.tickets.select_related("requester").prefetch_related("cc").order_by("pk")
    for ticket in tickets:
        people = [(ticket.requester.email, ticket.requester)] + [(u.email, u) for u in ticket.cc.all()]
        people += [(e, None) for e in ticket.cc_emails]
        for address, user in people:
            if address and address.lower() not in seen:
                seen.add(address.lower())
                out.append((address, user, ticket))
    return out


@transaction.atomic
def incident_post_update(
    *, incident: Incident, body: str, by: User | None, now: datetime, event: str = "incident_update"
) -> IncidentUpdate:
    """Record a status update, show it on the portal banner, and mail it to every linked requester."""
    body = (body or "").strip()
    if not body:
        raise TicketError(_("The update is empty."))
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if not incident.is_open and event == "incident_update":
        raise TicketError(_("This incident is resolved."))
    update = IncidentUpdate.objects.create(incident=incident, body=body, author=by, created_at=now)
    incident.public_status = body  # the banner always shows the newest word
    incident.save(update_fields=["public_status"])
    for address, user, ticket in _linked_recipients(incident):
        notification_queue(
            event="incident_update",
            recipient=address,
            recipient_user=user,
            ticket=ticket,
            now=now,
            automatic=False,
            dedupe_key=f"incident-update:{update.pk}:{address.lower()}",
            context=ticket_context(
                ticket, incident_title=incident.title, update=body, resolved=not incident.is_open
            ),
        )
    if event == "incident_update":  # the resolving word is told once, as "resolved"
        incident_event_send(incident, "incident_updated", now=now, update=body)
    return update


@transaction.atomic
def incident_resolve(
    *, incident: Incident, by: User | None, now: datetime, note: str = "", resolve_tickets: bool = False
) -> Incident:
    """Close the incident (the banner goes), tell the linked requesters, and optionally resolve their tickets."""
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if not incident.is_open:
        raise TicketError(_("This incident is already resolved."))
    incident.resolved_at = now
    incident.save(update_fields=["resolved_at"])
    incident_post_update(
        incident=incident,
        body=note.strip() or f"Resolved: {incident.title}",
        by=by,
        now=now,
        event="incident_resolved",
    )
    incident.refresh_from_db(fields=["public_status"])
    incident_event_send(incident, "resolved", now=now, update=incident.public_status)
    if resolve_tickets:
        for ticket in incident.tickets.open().order_by("pk"):
            ticket_change_status(
                ticket=ticket,
                status=Status.RESOLVED,
                by=by,
                now=now,
                reason=Reason(_("resolved with incident: %(title)s"), title=incident.title),
            )
    return incident
