"""A queued mail says what was true at its event, even when it is sent (or retried) after a change."""

from datetime import timedelta

import pytest

from notifications.models import Notification
from notifications.services import notification_deliver
from tests.conftest import NOW
from tests.factories import StaffFactory
from tickets.jobs import sla_monitor
from tickets.models import Status
from tickets.services import (
    message_add,
    ticket_assign,
    ticket_change_status,
    ticket_create,
    ticket_escalate,
    ticket_reclassify,
)

pytestmark = pytest.mark.django_db


def _send(notification: Notification, mailoutbox, *, now):
    notification_deliver(notification_id=notification.pk, now=now)
    return mailoutbox[-1]


def test_a_breach_alert_sent_after_a_reassignment_names_the_assignee_of_the_breach(
    customer, tech, lead, priorities, mailoutbox
):
    ticket = ticket_create(
        requester=customer, subject="All lines down", priority=priorities["urgent"], now=NOW
    )
    ticket_assign(ticket=ticket, agent=tech, by=lead, now=NOW)
    sla_monitor(now=NOW + timedelta(hours=1))  # the 30-minute first response passed: the assignee is told
    [breach] = Notification.objects.filter(event="sla_breach")
    other = StaffFactory(email="robin@helpdesk.test", full_name="Robin Other")
    ticket_assign(ticket=ticket, agent=other, by=lead, now=NOW + timedelta(hours=1, minutes=5))
    mail = _send(breach, mailoutbox, now=NOW + timedelta(hours=2))  # e.g. a retry after an outage
    assert "Assigned to Taylor Tech." in mail.body
    assert "Robin" not in mail.body


def test_a_receipt_sent_after_a_reclassification_shows_the_priority_and_due_time_it_was_filed_with(
    customer, tech, lead, priorities, mailoutbox
):
    ticket = ticket_create(requester=customer, subject="Fax broken", priority=priorities["normal"], now=NOW)
    [receipt] = Notification.objects.filter(event="ticket_received")
    due = ticket.first_response_due_at
    ticket_reclassify(ticket=ticket, priority=priorities["high"], by=tech, reason="outage", now=NOW)
    mail = _send(receipt, mailoutbox, now=NOW + timedelta(minutes=5))
    assert "with Normal priority" in mail.body
    assert f"first response by {due:%a %-d %b %Y, %H:%M}" in mail.body


def test_an_escalation_notice_shows_the_status_at_the_escalation(
    customer, tech, lead, priorities, mailoutbox
):
    ticket = ticket_create(requester=customer, subject="x", priority=priorities["high"], now=NOW)
    message_add(ticket=ticket, author=tech, body="On it.", now=NOW + timedelta(minutes=5))
    ticket_escalate(ticket=ticket, by=customer, now=NOW + timedelta(minutes=6))
    [escalation] = Notification.objects.filter(event="escalation")
    assert escalation.context["ticket"]["first_response_owed"] is False  # computed once, here
    ticket_change_status(ticket=ticket, status=Status.WAITING, by=tech, now=NOW + timedelta(minutes=7))
    mail = _send(escalation, mailoutbox, now=NOW + timedelta(minutes=7))
    assert "Priority: High" in mail.body
    assert "Status: Open" in mail.body
