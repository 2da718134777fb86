from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import NOW
from tests.factories import StaffFactory
from tickets.desk.queue import QueueFilters, queue_page
from tickets.models import Status
from tickets.services import (
    message_add,
    ticket_assign,
    ticket_change_status,
    ticket_escalate,
    ticket_tags_change,
)

pytestmark = pytest.mark.django_db


def page(agent, **params):
    return queue_page(agent=agent, now=NOW, filters=QueueFilters.from_query(params))


def refs(result):
    return [t.subject for t in result.rows]


def test_queue_is_worked_by_priority_then_arrival(tech, make_ticket):
    make_ticket("normal old", "normal", minutes_ago=300)
    make_ticket("urgent new", "urgent", minutes_ago=5)
    make_ticket("high", "high", minutes_ago=60)
    make_ticket("urgent old", "urgent", minutes_ago=50)
    assert refs(page(tech)) == ["urgent old", "urgent new", "high", "normal old"]


def test_due_soonest_orders_by_the_earliest_running_deadline(tech, make_ticket):
    make_ticket(
        "normal due Mon 11:00", "normal", minutes_ago=0
    )  # 4 business hours from Fri 15:30 (London office)
    make_ticket("urgent due 15:55", "urgent", minutes_ago=5)  # 30 min round the clock
    make_ticket("high due Fri 17:30", "high", minutes_ago=0)  # 2 business hours
    low = make_ticket("low", "low", minutes_ago=0)
    message_add(
        ticket=low, author=StaffFactory(), body="On it", now=NOW
    )  # low has no resolution target: no clock
    assert refs(page(tech, sort="due")) == [
        "urgent due 15:55",
        "high due Fri 17:30",
        "normal due Mon 11:00",
        "low",
    ]


def test_filters_mine_unassigned_team_status_priority(tech, tech2, team, lead, make_ticket):
    mine = make_ticket("mine", "normal")
    theirs = make_ticket("teammate's", "high")
    leads = make_ticket("lead's", "low")
    make_ticket("nobody's", "urgent")
    ticket_assign(ticket=mine, agent=tech, by=tech, now=NOW)
    ticket_assign(ticket=theirs, agent=tech2, by=tech2, now=NOW)
    ticket_assign(ticket=leads, agent=lead, by=lead, now=NOW)
    assert refs(page(tech, view="mine")) == ["mine"]
    assert refs(page(tech, view="unassigned")) == ["nobody's"]
    assert refs(page(tech, view="team")) == ["teammate's", "mine"]
    assert refs(page(tech, priority="high")) == ["teammate's"]
    assert refs(page(tech, status="new")) == ["nobody's"]
    counts = page(tech).counts
    assert (counts["all"], counts["mine"], counts["unassigned"], counts["team"]) == (4, 1, 1, 2)


def test_a_waiting_ticket_shows_its_paused_clock(client, tech, make_ticket, frozen):
    t = make_ticket("waits")
    message_add(ticket=t, author=tech, body="Which site?", set_status=Status.WAITING, now=NOW)
    client.force_login(tech)
    page = client.get(reverse("desk:queue") + "?status=waiting").content.decode()
    assert "Paused: waiting on the customer" in page


def test_an_unanswered_waiting_ticket_still_shows_its_first_response_clock(client, tech, make_ticket, frozen):
    # Waiting pauses the resolution clock only: the first response is still owed and can still breach.
    t = make_ticket("waits unanswered")
    ticket_change_status(ticket=t, status=Status.WAITING, by=tech, now=NOW)
    client.force_login(tech)
    page = client.get(reverse("desk:queue") + "?status=waiting").content.decode()
    assert "Paused: waiting on the customer" not in page and "response in" in page


def test_waiting_tickets_show_unless_filtered_out(tech, make_ticket):
    t = make_ticket("waits")
    ticket_change_status(ticket=t, status=Status.WAITING, by=tech, now=NOW)
    assert refs(page(tech)) == ["waits"]
    assert refs(page(tech, status="open")) == []
    assert refs(page(tech, status="waiting")) == ["waits"]


def test_filters_by_organization_and_plan(tech, make_ticket, globex_customer, org, other_org, plan):
    make_ticket("acme")
    make_ticket("globex", requester=globex_customer)
    assert refs(page(tech, organization=str(other_org.pk))) == ["globex"]
    assert refs(page(tech, plan=str(plan.pk))) == ["acme", "globex"]
    assert refs(page(tech, organization="x")) == ["acme", "globex"]  # nonsense is ignored, not a 500


