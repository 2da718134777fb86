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
