"""Every event type comes from the service that does the thing (never from a view), with its own data."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import NOW
from tickets.jobs.sla_monitor import sla_monitor
from tickets.models import Status
from tickets.services import (
    incident_link_ticket,
    incident_open,
    incident_post_update,
    incident_resolve,
    message_add,
    ticket_assign,
    ticket_change_status,
    ticket_create,
    ticket_edit_request,
    ticket_reclassify,
)
from webhooks.events import EventType
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def listener(db):
    """Subscribed to everything; never reached (the deliveries stay in the outbox for these tests)."""
    return Endpoint.objects.create(
        name="all",
        url="https://hooks.example.com/in",
        events=[t.value for t in EventType],
        include_internal=True,
    )


def _told() -> list[tuple[str, dict]]:
    return [(d.event_type, d.payload["data"]) for d in Delivery.objects.order_by("pk")]


def test_the_ticket_services_tell_each_event_once(listener, customer, tech, lead, priorities):
    ticket = ticket_create(requester=customer, subject="Echo", priority=priorities["normal"], now=NOW)
    ticket = ticket_assign(ticket=ticket, agent=tech, by=lead, now=NOW + timedelta(minutes=1))
    ticket = ticket_reclassify(
        ticket=ticket,
        priority=priorities["high"],
        by=tech,
        reason="all lines",
        now=NOW + timedelta(minutes=2),
    )
    ticket = ticket_edit_request(
        ticket=ticket, by=tech, subject="Echo on all lines", now=NOW + timedelta(minutes=3)
    )
    message_add(ticket=ticket, author=tech, body="On it.", now=NOW + timedelta(minutes=4))
    message_add(ticket=ticket, author=customer, body="Thanks.", now=NOW + timedelta(minutes=5))
    ticket_change_status(ticket=ticket, status=Status.RESOLVED, by=tech, now=NOW + timedelta(minutes=6))
    told = _told()
    assert [t for t, _ in told] == [
        "ticket.created",
        "ticket.assigned",
        "ticket.updated",
        "ticket.updated",
        "ticket.staff_replied",
        "ticket.customer_replied",
        "ticket.status_changed",
    ]
    by_type = {}
    for t, data in told:
        by_type.setdefault(t, []).append(data)
    assert by_type["ticket.assigned"][0]["ticket"]["assignee"] == {"display_name": tech.display_name}
    assert by_type["ticket.assigned"][0]["previous_assignee"] is None
    assert by_type["ticket.updated"][0]["changes"] == {"priority": {"old": "Normal", "new": "High"}}
    assert by_type["ticket.updated"][0]["reason"] == "all lines"
    assert by_type["ticket.updated"][1]["changes"] == {"subject": {"old": "Echo", "new": "Echo on all lines"}}
    assert by_type["ticket.staff_replied"][0]["message"]["body"] == "On it."
    assert by_type["ticket.customer_replied"][0]["message"]["from_staff"] is False
    assert by_type["ticket.status_changed"][-1]["old_status"] == "open"
    assert by_type["ticket.status_changed"][-1]["ticket"]["status"] == "resolved"


def test_the_sla_monitor_tells_warnings_and_breaches_once_however_often_it_runs(
    listener, customer, priorities
):
    ticket = ticket_create(requester=customer, subject="x", priority=priorities["urgent"], now=NOW)
    later = ticket.first_response_due_at + timedelta(minutes=1)
    sla_monitor(now=later)
    sla_monitor(now=later)
    told = [(t, d["target"]) for t, d in _told() if t.startswith("ticket.sla_")]
    assert ("ticket.sla_breach", "first_response") in told
    assert len(told) == len(set(told))


def test_the_incident_services_tell_opened_updated_and_resolved(listener, customer, tech, priorities):
    incident = incident_open(title="Carrier outage", public_status="Investigating", by=tech, now=NOW)
    ticket = ticket_create(requester=customer, subject="No calls", priority=priorities["high"], now=NOW)
    incident_link_ticket(incident=incident, ticket=ticket, by=tech, now=NOW)
    incident_post_update(incident=incident, body="Carrier fixing", by=tech, now=NOW + timedelta(minutes=5))
    incident_resolve(incident=incident, by=tech, now=NOW + timedelta(minutes=9), note="Fixed")
    told = [(t, d) for t, d in _told() if t.startswith("incident.")]
    assert [t for t, _ in told] == ["incident.opened", "incident.updated", "incident.resolved"]
    assert told[0][1]["incident"]["public_status"] == "Investigating"
    assert told[1][1]["update"] == "Carrier fixing"
    assert told[2][1]["update"] == "Fixed" and told[2][1]["incident"]["resolved_at"] is not None
