"""Escalation to leadership: by staff or the portal, and a customer's request in words (email)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from accounts.models import User

from .. import policy
from ..alerts import alerts_ticket_escalated
from ..models import Ticket, TicketEvent
from ..snapshot import ticket_url
from ._common import _event, _lock, _notify_staff


@transaction.atomic
def ticket_escalate(*, ticket: Ticket, by: User | None, now: datetime, reason: str = "") -> Ticket:
    """Flag the ticket for leadership (once) and tell the team leads, when ``policy.may_escalate`` allows."""
    ticket = _lock(ticket)
    policy.check_escalate(ticket, now)
    if not Ticket.objects.filter(pk=ticket.pk, escalated_at__isnull=True).update(escalated_at=now):
        return ticket
    ticket.escalated_at = now
    _event(ticket, TicketEvent.Kind.ESCALATED, now=now, actor=by, reason=reason)
    leads = User.objects.team_leads()
    _notify_staff(ticket, "escalation", leads, now=now, reason=reason, by_name=by.display_name if by else "")
    alerts_ticket_escalated(ticket=ticket, now=now, link=ticket_url(ticket, staff=True), reason=reason)
    return ticket


@transaction.atomic
def ticket_escalation_request(*, ticket: Ticket, by: User | None, now: datetime, reason: str = "") -> bool:
    """A customer asked for escalation in words (email): leadership is always told (the SaaS policy: "any
    use of the words escalate or escalation flags leadership"), but the ticket is marked escalated only
    where ``policy.may_escalate`` allows. Returns whether it was marked."""
    ticket = _lock(ticket)
    if not ticket.is_open or ticket.escalated_at:
        return False
    if policy.may_escalate(ticket, now):
        ticket_escalate(ticket=ticket, by=by, now=now, reason=reason)
        return True
    _event(
        ticket,
        TicketEvent.Kind.ESCALATED,
        now=now,
        actor=by,
        reason=reason,
        data={"requested_only": True, "why": "the plan's escalation policy does not allow it yet"},
    )
    _notify_staff(
        ticket,
        "escalation",
        User.objects.team_leads(),
        now=now,
        reason=reason,
        by_name=by.display_name if by else "",
    )
    alerts_ticket_escalated(
        ticket=ticket,
        now=now,
        link=ticket_url(ticket, staff=True),
        reason=reason,
        escalated=False,
    )
    return False
