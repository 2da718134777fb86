"""Every time in the portal is in the reader's zone; a deadline counted on an SLA calendar in another zone
names both ("10:00 London, 05:00 your time")."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from accounts.locale import ZONE_COOKIE
from sla.models import SLATarget
from tickets.services import ticket_create

pytestmark = pytest.mark.django_db

# Monday 2 February 2026, 07:00 UTC: before London opens (09:00 GMT = UTC in winter); New York is UTC-5.
RECEIVED = datetime(2026, 2, 2, 7, 0, tzinfo=UTC)


@pytest.fixture
def ticket(customer, plan, priorities):
    # High: a first response within one business hour on the London office calendar -> due 10:00 London.
    SLATarget.objects.filter(plan=plan, priority=priorities["high"]).update(first_response=timedelta(hours=1))
    with time_machine.travel(RECEIVED, tick=False):
        ticket = ticket_create(
            requester=customer, subject="Trunk down", priority=priorities["high"], now=RECEIVED
        )
    assert ticket.first_response_due_at == datetime(2026, 2, 2, 10, 0, tzinfo=UTC)
    return ticket


def _page(client, customer, url):
    client.force_login(customer)
    with time_machine.travel(RECEIVED + timedelta(minutes=10), tick=False):
        return client.get(url).content.decode()


def test_a_customer_in_new_york_sees_the_london_deadline_in_both_zones(client, customer, ticket):
    customer.time_zone = "America/New_York"
    customer.save()
    page = _page(client, customer, reverse("portal:ticket_detail", args=[ticket.pk]) + "?received=1")
    assert "Mon 2 Feb, 10:00 London, 05:00 your time" in page  # the SLA line
    assert "Monday 2 February, 10:00 London, 05:00 your time" in page  # "expect a first response by"
    assert "Mon 2 Feb 2026, 02:00 EST" in page  # filed 07:00 UTC, shown in New York time
    listing = _page(client, customer, reverse("portal:ticket_list"))
    assert "10:00 London, 05:00 your time" in listing


def test_the_same_deadline_reads_once_where_the_zones_agree(client, customer, ticket):
    customer.time_zone = "Europe/London"
    customer.save()
    page = _page(client, customer, reverse("portal:ticket_detail", args=[ticket.pk]))
    assert "Mon 2 Feb, 10:00 GMT" in page
    assert "your time" not in page


def test_the_browser_zone_applies_when_the_profile_names_none_and_says_it_in_german(client, customer, ticket):
    customer.language = "de"
    customer.save()
    client.cookies[ZONE_COOKIE] = "America/New_York"
    page = _page(client, customer, reverse("portal:ticket_detail", args=[ticket.pk]))
    assert "Mo 2 Feb, 10:00 London, 05:00 Ihre Zeit" in page
    assert "Erste Antwort" in page and "Reaktionszeit" in page


def test_a_day_boundary_shows_the_readers_own_date(client, customer, ticket):
    customer.time_zone = "Pacific/Auckland"  # UTC+13 in February: 10:00 London is 23:00 the same day there
    customer.save()
    page = _page(client, customer, reverse("portal:ticket_detail", args=[ticket.pk]))
    assert "Mon 2 Feb, 10:00 London, 23:00 your time" in page
    customer.time_zone = "Pacific/Pago_Pago"  # UTC-11: the day before, so the date is said too
    customer.save()
    page = _page(client, customer, reverse("portal:ticket_detail", args=[ticket.pk]))
    assert "Mon 2 Feb, 10:00 London, Sun 1 Feb, 23:00 your time" in page
