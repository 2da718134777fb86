"""A customer's paths through the portal in real headless Chromium: sign up, file, follow, finish."""

import importlib
import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import expect

from tickets.models import Incident, IncidentUpdate, Status, Ticket
from tickets.services import message_add, survey_issue, ticket_change_status, ticket_create

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
PASSWORD = "tangerine-orbit-42"


@pytest.fixture
def default_form(db):
    # Transactional tests flush the database, data migrations included: put the default form back.
    importlib.import_module("tickets.migrations.0002_portal_default_request_type").create_default(apps, None)


@pytest.fixture
def verified(customer):
    customer.email_verified_at = timezone.now()
    customer.save()
    return customer


def _phone_shot(page, shot, name):
    page.set_viewport_size(PHONE)
    path = shot(name)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name} scrolls sideways on a phone ({width}px)"
    page.set_viewport_size({"width": 1280, "height": 900})
    return path


def test_a_new_customer_signs_up_verifies_and_signs_in(page, shot, org, mailoutbox):
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Your name").fill("Sam New")
    page.get_by_label("Work email address").fill("sam@acme.test")
    page.get_by_label("Customer number").fill("1001")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    shot("signup")
    page.get_by_role("button", name="Create account").click()
    assert page.get_by_role("heading", name="Check your email").is_visible()
    link = re.search(r"https?://[^/\s]+(/\S+)", mailoutbox[-1].body).group(1)

    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill("sam@acme.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # Nothing of the organization until the address is verified: the verify page, with a resend button.
    assert page.get_by_role("heading", name="Verify your email address").is_visible()
    assert page.get_by_role("button", name="Send a new link").is_visible()
    _phone_shot(page, shot, "verify-required-phone")
    page.goto(link)
    assert page.get_by_text("Thank you, sam@acme.test is verified.").is_visible()
    assert page.get_by_role("heading", name="My tickets").is_visible()
    assert not page.get_by_text("Please verify your email address.").is_visible()
    _phone_shot(page, shot, "my-tickets-empty-phone")


def test_a_customer_files_a_ticket_with_an_attachment_and_sees_it_listed_with_its_due_time(
    page, login, shot, verified, default_form, tmp_path, settings, priorities
):
    settings.MEDIA_ROOT = str(tmp_path)
    urgent = priorities["urgent"]
    urgent.definition = "Business operations have ceased."
    urgent.examples = ["All numbers, applications and services are down"]
    urgent.colour, urgent.advise_phone = "#dc2626", True
    urgent.save()
    incident = Incident.objects.create(
        title="Inbound calls failing in London",
        public_status="Engineers are working on it.",
        opened_at=timezone.now(),
    )
    IncidentUpdate.objects.create(
        incident=incident, body="The carrier has found the fault.", created_at=timezone.now()
    )
    screenshot = tmp_path / "screenshot.png"
    screenshot.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 128)

    login("casey@acme.test")
    assert page.get_by_text("The carrier has found the fault.").is_visible()
    page.get_by_role("link", name="New ticket").first.click()
    page.get_by_label("Summary").fill("Calls to our 0800 number drop")
    expect(
        page.locator("#prio-urgent-desc").get_by_role("link", name=settings.HELPDESK_SUPPORT_PHONE)
    ).to_be_visible()
    page.get_by_label("Normal", exact=True).check()
    page.get_by_label("Product").fill("Fuse")
    page.get_by_label("Phone number(s) dialed").fill("0800 123 456")
    page.get_by_label("Phone number(s) that initiated the call").fill("+44 20 7946 0001, +44 20 7946 0002")
    page.get_by_label("Start date of issue").fill("2026-11-20")
    page.get_by_label("Is the issue intermittent or consistent?").select_option("Intermittent")
    page.get_by_label("How often is the issue occurring?").fill("About one call in five")
    page.get_by_label("Details").fill("Callers hear ringing, then silence, then the line drops.")
    page.get_by_label("This is about the current incident").check()
    page.get_by_label("Attachments").set_input_files(str(screenshot))
    unlabelled = page.evaluate(
        """[...document.querySelectorAll('main input:not([type=hidden]), main select, main textarea')]
           .filter(el => !el.labels.length && !el.getAttribute('aria-label')).map(el => el.name)"""
    )
    assert unlabelled == []
    shot("new-ticket")
    page.get_by_role("button", name="Submit ticket").click()

    ticket = Ticket.objects.get()
    assert page.get_by_role("heading", name=f"We received your request {ticket.reference}").is_visible()
    assert page.get_by_text("Expect a first response by").is_visible()
    assert page.get_by_role("link", name="screenshot.png").is_visible()
    assert ticket.incident == incident and ticket.attachments.get().content_type == "image/png"
    shot("ticket-received")
    _phone_shot(page, shot, "ticket-phone")

    page.get_by_role("link", name="My tickets").click()
    row = page.get_by_role("row").filter(has_text=ticket.reference)
    assert row.get_by_text("First response due in").is_visible()
    assert row.get_by_text(ticket.first_response_due_at.strftime("%a %-d %b, %H:%M")).is_visible()
    assert row.get_by_text("Not yet assigned").is_visible()
    shot("my-tickets")
    _phone_shot(page, shot, "my-tickets-phone")
    page.get_by_label("Search").fill("nothing like this")
    expect(page.get_by_text("No tickets match these filters.")).to_be_visible()
    page.get_by_label("Search").fill(ticket.reference)
    expect(page.get_by_role("link", name=ticket.reference)).to_be_visible()
    assert "q=" in page.url  # the filtered list has its own address (hx-push-url)

    page.goto("/tickets/new/")
    _phone_shot(page, shot, "new-ticket-phone")


