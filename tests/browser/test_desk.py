"""The technician's day in real Chromium: work the queue top-down until it is clear, and the dashboard."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation
from django.utils.dateformat import format as date_format

from tickets.desk.views import queue as desk_queue_views
from tickets.models import CannedReply, Status, Ticket
from tickets.services import message_add, ticket_change_status, ticket_create

pytestmark = pytest.mark.django_db(transaction=True)

COLOURS = {"urgent": "#dc2626", "high": "#ea580c", "normal": "#2563eb", "low": "#6b7280"}


@pytest.fixture(autouse=True)
def coloured(priorities):
    for slug, level in priorities.items():
        level.colour = COLOURS[slug]
        level.save(update_fields=["colour"])


def _tickets(customer, colleague, priorities):
    now = timezone.now()
    made = {}
    for subject, level, minutes, who in [
        ("Normal: voicemail to email stopped", "normal", 300, colleague),
        ("Urgent: all inbound numbers down", "urgent", 20, customer),
        ("High: outbound calls failing", "high", 90, customer),
        ("Duplicate: numbers down again", "urgent", 10, colleague),
    ]:
        at = now - timedelta(minutes=minutes)
        made[level if level not in made else "dup"] = ticket_create(
            requester=who, subject=subject, priority=priorities[level], received_at=at, now=at
        )
    return made


def queue_subjects(page):
    return page.locator("#queue-live tbody tr td:nth-child(3)").evaluate_all(
        "cells => cells.map(c => c.firstChild.textContent.trim())"
    )


def test_technician_clears_the_queue_top_down(page, login, shot, tech, lead, customer, colleague, priorities):
    made = _tickets(customer, colleague, priorities)
    CannedReply.objects.create(
        title="Looking into it",
        body="Hi {{ requester }}, {{ agent }} here: we are on {{ ticket.reference }}.",
    )
    login(tech.email)
    page.goto("/desk/")
    assert queue_subjects(page) == [
        "Urgent: all inbound numbers down",
        "Duplicate: numbers down again",
        "High: outbound calls failing",
        "Normal: voicemail to email stopped",
    ]
    assert page.locator('[data-view="unassigned"] .count').inner_text() == "4"
    shot("queue")

    # Top of the queue: take it, answer with a canned reply.
    page.get_by_role("link", name=made["urgent"].reference).click()
    page.get_by_role("button", name="Assign to me").click()
    assert page.get_by_test_id("assignee").inner_text() == "Taylor Tech"
    page.locator("#canned-select").select_option(label="Looking into it")
    page.get_by_role("button", name="Insert").click()
    assert "Taylor Tech here" in page.locator("#id_body").input_value()
    page.get_by_role("button", name="Send").click()
    assert page.locator("article.message.staff").count() == 1
    assert "we are on " + made["urgent"].reference in page.locator("article.message.staff").inner_text()
    shot("ticket-replied")

    # Next: the duplicate folds into it.
    page.goto("/desk/")
    page.get_by_role("link", name=made["dup"].reference).click()
    page.get_by_label("Merge into ticket").fill(made["urgent"].reference)
    page.get_by_role("button", name="Review the merge").click()
    # A review page shows both tickets first; nothing is merged until confirmed.
    assert page.get_by_test_id("merge-target").get_by_text(made["urgent"].subject).is_visible()
    page.get_by_role("button", name=f"Merge {made['dup'].reference} into {made['urgent'].reference}").click()
    page.wait_for_url(f"**/desk/tickets/{made['urgent'].pk}/")
    assert page.get_by_text(
        f"{made['dup'].reference} merged into {made['urgent'].reference}."
    ).first.is_visible()

    # It was a real outage: resolve it.
    page.locator("#status-select").select_option("resolved")
    page.get_by_role("button", name="Change status").click()
    assert page.locator(".ticket-meta .status").inner_text() == "Resolved"

    # High was over-stated: re-classify with a reason, then answer and resolve in one go.
    page.goto("/desk/")
    assert queue_subjects(page)[0] == "High: outbound calls failing"
    page.get_by_role("link", name=made["high"].reference).click()
    page.get_by_role("button", name="Re-classify").click()  # no reason: the browser refuses to send it
    assert page.locator("#id_reason").evaluate("el => el.validity.valueMissing")
    page.locator("#id_priority").select_option(label="Normal")
    page.locator("#id_reason").fill("Only one extension affected")
    page.get_by_role("button", name="Re-classify").click()
    assert page.locator(".ticket-meta .prio").inner_text() == "Normal"
    assert page.get_by_text("Priority re-classified: High → Normal").is_visible()
    page.get_by_role("button", name="Assign to me").click()
    page.locator("#id_body").fill("Fixed the extension's forwarding rule.")
    page.locator("#id_set_status").select_option("resolved")
    page.get_by_role("button", name="Send").click()
    assert page.locator(".ticket-meta .status").inner_text() == "Resolved"
    shot("ticket-history")

    # Last one: hand it to the team lead.
    page.goto("/desk/")
    page.get_by_role("link", name=made["normal"].reference).click()
    page.locator("#id_agent").select_option(label="Lee Lead")
    page.get_by_role("button", name="Assign", exact=True).click()
    assert page.get_by_test_id("assignee").inner_text() == "Lee Lead"
    page.locator("#status-select").select_option("resolved")
    page.get_by_role("button", name="Change status").click()

    page.goto("/desk/")
    assert page.get_by_text("The queue is clear.").is_visible()
    assert set(Ticket.objects.values_list("status", flat=True)) == {Status.RESOLVED, Status.CLOSED}
    shot("queue-clear")


def test_queue_refreshes_itself_and_keeps_filters_and_scroll(
    page, login, shot, tech, customer, priorities, monkeypatch
):
    monkeypatch.setattr(desk_queue_views, "POLL_SECONDS", 1)
    now = timezone.now()
    for i in range(24):
        ticket_create(
            requester=customer,
            subject=f"Extension {200 + i} crackles",
            priority=priorities["normal"],
            received_at=now - timedelta(minutes=i),
            now=now,
        )
    login(tech.email)
    page.goto("/desk/?q=extension")
    page.mouse.wheel(0, 600)
    page.wait_for_function("window.scrollY > 300")
    scrolled = page.evaluate("window.scrollY")
    ticket_create(
        requester=customer, subject="Extension 999 is dead", priority=priorities["urgent"], now=timezone.now()
    )
    ticket_create(
        requester=customer, subject="Unrelated fax problem", priority=priorities["urgent"], now=timezone.now()
    )
    page.wait_for_selector("text=Extension 999 is dead", timeout=5000)
    assert page.get_by_text("Unrelated fax problem").count() == 0  # the search stayed applied
    assert page.locator('[data-view="all"] .count').inner_text() == "25"
    assert abs(page.evaluate("window.scrollY") - scrolled) < 5
    assert page.locator("#q").input_value() == "extension"


def test_dashboard_draws_its_charts(page, login, shot, lead, tech, customer, priorities):
    now = timezone.now()
    for i, level in enumerate(["urgent", "high", "normal", "low"]):
        at = now - timedelta(hours=5 * i + 1)
        t = ticket_create(
            requester=customer, subject=f"{level} thing", priority=priorities[level], received_at=at, now=at
        )
        message_add(ticket=t, author=tech, body="Looking", now=at + timedelta(minutes=20 * i + 5))
        if i % 2:
            ticket_change_status(ticket=t, status=Status.RESOLVED, by=tech, now=now)
    login(lead.email)
    page.goto("/desk/dashboard/")
    page.wait_for_selector("body[data-charts-ready=yes]")
    for chart in ("chart-week", "chart-priority", "chart-backlog", "chart-csat"):
        assert page.evaluate(f"Chart.getChart('{chart}') !== undefined"), chart
        assert page.locator(f"#{chart}").bounding_box()["height"] > 50
    assert page.locator("#compliance-table tbody tr").count() >= 3
    shot("dashboard")


@pytest.mark.slow
def test_technician_clears_the_demo_queue_using_only_the_workspace(page, login, shot):
    """The issue's "done when": every open demo ticket answered and resolved, top of the queue first."""
    from django.core.management import call_command

    call_command("load_demo", force=True, stdout=open("/dev/null", "w"))
    open_count = Ticket.objects.open().count()
    login("tech@demo.test", "demo")
    page.goto("/desk/")
    assert int(page.locator('[data-view="all"] .count').inner_text()) == open_count > 0
    cleared = 0
    while not page.get_by_text("The queue is clear.").is_visible():
        assert cleared < open_count, "the queue does not shrink"
        page.locator("#queue-live tbody tr a").first.click()
        page.locator("#id_body").fill("Fixed on our side; please confirm.")
        page.locator("#id_set_status").select_option("resolved")
        page.get_by_role("button", name="Send").click()
        assert page.locator(".ticket-meta .status").inner_text() == "Resolved"
        cleared += 1
        page.goto("/desk/")
    assert cleared == open_count
    assert not Ticket.objects.open().exists()
    shot("demo-queue-clear")


