"""SLA clocks through a ticket's whole life (the README's "Events and clocks" table), driven through the
services with a fixed ``now``: re-classifying keeps earlier pauses and the reopen, and a met or missed
first response keeps its due time."""

from datetime import timedelta

import pytest

from sla.models import Calendar, SLATarget
from tests.conftest import NOW
from tickets.desk.history import due_explanation, explain_events
from tickets.models import Message, Status, TicketEvent
from tickets.services import (
    message_add,
    ticket_change_status,
    ticket_create,
    ticket_reclassify,
    ticket_reopen,
)

pytestmark = pytest.mark.django_db
H = timedelta(hours=1)
M = timedelta(minutes=1)


@pytest.fixture
def round_the_clock(plan, priorities):
    """High: 8 h resolution, Urgent: 24 h resolution, both 24x7 (so the arithmetic reads plainly)."""
    always = Calendar.objects.get(name="always")
    SLATarget.objects.filter(plan=plan, priority=priorities["high"]).update(
        calendar=always, first_response=H, resolution=8 * H
    )
    return priorities


def test_reclassifying_after_a_wait_on_the_customer_leaves_the_wait_out(customer, tech, round_the_clock):
    ticket = ticket_create(requester=customer, subject="x", priority=round_the_clock["high"], now=NOW)
    ticket_change_status(ticket=ticket, status=Status.WAITING, by=tech, now=NOW)
    message_add(ticket=ticket, author=customer, body="here it is", now=NOW + 24 * H)
    ticket = ticket_reclassify(
        ticket=ticket, priority=round_the_clock["urgent"], by=tech, reason="outage", now=NOW + 25 * H
    )
    # 24 h of target counted from arrival, the 24 h waiting on the customer left out.
    assert ticket.resolution_due_at == NOW + 48 * H
    assert ticket.resolution_breached_at is None


def test_reclassifying_a_reopened_ticket_counts_from_the_reopen(customer, tech, round_the_clock):
    ticket = ticket_create(requester=customer, subject="x", priority=round_the_clock["high"], now=NOW)
    message_add(ticket=ticket, author=tech, body="fixed", now=NOW + H, set_status=Status.RESOLVED)
    reopened = NOW + 10 * 24 * H
    ticket.refresh_from_db()
    ticket_reopen(ticket=ticket, by=customer, now=reopened, reason="it broke again")
    ticket.refresh_from_db()
    assert ticket.resolution_due_at == reopened + 8 * H
    ticket = ticket_reclassify(
        ticket=ticket, priority=round_the_clock["urgent"], by=tech, reason="outage", now=reopened + H
    )
    assert ticket.resolution_due_at == reopened + 24 * H


def test_a_pause_before_the_reopen_is_not_left_out_of_the_new_clock(customer, tech, round_the_clock):
    ticket = ticket_create(requester=customer, subject="x", priority=round_the_clock["high"], now=NOW)
    ticket_change_status(ticket=ticket, status=Status.WAITING, by=tech, now=NOW + H)
    message_add(ticket=ticket, author=customer, body="done", now=NOW + 5 * H)
    ticket_change_status(ticket=ticket, status=Status.RESOLVED, by=tech, now=NOW + 6 * H)
    reopened = NOW + 48 * H
    ticket.refresh_from_db()
    ticket_reopen(ticket=ticket, by=customer, now=reopened)
    ticket = ticket_reclassify(
        ticket=ticket, priority=round_the_clock["urgent"], by=tech, reason="outage", now=reopened + H
    )
    assert ticket.resolution_due_at == reopened + 24 * H


def test_a_late_first_response_keeps_its_due_time_through_reclassify_and_reopen(
    customer, tech, round_the_clock
):
    ticket = ticket_create(requester=customer, subject="x", priority=round_the_clock["urgent"], now=NOW)
    message_add(ticket=ticket, author=tech, body="sorry for the wait", now=NOW + H)  # due after 30 min
    ticket = ticket_reclassify(
        ticket=ticket, priority=round_the_clock["high"], by=tech, reason="one user", now=NOW + 2 * H
    )
    assert ticket.first_response_due_at == NOW + 30 * timedelta(minutes=1)
    assert ticket.first_responded_at == NOW + H
    ticket = ticket_change_status(ticket=ticket, status=Status.RESOLVED, by=tech, now=NOW + 3 * H)
    ticket_reopen(ticket=ticket, by=customer, now=NOW + 4 * H)
    ticket.refresh_from_db()
    assert ticket.first_response_due_at == NOW + 30 * timedelta(minutes=1)


