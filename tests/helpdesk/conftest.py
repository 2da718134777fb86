"""Fixtures the helpdesk-wide tests share."""

import pytest

from tests.conftest import NOW
from tickets.models import Ticket
from tickets.services import ticket_create


@pytest.fixture
def timed_jobs_world(customer, tech, priorities, plan):
    """The timed jobs' history on two tickets: the assignment deadline, the SLA monitor's warning and
    breach, a stale-ticket reminder, the customer reminder and the auto-close after it."""
    from datetime import timedelta

    from tests.factories import office_calendar
    from tests.tickets.jobs_support import DAY, HOUR, at, policy
    from tickets.jobs import (
        assignment_deadline_check,
        sla_monitor,
        stale_ticket_remind,
        waiting_remind_and_close,
    )
    from tickets.models import Status
    from tickets.services import ticket_assign, ticket_change_status

    policy(
        assignment_deadline=HOUR,
        stale_after=4 * HOUR,
        customer_reminder_every=2 * DAY,
        customer_reminder_max=1,
        calendar=office_calendar(),
    )
    late = ticket_create(requester=customer, subject="Zyzzx", priority=priorities["high"], now=at(6, 17))
    assert assignment_deadline_check(now=at(9, 9, 30)) == 1
    ticket_assign(ticket=late, agent=tech, by=tech, now=at(9, 9, 31))
    assert sla_monitor(now=at(9, 10, 5)) >= 1 and sla_monitor(now=at(9, 12)) >= 1
    assert stale_ticket_remind(now=at(9, 17)) == 1
    waiting = ticket_create(requester=customer, subject="Quorp", priority=priorities["normal"], now=NOW)
    ticket_change_status(ticket=waiting, status=Status.WAITING, by=tech, now=at(9, 10))
    assert waiting_remind_and_close(now=at(11, 10)) == 1
    assert waiting_remind_and_close(now=at(13, 10) + timedelta(minutes=1)) == 1
    return Ticket.objects.get(pk=late.pk), Ticket.objects.get(pk=waiting.pk)
