"""Query counts of the pages the benchmarks measure: pinned, and flat in data size and page size.

Each page is rendered over a small and a larger seeded dataset (``seed_bulk``); the number of
queries must be the same (no N+1 as lists, threads or history grow) and equal the pinned count.
"""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db

# Pinned: change one only with a reason in the commit (a page that needs one more query).
PINNED = {
    "desk_ticket": 19,  # ticket (four small joins), its people (one query by id), thread (+attachments), history, forms' choices, canned replies, incidents,
    # macros, the tags panel (the ticket's tags and the suggestions: one query), the customer context
    # (other tickets: the requester's and the organization's, one ordered read each; one aggregate for
    # open count, 90-day compliance and satisfaction)
    # session, user, groups, queue rows (one join), the rows' tags, counts, filters, banner, and the bulk
    # bar's technicians and macros, the rows' people (one query by id: planning five joins cost more), the
    # saved views (plus one capped count each) and the save form's teams
    "desk_queue": 15,
    "api_queue": 5,  # session or token, user, one keyset page (one join), the page's tags (staff read tags),
    # the page's requesters and assignees
    "portal_list": 9,  # session, user with organization, the page's ids (keyset, no count: one ordered read
    # for what they filed, one for what they are copied on), its rows, their people, the page's SLA
    # calendar zones, incident banner, priorities
    "portal_ticket": 12,  # + the customer history: its events and the level names, whatever its length
    "api_create": 28,  # one transaction: ticket, events, first message, SLA lookups, outbox rows, routing, rules,
    # webhooks (one endpoint lookup), and the knowledge base adding suggestions to the acknowledgement
    "dashboard": 12,  # the daily roll-up, today live, the backlog snapshot: the same queries at any length
}


def seed(tickets: int) -> None:
    call_command(
        "seed_bulk",
        tickets=tickets,
        organizations=2,
        seed=3,
        anchor="2026-03-06",
        no_progress=True,
        stdout=StringIO(),
        stderr=StringIO(),
    )


def queries(client, url: str, *, status: int = 200, method: str = "get", **kw) -> int:
    getattr(client, method)(url, **kw) if method == "get" else None  # warm the first-request caches
    with CaptureQueriesContext(connection) as ctx:
        response = getattr(client, method)(url, **kw)
    assert response.status_code == status, (url, response.content[:300])
    return len(ctx.captured_queries)


def tech():
    return User.objects.filter(is_staff=True, email__startswith="tech").order_by("pk").first()


def lead():
    return User.objects.filter(groups__name="Team leads", email__endswith="@bulk.test").first()


def busiest_requester():
    """The requester of the newest ticket: the customer whose own list grows with the data."""
    return Ticket.objects.order_by("-id").first().requester


def check(name: str, *counts: int) -> None:
    assert len(set(counts)) == 1, f"{name}: {counts} queries as the data grew"
    assert counts[0] == PINNED[name], f"{name}: {counts[0]} queries, pinned {PINNED[name]}"


def test_technician_queue_does_not_grow_with_the_data(client):
    seed(40)
    client.force_login(tech())
    small = queries(client, "/desk/")
    seed(400)
    client.force_login(tech())
    assert Ticket.objects.open().count() > 30
    check("desk_queue", small, queries(client, "/desk/"))


def test_queue_api_does_not_grow_with_the_data_or_the_page_size(client):
    seed(40)
    client.force_login(tech())
    small = queries(client, "/api/queue/", data={"page_size": 5})
    seed(400)
    client.force_login(tech())
    big_page = queries(client, "/api/queue/", data={"page_size": 100})
    first = client.get("/api/queue/", {"page_size": 10}).json()
    deep = queries(client, first["next"]) if first.get("next") else big_page
    check("api_queue", small, big_page, deep)


def test_desk_ticket_page_does_not_grow_with_the_thread(client):
    seed(400)
    client.force_login(tech())
    long = Ticket.objects.filter(subject__startswith="Long thread").order_by("id").first()
    # The same kind of ticket (status, owner) with a short thread: only the thread length differs.
    short = (
        Ticket.objects.exclude(subject__startswith="Long thread")
        .filter(status=long.status, assignee__isnull=False)
        .order_by("id")
        .first()
    )
    assert Message.objects.filter(ticket=long).count() == 50
    assert Message.objects.filter(ticket=short).count() < 10
    check(
        "desk_ticket",
        queries(client, f"/desk/tickets/{short.pk}/"),
        queries(client, f"/desk/tickets/{long.pk}/"),
    )


def test_customer_list_does_not_grow_with_the_data(client):
    seed(20)
    client.force_login(busiest_requester())
    small = queries(client, "/")
    seed(300)
    customer = busiest_requester()
    client.force_login(customer)
    assert Ticket.objects.filter(requester=customer).count() > 3
    check("portal_list", small, queries(client, "/"))


def test_customer_ticket_page_does_not_grow_with_the_thread(client):
    seed(400)
    long = Ticket.objects.filter(subject__startswith="Long thread").order_by("id").first()
    short = (
        Ticket.objects.filter(organization_id=long.organization_id, status=long.status)
        .exclude(pk=long.pk)
        .order_by("id")
        .first()
    )
    client.force_login(long.requester)
    check("portal_ticket", queries(client, f"/tickets/{short.pk}/"), queries(client, f"/tickets/{long.pk}/"))


def test_creating_a_ticket_through_the_api_costs_the_same_at_any_size(client):
    counts = []
    for n in (20, 300):
        seed(n)
        client.force_login(busiest_requester())
        body = json.dumps(
            {"subject": f"Calls drop ({n})", "description": "After 30 s.", "priority": "normal"}
        )
        counts.append(
            queries(
                client, "/api/tickets/", method="post", status=201, data=body, content_type="application/json"
            )
        )
    check("api_create", *counts)


def test_sla_dashboard_does_not_grow_with_the_history(client):
    from django.utils import timezone

    from tickets.jobs import dashboard_rollup

    seed(40)
    dashboard_rollup(now=timezone.now())  # as beat keeps it (the backlog snapshot is fresh)
    client.force_login(lead())
    small = queries(client, "/desk/dashboard/")
    seed(400)
    dashboard_rollup(now=timezone.now())
    client.force_login(lead())
    check("dashboard", small, queries(client, "/desk/dashboard/"))
