"""Reads for the technician workspace that are not view logic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Avg, Count, Exists, OuterRef, Q

from .. import policy
from ..models import CannedReply, Message, Tag, Ticket, TicketTag
from ..selectors import newest_of


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


CONTEXT_DAYS = 90
CONTEXT_TICKETS = 8


@dataclass
class CustomerContext:
    tickets: list[Ticket]  # the requester's and the organization's other tickets, newest activity first
    open_count: int  # the organization's open tickets, this one included
    received: int  # the organization's tickets received in the window
    fr_met: int
    fr_breached: int
    res_met: int
    res_breached: int
    rating: float | None  # average survey answer (1-5) in the window
    ratings: int

    @staticmethod
    def _pct(met: int, breached: int) -> int | None:
        return round(100 * met / (met + breached)) if met + breached else None

    @property
    def first_response_pct(self) -> int | None:
        return self._pct(self.fr_met, self.fr_breached)

    @property
    def resolution_pct(self) -> int | None:
        return self._pct(self.res_met, self.res_breached)


def customer_context(ticket: Ticket, *, now: datetime) -> CustomerContext:
    """The side panel on the ticket page: three small queries, whatever the customer's history.

    The other tickets are the requester's and the organization's newest: each read in its own index's
    order (``ticket_requester_activity``, ``ticket_org_activity``), at most a panel's worth each, and
    merged (one read of their OR fetched and sorted the organization's whole history: 800 tickets, 1.6
    ms, for one organization of a million-ticket desk). The compliance, open count and satisfaction are
    one aggregate over the organization's open tickets (``ticket_org_open``) and its 90-day window
    (``ticket_org_received``), not over every ticket it ever filed; met and breached are
    ``tickets.policy``'s own definitions.
    """
    base = (
        Ticket.objects.exclude(pk=ticket.pk)
        .select_related("priority")
        .only(
            "pk",
            "subject",
            "status",
            "last_activity_at",
            "requester_id",
            "priority__name",
            "priority__colour",
        )
        .order_by("-last_activity_at", "-pk")
    )
    arms = (Q(requester_id=ticket.requester_id), Q(organization_id=ticket.organization_id))
    others = newest_of([base.filter(arm) for arm in arms], limit=CONTEXT_TICKETS)
    since = now - timedelta(days=CONTEXT_DAYS)
    window = Q(received_at__gte=since)
    numbers = Ticket.objects.filter(
        Q(organization_id=ticket.organization_id) & (window | policy.open_q())
    ).aggregate(
        open_count=Count("pk", filter=policy.open_q()),
        received=Count("pk", filter=window),
        fr_met=Count("pk", filter=window & policy.first_response_met_q()),
        fr_breached=Count("pk", filter=window & policy.first_response_breached_q(now)),
        res_met=Count("pk", filter=window & policy.resolution_met_q()),
        res_breached=Count("pk", filter=window & policy.resolution_breached_q(now)),
        rating=Avg("survey__rating", filter=window),
        ratings=Count("survey__rating", filter=window),
    )
    return CustomerContext(tickets=others, **numbers)
