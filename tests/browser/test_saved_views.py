"""An agent saves a filtered queue as a view in real Chromium, shares it with the team, and a teammate
opens it from their own tab bar."""

import pytest
from django.utils import timezone

from accounts.models import Team
from tests.factories import StaffFactory
from tickets.models import SavedView
from tickets.services import ticket_create

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_agent_saves_a_filtered_queue_shares_it_and_a_teammate_opens_it(
    page, login, shot, browser, live_server, tech, customer, priorities
):
    now = timezone.now()
    for subject, level in (("Trunk down", "urgent"), ("PBX dead", "urgent"), ("Fax toner", "low")):
        ticket_create(requester=customer, subject=subject, priority=priorities[level], now=now)
    voice = Team.objects.create(name="Voice")
    mate = StaffFactory(email="mo@helpdesk.test", full_name="Mo Mate")
    voice.members.add(tech, mate)

    login(tech.email)
    page.goto("/desk/")
    page.get_by_role("search", name="Filter the queue").get_by_label("Priority").select_option("urgent")
    page.get_by_role("button", name="Apply", exact=True).click()
    page.wait_for_url("**priority=urgent**")
    page.get_by_text("Save these filters as a view").click()
    page.get_by_role("form", name="Save as a view").get_by_label("Name").fill("Urgent calls")
    page.get_by_role("button", name="Save view").click()
    view = SavedView.objects.get()
    page.wait_for_url(f"**/desk/?saved={view.pk}")
    tab = page.locator(f"[data-saved-view='{view.pk}']")
    assert tab.get_attribute("aria-current") == "page"
    assert tab.locator(".count").inner_text() == "2"
    rows = page.locator("table.queue tbody").inner_text()
    assert "Trunk down" in rows and "PBX dead" in rows and "Fax toner" not in rows
    shot("saved")

    # Share it with the team from the views page, by keyboard: no script needed.
    page.get_by_test_id("manage-views").click()
    page.get_by_label("Share Urgent calls with").select_option(label="Voice")
    page.get_by_label("Share Urgent calls with").press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/desk/views/")
    assert "Voice" in page.locator(f"tr[data-saved-view='{view.pk}']").inner_text()

    # The teammate sees it after the shipped tabs, with its live count, and opens it.
    other = browser.new_context(base_url=live_server.url)
    errors = []
    teammate = other.new_page()
    teammate.on("pageerror", lambda exc: errors.append(str(exc)))
    teammate.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    teammate.goto("/accounts/login/")
    teammate.get_by_label("Email address").fill(mate.email)
    teammate.get_by_label("Password").fill("pw")
    teammate.get_by_role("button", name="Sign in").click()
    teammate.goto("/desk/")
    tabs = teammate.locator("nav.queue-views a.view-tab")
    assert tabs.last.get_attribute("data-saved-view") == str(view.pk)
    assert tabs.last.locator(".count").inner_text() == "2"
    tabs.last.click()
    teammate.wait_for_url(f"**saved={view.pk}")
    assert "Fax toner" not in teammate.locator("table.queue tbody").inner_text()
    # Shared, not theirs: no rename or delete offered on the views page.
    teammate.goto("/desk/views/")
    row = teammate.locator(f"tr[data-saved-view='{view.pk}']")
    assert "Its owner or a lead of Voice changes it" in row.inner_text()
    assert row.get_by_role("button", name="Delete Urgent calls").count() == 0
    other.close()
    assert not errors, errors
