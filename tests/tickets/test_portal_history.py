"""The customer's ticket page tells what happened (re-classification and its reason, status changes with
the team's note, the assignee, merges, escalation), never internal notes or staff-only data; the desk's
status note says the customer sees it and reaches them; the survey mail's HTML links the survey."""

import re

import pytest
import time_machine
from django.urls import reverse

from notifications.models import Notification
from notifications.services import notification_render
from tests.conftest import NOW
from tickets.models import Message, Status
from tickets.services import (
    message_add,
    ticket_assign,
    ticket_change_status,
    ticket_create,
    ticket_escalation_request,
    ticket_merge,
    ticket_reclassify,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(client, customer):
    client.force_login(customer)

    def get(ticket) -> str:
        with time_machine.travel(NOW, tick=False):
            html = client.get(reverse("portal:ticket_detail", args=[ticket.pk])).content.decode()
        return (
            html.split('data-testid="history"')[1].split("</section>")[0]
            if 'data-testid="history"' in html
            else ""
        )

    return get


def test_the_portal_history_shows_reclassification_reason_status_assignee_and_merge(
    page, customer, tech, priorities
):
    ticket = ticket_create(requester=customer, subject="Phones down", priority=priorities["urgent"], now=NOW)
    dup = ticket_create(requester=customer, subject="Phones down again", now=NOW)
    ticket_assign(ticket=ticket, agent=tech, by=tech, now=NOW)
    ticket_reclassify(
        ticket=ticket, priority=priorities["high"], by=tech, reason="Only one site is affected", now=NOW
    )
    ticket_merge(source=dup, target=ticket, by=tech, now=NOW)
    ticket_change_status(
        ticket=ticket, status=Status.WAITING, by=tech, now=NOW, reason="Please send a call log"
    )

    history = page(ticket)
    assert "Assigned to Taylor Tech" in history
    assert "Priority changed from Urgent to High" in history and "Only one site is affected" in history
    assert f"{dup.reference} was merged into this ticket" in history
    assert "Status changed to Waiting on customer" in history and "Please send a call log" in history
    assert f"Merged into {ticket.reference}" in page(dup)


def test_the_portal_history_never_shows_internal_notes_or_staff_only_data(page, customer, tech, priorities):
    ticket = ticket_create(requester=customer, subject="Phones down", now=NOW)
    message_add(
        ticket=ticket, author=tech, body="SECRET: customer owes money", kind=Message.Kind.INTERNAL, now=NOW
    )
    ticket_escalation_request(ticket=ticket, by=customer, now=NOW, reason="escalate please")
    history = page(ticket)
    assert "SECRET" not in history
    assert "policy" not in history  # the refused request's internal why
    assert "You asked for escalation" in history
    assert "SLA" not in history and "Alert" not in history


def test_the_desk_status_note_says_the_customer_sees_it_and_reaches_their_resolved_mail(
    client, customer, tech, priorities
):
    ticket = ticket_create(requester=customer, subject="Phones down", now=NOW)
    client.force_login(tech)
    desk = client.get(reverse("desk:ticket_detail", args=[ticket.pk])).content.decode()
    assert "Note to the customer (optional)" in desk and "The customer sees it" in desk

    client.post(
        reverse("desk:ticket_status", args=[ticket.pk]),
        {"status": "resolved", "reason": "Carrier fixed the trunk"},
    )
    notice = Notification.objects.get(event="ticket_resolved")
    rendered = notification_render(notice)
    assert "Carrier fixed the trunk" in rendered["text"] and "Carrier fixed the trunk" in rendered["html"]
    desk = client.get(reverse("desk:ticket_detail", args=[ticket.pk])).content.decode()
    assert "Reason: Carrier fixed the trunk" in desk


def test_the_survey_mail_html_links_the_survey_as_a_button(customer, tech, priorities):
    ticket = ticket_create(requester=customer, subject="Phones down", now=NOW)
    survey_url = "https://help.example.test/survey/tok123/"
    row = Notification.objects.create(
        event="survey",
        ticket=ticket,
        recipient=customer.email,
        created_at=NOW,
        context={
            "ticket_reference": ticket.reference,
            "ticket_url": "https://help.example.test/tickets/1/",
            "survey_url": survey_url,
            "expires_at": "Sat 4 Apr",
        },
    )
    html = notification_render(row)["html"]
    links = re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', html)
    assert (survey_url, "Rate how we did") in links
    assert links[0][0] == survey_url  # the first button is the survey, not the ticket
