"""Staff-facing timers: the assignment deadline and stale-ticket reminders.

Both count in business hours (around the clock for a 24x7 priority) and act only while the work
calendar is open, so a catch-up after a night-time outage waits for the morning instead of paging
people at 03:00.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Min, Q

from notifications.services import notification_queue
from sla.models import AlertRule, JobPolicy

from ..alerts import fmt, fmt_delta
from ..models import Status, Ticket, TicketEvent
from ..services import ticket_url
from ._common import MAX_PER_PASS, Pass, attempt


def _shortest(field: str) -> timedelta | None:
    """The shortest setting over all plans: business time is never shorter than wall time, so
    ``received_at <= now - shortest`` is a safe, indexed pre-filter before the calendar math."""
    return JobPolicy.objects.aggregate(m=Min(field))["m"]


def _alert_unassigned(p: Pass, t: Ticket, *, deadline: timedelta, due: datetime) -> bool:
    with transaction.atomic():
        if not Ticket.objects.filter(
            pk=t.pk, assignee__isnull=True, unassigned_alerted_at__isnull=True
        ).update(unassigned_alerted_at=p.now):
            return False  # assigned meanwhile, or another worker took it
        TicketEvent.objects.create(
            ticket=t,
            kind=TicketEvent.Kind.ALERT,
            new_value="unassigned",
            created_at=p.now,
            reason=f"still unassigned {fmt_delta(deadline)} (business time) after arrival",
            data={"due_at": due.isoformat()},
        )
        p.alerts.fire(
            event=AlertRule.Event.UNASSIGNED,
            ticket=t,
            link=ticket_url(t, staff=True),
            discriminator="unassigned",
            default_audience=AlertRule.Audience.TEAM_LEADS,
            context={
                "alert": "Still unassigned",
                "subject": t.subject,
                "priority": t.priority.name,
                "received_at": fmt(t.received_at),
                "deadline": fmt_delta(deadline),
                "due_at": fmt(due),
            },
        )
    return True


def _remind_stale(p: Pass, t: Ticket, *, activity: datetime, since: datetime) -> bool:
    with transaction.atomic():
        # Compare-and-set on both columns: a reply or another worker since our read wins.
        if not Ticket.objects.filter(
            pk=t.pk,
            stale_reminded_at=t.stale_reminded_at,
            last_staff_activity_at=t.last_staff_activity_at,
            assignee_id=t.assignee_id,
        ).update(stale_reminded_at=p.now):
            return False
        TicketEvent.objects.create(
            ticket=t,
            kind=TicketEvent.Kind.REMINDER,
            new_value="stale",
            created_at=p.now,
            reason=f"no staff activity since {fmt(activity)}",
            data={"assignee": t.assignee.email},
        )
        notification_queue(
            event="stale_reminder",
            recipient=t.assignee.email,
            recipient_user=t.assignee,
            ticket=t,
            now=p.now,
            dedupe_key=f"stale_reminder:{t.pk}:{since.isoformat()}",
            context={
                "ticket_reference": t.reference,
                "ticket_url": ticket_url(t, staff=True),
                "last_activity": fmt(activity),
                "idle_for": fmt_delta(p.now - activity),
            },
        )
    return True


def assignment_deadline_check(*, now: datetime) -> int:
    """Alert the team leads (or the "unassigned" rules' audience) once per ticket still unassigned
    after the plan's ``assignment_deadline`` of business time."""
    shortest = _shortest("assignment_deadline")
    if shortest is None:
        return 0
    p = Pass(now)
    candidates = (
        Ticket.objects.filter(
            status__in=[Status.NEW, Status.OPEN],
            assignee__isnull=True,
            unassigned_alerted_at__isnull=True,
            received_at__lte=now - shortest,
        )
        .select_related("plan", "priority", "organization")
        .order_by("received_at", "pk")[:MAX_PER_PASS]
    )
    done = 0
    for t in candidates:
        deadline = p.policy(t.plan).assignment_deadline
        if deadline is None:
            continue
        due = p.business_add(t, t.received_at, deadline)
        if due > now or not p.in_hours(t):
            continue
        done += attempt("assignment_deadline", t, _alert_unassigned, p, t, deadline=deadline, due=due)
    return done


def stale_ticket_remind(*, now: datetime) -> int:
    """Remind the assignee of a ticket with no staff activity for the plan's ``stale_after`` of
    business time; again after as long once more, for as long as nobody touches it."""
    shortest = _shortest("stale_after")
    if shortest is None:
        return 0
    p = Pass(now)
    cutoff = now - shortest
    candidates = (
        Ticket.objects.filter(
            status__in=[Status.NEW, Status.OPEN], assignee__isnull=False, assignee__is_active=True
        )
        .filter(
            Q(last_staff_activity_at__lte=cutoff)
            | Q(last_staff_activity_at__isnull=True, received_at__lte=cutoff)
        )
        .filter(Q(stale_reminded_at__isnull=True) | Q(stale_reminded_at__lte=cutoff))
        .select_related("plan", "priority", "assignee", "organization")
        .order_by("pk")[:MAX_PER_PASS]
    )
    done = 0
    for t in candidates:
        after = p.policy(t.plan).stale_after
        if after is None:
            continue
        activity = t.last_staff_activity_at or t.received_at
        since = max(activity, t.stale_reminded_at) if t.stale_reminded_at else activity
        if p.business_add(t, since, after) > now or not p.in_hours(t):
            continue
        done += attempt("stale_tickets", t, _remind_stale, p, t, activity=activity, since=since)
    return done
