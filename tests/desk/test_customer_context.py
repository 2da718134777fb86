"""The ticket page's customer context: the requester's and organization's other tickets, plan, SLA
compliance over 90 days and satisfaction, in three queries whatever the history."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import NOW
from tickets.desk.selectors import customer_context
from tickets.models import SurveyResponse, Ticket
from tickets.services import ticket_create

pytestmark = pytest.mark.django_db


def test_it_lists_other_tickets_of_the_requester_and_organization_only(
    make_ticket, customer, colleague, globex_customer
):
    ticket, mine, theirs = (
        make_ticket("this"),
        make_ticket("mine"),
        make_ticket("theirs", requester=colleague),
    )
    make_ticket("other company", requester=globex_customer)
    context = customer_context(ticket, now=NOW)
    assert {t.pk for t in context.tickets} == {mine.pk, theirs.pk}
    assert context.open_count == 3


def test_compliance_and_satisfaction_count_the_90_day_window(make_ticket, customer, tech):
    met = make_ticket("met", minutes_ago=60)
    Ticket.objects.filter(pk=met.pk).update(
        first_responded_at=met.first_response_due_at - timedelta(minutes=1)
    )
    breached = make_ticket("late", minutes_ago=60)
    Ticket.objects.filter(pk=breached.pk).update(first_response_due_at=NOW - timedelta(minutes=5))
    old = ticket_create(requester=customer, subject="old", now=NOW - timedelta(days=120))
    Ticket.objects.filter(pk=old.pk).update(first_response_due_at=NOW - timedelta(days=119))
    for t, rating in ((met, 5), (breached, 2)):
        SurveyResponse.objects.create(
            ticket=t, token_hash=f"h{t.pk}", sent_at=NOW, expires_at=NOW, rating=rating
        )
    context = customer_context(met, now=NOW)
    assert context.open_count == 3  # the 120-day-old ticket is still open: counted, outside the window
    assert (context.received, context.fr_met, context.fr_breached) == (2, 1, 1)
    assert context.first_response_pct == 50
    assert context.rating == 3.5 and context.ratings == 2


def test_it_costs_three_queries_for_any_history(make_ticket, customer, colleague):
    ticket = make_ticket("this")
    with CaptureQueriesContext(connection) as small:
        customer_context(ticket, now=NOW)
    for i in range(20):
        make_ticket(f"more {i}", requester=[customer, colleague][i % 2])
    with CaptureQueriesContext(connection) as big:
        context = customer_context(ticket, now=NOW)
        [t.priority.name for t in context.tickets]
    assert len(small) == len(big) == 3  # the requester's newest, the organization's newest, the numbers


def test_the_ticket_page_shows_the_panel(client, tech, make_ticket, colleague, frozen):
    ticket, theirs = make_ticket("this"), make_ticket("Fax broken", requester=colleague)
    client.force_login(tech)
    page = client.get(reverse("desk:ticket_detail", args=[ticket.pk])).content.decode()
    assert 'data-testid="customer-context"' in page and theirs.reference in page
    assert "plan <strong>Enterprise</strong>" in page and "2 open" in page


def test_the_newest_eight_of_the_requester_and_organization_in_one_order(
    make_ticket, customer, colleague, other_org
):
    # The requester's and the organization's tickets are read apart (one ordered read each) and merged:
    # the panel is the newest eight of both, by last activity, none twice, never the ticket itself.
    ticket = make_ticket("this", minutes_ago=1)
    made = [
        make_ticket(f"t{i}", minutes_ago=100 - i, requester=[customer, colleague][i % 3 == 0])
        for i in range(20)
    ]
    # One the requester filed under another organization (they moved): theirs, so listed.
    moved = make_ticket("moved", minutes_ago=30)
    Ticket.objects.filter(pk=moved.pk).update(organization=other_org)
    expected = sorted([*made, moved], key=lambda t: (t.last_activity_at, t.pk), reverse=True)[:8]
    context = customer_context(ticket, now=NOW)
    assert [t.pk for t in context.tickets] == [t.pk for t in expected]
    assert moved.pk in [t.pk for t in context.tickets] and ticket.pk not in [t.pk for t in context.tickets]