def test_team_lead_runs_a_major_incident_and_logs_a_phone_call(page, login, shot, lead, customer, priorities):
    t = ticket_create(
        requester=customer, subject="No dial tone anywhere", priority=priorities["high"], now=timezone.now()
    )
    login(lead.email)
    page.goto("/desk/incidents/")
    page.get_by_label("Title").fill("SIP trunk outage")
    page.get_by_label("Public status").fill("Inbound calls are failing; engineers are on it.")
    page.get_by_role("button", name="Open incident").click()
    page.get_by_label("References").fill(t.reference)
    page.get_by_role("button", name="Link", exact=True).click()
    assert page.get_by_role("link", name=t.reference).is_visible()
    page.get_by_label("Update", exact=True).fill("Carrier found the fault; fix expected by 17:00.")
    page.get_by_role("button", name="Post update").click()
    assert (
        page.locator(".banner-preview")
        .inner_text()
        .endswith("Carrier found the fault; fix expected by 17:00.")
    )
    shot("incident")
    page.get_by_label("Also resolve the linked open tickets").check()
    page.get_by_role("button", name="Resolve incident").click()
    assert page.get_by_text("Incident resolved; the banner is gone.").is_visible()
    t.refresh_from_db()
    assert t.status == Status.RESOLVED

    page.get_by_role("link", name="Log a ticket").click()
    page.get_by_label("Organization").select_option(label=str(customer.organization))
    page.get_by_label("Requester").select_option(label="Casey Customer <casey@acme.test>")
    page.get_by_label("Channel").select_option("phone")
    assert page.get_by_label("Priority").evaluate("el => el.selectedOptions[0].text") == "Normal"
    page.get_by_label("Subject").fill("Caller: voicemail PIN reset")
    page.get_by_role("button", name="Log ticket").click()
    assert page.locator(".ticket-meta .prio").inner_text() == "Normal"
    assert page.get_by_text("Logged as Normal via phone").is_visible()
    shot("logged-phone-call")


