"""The knowledge base in real headless Chromium: a customer typing a subject is offered a matching
article, says it answered the question, and no ticket is filed; a technician inserts an article link into
a reply from the ticket page."""

import importlib

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import expect

from kb.models import Audience, Deflection, TicketLink
from kb.services import article_create
from tickets.models import Ticket
from tickets.services import ticket_create

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def default_form(db):
    # Transactional tests flush the database, data migrations included: put the default form back.
    importlib.import_module("tickets.migrations.0002_portal_default_request_type").create_default(apps, None)


@pytest.fixture
def articles(tech):
    now = timezone.now()
    pin = article_create(
        title="How to reset your voicemail PIN",
        body="Dial *98 from your handset and choose **Reset PIN**.",
        audience=Audience.CUSTOMERS,
        by=tech,
        now=now,
        publish=True,
    )
    article_create(
        title="Voicemail server runbook",
        body="Staff only: restart the voicemail cluster.",
        audience=Audience.STAFF,
        by=tech,
        now=now,
        publish=True,
    )
    return {"pin": pin}


def test_a_customer_typing_a_subject_is_answered_by_an_article_and_files_nothing(
    page, login, shot, customer, default_form, priorities, articles
):
    login("casey@acme.test")
    page.goto("/tickets/new/")
    page.get_by_label("Summary").press_sequentially("Forgot my voicemail PIN", delay=20)
    suggestions = page.get_by_test_id("kb-suggestions")
    expect(suggestions).to_be_visible()
    expect(suggestions.get_by_role("link", name="How to reset your voicemail PIN")).to_be_visible()
    expect(suggestions).not_to_contain_text("runbook")  # staff-only never reaches a customer
    shot("suggested")
    suggestions.get_by_role("button", name="This answered my question").first.click()
    expect(page.get_by_test_id("kb-deflected")).to_contain_text("No ticket was filed")
    shot("deflected")
    assert not Ticket.objects.exists()
    deflection = Deflection.objects.get()
    assert (deflection.article_id, deflection.user_id) == (articles["pin"].pk, customer.pk)
    assert deflection.query == "Forgot my voicemail PIN"


def test_a_technician_inserts_an_article_link_into_a_reply(
    page, login, shot, tech, customer, priorities, articles
):
    ticket = ticket_create(requester=customer, subject="Voicemail PIN forgotten", now=timezone.now())
    login("tech@helpdesk.test")
    page.goto(f"/desk/tickets/{ticket.pk}/")
    panel = page.get_by_test_id("kb-panel")
    expect(panel.get_by_role("link", name="How to reset your voicemail PIN")).to_be_visible()
    expect(panel).not_to_contain_text("runbook")  # the customer could not open it
    panel.get_by_role("button", name="Insert a link to How to reset your voicemail PIN").click()
    body = page.locator("#id_body")
    value = body.input_value()
    assert "/kb/articles/how-to-reset-your-voicemail-pin/" in value
    shot("inserted")
    page.get_by_role("button", name="Send").click()
    page.wait_for_load_state("networkidle")
    link = TicketLink.objects.get()
    assert (link.ticket_id, link.article_id) == (ticket.pk, articles["pin"].pk)
