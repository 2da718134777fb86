"""What only a browser shows, for the issues a newcomer trips over: the Back button does not file a
second ticket, the Details counter warns before a paste is lost, the SLA dashboard fits a phone."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from tickets.models import Status, Ticket
from tickets.services import message_add, ticket_change_status, ticket_create

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def default_form(db):
    # Transactional tests flush the database, data migrations included: put the default form back.
    importlib.import_module("tickets.migrations.0002_portal_default_request_type").create_default(apps, None)


@pytest.fixture
def verified(customer):
    customer.email_verified_at = timezone.now()
    customer.save()
    return customer


def _fill_filing(page):
    page.get_by_label("Summary").fill("Calls to our 0800 number drop")
    page.get_by_label("Normal", exact=True).check()
    page.get_by_label("Product").fill("Fuse")
    page.get_by_label("Start date of issue").fill("2026-11-20")
    page.get_by_label("Is the issue intermittent or consistent?").select_option("Intermittent")
    page.get_by_label("How often is the issue occurring?").fill("About one call in five")
    page.get_by_label("Details").fill("Callers hear ringing, then silence, then the line drops.")


def test_back_then_submit_again_files_one_ticket_and_says_so(
    page, login, shot, verified, priorities, default_form
):
    login(verified.email)
    page.goto("/tickets/new/")
    _fill_filing(page)
    page.get_by_role("button", name="Submit ticket").click()
    page.wait_for_url("**/tickets/*/?received=1")
    ticket = Ticket.objects.get()

    page.go_back()
    page.wait_for_url("**/tickets/new/")
    if not page.get_by_label("Summary").input_value():  # the browser may reload the form empty
        _fill_filing(page)
    page.get_by_role("button", name="Submit ticket").click()
    page.wait_for_load_state("networkidle")
    assert Ticket.objects.count() == 1, "Back + Submit filed a second ticket"
    assert page.get_by_text(f"This form was already filed as {ticket.reference}").is_visible()
    shot("already-filed")


def test_the_details_counter_shows_the_limit_and_warns_when_a_paste_is_too_long(
    page, login, shot, verified, priorities, default_form
):
    login(verified.email)
    page.goto("/tickets/new/")
    details = page.get_by_label("Details")
    counter = page.locator("#id_rf_details-counter")
    assert counter.text_content() == "0 / 20,000 characters"
    details.fill("Callers hear silence.")
    assert counter.text_content() == "21 / 20,000 characters"
    details.fill("x" * 200_000)  # a pasted log: kept whole, not cut at 20,000
    assert len(details.input_value()) == 200_000
    assert "180,000 over the limit" in counter.text_content()
    assert details.get_attribute("aria-invalid") == "true"
    page.set_viewport_size(PHONE)
    shot("counter-over-phone")


def test_the_sla_dashboard_fits_a_phone_and_labels_every_compliance_cell(
    page, login, shot, lead, tech, customer, priorities
):
    now = timezone.now()
    for i, level in enumerate(["urgent", "high", "normal", "low"]):
        at = now - timedelta(hours=5 * i + 1)
        t = ticket_create(
            requester=customer, subject=f"{level} thing", priority=priorities[level], received_at=at, now=at
        )
        message_add(ticket=t, author=tech, body="Looking", now=at + timedelta(minutes=20 * i + 5))
        if i % 2:
            ticket_change_status(ticket=t, status=Status.RESOLVED, by=tech, now=now)
    page.set_viewport_size(PHONE)
    login(lead.email)
    page.goto("/desk/dashboard/")
    page.wait_for_selector("body[data-charts-ready=yes]")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the dashboard scrolls sideways on a phone ({width}px)"
    cell = page.locator("#compliance-table tbody tr").first.locator("td").nth(1)
    label = cell.evaluate("el => getComputedStyle(el, '::before').content")
    assert "First response met" in label
    assert cell.bounding_box()["x"] + cell.bounding_box()["width"] <= PHONE["width"]
    shot("dashboard-phone")