def test_two_technicians_on_one_ticket_see_each_other_and_log_their_time(
    page, login, shot, tech, customer, priorities
):
    from django.test import Client

    from tests.factories import StaffFactory

    now = timezone.now()
    ticket = ticket_create(
        requester=customer,
        subject="Fax not being received",
        priority=priorities["high"],
        received_at=now,
        now=now,
    )
    sam = StaffFactory(email="sam@helpdesk.test", full_name="Sam Support")
    other = Client()
    other.force_login(sam)
    assert other.post(f"/desk/tickets/{ticket.pk}/presence/", {"typing": "1"}).status_code == 200
    login(tech.email)
    page.goto(f"/desk/tickets/{ticket.pk}/")
    banner = page.get_by_test_id("presence")
    banner.wait_for(state="visible")
    assert "Sam Support is typing a reply" in banner.inner_text()
    # Sam answers while Taylor writes: Taylor's send is stopped once, with the draft kept.
    page.get_by_label("Message").fill("Please check the fax line settings.")
    page.get_by_label("Time spent (minutes)").fill("20")
    message_add(ticket=ticket, author=sam, body="I have reset the fax line.", now=timezone.now())
    page.get_by_role("button", name="Send").click()
    assert page.get_by_test_id("newer-message").is_visible()
    assert page.get_by_label("Message").input_value() == "Please check the fax line settings."
    shot("stopped-once")
    # The stop is answered 409 Conflict on purpose; it is the one error this walk expects.
    expected = [e for e in page.console_errors if "409" in e]
    assert expected and all("/reply/" in e or "Conflict" in e or "409" in e for e in expected)
    page.console_errors[:] = [e for e in page.console_errors if "409" not in e]
    page.get_by_role("button", name="Send").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("minutes-total").inner_text() == "20 min"


