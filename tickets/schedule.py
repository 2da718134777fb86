"""When each timed job next acts on a ticket: the one place that answers it.

A ticket stores four instants (``NEXT_ACTION_FIELDS``), each swept by its job through a partial index
(the way the SLA monitor sweeps ``*_warn_at`` and ``*_due_at``):

- ``assignment_due_at``: still unassigned ``assignment_deadline`` of business time after arrival;
- ``stale_due_at``: no staff activity (or reminder) for ``stale_after`` of business time;
- ``customer_reminder_due_at``: the next rung of the waiting-on-customer ladder;
- ``auto_close_due_at``: closing a waiting ticket nobody answers, or a resolved one.

Each is the instant the job may act: a reminder due at midnight is stored as the next opening of the
work calendar, so a sweep that finds ``due <= now`` has nothing left to decide but "claim and act".

The services mark a ticket they change (``next_actions_mark``: no query); every job first recomputes
the marked tickets (``next_actions_refresh``), and sets the next instant itself after acting. A change
to the settings the instants depend on (job policies, calendars, SLA targets) marks every ticket.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction

from sla.calendars import BusinessCalendar, add_business_time, is_open, next_opening
from sla.models import SupportPlan
from sla.selectors import EffectiveJobPolicy, job_policy_for

from .alerts import Alerts
from .models import Status, Ticket
from .policy import QUEUE_STATUSES

log = logging.getLogger("tickets.jobs")

NEXT_ACTION_FIELDS = ("assignment_due_at", "stale_due_at", "customer_reminder_due_at", "auto_close_due_at")

# Marked tickets recomputed per job pass, in batches (a policy change marks every ticket at once).
REFRESH_BATCH = 200
REFRESH_PER_PASS = 5000


class JobClock:
    """Policies and work calendars for one pass at one ``now``, each read once."""

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
        try:
            return cal is None or is_open(self.now, cal)
        except ValueError:  # a calendar that never opens
            return False

    def business_add(self, ticket: Ticket, start: datetime, delta: timedelta) -> datetime:
        cal = self.work_calendar(ticket)
        return start + delta if cal is None else add_business_time(start, delta, cal)

    def when_open(self, ticket: Ticket, at: datetime) -> datetime:
        """``at``, or the next opening of the work calendar when it falls outside the hours."""
        cal = self.work_calendar(ticket)
        if cal is None or is_open(at, cal):
            return at
        return next_opening(at, cal)


def ticket_next_actions(ticket: Ticket, *, clock: JobClock) -> dict[str, datetime | None]:
    """The four next-action instants of ``ticket`` as it is now (``None``: that job has nothing to do).

    The only place the job policy turns into instants: the jobs act when one has passed, and recompute
    it from the ticket's new state after acting.
    """
    out: dict[str, datetime | None] = dict.fromkeys(NEXT_ACTION_FIELDS)
    pol = clock.policy(ticket.plan)
    try:
        if ticket.status in QUEUE_STATUSES:
            if ticket.assignee_id is None:
                if ticket.unassigned_alerted_at is None and pol.assignment_deadline is not None:
                    due = clock.business_add(ticket, ticket.received_at, pol.assignment_deadline)
                    out["assignment_due_at"] = clock.when_open(ticket, due)
            elif pol.stale_after is not None:
                activity = ticket.last_staff_activity_at or ticket.received_at
                since = max(activity, ticket.stale_reminded_at or activity)
                out["stale_due_at"] = clock.when_open(
                    ticket, clock.business_add(ticket, since, pol.stale_after)
                )
        elif ticket.status == Status.WAITING and ticket.waiting_since is not None:
            remind, close = waiting_ladder(ticket, pol)
            out["customer_reminder_due_at"] = clock.when_open(ticket, remind) if remind else None
            out["auto_close_due_at"] = clock.when_open(ticket, close) if close else None
        elif ticket.status == Status.RESOLVED and ticket.resolved_at and pol.resolved_close_after:
            out["auto_close_due_at"] = clock.when_open(ticket, ticket.resolved_at + pol.resolved_close_after)
    except ValueError:  # a work calendar with no opening hours: nothing can fall due in it
        log.warning("ticket %s: its work calendar never opens; no timed job will act on it", ticket.pk)
        return dict.fromkeys(NEXT_ACTION_FIELDS)
    return out


def waiting_ladder(ticket: Ticket, pol: EffectiveJobPolicy) -> tuple[datetime | None, datetime | None]:
    """(next reminder, close) in wall time for a ticket waiting on its customer.

    Remind every ``customer_reminder_every`` up to ``customer_reminder_max`` times; close once the last
    reminder has gone unanswered for another interval, or once it has waited ``waiting_close_after``.
    """
    every, most, close_after = pol.customer_reminder_every, pol.customer_reminder_max, pol.waiting_close_after
    sent, since = ticket.customer_reminders_sent, ticket.waiting_since
    last = ticket.customer_reminded_at or since
    remind = last + every if every and (most is None or sent < most) else None
    closes = [since + close_after] if close_after else []
    if every and most is not None and sent >= most:
        closes.append(last + every)
    return remind, min(closes) if closes else None


def next_actions_mark(ticket: Ticket, *, now: datetime) -> None:
    """Say that ``ticket`` changed in a way that may move its instants; saved with the ticket.

    No query: the next job pass recomputes every marked ticket before it sweeps.
    """
    ticket.actions_changed_at = now


def next_actions_mark_all(*, now: datetime) -> int:
    """Mark every ticket a job may still act on (after a policy, calendar or target change)."""
    return Ticket.objects.filter(
        status__in=[Status.NEW, Status.OPEN, Status.WAITING, Status.RESOLVED], actions_changed_at__isnull=True
    ).update(actions_changed_at=now)


def next_actions_refresh(*, clock: JobClock) -> int:
    """Recompute and store the instants of marked tickets, oldest mark first. Returns how many.

    Each batch locks its rows (skipping any a service holds: that service marks the ticket again),
    so a change committed meanwhile is never overwritten with instants computed from older state.
    """
    done = 0
    while done < REFRESH_PER_PASS:
        with transaction.atomic():
            batch = list(
                Ticket.objects.filter(actions_changed_at__isnull=False)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("plan", "priority")
                .order_by("actions_changed_at", "pk")[:REFRESH_BATCH]
            )
            if not batch:
                break
            # One small UPDATE per row: Django's bulk_update builds a CASE per column that costs
            # ~6 ms a row to compile and run (measured on PostgreSQL), ten times this.
            for ticket in batch:
                Ticket.objects.filter(pk=ticket.pk).update(
                    actions_changed_at=None, **ticket_next_actions(ticket, clock=clock)
                )
        done += len(batch)
    return done
