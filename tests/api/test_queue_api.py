from datetime import timedelta

import pytest
import time_machine

from tests.conftest import NOW
from tests.factories import CustomerFactory, OrganizationFactory, PlanFactory
from tickets.models import Status
from tickets.services import ticket_assign, ticket_change_status, ticket_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def at_now():
    with time_machine.travel(NOW, tick=False):
        yield


def _ids(response):
    assert response.status_code == 200, response.json()
    return [t["id"] for t in response.json()["results"]]


def test_the_queue_is_ordered_by_priority_then_arrival(api, tech, customer, priorities):
    low = ticket_create(
        requester=customer, subject="low", priority=priorities["low"], now=NOW - timedelta(hours=5)
    )
    urgent_late = ticket_create(
        requester=customer, subject="u2", priority=priorities["urgent"], now=NOW - timedelta(minutes=5)
    )
    urgent_early = ticket_create(
        requester=customer, subject="u1", priority=priorities["urgent"], now=NOW - timedelta(minutes=50)
    )
    normal = ticket_create(
        requester=customer, subject="n", priority=priorities["normal"], now=NOW - timedelta(hours=1)
    )
    done = ticket_create(requester=customer, subject="done", priority=priorities["urgent"], now=NOW)
    ticket_change_status(ticket=done, status=Status.RESOLVED, by=tech, now=NOW)
    assert _ids(api(tech).get("/api/queue/")) == [urgent_early.pk, urgent_late.pk, normal.pk, low.pk]


def test_keyset_pages_follow_the_queue_order_without_gaps(api, tech, customer, priorities):
    made = [
        ticket_create(
            requester=customer, subject=f"t{i}", priority=priorities[p], now=NOW - timedelta(minutes=i)
        )
        for i, p in enumerate(["low", "urgent", "normal", "urgent", "high", "normal", "low"])
    ]
    everything = _ids(api(tech).get("/api/queue/"))
    assert sorted(everything) == sorted(t.pk for t in made)
    paged, url = [], "/api/queue/?page_size=3"
    while url:
        page = api(tech).get(url).json()
        paged += [t["id"] for t in page["results"]]
        url = page["next"]
    assert paged == everything
    assert api(tech).get("/api/queue/?cursor=bm9wZQ").status_code == 400
    assert api(tech).get("/api/queue/?page_size=0").status_code == 400


def test_queue_filters(api, tech, lead, customer, stranger, priorities):
    gold = PlanFactory(slug="gold")
    gold_customer = CustomerFactory(organization=OrganizationFactory(plan=gold, customer_number="3003"))
    breached = ticket_create(
        requester=customer, subject="late", priority=priorities["urgent"], now=NOW - timedelta(hours=1)
    )
    soon = ticket_create(
        requester=customer, subject="soon", priority=priorities["urgent"], now=NOW - timedelta(minutes=20)
    )
    mine = ticket_create(requester=stranger, subject="mine", priority=priorities["normal"], now=NOW)
    theirs = ticket_create(requester=stranger, subject="theirs", priority=priorities["low"], now=NOW)
    golden = ticket_create(requester=gold_customer, subject="gold", priority=priorities["low"], now=NOW)
    waiting = ticket_create(requester=customer, subject="waiting", priority=priorities["high"], now=NOW)
    ticket_assign(ticket=mine, agent=tech, by=tech, now=NOW)
    ticket_assign(ticket=theirs, agent=lead, by=lead, now=NOW)
    ticket_change_status(ticket=waiting, status=Status.WAITING, by=tech, now=NOW)

    def ids(**query):
        return set(_ids(api(tech).get("/api/queue/", query)))

    assert ids(mine="true") == {mine.pk}
    assert ids(unassigned="true") == {breached.pk, soon.pk, golden.pk}
    assert ids(status="waiting") == {waiting.pk}
    assert ids(priority="urgent") == {breached.pk, soon.pk}
    assert ids(organization="2002") == {mine.pk, theirs.pk}
    assert ids(plan="gold") == {golden.pk}
    assert ids(breached="true") == {breached.pk}
    assert ids(breaching_within="15") == {soon.pk}  # due 10 minutes from now
    for bad in ({"plan": "nope"}, {"breaching_within": "-1"}, {"status": "closed"}, {"mine": "perhaps"}):
        response = api(tech).get("/api/queue/", bad)
        assert response.status_code == 400 and set(response.json()) == set(bad)


@pytest.mark.parametrize("count", [3, 30])
def test_the_queue_costs_the_same_queries_for_any_page(
    count, tech, customer, priorities, django_assert_num_queries
):
    from rest_framework.test import APIClient

    for i in range(count):
        ticket_create(
            requester=customer, subject=f"t{i}", priority=priorities["normal"], now=NOW - timedelta(minutes=i)
        )
    client = APIClient()
    client.force_authenticate(tech)
    # The tickets page, joined to priority and organization: one query; the page's tags (staff read
    # them): one more; its requesters and assignees: one more.
    with django_assert_num_queries(3):
        response = client.get("/api/queue/?page_size=50")
    assert len(response.json()["results"]) == count
    # With filters that look up a priority and a plan: two more, still independent of the page.
    with django_assert_num_queries(5):
        client.get("/api/queue/?priority=normal&plan=enterprise&breached=false&page_size=50")
