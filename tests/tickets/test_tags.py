"""Tags: technicians add and remove free tags; each change is an event; names are spelled one way."""

import pytest

from tests.conftest import NOW
from tickets.models import Tag, TicketEvent
from tickets.policy import TAGS_PER_TICKET_MAX, TicketError, tag_name
from tickets.services import ticket_create, ticket_tags_change, ticket_tags_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(customer, priorities):
    return ticket_create(requester=customer, subject="Numbers down", now=NOW)


def names(ticket):
    return sorted(ticket.tags.values_list("name", flat=True))


def test_adding_a_new_name_makes_a_tag_and_records_one_event_per_tag(ticket, tech):
    ticket_tags_change(ticket=ticket, add="Billing Issue, outage", by=tech, now=NOW)
    assert names(ticket) == ["billing-issue", "outage"]
    events = ticket.events.filter(kind=TicketEvent.Kind.TAG_ADDED).order_by("new_value")
    assert [(e.new_value, e.actor) for e in events] == [("billing-issue", tech), ("outage", tech)]
    # Again: nothing changes, nothing is recorded.
    ticket_tags_change(ticket=ticket, add=["outage"], by=tech, now=NOW)
    assert ticket.events.filter(kind=TicketEvent.Kind.TAG_ADDED).count() == 2


def test_removing_records_an_event_and_leaves_the_tag_for_other_tickets(ticket, tech, customer):
    other = ticket_create(requester=customer, subject="Also down", now=NOW)
    ticket_tags_change(ticket=ticket, add=["outage"], by=tech, now=NOW)
    ticket_tags_change(ticket=other, add=["outage"], by=tech, now=NOW)
    ticket_tags_change(ticket=ticket, remove=["OUTAGE", "never-there"], by=tech, now=NOW)
    assert names(ticket) == [] and names(other) == ["outage"]
    removed = ticket.events.get(kind=TicketEvent.Kind.TAG_REMOVED)
    assert removed.old_value == "outage" and removed.actor == tech
    assert Tag.objects.filter(name="outage").count() == 1


def test_setting_the_whole_list_adds_and_removes_the_difference(ticket, tech):
    ticket_tags_change(ticket=ticket, add=["a", "b"], by=tech, now=NOW)
    ticket_tags_set(ticket=ticket, names=["b", "c"], by=tech, now=NOW)
    assert names(ticket) == ["b", "c"]
    kinds = list(ticket.events.filter(kind__startswith="tag_").values_list("kind", "new_value", "old_value"))
    assert ("tag_removed", "", "a") in kinds and ("tag_added", "c", "") in kinds


def test_customers_never_tag(ticket, customer):
    with pytest.raises(TicketError, match="Only staff"):
        ticket_tags_change(ticket=ticket, add=["vip"], by=customer, now=NOW)
    assert names(ticket) == []


@pytest.mark.parametrize("bad", ["-start", "a" * 51, "semi;colon", "<script>", "ümlaut"])
def test_a_bad_name_is_refused_and_nothing_changes(ticket, tech, bad):
    with pytest.raises(TicketError, match="is not a tag"):
        ticket_tags_change(ticket=ticket, add=["fine", bad], by=tech, now=NOW)
    assert names(ticket) == [] and not Tag.objects.exists()


def test_a_ticket_carries_at_most_the_cap(ticket, tech):
    ticket_tags_change(ticket=ticket, add=[f"t{i}" for i in range(TAGS_PER_TICKET_MAX)], by=tech, now=NOW)
    with pytest.raises(TicketError, match="at most"):
        ticket_tags_change(ticket=ticket, add=["one-more"], by=tech, now=NOW)
    assert len(names(ticket)) == TAGS_PER_TICKET_MAX


def test_names_are_spelled_one_way():
    assert tag_name("  Billing   Issue ") == "billing-issue"
    assert tag_name("release:2026.03") == "release:2026.03"
