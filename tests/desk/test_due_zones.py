"""The desk's "why is this due" names the SLA calendar's zone and the technician's own where they differ."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _why_due(client, tech, ticket) -> str:
    client.force_login(tech)
    return client.get(reverse("desk:ticket_detail", args=[ticket.pk])).context["why_due"]


def test_a_technician_in_new_york_sees_the_london_deadline_in_both_zones(client, tech, make_ticket, frozen):
    tech.time_zone = "America/New_York"  # 9 March 2026: New York is on summer time (UTC-4), London not yet
    tech.save()
    ticket = make_ticket(priority="normal")
    why = _why_due(client, tech, ticket)
    assert why.startswith("First response due Mon 9 Mar 11:00 London, 07:00 your time because: received")


def test_a_technician_in_london_reads_it_once(client, tech, make_ticket, frozen):
    tech.time_zone = "Europe/London"
    tech.save()
    why = _why_due(client, tech, make_ticket(priority="normal"))
    assert why.startswith("First response due Mon 9 Mar 11:00 GMT because:")
