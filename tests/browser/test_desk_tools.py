"""The desk's power tools in real Chromium, walked as a technician would: tags (issue 19)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tickets.models import Tag
from tickets.services import ticket_create

pytestmark = pytest.mark.django_db(transaction=True)


def _tickets(customer, priorities, n=3):
    now = timezone.now()
    return [
        ticket_create(
            requester=customer,
            subject=f"Line {i} dead",
            priority=priorities["normal"],
            received_at=now - timedelta(minutes=10 * (n - i)),
            now=now,
        )
        for i in range(n)
    ]


def test_technician_tags_a_ticket_and_filters_the_queue_by_it(page, login, shot, tech, customer, priorities):
    first, second, _ = _tickets(customer, priorities)
    Tag.objects.create(name="outage", suggested=True, description="Network outage")
    login(tech.email)
    page.goto(f"/desk/tickets/{first.pk}/")
    # The curated suggestion is offered as they type; a new name makes a new tag.
    assert page.locator('#tag-suggestions option[value="outage"]').count() == 1
    page.get_by_label("Add tags").fill("outage, Site B")
    page.get_by_role("button", name="Add", exact=True).click()
    tags = page.get_by_test_id("tags")
    assert tags.get_by_role("link", name="outage").is_visible()
    assert tags.get_by_role("link", name="site-b").is_visible()
    assert page.get_by_text("Tagged site-b").is_visible()  # the history has an event per tag
    page.get_by_role("button", name="Remove tag site-b").click()
    assert page.get_by_test_id("tags").get_by_role("link", name="site-b").count() == 0
    shot("ticket-tags")

    # From the ticket's tag to every ticket carrying it.
    page.get_by_test_id("tags").get_by_role("link", name="outage").click()
    page.wait_for_url("**/desk/?tag=outage")
    rows = page.locator("#queue-live tbody tr[data-ticket]")
    assert rows.count() == 1 and rows.first.get_attribute("data-ticket") == str(first.pk)
    assert page.get_by_label("Tag", exact=True).input_value() == "outage"
    assert "tag=outage" in page.get_by_test_id("queue-csv").get_attribute("href")
    shot("queue-by-tag")
    assert second.tags.count() == 0


def test_technician_reclassifies_an_outage_in_bulk_and_reads_the_summary(
    page, login, shot, tech, customer, priorities
):
    tickets = _tickets(customer, priorities, n=4)
    login(tech.email)
    page.goto("/desk/")
    assert page.locator("#bulk-count").inner_text() == "None selected"
    # Tick two rows: the count follows, and only the chosen action's inputs show.
    for t in tickets[:2]:
        page.get_by_label(f"Select {t.reference}").check()
    assert page.locator("#bulk-count").inner_text() == "2 selected"
    page.get_by_label("Action").select_option("reclassify")
    assert page.get_by_label("Reason (told to the customers, required)").is_visible()
    assert not page.get_by_label("Assign to").is_visible()
    page.locator("#bulk-priority").select_option(label="Urgent")
    page.get_by_label("Reason (told to the customers, required)").fill("Site-wide outage")
    page.get_by_role("button", name="Apply to selected").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("2 changed").is_visible()
    shot("bulk-reclassified")

    # Then every matching ticket at once: tag them all.
    page.get_by_label("Select all 4 matching").check()
    assert page.locator("#bulk-count").inner_text() == "All 4 matching selected"
    page.get_by_label("Action").select_option("tag")
    page.locator("#bulk-tag-add").fill("outage")
    page.get_by_role("button", name="Apply to selected").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("4 changed").is_visible()
    assert page.get_by_test_id("row-tag").count() == 4
    for t in tickets:
        t.refresh_from_db()
    assert [t.priority.slug for t in tickets] == ["urgent", "urgent", "normal", "normal"]


def test_technician_works_the_queue_from_the_keyboard(page, login, shot, tech, customer, priorities):
    tickets = _tickets(customer, priorities, n=3)
    login(tech.email)
    page.goto("/desk/")
    page.keyboard.press("?")
    assert page.get_by_test_id("keys-help").is_visible()
    shot("keys-help")
    page.keyboard.press("Escape")
    assert not page.get_by_test_id("keys-help").is_visible()
    # Off while typing: a "j" typed in the search box stays there.
    page.keyboard.press("/")
    page.keyboard.type("j")
    assert page.locator("#q").input_value() == "j"
    page.locator("#q").fill("")
    page.locator("h1").click()
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    current = page.locator('#queue-live tr[aria-current="true"]')
    assert current.count() == 1 and current.get_attribute("data-ticket") == str(tickets[0].pk)
    page.keyboard.press("j")
    page.keyboard.press("o")
    page.wait_for_url(f"**/desk/tickets/{tickets[1].pk}/")
    page.keyboard.press("a")
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("assignee").inner_text() == tech.display_name
    page.keyboard.press("n")
    assert page.locator('input[name="kind"][value="internal"]').is_checked()
    assert page.evaluate("document.activeElement.id") == "id_body"
    page.keyboard.type("Checked the trunk")  # typing in the field: no shortcut fires
    assert page.locator("#id_body").input_value() == "Checked the trunk"
    page.locator("h1").click()
    page.keyboard.press("r")
    assert page.locator('input[name="kind"][value="public"]').is_checked()
