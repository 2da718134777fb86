"""What an event says, built once per event (and shared by every endpoint told about it).

The ticket part is ``tickets.snapshot.ticket_context`` (the same reference, staff link and frozen
snapshot every notice carries), so a webhook and a mail about one event never disagree. A message's
words are included only for the event that is about that message; the internal-note event exists only
for endpoints that ask for internal notes (``EndpointQuerySet.subscribed``).
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings

from tickets.models import Incident, Message, Ticket
from tickets.snapshot import ticket_context


def _instant(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def ticket_data(ticket: Ticket) -> dict:
    context = ticket_context(ticket, staff=True)
    return {
        "id": ticket.pk,
        "url": context["ticket_url"],
        **context["ticket"],
        "priority": {**context["ticket"]["priority"], "rank": ticket.priority.rank},
    }


def message_data(message: Message) -> dict:
    author = message.author
    return {
        "id": message.pk,
        "internal": message.kind != Message.Kind.PUBLIC,
        "from_staff": message.from_staff,
        "author": author.display_name if author else "",
        "body": message.body,
        "created_at": _instant(message.created_at),
    }


def incident_data(incident: Incident) -> dict:
    return {
        "id": incident.pk,
        "title": incident.title,
        "public_status": incident.public_status,
        "opened_at": _instant(incident.opened_at),
        "resolved_at": _instant(incident.resolved_at),
        "url": f"{settings.SITE_URL}/desk/incidents/{incident.pk}/",
    }


def envelope(event_type: str, now: datetime, data: dict) -> dict:
    """The Standard Webhooks body: ``type``, ``timestamp`` (when it happened) and ``data``."""
    return {"type": event_type, "timestamp": now.isoformat(), "data": data}
