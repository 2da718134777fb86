"""What every timed job shares: the per-pass lookups and the business-hours gate.

A job is a plain function ``job(*, now) -> int`` (how many tickets it acted on). It reads the rows
whose stored next-action instant has passed (``tickets/schedule.py``) through a partial index, claims
each row (a conditional ``update()`` or ``select_for_update(skip_locked=True)``) and only then acts, so a repeat, a redelivered task or a second worker does nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from django.db.models import Q

from sla.calendars import next_opening

from ..models import Ticket
from ..schedule import JobClock, next_actions_refresh, ticket_next_actions

log = logging.getLogger("tickets.jobs")

# Rows handled per query; a pass keeps taking batches until nothing is due (or MAX_PER_PASS, so one
# pass after a long outage stays bounded and the next tick continues).
BATCH = 200
MAX_PER_PASS = 5000


class Pass(JobClock):
    """One run of a job at one ``now``: policies, calendars and alert rules are read once.

    Starting a pass recomputes the instants of tickets changed since the last pass, so the sweeps
    below read instants that match the tickets as they are.
    """

    def __init__(self, now: datetime, *, refresh: bool = True) -> None:
        super().__init__(now)
        if refresh:
            next_actions_refresh(clock=self)

    def due(self, ticket: Ticket, field: str) -> bool:
        """May the job act on ``ticket`` now? Its ``field`` instant, computed afresh, has passed and
        the work hours are open. If not, store when to look again (not due yet, or outside the hours:
        the next opening), so the row leaves the due set and cannot crowd out others."""
        value = ticket_next_actions(ticket, clock=self)[field]
        if value is not None and value <= self.now:
            if self.in_hours(ticket):
                return True
            cal = self.work_calendar(ticket)
            try:
                value = next_opening(self.now, cal) if cal is not None else None
            except ValueError:  # a calendar that never opens: nothing can fall due in it
                value = None
        if value != getattr(ticket, field):
            Ticket.objects.filter(pk=ticket.pk, **{field: getattr(ticket, field)}).update(**{field: value})
        return False

    def sweep(self, job: str, rows, field: str, handle: Callable[[Ticket, datetime], bool]) -> int:
        """Hand every row of ``rows`` whose ``field`` instant has passed to ``handle(ticket, due)``, in
        instant order (keyset, so a row that fails is passed over until the next pass), at most
        ``MAX_PER_PASS`` rows. Returns how many ``handle`` acted on."""
        done = seen = 0
        due = rows.filter(**{f"{field}__lte": self.now}).order_by(field, "pk")
        after: Q | None = None
        while seen < MAX_PER_PASS:
            page = due.filter(after) if after is not None else due
            batch = list(page[: min(BATCH, MAX_PER_PASS - seen)])
            if not batch:
                break
            for ticket in batch:
                done += attempt(job, ticket, handle, ticket, getattr(ticket, field))
            seen += len(batch)
            last = batch[-1]
            at = getattr(last, field)
            # The range condition lets the index start at the last row, not rescan the passed ones.
            after = Q(**{f"{field}__gte": at}) & (
                Q(**{f"{field}__gt": at}) | Q(**{field: at, "pk__gt": last.pk})
            )
        return done


def attempt(job: str, ticket: Ticket, fn: Callable[..., bool], *args, **kwargs) -> bool:
    """Run one ticket's work (its own transaction). A failure is logged and the sweep goes on to the
    next ticket, so one bad row cannot stop every other reminder; the next pass retries it."""
    try:
        return bool(fn(*args, **kwargs))
    except Exception:
        log.exception("%s failed for ticket %s; the next pass retries it", job, ticket.pk)
        return False
