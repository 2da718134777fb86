"""Tags on the desk: add and remove on the ticket page, filter the queue, export with the CSV."""

import csv
import io

import pytest
from django.urls import reverse

from tests.conftest import NOW
from tickets.models import Tag, TicketEvent
from tickets.services import ticket_tags_change

pytestmark = pytest.mark.django_db


def test_a_technician_adds_and_removes_tags_on_the_ticket_page(client, tech, make_ticket, frozen):
    ticket = make_ticket("Phones down")
    Tag.objects.create(name="outage", suggested=True, description="A network outage")
    client.force_login(tech)
    url = reverse("desk:ticket_tags", args=[ticket.pk])
    response = client.post(url, {"add": "outage, Billing"}, follow=True)
    assert f"{ticket.reference} tagged outage, Billing." in response.content.decode()
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["billing", "outage"]
    page = client.get(reverse("desk:ticket_detail", args=[ticket.pk])).content.decode()
    assert 'aria-label="Remove tag billing"' in page
    client.post(url, {"remove": "billing"})
    assert list(ticket.tags.values_list("name", flat=True)) == ["outage"]
    assert (
        ticket.events.filter(kind__in=[TicketEvent.Kind.TAG_ADDED, TicketEvent.Kind.TAG_REMOVED]).count() == 3
    )
    history = client.get(reverse("desk:ticket_detail", args=[ticket.pk])).content.decode()
    assert "Tagged billing" in history and "Tag billing removed" in history


def test_a_bad_tag_is_a_message_not_an_error_page(client, tech, make_ticket, frozen):
    ticket = make_ticket()
    client.force_login(tech)
    response = client.post(reverse("desk:ticket_tags", args=[ticket.pk]), {"add": "<b>"}, follow=True)
    assert response.status_code == 200 and "is not a tag" in response.content.decode()
    assert not ticket.tags.exists()


def test_customers_cannot_reach_the_tag_form(client, customer, make_ticket):
    ticket = make_ticket()
    client.force_login(customer)
    assert client.post(reverse("desk:ticket_tags", args=[ticket.pk]), {"add": "x"}).status_code == 404
    assert not ticket.tags.exists()


def test_the_queue_filters_by_tag_and_counts_the_tabs_over_the_filter(client, tech, make_ticket, frozen):
    tagged, plain = make_ticket("Tagged one"), make_ticket("Plain one")
    ticket_tags_change(ticket=tagged, add=["outage", "vip"], by=tech, now=NOW)
    client.force_login(tech)
    response = client.get(reverse("desk:queue"), {"tag": "Outage"})
    page = response.content.decode()
    assert "Tagged one" in page and "Plain one" not in page
    assert response.context["page"].counts["all"] == 1
    assert 'data-testid="row-tag">outage</a>' in page
    unfiltered = client.get(reverse("desk:queue")).content.decode()
    assert "Plain one" in unfiltered and plain.reference in unfiltered


def test_a_bad_tag_filter_says_so_and_shows_the_whole_queue(client, tech, make_ticket, frozen):
    make_ticket("Plain one")
    client.force_login(tech)
    page = client.get(reverse("desk:queue"), {"tag": "<x>"}).content.decode()
    assert "is not a tag" in page and "Plain one" in page


def test_the_csv_export_has_the_filtered_rows_with_their_tags_and_quotes_formulas(
    client, tech, make_ticket, frozen
):
    evil = make_ticket('=HYPERLINK("http://evil")')
    make_ticket("Untagged")
    ticket_tags_change(ticket=evil, add=["outage", "vip"], by=tech, now=NOW)
    client.force_login(tech)
    response = client.get(reverse("desk:queue_csv"), {"tag": "vip"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 1
    assert rows[0]["Reference"] == evil.reference and rows[0]["Tags"] == "outage vip"
    assert rows[0]["Subject"].startswith("'=")


def test_only_staff_export(client, customer):
    client.force_login(customer)
    assert client.get(reverse("desk:queue_csv")).status_code == 404