def test_a_breach_stands_when_a_reclassification_would_move_the_due_time_later(
    customer, tech, round_the_clock
):
    ticket = ticket_create(requester=customer, subject="x", priority=round_the_clock["high"], now=NOW)
    late = NOW + 9 * H  # first response (1 h) and resolution (8 h) both missed
    ticket = ticket_reclassify(
        ticket=ticket, priority=round_the_clock["urgent"], by=tech, reason="wider", now=late
    )
    assert ticket.first_response_due_at == NOW + H
    assert ticket.resolution_due_at == NOW + 8 * H


def test_a_reclassification_before_the_due_time_moves_it_and_rearms_the_warning(
    customer, tech, round_the_clock
):
    ticket = ticket_create(requester=customer, subject="x", priority=round_the_clock["high"], now=NOW)
    ticket.__class__.objects.filter(pk=ticket.pk).update(resolution_warned_at=NOW + 6 * H)
    ticket.refresh_from_db()
    ticket = ticket_reclassify(
        ticket=ticket, priority=round_the_clock["urgent"], by=tech, reason="wider", now=NOW + 7 * H
    )
    assert ticket.resolution_due_at == NOW + 24 * H
    assert ticket.resolution_warn_at == NOW + 18 * H  # 75% of 24 h
    assert ticket.resolution_warned_at is None


def test_the_explanation_names_each_pause_and_reclassification(customer, tech, round_the_clock):
    ticket = ticket_create(requester=customer, subject="x", priority=round_the_clock["high"], now=NOW)
    message_add(ticket=ticket, author=tech, body="need logs", now=NOW + H, set_status=Status.WAITING)
    message_add(ticket=ticket, author=customer, body="logs", now=NOW + 3 * H)
    ticket_reclassify(
        ticket=ticket, priority=round_the_clock["urgent"], by=tech, reason="whole site down", now=NOW + 4 * H
    )
    ticket.refresh_from_db()
    text = due_explanation(ticket, explain_events(ticket))
    assert "Resolution due" in text
    assert "re-classified High → Urgent" in text and "whole site down" in text
    assert "waiting on the customer" in text and "2 h" in text
    assert ticket.resolution_due_at == NOW + 26 * H
    assert ticket.messages.filter(kind=Message.Kind.PUBLIC).count() == 3
    assert (
        ticket.events.filter(kind=TicketEvent.Kind.SLA_DUE, reason="priority re-classified")
        .get()
        .data["pauses"]
    )


def test_a_ticket_closed_unanswered_in_time_gets_a_fresh_first_response_clock_when_reopened(
    customer, tech, round_the_clock
):
    ticket = ticket_create(requester=customer, subject="x", priority=round_the_clock["high"], now=NOW)
    ticket = ticket_change_status(ticket=ticket, status=Status.CLOSED, by=customer, now=NOW + 10 * M)
    reopened = NOW + 24 * H
    ticket_reopen(ticket=ticket, by=customer, now=reopened)
    ticket.refresh_from_db()
    assert ticket.first_response_due_at == reopened + H  # not yesterday's, which nobody could miss
    ticket = ticket_reclassify(
        ticket=ticket, priority=round_the_clock["urgent"], by=tech, reason="outage", now=reopened + 5 * M
    )
    assert ticket.first_response_due_at == reopened + 30 * M  # still counted from the reopen


def test_a_first_response_missed_before_closing_stays_missed_after_a_reopen(customer, tech, round_the_clock):
    ticket = ticket_create(requester=customer, subject="x", priority=round_the_clock["high"], now=NOW)
    ticket = ticket_change_status(ticket=ticket, status=Status.CLOSED, by=customer, now=NOW + 2 * H)
    ticket_reopen(ticket=ticket, by=customer, now=NOW + 24 * H)
    ticket.refresh_from_db()
    assert ticket.first_response_due_at == NOW + H
