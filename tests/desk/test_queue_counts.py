"""The desk's tab counts: one query of capped probes, always equal to a fresh count (up to the cap),
whatever service wrote last, and shown as "1,000+" past the cap."""

from datetime import timedelta

import pytest
from django.db.models import Count
from django.urls import reverse

from tests.conftest import NOW
from tests.factories import StaffFactory
from tickets.desk import queue as desk_queue
from tickets.desk.queue import VIEWS, QueueFilters, count_label, queue_base, queue_counts, view_q
from tickets.services import (
    message_add,
    ticket_assign,
    ticket_change_status,
    ticket_escalate,
    ticket_merge,
    ticket_reclassify,
    tickets_bulk_apply,
)

pytestmark = pytest.mark.django_db


def fresh(agent, now, **params) -> dict[str, int]:
    """What the tabs would say counted from scratch: one exact aggregate over every open ticket."""
    base = queue_base(agent=agent, now=now, filters=QueueFilters.from_query(params))
    return base.order_by().aggregate(
        **{name: Count("id", filter=view_q(name, agent=agent, now=now)) for name in VIEWS}
    )


def probed(agent, now, cap=desk_queue.COUNT_CAP, **params) -> dict[str, int]:
    base = queue_base(agent=agent, now=now, filters=QueueFilters.from_query(params))
    return queue_counts(base, agent=agent, now=now, cap=cap)


def test_every_service_path_leaves_the_tab_counts_equal_to_a_fresh_count(
    tech, tech2, team, customer, make_ticket, priorities
):
    later = NOW + timedelta(minutes=50)  # some clocks breaching within the hour, some breached
    steps = []

    def check(step):
        steps.append(step)
        for now in (NOW, later):
            expected = fresh(tech, now)
            assert probed(tech, now) == expected, (step, now)
            assert probed(tech, now, priority="urgent") == fresh(tech, now, priority="urgent"), step

    a = make_ticket("a", "urgent", minutes_ago=20)
    b = make_ticket("b", "high", minutes_ago=10)
    c = make_ticket("c", "normal", minutes_ago=5)
    d = make_ticket("d", "low")
    check("create")
    assert (
        fresh(tech, NOW)["all"] == 4 and fresh(tech, later)["breaching"] + fresh(tech, later)["breached"] > 0
    )
    ticket_assign(ticket=a, agent=tech, by=tech, now=NOW)
    ticket_assign(ticket=b, agent=tech2, by=tech2, now=NOW)
    check("assign")
    ticket_assign(ticket=a, agent=None, by=tech, now=NOW)
    check("unassign")
    ticket_change_status(ticket=c, status="waiting", by=tech, now=NOW)
    check("status: waiting")
    message_add(ticket=d, author=tech, body="On it", now=NOW)
    check("reply")
    ticket_escalate(ticket=b, by=customer, now=NOW, reason="Still down")
    check("escalate")
    ticket_reclassify(ticket=d, priority=priorities["urgent"], by=tech, reason="Whole site", now=NOW)
    check("reclassify")
    ticket_merge(source=c, target=b, by=tech, now=NOW)
    check("merge")
    result = tickets_bulk_apply(
        action="assign", inputs={"assignee": str(tech.pk)}, ids=[a.pk, d.pk], by=tech, now=NOW
    )
    assert not result.refused
    check("bulk assign")
    tickets_bulk_apply(action="status", inputs={"status": "resolved"}, ids=[a.pk], by=tech, now=NOW)
    check("bulk resolve")
    assert fresh(tech, NOW)["all"] == 2  # c merged away, a resolved
    assert fresh(tech, NOW)["mine"] == 1 and fresh(tech, NOW)["escalated"] == 1


def test_counts_past_the_cap_stop_at_cap_plus_one_and_read_as_more(tech, make_ticket):
    for i in range(5):
        make_ticket(f"t{i}", "normal", minutes_ago=i)
    ticket_assign(ticket=make_ticket("mine", "high"), agent=tech, by=tech, now=NOW)
    counts = probed(tech, NOW, cap=3)
    assert counts["all"] == 4 and counts["unassigned"] == 4  # six and five, capped: "more than 3"
    assert counts["mine"] == 1 and counts["escalated"] == 0  # under the cap: exact
    assert count_label(desk_queue.COUNT_CAP + 1) == "1,000+" and count_label(999) == "999"


def test_a_capped_tab_shows_1000_plus_on_the_page(client, tech, make_ticket, monkeypatch, frozen):
    monkeypatch.setattr(desk_queue, "COUNT_CAP", 2)
    for i in range(3):
        make_ticket(f"t{i}", "normal", minutes_ago=i)
    client.force_login(tech)
    html = client.get(reverse("desk:queue")).content.decode()
    assert 'data-view="all">All open <span class="count">2+</span>' in html
    assert 'data-view="mine">Mine <span class="count">0</span>' in html


def test_with_words_every_tab_counts_the_matching_tickets_exactly(client, tech, make_ticket, frozen):
    for i in range(4):
        make_ticket(f"Kestrel trunk {i}", "normal", minutes_ago=i)
    ticket_assign(ticket=make_ticket("Kestrel line", "high"), agent=tech, by=tech, now=NOW)
    make_ticket("Heron line", "urgent")
    client.force_login(tech)
    page = client.get(reverse("desk:queue"), {"q": "kestrel"}).context["page"]
    assert page.counts == fresh(tech, NOW, q="kestrel") and page.counts["all"] == 5
    assert page.counts["mine"] == 1 and not page.counts_at_least
    assert {t.subject for t in page.rows} == {f"Kestrel trunk {i}" for i in range(4)} | {"Kestrel line"}
    mine = client.get(reverse("desk:queue"), {"q": "kestrel", "view": "mine"}).context["page"]
    assert [t.subject for t in mine.rows] == ["Kestrel line"]


def test_with_words_past_the_cap_each_tab_reads_as_at_least(client, tech, make_ticket, monkeypatch, frozen):
    """More matches than the cap: the tabs are counted among the newest matches, so each is a lower bound."""
    monkeypatch.setattr(desk_queue, "COUNT_CAP", 2)
    for i in range(3):
        make_ticket(f"Kestrel {i}", "normal", minutes_ago=i + 1)
    ticket_assign(ticket=make_ticket("Kestrel mine", "high"), agent=tech, by=tech, now=NOW)
    client.force_login(tech)
    response = client.get(reverse("desk:queue"), {"q": "kestrel"})
    html = response.content.decode()
    assert 'data-view="all">All open <span class="count">2+</span>' in html
    assert 'data-view="mine">Mine <span class="count">1+</span>' in html
    assert len(response.context["page"].rows) == 4  # the rows are every match, in the queue's order


def test_counts_are_never_kept_between_requests(client, tech, make_ticket, frozen):
    client.force_login(tech)
    make_ticket("first")
    assert client.get(reverse("desk:queue")).context["page"].counts["all"] == 1
    make_ticket("second")
    assert client.get(reverse("desk:queue_rows")).context["page"].counts["all"] == 2


def test_another_technicians_mine_tab_counts_their_tickets_not_mine(tech, make_ticket):
    other = StaffFactory(email="other@helpdesk.test")
    ticket_assign(ticket=make_ticket("theirs"), agent=other, by=other, now=NOW)
    assert probed(tech, NOW)["mine"] == 0 and probed(other, NOW)["mine"] == 1
