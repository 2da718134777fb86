"""Two (three) workers running the same sweeps at the same instant: every event happens once.

Needs real row locks and separate connections, so it runs on PostgreSQL only (SQLite serialises
writers, which proves nothing here).
"""

import threading
from collections import Counter

import pytest
from django.db import connection

from tests.conftest import NOW
from tests.factories import office_calendar
from tests.tickets.jobs_support import DAY, HOUR, at, policy, sent
from tickets.jobs import run_all, sla_monitor
from tickets.models import Message, Status, Ticket, TicketEvent
from tickets.services import ticket_assign, ticket_change_status, ticket_create

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks and separate connections: PostgreSQL only"
    ),
]


def race(fn, *, now, workers=3):
    """Run ``fn(now=now)`` in ``workers`` threads released together, each on its own connection."""
    barrier = threading.Barrier(workers)
    results, errors = [], []

    def work():
        try:
            barrier.wait()
            results.append(fn(now=now))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return results


def test_three_workers_running_every_job_at_once_act_once_per_event(customer, tech, lead, priorities):
    policy(
        assignment_deadline=HOUR,
        stale_after=4 * HOUR,
        customer_reminder_every=2 * DAY,
        customer_reminder_max=3,
        resolved_close_after=3 * DAY,
        calendar=office_calendar(),
    )
    groups = {name: [] for name in ("urgent", "stale", "waiting", "resolved")}
    for i in range(8):
        groups["urgent"].append(
            ticket_create(requester=customer, subject=f"u{i}", priority=priorities["urgent"], now=NOW)
        )
        t = ticket_create(requester=customer, subject=f"s{i}", priority=priorities["low"], now=NOW)
        groups["stale"].append(ticket_assign(ticket=t, agent=tech, by=tech, now=NOW))
        t = ticket_create(requester=customer, subject=f"w{i}", priority=priorities["low"], now=NOW)
        groups["waiting"].append(
            ticket_change_status(ticket=t, status=Status.WAITING, by=tech, now=at(6, 16))
        )
        t = ticket_create(requester=customer, subject=f"r{i}", priority=priorities["low"], now=NOW)
        groups["resolved"].append(
            ticket_change_status(ticket=t, status=Status.RESOLVED, by=tech, now=at(6, 16))
        )

    results = race(run_all, now=at(9, 16, 30))  # Monday afternoon: something due for every job
    # Workers skip rows another worker holds (skip_locked), whatever that worker is doing with them, so a
    # loaded machine can leave some due work to the next pass. What must hold is once per event across
    # passes: one more pass, as beat would run a minute later, finishes it and repeats nothing.
    results.append(run_all(now=at(9, 16, 30)))

    totals = Counter()
    for r in results:
        totals.update(r)
    totals.pop("outbox_flush")  # delivery's flush counts mail, not tickets (and runs in the race too)
    # The dashboard roll-up counts days rolled up (each worker may roll up the same changed days again);
    # its own two-workers race is tests/desk/test_dashboard_rollups.py.
    totals.pop("dashboard_rollup")
    assert totals == {
        "sla_monitor": 16,  # urgent: first response and resolution breached
        "assignment_deadline": 8,  # urgent: unassigned for more than an hour
        "stale_tickets": 8,
        "waiting_on_customer": 8,
        "resolved_close": 8,
        "survey": 8,
        "inbound_retry": 0,  # no inbound mail waits in this race
        "mailboxes_poll": 0,  # no mailbox configured in this race
        "auto_assign": 0,  # no team auto-assigns here
        "retention": 0,  # the retention policy is off (HELPDESK_RETENTION_MONTHS=0)
    }
    per_event = Counter(
        TicketEvent.objects.filter(
            kind__in=[
                TicketEvent.Kind.SLA_BREACHED,
                TicketEvent.Kind.SLA_WARNING,
                TicketEvent.Kind.ALERT,
                TicketEvent.Kind.REMINDER,
                TicketEvent.Kind.SURVEY,
            ]
        ).values_list("ticket_id", "kind", "new_value")
    )
    assert per_event and set(per_event.values()) == {1}
    assert len(sent("sla_breach")) == 16 and len(sent("unassigned_alert")) == 8
    assert len(sent("stale_reminder")) == 8 and len(sent("waiting_reminder")) == 8
    assert len(sent("ticket_auto_closed")) == 8 and len(sent("survey")) == 8
    assert set(
        Ticket.objects.filter(pk__in=[t.pk for t in groups["waiting"]]).values_list(
            "customer_reminders_sent", flat=True
        )
    ) == {1}
    assert Message.objects.filter(kind=Message.Kind.SYSTEM).count() == 8
    assert TicketEvent.objects.filter(kind=TicketEvent.Kind.STATUS, new_value=Status.CLOSED).count() == 8


def test_workers_share_a_large_backlog_without_overlap(customer, priorities, plan):
    urgent = priorities["urgent"]
    Ticket.objects.bulk_create(  # more than two batches, all past their first-response target
        Ticket(
            organization=customer.organization,
            requester=customer,
            subject=f"u{i}",
            priority=urgent,
            priority_rank=urgent.rank,
            plan=plan,
            received_at=NOW,
            last_activity_at=NOW,
            first_response_due_at=NOW + HOUR / 2,
            resolution_due_at=NOW + 24 * HOUR,
        )
        for i in range(450)
    )
    results = race(sla_monitor, now=NOW + 2 * HOUR, workers=3)
    assert sum(results) == 450
    assert len([r for r in results if r]) >= 2  # the work was actually shared
    assert TicketEvent.objects.filter(kind=TicketEvent.Kind.SLA_BREACHED).count() == 450
    assert Ticket.objects.filter(first_response_breached_at__isnull=True).count() == 0


def test_three_tickets_filed_at_once_go_round_robin_to_three_different_members(customer, priorities):
    from accounts.models import Team
    from tests.factories import StaffFactory

    agents = [StaffFactory(email=f"rr{i}@helpdesk.test") for i in range(3)]
    team = Team.objects.create(name="Voice", auto_assign=Team.AutoAssign.ROUND_ROBIN, receives_unrouted=True)
    team.members.add(*agents)

    def file(*, now):
        return ticket_create(
            requester=customer, subject="Lines down", priority=priorities["normal"], now=now
        ).pk

    made = race(file, now=NOW)
    assert sorted(Ticket.objects.filter(pk__in=made).values_list("assignee__email", flat=True)) == sorted(
        a.email for a in agents
    )  # the team row lock: nobody got two while another got none
