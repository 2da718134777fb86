"""A first response answered late stays a breach in the API's list and the dashboard after the
ticket is re-classified or reopened (issue 25, case 3), under a fixed clock."""

from datetime import timedelta

import pytest
import time_machine

from tests.conftest import NOW
from tickets.dashboard import breach_list
from tickets.services import message_add, ticket_create

pytestmark = pytest.mark.django_db
H = timedelta(hours=1)


@pytest.fixture
def at_now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def breached_ids(client) -> set[int]:
    response = client.get("/api/tickets/", {"breached": "true"})
    assert response.status_code == 200, response.json()
    return {t["id"] for t in response.json()["results"]}


def test_a_late_answer_stays_breached_after_reclassify_and_reopen(api, tech, customer, priorities, at_now):
    # Urgent: first response within 30 min (24x7); answered after an hour, then resolved in time.
    reclassified = ticket_create(
        requester=customer, subject="a", priority=priorities["urgent"], now=NOW - 5 * H
    )
    reopened = ticket_create(requester=customer, subject="b", priority=priorities["urgent"], now=NOW - 5 * H)
    for ticket in (reclassified, reopened):
        message_add(ticket=ticket, author=tech, body="sorry for the wait", now=NOW - 4 * H)
    assert breached_ids(api(tech)) == {reclassified.pk, reopened.pk}

    response = api(tech).post(
        f"/api/tickets/{reclassified.pk}/reclassify/",
        {"priority": "high", "reason": "one handset"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["first_response_due_at"] == "2026-03-06T11:00:00Z"
    assert api(tech).post(f"/api/tickets/{reopened.pk}/resolve/").status_code == 200
    response = api(customer).post(f"/api/tickets/{reopened.pk}/reopen/", {"reason": "again"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["first_response_due_at"] == "2026-03-06T11:00:00Z"

    assert breached_ids(api(tech)) == {reclassified.pk, reopened.pk}
    listed = breach_list(now=NOW, since=NOW - 24 * H)
    assert {row["ticket"].pk for row in listed} == {reclassified.pk, reopened.pk}
    assert all(row["target"] == "first response" for row in listed)
