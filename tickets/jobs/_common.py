"""What every timed job shares: the per-pass lookups and the business-hours gate.

A job is a plain function ``job(*, now) -> int`` (how many tickets it acted on). It reads due rows
through an index, claims each row (a conditional ``update()`` or ``select_for_update(skip_locked=True)``)
and only then acts, so a repeat, a redelivered task or a second worker does nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sla.calendars import BusinessCalendar, add_business_time, is_open
from sla.models import SupportPlan
from sla.services import EffectiveJobPolicy, job_policy_for

from ..alerts import Alerts
from ..models import Ticket

log = logging.getLogger("tickets.jobs")

# Rows handled per query; a pass keeps taking batches until nothing is due (or MAX_PER_PASS, so one
# pass after a long outage stays bounded and the next tick continues).
BATCH = 200
MAX_PER_PASS = 5000


class Pass:
    """One run of a job at one ``now``: policies, calendars and alert rules are read once."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.alerts = Alerts(now)
        self._policies: dict[int | None, EffectiveJobPolicy] = {}

    def policy(self, plan: SupportPlan | None) -> EffectiveJobPolicy:
        key = plan.pk if plan else None
        if key not in self._policies:
            self._policies[key] = job_policy_for(plan)
        return self._policies[key]

    def work_calendar(self, ticket: Ticket) -> BusinessCalendar | None:
        """The hours reminders and staff deadlines count in: around the clock for a 24x7 priority
        (its SLA calendar is always open), else the plan's job calendar, else the SLA calendar.
        ``None``: no calendar configured at all, so no restriction."""
        sla = self.alerts.sla_calendar(ticket)
        if sla is not None and sla.always_open:
            return sla
        return self.policy(ticket.plan).calendar or sla

    def in_hours(self, ticket: Ticket) -> bool:
        cal = self.work_calendar(ticket)
        return cal is None or is_open(self.now, cal)

    def business_add(self, ticket: Ticket, start: datetime, delta: timedelta) -> datetime:
        cal = self.work_calendar(ticket)
        return start + delta if cal is None else add_business_time(start, delta, cal)


def attempt(job: str, ticket: Ticket, fn: Callable[..., bool], *args, **kwargs) -> bool:
    """Run one ticket's work (its own transaction). A failure is logged and the sweep goes on to the
    next ticket, so one bad row cannot stop every other reminder; the next pass retries it."""
    try:
        return bool(fn(*args, **kwargs))
    except Exception:
        log.exception("%s failed for ticket %s; the next pass retries it", job, ticket.pk)
        return False
