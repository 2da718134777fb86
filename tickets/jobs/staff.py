"""Staff-facing timers: the assignment deadline and stale-ticket reminders.

Both count in business hours (around the clock for a 24x7 priority) and act only while the work
calendar is open, so a catch-up after a night-time outage waits for the morning instead of paging
people at 03:00. Each sweeps its stored instant (``assignment_due_at``, ``stale_due_at``), so tickets
it may not act on yet never stand in the way of those it must.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction

from notifications.services import notification_queue
from sla.models import AlertRule

from ..alerts import fmt, fmt_delta
from ..models import Ticket, TicketEvent
from ..policy import QUEUE_STATUSES
from ..routing import awaiting_auto_assignment
from ..schedule import ticket_next_actions
from ..services.routing import ticket_auto_assign
from ..snapshot import ticket_context, ticket_url
from ._common import Pass


def _alert_unassigned(p: Pass, t: Ticket, *, deadline: timedelta, due: datetime) -> bool:
    with transaction.atomic():
        if not Ticket.objects.filter(
            pk=t.pk, assignee__isnull=True, unassigned_alerted_at__isnull=True
        ).update(unassigned_alerted_at=p.now, assignment_due_at=None):  # once per ticket
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
                # Instants and seconds: the mail says them in its reader's language and zone.
                "received_at": t.received_at.isoformat(),
                "deadline_seconds": int(deadline.total_seconds()),
                "due_at": due.isoformat(),
                # Counted on the work calendar: the mail names its zone beside the reader's.
                "calendar_zone": getattr(p.work_calendar(t), "tz", ""),
            },
        )
    return True


def _remind_stale(p: Pass, t: Ticket, *, activity: datetime, since: datetime) -> bool:
    with transaction.atomic():
        expect = {
            "stale_reminded_at": t.stale_reminded_at,
            "last_staff_activity_at": t.last_staff_activity_at,
            "assignee_id": t.assignee_id,
        }
        t.stale_reminded_at = p.now
        # Compare-and-set on these columns: a reply or another worker since our read wins. The next
        # reminder falls due another ``stale_after`` from now.
        if not Ticket.objects.filter(pk=t.pk, **expect).update(
            stale_reminded_at=p.now, stale_due_at=ticket_next_actions(t, clock=p)["stale_due_at"]
        ):
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
            context=ticket_context(
                t,
                staff=True,
                last_activity_at=activity.isoformat(),
                idle_for_seconds=int((p.now - activity).total_seconds()),
            ),
        )
    return True


def assignment_deadline_check(*, now: datetime) -> int:
    """Alert the team leads (or the "unassigned" rules' audience) once per ticket still unassigned
    after the plan's ``assignment_deadline`` of business time (its ``assignment_due_at``)."""
    p = Pass(now)

    def handle(t: Ticket, due: datetime) -> bool:
        if not p.due(t, "assignment_due_at"):
            return False
        return _alert_unassigned(p, t, deadline=p.policy(t.plan).assignment_deadline, due=due)

    rows = Ticket.objects.filter(
        status__in=QUEUE_STATUSES, assignee__isnull=True, unassigned_alerted_at__isnull=True
    ).select_related("plan", "priority", "organization")
    return p.sweep("assignment_deadline", rows, "assignment_due_at", handle)


def stale_ticket_remind(*, now: datetime) -> int:
    """Remind the assignee of a ticket with no staff activity for the plan's ``stale_after`` of
    business time; again after as long once more, for as long as nobody touches it."""
    p = Pass(now)

    def handle(t: Ticket, due: datetime) -> bool:
        if not t.assignee.is_active:
            # Look again in another interval (the ticket may be reassigned, the person come back):
            # never left in the due set, where it would crowd out the others.
            after = p.policy(t.plan).stale_after
            Ticket.objects.filter(pk=t.pk, stale_due_at=due).update(
                stale_due_at=p.when_open(t, p.business_add(t, now, after)) if after else None
            )
            return False
        if not p.due(t, "stale_due_at"):
            return False
        activity = t.last_staff_activity_at or t.received_at
        since = max(activity, t.stale_reminded_at) if t.stale_reminded_at else activity
        return _remind_stale(p, t, activity=activity, since=since)

    rows = Ticket.objects.filter(status__in=QUEUE_STATUSES, assignee__isnull=False).select_related(
        "plan", "priority", "assignee", "organization"
    )
    return p.sweep("stale_tickets", rows, "stale_due_at", handle)


AUTO_ASSIGN_PER_PASS = 500


def auto_assign_sweep(*, now: datetime) -> int:
    """Hand tickets that waited for someone to come on shift (or under the cap) to their team's next
    member, most urgent first; each ticket is assigned in its own transaction by the routing service."""
    waiting = (
        Ticket.objects.filter(awaiting_auto_assignment())
        .order_by("priority_rank", "received_at", "pk")
        .values_list("pk", flat=True)[:AUTO_ASSIGN_PER_PASS]
    )
    done = 0
    for pk in list(waiting):
        if ticket_auto_assign(ticket=Ticket.objects.get(pk=pk), now=now) is not None:
            done += 1
    return done
