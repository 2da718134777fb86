from datetime import timedelta

import pytest

from tests.conftest import NOW
from tickets.models import Message, Status, Ticket, TicketEvent
from tickets.services import (
    TicketError,
    message_add,
    ticket_assign,
    ticket_change_status,
    ticket_create,
    ticket_merge,
    ticket_reclassify,
    ticket_reopen,
)

pytestmark = pytest.mark.django_db


def test_creating_a_ticket_stores_both_deadlines_and_tells_the_customer(
    customer, priorities, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_create(
            requester=customer, subject="Numbers down", priority=priorities["urgent"], now=NOW
        )
    assert ticket.status == Status.NEW
    assert ticket.first_response_due_at == NOW + timedelta(minutes=30)
    assert ticket.resolution_due_at == NOW + timedelta(hours=24)
    assert ticket.reference == f"HD-{ticket.pk}"
    assert [m.to for m in mailoutbox] == [["casey@acme.test"]]
    assert "first response by" in mailoutbox[0].body


def test_missing_priority_means_the_default_level(customer, priorities):
    ticket = ticket_create(requester=customer, subject="Question", now=NOW)
    assert ticket.priority == priorities["normal"]


def test_first_public_staff_reply_is_the_first_response(customer, tech, priorities):
    ticket = ticket_create(requester=customer, subject="x", priority=priorities["urgent"], now=NOW)
    message_add(
        ticket=ticket,
        author=tech,
        body="internal",
        kind=Message.Kind.INTERNAL,
        now=NOW + timedelta(minutes=5),
    )
    ticket.refresh_from_db()
    assert ticket.first_responded_at is None
    message_add(ticket=ticket, author=tech, body="On it", now=NOW + timedelta(minutes=10))
    ticket.refresh_from_db()
    assert ticket.first_responded_at == NOW + timedelta(minutes=10)
    assert ticket.status == Status.OPEN
    assert ticket.events.filter(kind=TicketEvent.Kind.SLA_MET, new_value="first_response").exists()


def test_illegal_transition_is_refused_with_a_clear_message(customer, tech, priorities):
    ticket = ticket_create(requester=customer, subject="x", now=NOW)
    ticket_change_status(ticket=ticket, status=Status.CLOSED, by=tech, now=NOW)
    with pytest.raises(TicketError, match="closed cannot become waiting on customer"):
        ticket_change_status(ticket=ticket, status=Status.WAITING, by=tech, now=NOW)


def test_waiting_on_customer_pauses_the_resolution_clock_until_they_answer(customer, tech, priorities):
    ticket = ticket_create(requester=customer, subject="x", priority=priorities["urgent"], now=NOW)
    due = ticket.resolution_due_at
    ticket_change_status(ticket=ticket, status=Status.WAITING, by=tech, now=NOW + timedelta(hours=1))
    message_add(ticket=ticket, author=customer, body="here you go", now=NOW + timedelta(hours=4))
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.resolution_due_at == due + timedelta(hours=3)  # 24x7: the three paused hours
    resumed = ticket.events.get(kind=TicketEvent.Kind.SLA_RESUMED)
    assert resumed.data["excluded_seconds"] == 3 * 3600


def test_assigning_names_the_technician_to_the_customer(
    customer, tech, priorities, mailoutbox, django_capture_on_commit_callbacks
):
    ticket = ticket_create(requester=customer, subject="x", now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_assign(ticket=ticket, agent=tech, by=tech, now=NOW)
    assert "Taylor Tech" in mailoutbox[0].subject


def test_reclassifying_needs_a_reason_and_recomputes_deadlines(customer, tech, priorities):
    ticket = ticket_create(requester=customer, subject="x", priority=priorities["urgent"], now=NOW)
    with pytest.raises(TicketError):
        ticket_reclassify(ticket=ticket, priority=priorities["normal"], by=tech, reason=" ", now=NOW)
    ticket = ticket_reclassify(
        ticket=ticket, priority=priorities["normal"], by=tech, reason="single number", now=NOW
    )
    assert ticket.priority_rank == 3
    # Friday 15:30 London + 4 business hours on 09:00-17:30: 2 h on Friday, 2 h on Monday -> 11:00 (GMT).
    assert ticket.first_response_due_at == NOW + timedelta(days=2, hours=19, minutes=30)


def test_customer_reply_within_the_reopen_window_reopens_a_closed_ticket(customer, tech, priorities):
    # The default window is 30 days; past it the reply is refused (tests/tickets/test_one_owner.py).
    ticket = ticket_create(requester=customer, subject="x", now=NOW)
    ticket_change_status(ticket=ticket, status=Status.CLOSED, by=tech, now=NOW)
    message_add(ticket=ticket, author=customer, body="still broken", now=NOW + timedelta(days=1))
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN and ticket.closed_at is None


def test_reopen_refuses_an_open_ticket(customer, priorities):
    ticket = ticket_create(requester=customer, subject="x", now=NOW)
    with pytest.raises(TicketError):
        ticket_reopen(ticket=ticket, by=customer, now=NOW)


def test_merging_moves_the_thread_and_closes_the_duplicate(customer, colleague, tech, priorities):
    a = ticket_create(requester=customer, subject="dup", now=NOW)
    b = ticket_create(requester=colleague, subject="orig", now=NOW)
    ticket_merge(source=a, target=b, by=tech, now=NOW)
    a.refresh_from_db()
    assert a.status == Status.CLOSED and a.merged_into == b
    assert b.messages.filter(kind=Message.Kind.PUBLIC).count() == 2
    assert customer in b.cc.all()


def test_customers_see_their_organizations_tickets_and_nobody_elses(
    customer, colleague, stranger, tech, priorities
):
    mine = ticket_create(requester=colleague, subject="x", now=NOW)
    theirs = ticket_create(requester=stranger, subject="y", now=NOW)
    assert list(Ticket.objects.visible_to(customer)) == [mine]
    assert list(Ticket.objects.visible_to(stranger)) == [theirs]
    assert Ticket.objects.visible_to(tech).count() == 2
    customer.organization.shares_tickets = False
    customer.organization.save()
    customer.refresh_from_db()
    assert list(Ticket.objects.visible_to(customer)) == []
