"""The OpenAPI document describes every event, and what is really sent matches that description."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from jsonschema import Draft202012Validator

from tests.conftest import NOW
from tickets.models import Message, Status
from tickets.services import (
    incident_open,
    incident_resolve,
    message_add,
    ticket_assign,
    ticket_change_status,
    ticket_create,
)
from webhooks.events import EventType
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def _validator(schema: dict, event_type: str) -> Draft202012Validator:
    body = schema["webhooks"][event_type]["post"]["requestBody"]["content"]["application/json"]["schema"]
    return Draft202012Validator({**body, "components": schema["components"]})


def test_the_schema_documents_every_event_type_with_its_signing_headers(schema):
    assert set(schema["webhooks"]) == {t.value for t in EventType}
    created = schema["webhooks"]["ticket.created"]["post"]
    assert "webhook-signature" in created["description"] and created["summary"] == "Ticket created"


def test_real_deliveries_match_the_documented_payloads(
    schema, receiver, loopback_allowed, customer, tech, lead, priorities, django_capture_on_commit_callbacks
):
    Endpoint.objects.create(
        name="all", url=receiver.url, events=[t.value for t in EventType], include_internal=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_create(requester=customer, subject="Echo", priority=priorities["urgent"], now=NOW)
        ticket_assign(ticket=ticket, agent=tech, by=lead, now=NOW)
        message_add(ticket=ticket, author=tech, body="note", now=NOW, kind=Message.Kind.INTERNAL)
        message_add(ticket=ticket, author=tech, body="reply", now=NOW + timedelta(minutes=1))
        ticket_change_status(ticket=ticket, status=Status.RESOLVED, by=tech, now=NOW + timedelta(minutes=1))
        incident = incident_open(title="Outage", public_status="Looking", by=tech, now=NOW)
        incident_resolve(incident=incident, by=tech, now=NOW + timedelta(minutes=2))
    seen = set()
    for request in receiver.requests:
        payload = json.loads(request["body"])
        errors = list(_validator(schema, payload["type"]).iter_errors(payload))
        assert errors == [], (payload["type"], [e.message for e in errors])
        seen.add(payload["type"])
    assert seen >= {
        "ticket.created",
        "ticket.assigned",
        "ticket.note_added",
        "ticket.staff_replied",
        "ticket.status_changed",
        "incident.opened",
        "incident.resolved",
    }
    assert Delivery.objects.count() == len(receiver.requests)


def test_a_payload_missing_a_documented_field_fails_the_check(schema, customer, priorities):
    """The check above can fail: the same validator refuses a body without the ticket's reference."""
    Endpoint.objects.create(name="all", url="https://hooks.example.com/x", events=["ticket.created"])
    ticket_create(requester=customer, subject="x", priority=priorities["normal"], now=NOW)
    payload = Delivery.objects.get().payload
    assert list(_validator(schema, "ticket.created").iter_errors(payload)) == []
    del payload["data"]["ticket"]["reference"]
    assert list(_validator(schema, "ticket.created").iter_errors(payload))
