"""Routing a new ticket to its team and, where the team says so, to a technician on shift."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import Team

from .. import policy
from ..models import Ticket
from ..reasons import Reason
from ..routing import pick_agent, team_for
from ._common import _lock
from .assign import ticket_assign


def ticket_route(*, ticket: Ticket, now: datetime) -> Ticket:
    """Give a new ticket its team (by request form, or the team that takes unrouted tickets) and try
    auto-assignment. Runs inside ``ticket_create``'s transaction."""
    team = ticket.team if ticket.team_id else team_for(ticket)  # a rule may have chosen the team
    if team is None:
        return ticket
    if ticket.team_id != team.pk:
        ticket.team = team
        ticket.save(update_fields=["team"])
    return ticket_auto_assign(ticket=ticket, now=now) or ticket


@transaction.atomic
def ticket_auto_assign(*, ticket: Ticket, now: datetime) -> Ticket | None:
    """Hand an unassigned ticket to the member its team's rule picks; ``None`` when nobody can take it
    now (the sweep tries again as people come on shift). The team row is locked, so two tickets arriving
    together never both go to the same "next" member."""
    if ticket.team_id is None:
        return None
    team = Team.objects.select_for_update().get(pk=ticket.team_id)
    ticket = _lock(ticket)
    if ticket.assignee_id is not None or ticket.status not in policy.QUEUE_STATUSES:
        return None
    agent, why = pick_agent(team, now, ticket=ticket)
    if agent is None:
        return None
    team.last_assigned = agent
    team.save(update_fields=["last_assigned"])
    return ticket_assign(
        ticket=ticket, agent=agent, by=None, now=now, reason=Reason(_("auto-assigned: %(why)s"), why=why)
    )
