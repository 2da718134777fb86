"""Re-classifying a ticket's priority, and keeping the tickets' stored rank in step with the levels."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from sla.models import PriorityLevel

from ..models import Ticket, TicketEvent
from ..policy import TicketError
from ..reasons import Reason, stored
from ..schedule import next_actions_mark
from ..signals import ticket_event_send
from ._common import _apply_deadlines, _event, _lock, _notify_requester


@transaction.atomic
def ticket_reclassify(
    *, ticket: Ticket, priority: PriorityLevel, by: User | None, reason: str | Reason, now: datetime
) -> Ticket:
    """Change the priority with a mandatory reason; running deadlines are recomputed from the clock start.
    A ``Reason`` (a rule's) reads in each reader's language: the history's, the customer's mail."""
    if not isinstance(reason, Reason):
        reason = (reason or "").strip()
    if not reason:
        raise TicketError(_("Give a reason for changing the priority."))
    ticket = _lock(ticket)
    old = ticket.priority
    if old.pk == priority.pk:
        return ticket
    ticket.priority = priority
    ticket.priority_rank = priority.rank
    _event(
        ticket, TicketEvent.Kind.PRIORITY, now=now, actor=by, old=old.slug, new=priority.slug, reason=reason
    )
    if ticket.is_open:
        # Recomputed from the clock start with every pause left out; a met or breached target stays.
        _apply_deadlines(ticket, now=now, actor=by, reason="priority re-classified")
    next_actions_mark(ticket, now=now)
    ticket.save()
    _notify_requester(
        ticket, "priority_changed", now=now, old_priority=old.name, new_priority=priority.name, reason=reason
    )
    ticket_event_send(
        ticket,
        "updated",
        now=now,
        changes={"priority": {"old": old.name, "new": priority.name}},
        reason=stored(reason)[0],  # a webhook's payload: the English text
    )
    return ticket


def priority_rank_sync(*, priority: PriorityLevel) -> int:
    """Keep the denormalised rank on tickets in step when the levels are re-ordered (admin, YAML, API:
    ``tickets.receivers`` calls this whenever a level is saved)."""
    return (
        Ticket.objects.filter(priority=priority)
        .exclude(priority_rank=priority.rank)
        .update(priority_rank=priority.rank)
    )
