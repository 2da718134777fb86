"""The status lifecycle: which status may follow which, the SLA pause while waiting on the customer and
its resume, resolve / close / reopen, and the notice a customer gets when a ticket is resolved or closed."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from sla.calendars import business_time_between

from .. import policy
from ..clocks import clock_history, first_response_restarts
from ..models import Status, Ticket, TicketEvent
from ..policy import TicketError
from ..reasons import Reason, stored
from ..schedule import next_actions_mark
from ..signals import ticket_event_send
from ._common import _apply_deadlines, _event, _lock, _notify_requester

# The lifecycle: which status may follow which. Reopening goes back to open.
TRANSITIONS: dict[str, set[str]] = {
    Status.NEW: {Status.OPEN, Status.WAITING, Status.RESOLVED, Status.CLOSED},
    Status.OPEN: {Status.WAITING, Status.RESOLVED, Status.CLOSED},
    Status.WAITING: {Status.OPEN, Status.RESOLVED, Status.CLOSED},
    Status.RESOLVED: {Status.OPEN, Status.CLOSED},
    Status.CLOSED: {Status.OPEN},
}


def _resume_clock(ticket: Ticket, *, now: datetime, actor=None) -> None:
    """End the pause: the resolution clock counts again, the paused span left out (``tickets.clocks``)."""
    if ticket.sla_paused_at is None:
        return
    paused_at = ticket.sla_paused_at
    history = clock_history(ticket).resumed(now)
    # The clock last ran at the pause: a due time before it was already breached and stays.
    clocks = _apply_deadlines(
        ticket, now=now, history=history, actor=actor, resolution_ran_until=paused_at, record=False
    )
    cal = clocks.deadlines.calendar
    excluded = business_time_between(paused_at, now, cal) if cal is not None else now - paused_at
    ticket.sla_paused_at = None
    _event(
        ticket,
        TicketEvent.Kind.SLA_RESUMED,
        now=now,
        actor=actor,
        new=ticket.resolution_due_at.isoformat() if ticket.resolution_due_at else "",
        data={"paused_at": paused_at.isoformat(), "excluded_seconds": excluded.total_seconds()},
    )


def _lower_first(label) -> str:
    text = str(label)  # "Waiting on customer" -> "waiting on customer"; German keeps its nouns
    return text[:1].lower() + text[1:]


_lowered = lazy(_lower_first, str)


def _set_status(ticket: Ticket, new: str, *, now: datetime, actor=None, reason: str | Reason = "") -> None:
    old = ticket.status
    if new == old:
        return
    if new not in TRANSITIONS.get(old, set()):
        raise TicketError(
            _("A ticket that is %(old)s cannot become %(new)s."),
            old=_lowered(Status(old).label),  # "waiting on customer", worded when the refusal is read
            new=_lowered(Status(new).label),
        )
    if old == Status.WAITING:
        _resume_clock(ticket, now=now, actor=actor)
        ticket.waiting_since = None
        ticket.customer_reminders_sent = 0
        ticket.customer_reminded_at = None
    if new == Status.WAITING:
        ticket.sla_paused_at = now
        ticket.waiting_since = now
        ticket.customer_reminders_sent = 0
        ticket.customer_reminded_at = None
        _event(ticket, TicketEvent.Kind.SLA_PAUSED, now=now, actor=actor, reason="waiting on the customer")
    if new == Status.RESOLVED:
        ticket.resolved_at = now
        if ticket.resolution_due_at:
            _event(
                ticket,
                TicketEvent.Kind.SLA_MET
                if now <= ticket.resolution_due_at
                else TicketEvent.Kind.SLA_BREACHED,
                now=now,
                new="resolution",
                data={
                    "due_at": ticket.resolution_due_at.isoformat(),
                    "done_at": now.isoformat(),
                    "missed_by_seconds": max(0, (now - ticket.resolution_due_at).total_seconds()),
                },
            )
    if new == Status.CLOSED:
        ticket.closed_at = now
        if ticket.resolved_at is None:
            ticket.resolved_at = now
    if new == Status.OPEN and old in (Status.RESOLVED, Status.CLOSED):
        restarts = first_response_restarts(
            met_at=ticket.first_responded_at,
            due=ticket.first_response_due_at,
            ended_at=ticket.resolved_at or ticket.closed_at,
            at=now,
        )
        ticket.resolved_at = None
        ticket.closed_at = None
        ticket.close_reason = ""
        ticket.resolution_warned_at = None
        ticket.resolution_breached_at = None
        ticket.survey_sent_at = None
        # A fresh resolution clock from now; the first response keeps its due time (met, or missed
        # while the ticket was open) or, closed unanswered before it fell due, starts afresh too.
        ticket.resolution_due_at = ticket.resolution_warn_at = None
        if restarts:
            ticket.first_response_due_at = ticket.first_response_warn_at = None
        history = clock_history(ticket).reopened_at(now, first_response_restarts=restarts)
        _apply_deadlines(ticket, now=now, history=history, actor=actor, reason="reopened")
    ticket.status = new
    _event(ticket, TicketEvent.Kind.STATUS, now=now, actor=actor, old=old, new=new, reason=reason)


@transaction.atomic
def ticket_change_status(
    *,
    ticket: Ticket,
    status: str,
    by: User | None,
    now: datetime,
    reason: str | Reason = "",
    notify: bool = True,
) -> Ticket:
    ticket = _lock(ticket)
    old = ticket.status
    _set_status(ticket, status, now=now, actor=by, reason=reason)
    if by is not None and by.is_staff:
        ticket.last_staff_activity_at = now
    if status == Status.CLOSED and reason:
        ticket.close_reason = stored(reason)[0][:255]
    next_actions_mark(ticket, now=now)
    ticket.save()
    if notify:  # else the caller tells the customer itself (e.g. the auto-close job's own message)
        _status_notice(ticket, status, now=now, reason=reason)
    if ticket.status != old:
        ticket_event_send(ticket, "status_changed", now=now, old=old)
    return ticket


def _status_notice(ticket: Ticket, status: str, *, now: datetime, reason: str | Reason = "") -> None:
    """What the customer is told when a ticket reaches a status, whichever path took it there (the status
    form, a reply with "then set status", the API, the admin): "When we consider an issue resolved we
    will send you a mail saying so" (telephony policy)."""
    if status == Status.RESOLVED:
        _notify_requester(ticket, "ticket_resolved", now=now, reason=reason)
    elif status == Status.CLOSED:
        _notify_requester(ticket, "ticket_closed", now=now, reason=reason)


def ticket_resolve(*, ticket: Ticket, by: User | None, now: datetime) -> Ticket:
    return ticket_change_status(ticket=ticket, status=Status.RESOLVED, by=by, now=now)


def ticket_close(
    *, ticket: Ticket, by: User | None, now: datetime, reason: str = "", notify: bool = True
) -> Ticket:
    return ticket_change_status(
        ticket=ticket, status=Status.CLOSED, by=by, now=now, reason=reason, notify=notify
    )


@transaction.atomic
def ticket_reopen(*, ticket: Ticket, by: User | None, now: datetime, reason: str = "") -> Ticket:
    """Reopen a resolved or closed ticket: customers within the plan's reopen window, staff at any time."""
    ticket = _lock(ticket)
    policy.check_reopen(ticket, now, by=by)
    return ticket_change_status(
        ticket=ticket, status=Status.OPEN, by=by, now=now, reason=reason or "reopened"
    )
