"""Risky desk controls ask first and leave a clear trail: merge shows both tickets before it acts and
records what moved; reassigning starts from the current owner; the demo has canned replies to try."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.conftest import NOW
from tickets.models import CannedReply, Status, TicketEvent
from tickets.services import message_add, ticket_assign

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, tech):
    client.force_login(tech)
    return client


def test_merge_first_shows_both_tickets_and_merges_only_when_confirmed(
    desk, make_ticket, customer, colleague
):
    dup = make_ticket("Fax down (again)", requester=colleague)
    target = make_ticket("Fax down")
    url = reverse("desk:ticket_merge", args=[dup.pk])

    review = desk.post(url, {"target": target.reference})
    page = review.content.decode()
    assert review.status_code == 200
    source_card = page.split('data-testid="merge-source"')[1].split("</section>")[0]
    target_card = page.split('data-testid="merge-target"')[1].split("</section>")[0]
    assert (
        dup.reference in source_card and "Fax down (again)" in source_card and colleague.email in source_card
    )
    assert target.reference in target_card and customer.email in target_card
    dup.refresh_from_db()
    assert dup.merged_into is None and dup.status != Status.CLOSED  # nothing happened yet

    desk.post(url, {"target": target.reference, "confirm": "yes"})
    dup.refresh_from_db()
    assert dup.merged_into == target and dup.status == Status.CLOSED


def test_a_refused_merge_is_explained_on_the_review_page_without_a_merge_button(
    desk, make_ticket, globex_customer
):
    mine, theirs = make_ticket("Fax down"), make_ticket("Globex fax", requester=globex_customer)
    page = desk.post(
        reverse("desk:ticket_merge", args=[theirs.pk]), {"target": mine.reference}
    ).content.decode()
    assert "different organizations" in page
    assert 'name="confirm"' not in page


def test_the_merge_history_says_what_moved_on_both_tickets(desk, make_ticket, tech):
    dup, target = make_ticket("Fax down (again)"), make_ticket("Fax down")
    message_add(ticket=dup, author=tech, body="Looking", now=NOW)
    desk.post(reverse("desk:ticket_merge", args=[dup.pk]), {"target": target.reference, "confirm": "yes"})
    event = target.events.get(kind=TicketEvent.Kind.MERGED)
    assert event.data == {"messages": 2, "files": 0}
    target_page = desk.get(reverse("desk:ticket_detail", args=[target.pk])).content.decode()
    assert f"{dup.reference} merged into this ticket" in target_page
    assert f"2 messages and 0 files moved from {dup.reference} to {target.reference}" in target_page
    source_page = desk.get(reverse("desk:ticket_detail", args=[dup.pk])).content.decode()
    assert f"Merged into {target.reference}; this ticket closed" in source_page


def test_the_reassign_dropdown_starts_at_the_current_assignee(desk, make_ticket, tech, lead):
    ticket = make_ticket()
    ticket_assign(ticket=ticket, agent=lead, by=tech, now=NOW)
    page = desk.get(reverse("desk:ticket_detail", args=[ticket.pk])).content.decode()
    select = page.split('name="agent"')[1].split("</select>")[0]
    assert f'<option value="{lead.pk}" selected>' in select
    assert '<option value="" selected>' not in select


def test_the_demo_has_canned_replies_and_loading_it_twice_adds_none(db):
    call_command("load_demo", force=True, stdout=open("/dev/null", "w"))
    titles = list(CannedReply.objects.values_list("title", flat=True))
    assert len(titles) >= 3
    call_command("load_demo", force=True, stdout=open("/dev/null", "w"))
    assert CannedReply.objects.count() == len(titles)