def test_breaching_within_and_breached(tech, make_ticket):
    make_ticket("urgent 25 min old", "urgent", minutes_ago=25)  # due in 5 min
    make_ticket("urgent 45 min old", "urgent", minutes_ago=45)  # breached 15 min ago
    make_ticket("normal", "normal")
    assert refs(page(tech, breaching="10")) == ["urgent 25 min old"]
    assert refs(page(tech, view="breached")) == ["urgent 45 min old"]
    counts = page(tech).counts
    assert counts["breached"] == 1 and counts["breaching"] == 1
    assert QueueFilters.from_query({"breaching": "soon"}).errors


def test_search_by_reference_subject_and_requester(tech, make_ticket, globex_customer):
    a = make_ticket("Fax not received")
    make_ticket("Phones down", requester=globex_customer)
    assert refs(page(tech, q=a.reference)) == ["Fax not received"]
    assert refs(page(tech, q=str(a.pk))) == ["Fax not received"]
    assert refs(page(tech, q="phones")) == ["Phones down"]
    assert refs(page(tech, q="gus@globex")) == ["Phones down"]


@pytest.mark.parametrize("sort", ["priority", "due"])
def test_keyset_pages_walk_the_whole_queue_once(tech, make_ticket, sort):
    for i in range(7):
        make_ticket(f"t{i}", ["urgent", "high", "normal", "low"][i % 4], minutes_ago=i * 7)
    whole = refs(page(tech, sort=sort))
    seen, after = [], ""
    for _ in range(10):
        result = queue_page(
            agent=tech, now=NOW, filters=QueueFilters.from_query({"sort": sort, "after": after}), page_size=3
        )
        seen += refs(result)
        if not result.next_after:
            break
        after = result.next_after
    assert seen == whole and len(seen) == 7


def test_keyset_page_uses_no_offset(tech, make_ticket):
    for i in range(4):
        make_ticket(f"t{i}", minutes_ago=i)
    first = queue_page(agent=tech, now=NOW, filters=QueueFilters.from_query({}), page_size=2)
    with CaptureQueriesContext(connection) as ctx:
        queue_page(
            agent=tech, now=NOW, filters=QueueFilters.from_query({"after": first.next_after}), page_size=2
        )
    assert not any("OFFSET" in q["sql"].upper() for q in ctx.captured_queries)


# session, user, the user's groups (one prefetch for every "team lead?" check), tab counts (one
# query of capped probes), rows (one keyset query), the rows' tags (one prefetch for the page), the three
# filter lists, the site-wide incident banner, the bulk bar's technicians and macros, the rows' people (one
# query by id), the saved views and the "save as view" form's teams: the same fifteen queries for one
# ticket or a full page (plus one capped count per saved view, tests/desk/test_saved_views.py).
QUEUE_PAGE_QUERIES = 15


def test_queue_page_query_count_does_not_grow_with_the_page(
    client, tech, customer, make_ticket, frozen, django_assert_num_queries
):
    client.force_login(tech)
    make_ticket("one")
    with django_assert_num_queries(QUEUE_PAGE_QUERIES):
        assert client.get(reverse("desk:queue")).status_code == 200
    for i in range(30):  # every kind of row: assigned, escalated, tagged, answered (no column read late)
        t = make_ticket(f"more {i}", ["urgent", "high", "normal"][i % 3], minutes_ago=i)
        if i % 3 == 0:
            ticket_assign(ticket=t, agent=tech, by=tech, now=NOW)
        if i % 6 == 0:  # urgent ones
            ticket_escalate(ticket=t, by=customer, now=NOW)
        if i % 5 == 0:
            ticket_tags_change(ticket=t, add=["voice"], by=tech, now=NOW)
        if i % 7 == 0:
            message_add(ticket=t, author=tech, body="On it.", now=NOW)
    # The technician has no team: an empty page has no tags and no people to fetch, two queries fewer.
    with django_assert_num_queries(QUEUE_PAGE_QUERIES - 2):
        response = client.get(reverse("desk:queue"), {"view": "team", "sort": "due"})
    assert "<tr data-ticket=" not in response.content.decode()
    with django_assert_num_queries(QUEUE_PAGE_QUERIES):
        response = client.get(reverse("desk:queue"), {"sort": "due"})
    assert response.status_code == 200
    with django_assert_num_queries(QUEUE_PAGE_QUERIES):
        response = client.get(reverse("desk:queue"))
    assert response.content.decode().count("<tr data-ticket=") == 25


def test_queue_rows_show_reference_org_plan_priority_assignee_and_clock(client, tech, make_ticket, frozen):
    t = make_ticket("Phones down", "urgent", minutes_ago=10)
    ticket_assign(ticket=t, agent=tech, by=tech, now=NOW)
    client.force_login(tech)
    html = client.get(reverse("desk:queue")).content.decode()
    for text in (
        t.reference,
        "Phones down",
        "Acme",
        "Enterprise",
        "Urgent",
        "Taylor Tech",
        "response in 20 min",
        "10 min",
    ):
        assert text in html
    assert 'class="clock sla-due_soon"' in html