def test_a_customer_replies_confirms_the_resolution_and_reopens(
    page, login, shot, verified, tech, priorities
):
    now = timezone.now()
    ticket = ticket_create(
        requester=verified, subject="Fax not sending", priority=priorities["normal"], now=now
    )
    message_add(ticket=ticket, author=tech, body="Which fax number fails?", now=now)
    login("casey@acme.test")
    page.get_by_role("link", name=ticket.reference).click()
    assert page.get_by_text("Which fax number fails?").is_visible()
    page.get_by_label("Your reply").fill("The one ending 0199.")
    page.get_by_role("button", name="Send reply").click()
    assert page.get_by_text("Your reply was added.").is_visible()
    assert page.get_by_text("The one ending 0199.").is_visible()

    ticket_change_status(ticket=ticket, status=Status.RESOLVED, by=tech, now=timezone.now())
    page.reload()
    shot("resolved")
    page.get_by_role("button", name="Confirm resolved").click()
    assert page.get_by_text("The ticket is closed.").is_visible()
    assert page.locator(".facts .status").get_by_text("Closed", exact=True).is_visible()
    page.get_by_role("button", name="Reopen ticket").click()
    assert page.get_by_text("The ticket is open again").is_visible()
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


def test_a_customer_escalates_and_edits_once_the_response_is_overdue(
    page, login, shot, verified, priorities, default_form
):
    now = timezone.now()
    ticket = ticket_create(
        requester=verified,
        subject="Queue calls stuck",
        priority=priorities["normal"],
        now=now,
        request_fields={"product": "Insight"},
    )
    login("casey@acme.test")
    page.goto(f"/tickets/{ticket.pk}/")
    assert page.get_by_role("button", name="Escalate").is_disabled()

    Ticket.objects.filter(pk=ticket.pk).update(first_response_due_at=now - timedelta(hours=1))
    page.reload()
    assert page.locator(".facts").get_by_text("Breached").is_visible()
    page.get_by_label("What makes this urgent now?").fill("Our call centre is idle.")
    shot("breached")
    page.get_by_role("button", name="Escalate").click()
    assert page.get_by_text("Escalated: support leadership has been told").is_visible()

    page.get_by_role("link", name="Edit the request").click()
    page.get_by_label("Summary").fill("All queue calls stuck since 9:00")
    page.get_by_role("button", name="Save changes").click()
    assert page.get_by_role("heading", name="All queue calls stuck since 9:00").is_visible()
    ticket.refresh_from_db()
    assert ticket.escalated_at is not None and ticket.subject == "All queue calls stuck since 9:00"


def test_a_customer_answers_the_survey_from_the_emailed_link(page, shot, customer, priorities):
    now = timezone.now()
    ticket = ticket_create(requester=customer, subject="Number ported", priority=priorities["low"], now=now)
    _, token = survey_issue(ticket=ticket, now=now)
    page.goto(f"/survey/{token}/")
    page.get_by_label("4 · Satisfied").check()
    page.get_by_label("Anything we could do better?").fill("Fast and friendly.")
    shot("survey")
    page.get_by_role("button", name="Send feedback").click()
    assert page.get_by_text("Thank you!").is_visible()
    ticket.survey.refresh_from_db()
    assert (ticket.survey.rating, ticket.survey.comment) == (4, "Fast and friendly.")