def test_a_german_speaking_technician_reads_the_queue_in_german(
    page, login, tech, customer, colleague, priorities
):
    """A German technician in New York: the queue's words in German, its times and the ticket page's in
    New York time with German day and month names."""
    made = _tickets(customer, colleague, priorities)
    tech.language, tech.time_zone = "de", "America/New_York"
    tech.save()
    new_york = ZoneInfo("America/New_York")
    reply = message_add(ticket=made["urgent"], author=customer, body="Noch immer aus.", now=timezone.now())
    login(tech.email)
    page.goto("/desk/")
    assert page.locator("h1").inner_text() == "Warteschlange"
    tabs = page.locator(".queue-views .view-tab").evaluate_all(
        "tabs => tabs.map(t => t.firstChild.textContent.trim())"
    )
    assert tabs[:4] == ["Alle offenen", "Meine", "Nicht zugewiesen", "Mein Team"]
    assert page.locator('[data-view="unassigned"] .count').inner_text() == "4"
    assert page.locator("#queue-live thead").inner_text().split("\t")[1:4] == [
        "Ticket",
        "Betreff",
        "Organisation · Vertrag",
    ]
    urgent = made["urgent"]
    with translation.override("de"):
        received = date_format(urgent.received_at.astimezone(new_york), "D j M H:i")
        said = date_format(reply.created_at.astimezone(new_york), "D j M H:i")
    age_cell = page.locator(f'tr[data-ticket="{urgent.pk}"] td:nth-child(8)')
    assert age_cell.get_attribute("title") == f"eingegangen am {received}"
    page.get_by_role("link", name=urgent.reference, exact=True).click()
    assert page.locator(f"#m{reply.pk} time").inner_text() == said
    assert page.locator(f"#m{reply.pk} header").inner_text().startswith("Öffentliche Antwort · ")


def test_a_german_speaking_team_lead_makes_a_macro_and_reads_the_rules_in_german(
    page, login, lead, priorities
):
    """The macro editor's labels and choices, its message after saving, and the rules list, in German."""
    lead.language = "de"
    lead.save()
    login(lead.email)
    page.goto("/desk/macros/new/")
    assert page.locator("h1").inner_text() == "Neues Makro"
    page.get_by_label("Name", exact=True).fill("Rückruf")
    page.get_by_label("Antwort", exact=True).select_option(label="Öffentliche Antwort")
    page.get_by_label("Text", exact=True).fill("Wir rufen Sie heute zurück.")
    page.get_by_label("Status setzen").select_option(label="Wartet auf Kunden")
    page.get_by_role("button", name="Makro speichern").click()
    page.wait_for_load_state("networkidle")
    assert page.locator(".messages").inner_text() == "Makro „Rückruf“ gespeichert."
    row = page.locator("[data-testid=macro-list] tbody tr").first
    assert row.inner_text().split("\t")[1:4] == ["Nur Sie", "Öffentliche Antwort · Wartet auf Kunden", "ja"]
    page.get_by_role("link", name="Regeln", exact=True).click()
    assert page.locator("h1").inner_text() == "Regeln"
    assert page.get_by_text("Noch keine Regeln.").is_visible()
