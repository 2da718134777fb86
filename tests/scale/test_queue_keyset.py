"""The queue's keyset: every row once, in order, across pages, whatever the depth (row-value cursor)."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from tests.conftest import NOW
from tickets.models import Ticket
from tickets.selectors import QueueCursor, queue_after, ticket_queue

pytestmark = pytest.mark.django_db


def test_walking_the_queue_by_cursor_visits_every_open_ticket_once_in_order():
    call_command(
        "seed_bulk",
        tickets=500,
        organizations=3,
        seed=4,
        anchor="2026-03-06",
        no_progress=True,
        stdout=StringIO(),
        stderr=StringIO(),
    )
    tech = User.objects.filter(is_staff=True).order_by("pk").first()
    # Ties on (rank, arrival) must fall back to the id: give a few tickets the same arrival instant.
    tied = list(Ticket.objects.open().filter(priority_rank=3).order_by("id").values_list("id", flat=True)[:4])
    Ticket.objects.filter(id__in=tied).update(received_at=NOW - timedelta(days=1))
    expected = list(ticket_queue(agent=tech, now=NOW).values_list("id", flat=True))
    assert len(expected) > 30
    seen, cursor = [], None
    while True:
        page = list(queue_after(ticket_queue(agent=tech, now=NOW), cursor)[:7])
        if not page:
            break
        seen += [t.pk for t in page]
        last = page[-1]
        cursor = QueueCursor(priority_rank=last.priority_rank, received_at=last.received_at, id=last.pk)
    assert seen == expected


def test_the_cursor_is_one_row_value_comparison_an_index_can_start_at():
    # PostgreSQL serves "(a, b, c) > (x, y, z)" as an Index Cond on ticket_queue_open (bench/README.md shows
    # the plan at a million tickets); the same condition spelled as ORs is only a filter after the scan.
    tech_cursor = QueueCursor(priority_rank=3, received_at=NOW, id=10)
    sql = str(queue_after(Ticket.objects.all(), tech_cursor).query)
    assert (
        '("tickets_ticket"."priority_rank", "tickets_ticket"."received_at", "tickets_ticket"."id") > (' in sql
    )
