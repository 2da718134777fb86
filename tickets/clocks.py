"""A ticket's SLA clocks, read from its history: the one place that says where each clock stands.

Every event that moves a deadline (create, pause and resume, re-classify, reopen, merge) asks
``ticket_clocks`` for both due times, so no event can forget what another one did. The history is
the audit trail itself (``TicketEvent`` rows): the clock start is the arrival or the last reopen
(a ``status`` event from resolved or closed to open), the paused spans are the ``sla_resumed`` events
since that start (each records when its pause began) plus the pause still running
(``Ticket.sla_paused_at``). The time arithmetic is ``sla.selectors.sla_deadlines``.

The rules (the README's "Events and clocks" table says the same):

* the first-response clock counts from the arrival and never stops; it restarts at a reopen only
  when the ticket was resolved or closed unanswered before it fell due;
* the resolution clock counts from the arrival or the last reopen, and stops while waiting on the
  customer;
* a met target keeps its due time and its met instant; a target whose due time has passed unmet
  keeps that due time (the breach stands), whatever happens later; any other due time is recomputed
  from the history with the current plan and level.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from sla.selectors import Deadlines, sla_deadlines

from .alerts import sla_warn_instants
from .models import Status, Ticket, TicketEvent

Span = tuple[datetime, datetime]
_ENDED = (Status.RESOLVED, Status.CLOSED)


@dataclass(frozen=True)
class Reclassified:
    at: datetime
    old: str
    new: str
    reason: str
    actor: str


@dataclass(frozen=True)
class ClockHistory:
    """What the clocks depend on, read off the ticket's events."""

    received_at: datetime
    started_at: datetime  # the resolution clock's start: the arrival or the last reopen
    reopened: bool = False
    pauses: tuple[Span, ...] = ()  # closed spans waiting on the customer since ``started_at``
    paused_since: datetime | None = None
    reclassified: tuple[Reclassified, ...] = field(default=())
    # The first-response clock's start: the arrival, or a reopen of a ticket closed unanswered in time.
    first_response_start: datetime | None = None

    @property
    def first_response_from(self) -> datetime:
        return self.first_response_start or self.received_at

    def resumed(self, at: datetime) -> ClockHistory:
        """The history once the running pause ends at ``at`` (the event being written now)."""
        if self.paused_since is None:
            return self
        return replace(self, pauses=(*self.pauses, (self.paused_since, at)), paused_since=None)

    def reopened_at(self, at: datetime, *, first_response_restarts: bool = False) -> ClockHistory:
        """The history once the ticket is reopened at ``at``: a fresh resolution clock, and a fresh
        first-response clock when ``first_response_restarts``."""
        fr_start = at if first_response_restarts else self.first_response_start
        return replace(
            self, started_at=at, reopened=True, pauses=(), paused_since=None, first_response_start=fr_start
        )


def first_response_restarts(
    *, met_at: datetime | None, due: datetime | None, ended_at: datetime | None, at: datetime
) -> bool:
    """Does a reopen at ``at`` start a fresh first-response clock? Only for a ticket resolved or closed
    unanswered before its first response fell due: a met target stays met, a missed one stays missed."""
    if met_at is not None and met_at <= at:
        return False
    return not (due is not None and ended_at is not None and due < ended_at)


def clock_history(ticket: Ticket) -> ClockHistory:
    """Read the clock start, the pauses and the re-classifications from the audit trail (one query)."""
    history = ClockHistory(received_at=ticket.received_at, started_at=ticket.received_at)
    pauses: list[Span] = []
    reclassified: list[Reclassified] = []
    kinds = [
        TicketEvent.Kind.STATUS,
        TicketEvent.Kind.SLA_RESUMED,
        TicketEvent.Kind.PRIORITY,
        TicketEvent.Kind.SLA_DUE,
    ]
    events = ticket.events.filter(kind__in=kinds).select_related("actor").order_by("created_at", "id")
    fr_due: datetime | None = None
    ended_at: datetime | None = None
    for e in events:
        if e.kind == TicketEvent.Kind.SLA_DUE:
            raw = e.data.get("first_response_due_at")
            fr_due = datetime.fromisoformat(raw) if raw else None
        elif e.kind == TicketEvent.Kind.STATUS and e.new_value in _ENDED and e.old_value not in _ENDED:
            ended_at = e.created_at
        elif e.kind == TicketEvent.Kind.STATUS and e.old_value in _ENDED and e.new_value == Status.OPEN:
            restarts = first_response_restarts(
                met_at=ticket.first_responded_at, due=fr_due, ended_at=ended_at, at=e.created_at
            )
            history = history.reopened_at(e.created_at, first_response_restarts=restarts)
            pauses = []
        elif e.kind == TicketEvent.Kind.SLA_RESUMED and e.data.get("paused_at"):
            pauses.append((datetime.fromisoformat(e.data["paused_at"]), e.created_at))
        elif e.kind == TicketEvent.Kind.PRIORITY:
            actor = e.actor.display_name if e.actor else "system"
            reclassified.append(Reclassified(e.created_at, e.old_value, e.new_value, e.reason, actor))
    return replace(
        history,
        pauses=tuple(p for p in pauses if p[1] > history.started_at),
        paused_since=ticket.sla_paused_at,
        reclassified=tuple(reclassified),
    )


@dataclass(frozen=True)
class Clocks:
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    first_response_warn_at: datetime | None
    resolution_warn_at: datetime | None
    first_response_moved: bool
    resolution_moved: bool
    deadlines: Deadlines


def _breached(due: datetime | None, ran_until: datetime) -> bool:
    return due is not None and due < ran_until


def ticket_clocks(
    ticket: Ticket, *, history: ClockHistory, now: datetime, resolution_ran_until: datetime | None = None
) -> Clocks:
    """Both due times of ``ticket`` as its history makes them, with the stored ones that must stay.

    ``resolution_ran_until`` is the last instant the resolution clock ran: ``now``, or the start of
    the pause it is in (or is just leaving). A due time before it, unmet, is a breach and stands.
    """
    deadlines = sla_deadlines(
        plan=ticket.plan,
        priority=ticket.priority,
        start=history.first_response_from,
        resolution_start=history.started_at,
        pauses=history.pauses,
    )
    fr_warn, res_warn = sla_warn_instants(
        ticket=ticket, deadlines=deadlines, start=history.first_response_from
    )
    ran_until = resolution_ran_until or history.paused_since or now
    keep_fr = ticket.first_responded_at is not None or _breached(ticket.first_response_due_at, now)
    keep_res = ticket.resolved_at is not None or _breached(ticket.resolution_due_at, ran_until)
    return Clocks(
        first_response_due_at=ticket.first_response_due_at if keep_fr else deadlines.first_response_due_at,
        resolution_due_at=ticket.resolution_due_at if keep_res else deadlines.resolution_due_at,
        first_response_warn_at=ticket.first_response_warn_at if keep_fr else fr_warn,
        resolution_warn_at=ticket.resolution_warn_at if keep_res else res_warn,
        first_response_moved=not keep_fr and deadlines.first_response_due_at != ticket.first_response_due_at,
        resolution_moved=not keep_res and deadlines.resolution_due_at != ticket.resolution_due_at,
        deadlines=deadlines,
    )
