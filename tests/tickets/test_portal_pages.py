"""A customer's list pages by keyset (newest activity first): every ticket once, in order, the same
queries on any page, and a cursor someone edits never breaks the page or shows what is not theirs."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import NOW
from tickets.portal.views import PAGE_SIZE
from tickets.services import ticket_create

pytestmark = pytest.mark.django_db


def subjects(html: str) -> list[str]:
    return re.findall(r'tabindex="-1">(T\d+)</a>', html)


def older_link(html: str) -> str | None:
    found = re.search(r'href="\?([^"]*after=[^"]+)">Older</a>', html)
    return found.group(1).replace("&amp;", "&") if found else None


@pytest.fixture
def many(customer, priorities):
    # Same activity instant for pairs of tickets: the cursor's id breaks the tie.
    return [
        ticket_create(
            requester=customer,
            subject=f"T{i:02}",
            priority=priorities["normal"],
            now=NOW - timedelta(minutes=(i // 2)),
        )
        for i in range(2 * PAGE_SIZE + 3)
    ]


def test_older_pages_walk_every_ticket_once_newest_first(client, customer, many):
    client.force_login(customer)
    seen, query, costs = [], "", []
    for _ in range(5):
        with CaptureQueriesContext(connection) as ctx:
            html = client.get(reverse("portal:ticket_list") + ("?" + query if query else "")).content.decode()
        costs.append(len(ctx.captured_queries))
        seen += subjects(html)
        query = older_link(html)
        if not query:
            break
    expected = [t.subject for t in sorted(many, key=lambda t: (t.last_activity_at, t.pk), reverse=True)]
    assert seen == expected
    assert len(set(costs)) == 1  # page three costs what page one does
    assert "COUNT(" not in " ".join(q["sql"] for q in ctx.captured_queries).upper()


@pytest.mark.parametrize(
    "after",
    [
        "garbage",
        "2026-13-45T00:00:00+00:00~5",
        "2026-03-06T15:30:00~5",
        "~",
        "x" * 500,
        "2026-03-06T15:30:00+00:00~-1",
    ],
)
def test_a_mangled_cursor_shows_the_first_page(client, customer, many, after):
    client.force_login(customer)
    first = subjects(client.get(reverse("portal:ticket_list")).content.decode())
    response = client.get(reverse("portal:ticket_list"), {"after": after})
    assert response.status_code == 200 and subjects(response.content.decode()) == first


def test_a_cursor_never_shows_another_customers_tickets(client, customer, stranger, many, priorities):
    theirs = ticket_create(
        requester=stranger, subject="T99", priority=priorities["normal"], now=NOW - timedelta(days=9)
    )
    client.force_login(customer)
    html = client.get(
        reverse("portal:ticket_list"), {"after": f"{NOW.isoformat()}~{theirs.pk + 1}"}
    ).content.decode()
    assert "T99" not in html and len(subjects(html)) == PAGE_SIZE


@pytest.fixture
def mixed(customer, colleague, stranger, priorities):
    """Filed by the customer, filed by someone of another organization with the customer copied, a
    colleague's (the organization's), and a stranger's: interleaved in time, pairs at one instant."""
    made = {"mine": [], "copied": [], "org": [], "stranger": []}
    for i in range(3 * PAGE_SIZE):
        kind = ("mine", "copied", "org", "stranger")[i % 4]
        who = {"mine": customer, "org": colleague}.get(kind, stranger)
        t = ticket_create(
            requester=who,
            subject=f"T{i:02}",
            priority=priorities["normal"],
            now=NOW - timedelta(minutes=i // 2),
        )
        if kind == "copied":
            t.cc.add(customer)
        made[kind].append(t)
    return made


def walk(client, scope: str, **filters) -> list[str]:
    seen, query = [], ""
    params = "&".join(f"{k}={v}" for k, v in {"scope": scope, **filters}.items())
    for _ in range(10):
        html = client.get(reverse("portal:ticket_list") + "?" + (query or params)).content.decode()
        seen += subjects(html)
        query = older_link(html)
        if not query:
            return seen
    raise AssertionError("the pages never end")


def newest_first(tickets) -> list[str]:
    return [t.subject for t in sorted(tickets, key=lambda t: (t.last_activity_at, t.pk), reverse=True)]


@pytest.mark.parametrize("scope", ["mine", "org"])
def test_filed_copied_and_organization_tickets_come_in_one_order_across_pages(client, customer, mixed, scope):
    # Each kind is read on its own index (customer_page's arms) and merged: nothing twice, nothing lost,
    # one newest-first order across page boundaries, never a stranger's.
    client.force_login(customer)
    kinds = ["mine", "copied"] + (["org"] if scope == "org" else [])
    assert walk(client, scope) == newest_first(t for k in kinds for t in mixed[k])


def test_the_organization_tab_shows_no_colleagues_tickets_where_the_organization_does_not_share(
    client, customer, org, mixed
):
    org.shares_tickets = False
    org.save()
    client.force_login(customer)
    assert walk(client, "org") == newest_first(mixed["mine"] + mixed["copied"])


def test_a_status_filter_narrows_every_arm(client, customer, mixed):
    from tickets.services import ticket_resolve

    for t in mixed["mine"][::2] + mixed["copied"][::3] + mixed["org"][::2]:
        ticket_resolve(ticket=t, by=None, now=NOW)
    client.force_login(customer)
    open_ones = [t for k in ("mine", "copied", "org") for t in mixed[k]]
    for t in open_ones:
        t.refresh_from_db()
    assert walk(client, "org", status="open") == newest_first(t for t in open_ones if t.status != "resolved")


def test_the_rules_arms_are_exactly_what_it_lets_each_person_see(
    customer, colleague, stranger, unverified, tech, org, mixed
):
    from functools import reduce
    from operator import or_

    from tickets.models import Ticket

    def union(arms):
        return set(Ticket.objects.filter(reduce(or_, arms)).values_list("pk", flat=True)) if arms else set()

    for person in (customer, colleague, stranger, unverified):
        assert union(Ticket.objects.visible_arms(person)) == set(
            Ticket.objects.visible_to(person).values_list("pk", flat=True)
        ), person
        assert union(Ticket.objects.visible_arms(person, mine=True)) <= set(
            Ticket.objects.visible_to(person).values_list("pk", flat=True)
        ), person
    assert (
        Ticket.objects.visible_arms(unverified) == []
        and Ticket.objects.visible_arms(unverified, mine=True) == []
    )
    assert Ticket.objects.visible_arms(tech) is None
    org.shares_tickets = False
    org.save()
    customer.refresh_from_db()
    assert union(Ticket.objects.visible_arms(customer)) == set(
        Ticket.objects.visible_to(customer).values_list("pk", flat=True)
    )
