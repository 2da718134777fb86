"""Ready-made bodies: chat messages and pages. The telephony policy's "message to available engineers"
reaches a PagerDuty-style pager through its own alert rules, with no glue code."""

from __future__ import annotations

from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from standardwebhooks import Webhook

from sla.models import PriorityLevel, SupportPlan
from tests.conftest import NOW
from tests.factories import CustomerFactory, OrganizationFactory
from tickets.models import Status
from tickets.services import message_add, ticket_change_status, ticket_create
from webhooks.models import Endpoint

pytestmark = pytest.mark.django_db

MONDAY_NOON = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)  # office hours in London
SATURDAY_NIGHT = datetime(2026, 3, 7, 23, 0, tzinfo=UTC)


@pytest.fixture
def telephony():
    call_command("sla_import", "--preset", "telephony-categories", stdout=StringIO())
    org = OrganizationFactory(
        plan=SupportPlan.objects.get(slug="standard"), customer_number="4004", name="Dialco"
    )
    return CustomerFactory(organization=org, email="dee@dialco.test")


def test_the_telephony_policy_pages_engineers_through_a_pagerduty_endpoint(
    receiver, loopback_allowed, telephony, django_capture_on_commit_callbacks
):
    pager = Endpoint.objects.create(
        name="PagerDuty",
        url=receiver.url,
        format=Endpoint.Format.PAGERDUTY,
        integration_key="R0UT1NGKEY",
        events=["ticket.paged"],
    )
    urgent, high = PriorityLevel.objects.get(slug="urgent"), PriorityLevel.objects.get(slug="high")
    with django_capture_on_commit_callbacks(execute=True):
        down = ticket_create(
            requester=telephony, subject="All numbers down", priority=urgent, now=MONDAY_NOON
        )
        ticket_create(requester=telephony, subject="One number failing", priority=high, now=MONDAY_NOON)
        night = ticket_create(requester=telephony, subject="Fax down", priority=high, now=SATURDAY_NIGHT)
    # Urgent pages 24x7; High only outside office hours (the policy's rules decide, not the endpoint).
    pages = [receiver.json(n) for n in range(len(receiver.requests))]
    assert [p["dedup_key"] for p in pages] == [down.reference, night.reference]
    first = pages[0]
    assert first["routing_key"] == "R0UT1NGKEY" and first["event_action"] == "trigger"
    assert first["payload"]["severity"] == "critical" and pages[1]["payload"]["severity"] == "error"
    assert first["payload"]["summary"].startswith(f"[{down.reference}] {urgent.name}: All numbers down")
    assert first["payload"]["custom_details"]["alert"]["rule"] == "Urgent: page on-call"
    assert first["links"][0]["href"].endswith(f"/desk/tickets/{down.pk}/")
    Webhook(pager.secret).verify(receiver.requests[0]["body"], receiver.requests[0]["headers"])


def test_a_pagerduty_endpoint_resolves_the_page_when_the_ticket_is_resolved(
    receiver, loopback_allowed, customer, tech, priorities, django_capture_on_commit_callbacks
):
    Endpoint.objects.create(
        name="PD",
        url=receiver.url,
        format=Endpoint.Format.PAGERDUTY,
        integration_key="K",
        events=["ticket.sla_breach", "ticket.status_changed"],
    )
    ticket = ticket_create(requester=customer, subject="x", priority=priorities["urgent"], now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_change_status(ticket=ticket, status=Status.RESOLVED, by=tech, now=NOW)
    body = receiver.json()
    assert body == {"routing_key": "K", "event_action": "resolve", "dedup_key": ticket.reference}


def test_an_opsgenie_endpoint_gets_an_alert_with_its_key_in_the_header(
    receiver, loopback_allowed, customer, priorities, django_capture_on_commit_callbacks
):
    Endpoint.objects.create(
        name="Opsgenie",
        url=receiver.url,
        format=Endpoint.Format.OPSGENIE,
        integration_key="G-1",
        events=["ticket.created"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_create(
            requester=customer, subject="Line dead", priority=priorities["urgent"], now=NOW
        )
    request = receiver.requests[0]
    assert request["headers"]["authorization"] == "GenieKey G-1"
    body = receiver.json()
    assert body["alias"] == ticket.reference and body["message"].startswith(f"[{ticket.reference}]")
    assert body["details"]["priority"] == "Urgent" and body["tags"] == ["ticket.created"]


@pytest.mark.parametrize("fmt", [Endpoint.Format.SLACK, Endpoint.Format.TEAMS])
def test_chat_endpoints_get_a_message_that_names_the_ticket_and_links_it(
    fmt, receiver, loopback_allowed, customer, tech, priorities, django_capture_on_commit_callbacks
):
    Endpoint.objects.create(name="Chat", url=receiver.url, format=fmt, events=["ticket.customer_replied"])
    ticket = ticket_create(
        requester=customer, subject="Echo on calls", priority=priorities["normal"], now=NOW
    )
    with django_capture_on_commit_callbacks(execute=True):
        message_add(ticket=ticket, author=customer, body="Still echoing today.", now=NOW)
    body = receiver.json()
    link = f"/desk/tickets/{ticket.pk}/"
    assert body["text"].startswith(f"[{ticket.reference}] Normal: Echo on calls")
    if fmt == Endpoint.Format.SLACK:
        assert link in body["blocks"][0]["text"]["text"]
        assert body["blocks"][1]["text"]["text"] == "Still echoing today."
    else:
        card = body["attachments"][0]["content"]
        assert card["type"] == "AdaptiveCard" and card["actions"][0]["url"].endswith(link)
        assert card["body"][1]["text"] == "Still echoing today."
