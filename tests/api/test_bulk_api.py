"""Bulk over the API: the same service as the desk's queue, a summary with reasons, staff only."""

import pytest

from tests.conftest import NOW
from tickets.models import Status
from tickets.services import ticket_change_status, ticket_create

pytestmark = pytest.mark.django_db


def test_staff_tag_many_tickets_and_get_what_changed_and_what_was_refused(api, tech, customer, ticket):
    closed = ticket_create(requester=customer, subject="Old", now=NOW)
    ticket_change_status(ticket=closed, status=Status.CLOSED, by=tech, now=NOW)
    response = api(tech).post(
        "/api/tickets/bulk/",
        {"action": "status", "ids": [ticket.pk, closed.pk], "status": "waiting"},
        format="json",
    )
    body = response.json()
    assert response.status_code == 200 and body["changed"] == [ticket.pk]
    assert body["refused"][0]["id"] == closed.pk and body["refused"][0]["reason"]
    assert body["summary"].startswith("1 changed, 1 refused")


def test_filters_select_every_matching_ticket(api, tech, customer, priorities, ticket):
    other = ticket_create(requester=customer, subject="Other", priority=priorities["low"], now=NOW)
    response = api(tech).post(
        "/api/tickets/bulk/",
        {"action": "tag", "filters": {"priority": "low"}, "add": ["low-hanging"]},
        format="json",
    )
    assert response.json()["changed"] == [other.pk]
    assert not ticket.tags.exists()


def test_bad_requests_are_400s_and_customers_403(api, tech, customer, ticket):
    assert (
        api(tech).post("/api/tickets/bulk/", {"action": "tag", "add": ["x"]}, format="json").status_code
        == 400
    )
    no_reason = api(tech).post(
        "/api/tickets/bulk/", {"action": "reclassify", "ids": [ticket.pk], "priority": "low"}, format="json"
    )
    assert no_reason.status_code == 400 and "reason" in str(no_reason.json())
    forbidden = api(customer).post(
        "/api/tickets/bulk/", {"action": "tag", "ids": [ticket.pk], "add": ["x"]}, format="json"
    )
    assert forbidden.status_code == 403 and not ticket.tags.exists()


def test_the_schema_documents_bulk(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert "post" in schema["paths"]["/api/tickets/bulk/"]
