"""A customer's escalation is visible to technicians: a flag in the queue row and the ticket header, an
Escalated tab, and the API's queue filter."""

import pytest
from django.urls import reverse

from tests.api.conftest import token_client
from tests.conftest import NOW
from tickets.desk.queue import QueueFilters, queue_page
from tickets.services import ticket_escalate

pytestmark = pytest.mark.django_db


@pytest.fixture
def escalated(make_ticket, customer):
    ticket = make_ticket("Lines down, nobody answers", "urgent")
    return ticket_escalate(ticket=ticket, by=customer, now=NOW, reason="Still down after an hour")


def test_the_escalated_tab_lists_only_escalated_tickets_and_counts_them(tech, make_ticket, escalated):
    make_ticket("Quiet one", "normal")
    page = queue_page(agent=tech, now=NOW, filters=QueueFilters.from_query({"view": "escalated"}))
    assert [t.pk for t in page.rows] == [escalated.pk]
    assert page.counts["escalated"] == 1
    assert page.counts["all"] == 2


def test_the_queue_row_and_the_ticket_header_flag_the_escalation(
    client, tech, make_ticket, escalated, frozen
):
    quiet = make_ticket("Quiet one", "normal")
    client.force_login(tech)
    html = client.get(reverse("desk:queue")).content.decode()
    row = html.split(f'data-ticket="{escalated.pk}"')[1].split("</tr>")[0]
    other = html.split(f'data-ticket="{quiet.pk}"')[1].split("</tr>")[0]
    assert 'data-testid="escalated"' in row
    assert 'data-testid="escalated"' not in other
    assert 'data-view="escalated"' in html
    detail = client.get(reverse("desk:ticket_detail", args=[escalated.pk])).content.decode()
    head = detail.split('class="ticket-head"')[1].split("</div>")[0]
    assert "Escalated" in head
    quiet_head = client.get(reverse("desk:ticket_detail", args=[quiet.pk])).content.decode()
    assert 'data-testid="escalated"' not in quiet_head


def test_the_api_queue_filters_escalated_tickets(tech, make_ticket, escalated):
    make_ticket("Quiet one", "normal")
    api = token_client(tech)
    only = api.get("/api/queue/", {"escalated": "true"}).json()
    rows = only.get("results", only)
    assert [r["id"] for r in rows] == [escalated.pk]
    assert rows[0]["escalated_at"] is not None
    rest = api.get("/api/queue/", {"escalated": "false"}).json()
    assert escalated.pk not in [r["id"] for r in rest.get("results", rest)]
    assert api.get("/api/queue/", {"escalated": "perhaps"}).status_code == 400
