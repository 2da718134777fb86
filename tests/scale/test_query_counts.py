"""Query counts of the pages the benchmarks measure: pinned, and flat in data size and page size.

Each page is rendered over a small and a larger seeded dataset (``seed_bulk``); the number of
queries must be the same (no N+1 as lists or threads grow) and stay under the pinned ceiling.
"""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db

# The ceilings: raise one only with a reason in the commit (a page that needs a new query).
CEILING = {"desk_queue": 12, "desk_ticket": 14, "portal_list": 10, "portal_ticket": 12}


def seed(tickets: int) -> None:
    call_command("seed_bulk", tickets=tickets, organizations=2, seed=3, anchor="2026-03-06", no_progress=True,
                 stdout=StringIO(), stderr=StringIO())


def count(client, url: str, status: int = 200) -> int:
    client.get(url)  # warm: first-request caches (content types, sessions) are not the page's cost
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == status, url
    return len(ctx.captured_queries)


def tech():
    return User.objects.filter(is_staff=True, email__startswith="tech").order_by("pk").first()


def customer_with_most_tickets():
    org = Ticket.objects.values_list("organization_id", flat=True).order_by("-id").first()
    return User.objects.filter(organization_id=org, is_staff=False).order_by("pk").first()


def test_technician_queue_does_not_grow_with_the_data(client):
    seed(40)
    client.force_login(tech())
    small = count(client, "/desk/")
    seed(400)
    client.force_login(tech())
    large = count(client, "/desk/")
    assert Ticket.objects.open().count() > 30  # the page is full: 50 rows shown or all of them
    assert small == large <= CEILING["desk_queue"]


def test_desk_ticket_page_does_not_grow_with_the_thread(client):
    seed(400)
    client.force_login(tech())
    short = Ticket.objects.exclude(subject__startswith="Long thread").filter(status="open").order_by("id").first()
    long = Ticket.objects.filter(subject__startswith="Long thread").order_by("id").first()
    assert Message.objects.filter(ticket=long).count() == 50
    assert Message.objects.filter(ticket=short).count() < 10
    assert count(client, f"/desk/tickets/{short.pk}/") == count(client, f"/desk/tickets/{long.pk}/") <= CEILING["desk_ticket"]


def test_customer_list_does_not_grow_with_the_data(client):
    seed(20)
    client.force_login(customer_with_most_tickets())
    small = count(client, "/")
    seed(300)
    client.force_login(customer_with_most_tickets())
    large = count(client, "/")
    assert small == large <= CEILING["portal_list"]


def test_customer_ticket_page_does_not_grow_with_the_thread(client):
    seed(400)
    long = Ticket.objects.filter(subject__startswith="Long thread").order_by("id").first()
    short = Ticket.objects.filter(organization_id=long.organization_id).exclude(pk=long.pk).order_by("id").first()
    client.force_login(User.objects.filter(organization_id=long.organization_id, is_staff=False).order_by("pk").first())
    assert count(client, f"/tickets/{short.pk}/") == count(client, f"/tickets/{long.pk}/") <= CEILING["portal_ticket"]
