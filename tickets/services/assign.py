"""Giving a ticket an owner (or taking it away), and telling the customer and the new owner."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from ..models import Status, Ticket, TicketEvent
from ..policy import TicketError
from ..reasons import Reason
from ..schedule import next_actions_mark
from ..signals import ticket_event_send
from ._common import _event, _first_response_met, _lock, _notify_requester, _notify_staff
from .status import _set_status


@transaction.atomic
def ticket_assign(
    *, ticket: Ticket, agent: User | None, by: User | None, now: datetime, reason: str | Reason = ""
) -> Ticket:
    """Give the ticket an owner and tell the customer who it is (and the new name on reassignment).
    ``reason`` is a person's words, or a ``Reason`` (auto-assignment's, a rule's or a macro's)."""
    ticket = _lock(ticket)
    if agent is not None and not agent.is_staff:
        raise TicketError(_("Tickets can only be assigned to staff."))
    old = ticket.assignee
    if old == agent:
        return ticket
    ticket.assignee = agent
    ticket.last_staff_activity_at = now
    if agent is not None and ticket.is_open:
        _first_response_met(ticket, now=now, actor=by, how="assignment")
    if ticket.status == Status.NEW and agent is not None:
        _set_status(ticket, Status.OPEN, now=now, actor=by)
    next_actions_mark(ticket, now=now)
    ticket.save()
    _event(
        ticket,
        TicketEvent.Kind.ASSIGNEE,
        now=now,
        actor=by,
        old=old.display_name if old else "",
        new=agent.display_name if agent else "",
        reason=reason,
    )
    if agent is not None:
        event = "ticket_reassigned" if old is not None else "ticket_assigned"
        _notify_requester(
            ticket,
            event,
            now=now,
            agent_name=agent.display_name,
            agent_email=agent.email,
            previous_agent_name=old.display_name if old else "",
        )
        if by != agent:
            _notify_staff(ticket, "assigned_to_you", [agent], now=now, by_name=by.display_name if by else "")
    ticket_event_send(ticket, "assigned", now=now, old=old.display_name if old else "")
    return ticket
