"""Reads for the technician workspace that are not view logic."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from ..models import CannedReply, Message, Tag, Ticket, TicketTag


def placeholders_filled(text: str, *, ticket: Ticket, agent) -> str:
    """``{{ ticket.reference }}``, ``{{ requester }}`` and ``{{ agent }}`` filled in (plain replacement, no
    template engine: a reply's text is never run as a template). Canned replies and macros use it."""
    values = {
        "{{ ticket.reference }}": ticket.reference,
        "{{ requester }}": ticket.requester.display_name,
        "{{ agent }}": agent.display_name if agent else "The support team",
    }
    for key, value in values.items():
        text = text.replace(key, value).replace(key.replace(" ", ""), value)
    return text


def canned_replies_filled(*, ticket: Ticket, agent) -> list[tuple[CannedReply, str]]:
    """Active canned replies with their placeholders filled in for this ticket and agent."""
    return [
        (reply, placeholders_filled(reply.body, ticket=ticket, agent=agent))
        for reply in CannedReply.objects.filter(active=True)
    ]


def messages_since(*, ticket: Ticket, seen_id: int | None, reader) -> list[Message]:
    """Messages added to the ticket by someone other than ``reader`` after the one they had on screen
    (``seen_id``; none: the page predates this check, nothing to compare)."""
    if seen_id is None:
        return []
    return list(
        ticket.messages.filter(pk__gt=seen_id)
        .exclude(author_id=reader.pk)
        .exclude(kind=Message.Kind.SYSTEM)
        .select_related("author")
        .order_by("pk")
    )


def tags_for_ticket_page(ticket: Ticket) -> tuple[list[Tag], list[Tag]]:
    """The ticket's tags and the curated suggestions it lacks, in one query."""
    on = TicketTag.objects.filter(ticket=ticket)
    rows = list(
        Tag.objects.filter(Q(suggested=True) | Q(pk__in=on.values("tag_id")))
        .annotate(on_ticket=Exists(on.filter(tag=OuterRef("pk"))))
        .order_by("name")
    )
    return [t for t in rows if t.on_ticket], [t for t in rows if not t.on_ticket]
