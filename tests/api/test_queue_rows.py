"""The queue API builds its rows as plain dicts (``ticket_rows``): they must be exactly what
``TicketSerializer`` says for every kind of ticket, and read only the row's columns."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIRequestFactory

from tests.conftest import NOW
from tests.factories import CustomerFactory, StaffFactory
from tickets.api.serializers import TicketSerializer
from tickets.api.serializers.tickets import ticket_rows, ticket_rows_queryset
from tickets.models import Ticket
from tickets.selectors import person_rows_attach, tag_names_attach, tags_prefetch
from tickets.services import (
    message_add,
    ticket_assign,
    ticket_change_status,
    ticket_create,
    ticket_escalate,
    tickets_bulk_apply,
)

pytestmark = pytest.mark.django_db


def varied(customer, priorities, tech):
    """One ticket in each state a row can show: new, assigned, answered, waiting (paused), breached,
    escalated, tagged, with request fields, resolved."""
    made = []
    for i, (prio, minutes) in enumerate(
        [
            ("urgent", 5),
            ("high", 300),
            ("normal", 30),
            ("low", 0),
            ("urgent", 600),
            ("normal", 90),
            ("high", 1),
        ]
    ):
        made.append(
            ticket_create(
                requester=customer,
                subject=f"t{i} \u00e9\u00e8 <b>",
                description="Line one\nline two " * (i + 1),
                priority=priorities[prio],
                now=NOW - timedelta(minutes=minutes),
            )
        )
    ticket_assign(ticket=made[1], agent=tech, by=tech, now=NOW)
    message_add(ticket=made[2], author=tech, body="On it", now=NOW)
    message_add(ticket=made[3], author=tech, body="Which site?", set_status="waiting", now=NOW)
    ticket_escalate(ticket=made[4], by=customer, now=NOW, reason="Still down")
    tickets_bulk_apply(action="tag", inputs={"add": ["vip", "voice"]}, ids=[made[0].pk], by=tech, now=NOW)
    ticket_change_status(ticket=made[6], status="resolved", by=tech, now=NOW)
    Ticket.objects.filter(pk=made[5].pk).update(request_fields={"site": "Leeds", "lines": 3})
    ann = StaffFactory(full_name="", first_name="Ann", last_name="Other", email="ann@helpdesk.test")
    ticket_assign(ticket=made[2], agent=ann, by=tech, now=NOW)  # named by first and last name
    nameless = CustomerFactory(
        organization=customer.organization, full_name="", first_name="", last_name="", email="x@acme.test"
    )
    made.append(ticket_create(requester=nameless, subject="no name", priority=priorities["low"], now=NOW))
    return made


@pytest.mark.parametrize("when", [NOW, NOW + timedelta(hours=3), NOW + timedelta(days=5)])
def test_plain_rows_equal_the_serializer_for_every_kind_of_ticket(customer, priorities, tech, when):
    varied(customer, priorities, tech)
    request = APIRequestFactory().get("/api/queue/")
    request.user = tech
    qs = Ticket.objects.order_by("id").prefetch_related(tags_prefetch())
    expected = TicketSerializer(list(qs), many=True, context={"request": request, "now": when}).data
    got = ticket_rows(
        tag_names_attach(person_rows_attach(list(ticket_rows_queryset(qs)))), now=when, staff=True
    )
    assert [dict(r) for r in expected] == got
    assert [list(r) for r in expected] == [list(r) for r in got]  # the same keys in the same order
    assert any(r["tags"] for r in got) and any(r["assignee"] for r in got)
    assert {r["sla_state"]["state"] for r in got} >= {"paused", "done"}


def test_plain_rows_read_only_their_columns_in_three_queries(customer, priorities, tech):
    varied(customer, priorities, tech)
    qs = ticket_rows_queryset(Ticket.objects.order_by("id"))
    with CaptureQueriesContext(connection) as ctx:
        ticket_rows(tag_names_attach(person_rows_attach(list(qs))), now=NOW, staff=True)
    assert len(ctx.captured_queries) == 3  # the rows with their joins, the page's tags, the people
    assert "plan" not in ctx.captured_queries[0]["sql"].split("FROM")[0]
