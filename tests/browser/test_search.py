"""An agent searches from the desk in real Chromium: the queue narrowed by words, then every ticket."""

import pytest
from django.utils import timezone

from tickets.models import Message
from tickets.services import message_add, ticket_close, ticket_create

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_agent_finds_an_old_closed_ticket_by_a_phrase_in_its_thread(
    page, login, shot, tech, customer, priorities
):
    now = timezone.now()
    old = ticket_create(
        requester=customer, subject="Calls drop after a minute", priority=priorities["normal"], now=now
    )
    message_add(ticket=old, author=tech, body="Root cause: the SIP session timer on trunk 4", now=now)
    message_add(
        ticket=old, author=tech, body="Carrier ref CX-77 for the timer", kind=Message.Kind.INTERNAL, now=now
    )
    ticket_close(ticket=old, by=tech, reason="fixed", now=now)
    ticket_create(requester=customer, subject="Session timer question", priority=priorities["low"], now=now)
    ticket_create(requester=customer, subject="Fax not received", priority=priorities["high"], now=now)

    login(tech.email)
    page.goto("/desk/")
    page.get_by_label("Search").fill('"session timer" -question')
    page.get_by_test_id("search-all").click()
    page.wait_for_url("**/desk/search/**")
    rows = page.locator("#search-results tbody tr[data-ticket]")
    assert rows.count() == 1
    assert "Calls drop after a minute" in rows.first.inner_text()
    assert page.locator("[data-testid=snippet] mark").first.inner_text().lower() in (
        "session",
        "timer",
        "session timer",
    )
    shot("results")

    # The staff-only note is searchable here; the open queue (same words, Apply) has no closed tickets.
    page.get_by_label("Words").fill("CX-77 OR carrier")
    page.get_by_role("button", name="Search").click()
    assert "Calls drop after a minute" in page.locator("#search-results").inner_text()
    page.goto("/desk/")
    page.get_by_label("Search").fill("timer")
    page.get_by_role("button", name="Apply", exact=True).click()
    queue = page.locator("table.queue tbody").inner_text()
    assert "Session timer question" in queue and "Calls drop after a minute" not in queue
