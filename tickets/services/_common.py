"""What every ticket service shares: the audit row, the row lock, the notices to the customers and to
staff, and the stored deadlines (every change of a deadline comes through ``_apply_deadlines``)."""

from __future__ import annotations

from datetime import datetime

from accounts.locale import rendering_for
from notifications.services import notification_queue
from sla.models import SupportPlan

from .. import policy
from ..clocks import ClockHistory, Clocks, clock_history, ticket_clocks
from ..models import Ticket, TicketEvent
from ..reasons import Reason, stored
from ..snapshot import ticket_context, ticket_snapshot


def _event(
    ticket: Ticket,
    kind: str,
    *,
    now: datetime,
    actor=None,
    old="",
    new="",
    reason: str | Reason = "",
    data=None,
) -> TicketEvent:
    """The audit row. A ``Reason`` (a rule's, a macro's, auto-assignment's) is kept in English with its
    message id and values beside it, so each later reader reads it in their language."""
    text, data = stored(reason, data)
    return TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        actor=actor,
        old_value=str(old or "")[:255],
        new_value=str(new or "")[:255],
        reason=text,
        data=data,
        created_at=now,
    )


def _worded(context: dict, reader) -> dict:
    """A notice's context with every ``Reason`` in it worded in the reader's language (a mail's context
    is JSON, rendered later under the recipient's language: a reason has to be words by then)."""
    if not any(isinstance(v, Reason) for v in context.values()):
        return context
    with rendering_for(reader):
        return {k: str(v) if isinstance(v, Reason) else v for k, v in context.items()}


def _notify_requester(
    ticket: Ticket, event: str, *, now: datetime, automatic: bool = True, **context
) -> None:
    snapshot = ticket_snapshot(ticket)
    for address, user in policy.customers(ticket):
        notification_queue(
            event=event,
            recipient=address,
            recipient_user=user,
            ticket=ticket,
            now=now,
            automatic=automatic,
            context=ticket_context(ticket, snapshot=snapshot, **_worded(context, user)),
        )


def _notify_staff(ticket: Ticket, event: str, users, *, now: datetime, **context) -> None:
    snapshot = ticket_snapshot(ticket)
    for user in users:
        if user and user.email:
            notification_queue(
                event=event,
                recipient=user.email,
                recipient_user=user,
                ticket=ticket,
                now=now,
                context=ticket_context(ticket, staff=True, snapshot=snapshot, **_worded(context, user)),
            )


def _apply_deadlines(
    ticket: Ticket,
    *,
    now: datetime,
    history: ClockHistory | None = None,
    actor=None,
    reason: str = "",
    resolution_ran_until: datetime | None = None,
    record: bool = True,
) -> Clocks:
    """Store both deadlines as the ticket's history makes them (``tickets.clocks``), and record why.

    Every event that moves a deadline comes through here. A due time that changes gets a fresh
    warning and breach claim; a met or breached one stays as it was.
    """
    history = history or clock_history(ticket)
    clocks = ticket_clocks(ticket, history=history, now=now, resolution_ran_until=resolution_ran_until)
    ticket.first_response_due_at, ticket.resolution_due_at = (
        clocks.first_response_due_at,
        clocks.resolution_due_at,
    )
    ticket.first_response_warn_at, ticket.resolution_warn_at = (
        clocks.first_response_warn_at,
        clocks.resolution_warn_at,
    )
    if clocks.first_response_moved:
        ticket.first_response_warned_at = ticket.first_response_breached_at = None
    if not record:  # a resume: the same promise, paused; a "target close" warning already sent stands
        return clocks
    if clocks.resolution_moved:
        ticket.resolution_warned_at = ticket.resolution_breached_at = None
    target = clocks.deadlines.target
    _event(
        ticket,
        TicketEvent.Kind.SLA_DUE,
        now=now,
        actor=actor,
        reason=reason,
        new=ticket.resolution_due_at.isoformat() if ticket.resolution_due_at else "",
        data={
            "start": history.started_at.isoformat(),
            "received_at": history.received_at.isoformat(),
            "first_response_start": history.first_response_from.isoformat(),
            "reopened": history.reopened,
            "pauses": [[a.isoformat(), b.isoformat()] for a, b in history.pauses],
            "plan": ticket.plan.slug,
            "priority": ticket.priority.slug,
            "calendar": target.calendar.name if target else None,
            "first_response_target": str(target.first_response) if target and target.first_response else None,
            "resolution_target": str(target.resolution) if target and target.resolution else None,
            "first_response_due_at": ticket.first_response_due_at.isoformat()
            if ticket.first_response_due_at
            else None,
            "resolution_due_at": ticket.resolution_due_at.isoformat() if ticket.resolution_due_at else None,
            "first_response_kept": not clocks.first_response_moved
            and ticket.first_response_due_at is not None,
            "resolution_kept": not clocks.resolution_moved and ticket.resolution_due_at is not None,
        },
    )
    return clocks


def _first_response_met(ticket: Ticket, *, now: datetime, actor=None, how: str) -> None:
    """Record the first response (once): a public staff reply always; an assignment when the plan says
    "prioritized and assigned" meets it (``SupportPlan.first_response_met_by``). Its due time stays."""
    if ticket.first_responded_at is not None:
        return
    if how == "assignment" and ticket.plan.first_response_met_by != SupportPlan.FirstResponse.ASSIGNMENT:
        return
    ticket.first_responded_at = now
    if ticket.first_response_due_at:
        met = now <= ticket.first_response_due_at
        by = (
            f"assignment to {ticket.assignee.display_name}" if how == "assignment" else "a public staff reply"
        )
        _event(
            ticket,
            TicketEvent.Kind.SLA_MET if met else TicketEvent.Kind.SLA_BREACHED,
            now=now,
            actor=actor,
            new="first_response",
            data={
                "due_at": ticket.first_response_due_at.isoformat(),
                "done_at": now.isoformat(),
                "by": by,
                "missed_by_seconds": max(0, (now - ticket.first_response_due_at).total_seconds()),
            },
        )


def _lock(ticket: Ticket) -> Ticket:
    return (
        Ticket.objects.select_for_update()
        .select_related("plan", "priority", "requester", "organization")
        .get(pk=ticket.pk)
    )