def test_poller_keeps_the_filters_and_page(client, tech, make_ticket, frozen):
    make_ticket("Phones down", "urgent")
    client.force_login(tech)
    html = client.get(
        reverse("desk:queue"), {"view": "unassigned", "q": "phones", "sort": "due"}
    ).content.decode()
    assert 'hx-get="/desk/rows/?view=unassigned&amp;q=phones&amp;sort=due"' in html
    assert 'hx-trigger="every 20s' in html
    rows = client.get(reverse("desk:queue_rows"), {"view": "unassigned", "q": "phones"})
    assert rows.status_code == 200 and b"Phones down" in rows.content and b"<html" not in rows.content


def test_customers_cannot_open_the_desk(client, customer, make_ticket):
    t = make_ticket()
    client.force_login(customer)
    assert client.get(reverse("desk:queue")).status_code == 404
    assert client.get(reverse("desk:ticket_detail", args=[t.pk])).status_code == 404
    client.logout()
    response = client.get(reverse("desk:queue"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_bad_cursor_falls_back_to_the_first_page(tech, make_ticket):
    make_ticket("only")
    assert refs(page(tech, after="p~x~nonsense~1")) == ["only"]
    assert refs(page(tech, sort="due", after="d~garbage~zz")) == ["only"]


def test_closed_tickets_leave_the_queue(tech, make_ticket):
    t = make_ticket("done", minutes_ago=timedelta(days=1).total_seconds() // 60)
    ticket_change_status(ticket=t, status=Status.CLOSED, by=tech, now=NOW)
    assert page(tech).counts["all"] == 0


@pytest.mark.parametrize(
    "params",
    [
        {"organization": "9" * 30},
        {"plan": "-1"},
        {"after": "p~99999~2026-13-45T99:00~1"},
        {"after": "p~1~x~" + "9" * 40},
        {"after": "d~2026-02-30T10:00:00~5"},
        {"sort": "due", "after": "d~~" + "9" * 40},
        {"breaching": "9" * 30},
        {"q": "HD-" + "9" * 30},
        {"status": "<script>"},
        {"view": "everything"},
    ],
)
def test_nonsense_query_parameters_never_break_the_queue(client, tech, make_ticket, frozen, params):
    make_ticket("still here")
    client.force_login(tech)
    for name in ("desk:queue", "desk:queue_rows"):
        response = client.get(reverse(name), params)
        assert response.status_code == 200


def test_thousands_of_customers_are_filtered_by_customer_number_not_a_giant_select(
    client, tech, make_ticket, globex_customer, other_org, monkeypatch
):
    from tickets.desk.views import queue as desk_queue_views

    make_ticket("acme")
    make_ticket("globex", requester=globex_customer)
    client.force_login(tech)
    assert 'id="f-org"' in client.get(reverse("desk:queue")).content.decode()
    monkeypatch.setattr(desk_queue_views, "ORGANIZATION_SELECT_MAX", 1)
    html = client.get(reverse("desk:queue")).content.decode()
    assert 'id="f-org"' not in html and 'name="customer"' in html
    assert refs(page(tech, customer=other_org.customer_number)) == ["globex"]


def test_queue_rows_are_worded_in_the_technicians_language_and_time_zone(
    client, tech, customer, make_ticket, frozen
):
    """A German technician in New York: each row's times (received, escalated) in New York time and
    German words, the row's labels in German, its tag a filter link, its reference a link to the ticket."""
    t = make_ticket("Phones down", "urgent", minutes_ago=10)
    ticket_escalate(ticket=t, by=customer, now=NOW - timedelta(minutes=5))
    ticket_tags_change(ticket=t, add=["voice:sip"], by=tech, now=NOW)
    tech.language, tech.time_zone = "de", "America/New_York"
    tech.save(update_fields=["language", "time_zone"])
    client.force_login(tech)
    html = client.get(reverse("desk:queue")).content.decode()
    row = html[html.index(f'<tr data-ticket="{t.pk}">') :].split("</tr>")[0]
    assert 'title="eingegangen am Fr 6 Mär 10:20"' in row  # 15:20 UTC is 10:20 in New York (EST)
    assert 'title="Vom Kunden eskaliert am Fr 6 Mär 10:25"' in row
    assert f'aria-label="{t.reference} auswählen"' in row
    assert f'<a href="{reverse("desk:ticket_detail", args=[t.pk])}">{t.reference}</a>' in row
    assert 'href="?tag=voice%3Asip"' in row
    assert '<span class="prio" style="--prio: ' in row and ">Dringend</span>" in row  # a preset's name
    assert '<option value="urgent">Dringend</option>' in html  # and in the bulk bar's re-classify picker
