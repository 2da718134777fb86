"""The timed jobs driven by the bundled presets themselves (``manage.py sla_import --preset``), in their
own time zone (America/New_York, which moves to daylight time on Sunday 8 March 2026)."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from notifications.models import Notification
from sla.models import EscalationContact, OnCallShift, PriorityLevel, SupportPlan
from tests.factories import CustomerFactory, OrganizationFactory, StaffFactory
from tests.tickets.jobs_support import recipients, sent
from tickets.jobs import assignment_deadline_check, resolved_close, waiting_remind_and_close
from tickets.models import Status
from tickets.services import ticket_change_status, ticket_create

pytestmark = pytest.mark.django_db


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def load(preset: str):
    call_command("sla_import", "--preset", preset, stdout=StringIO())
    plan = SupportPlan.objects.get(is_default=True)
    customer = CustomerFactory(organization=OrganizationFactory(plan=plan), email="pat@customer.test")
    return {p.slug: p for p in PriorityLevel.objects.all()}, customer


def test_telephony_preset_pages_tells_directors_and_holds_normal_for_duty_hours():
    levels, customer = load("telephony-categories")
    tech = StaffFactory(email="eng@helpdesk.test")
    oncall = EscalationContact.objects.create(
        name="On call", role="on_call", webhook_url="https://pager.test/x"
    )
    OnCallShift.objects.create(contact=oncall, starts_at=utc(1, 0), ends_at=utc(31, 0))

    def told(ticket):
        return sorted(
            (n.recipient, n.status) for n in Notification.objects.filter(ticket=ticket, event="sla_alert")
        )

    urgent = ticket_create(
        requester=customer, subject="All down", priority=levels["urgent"], now=utc(7, 8)
    )  # Sat 03:00
    assert told(urgent) == [
        ("directors@example.com", "pending"),
        ("https://pager.test/x", "pending"),
        ("md@example.com", "pending"),
    ]
    high_day = ticket_create(
        requester=customer, subject="Fax", priority=levels["high"], now=utc(9, 15)
    )  # Mon 11:00 EDT
    assert told(high_day) == [("directors@example.com", "pending")]
    high_night = ticket_create(
        requester=customer, subject="Inbound", priority=levels["high"], now=utc(10, 0)
    )  # Mon 20:00
    assert told(high_night) == [("directors@example.com", "pending"), ("https://pager.test/x", "pending")]
    normal = ticket_create(
        requester=customer, subject="Extension", priority=levels["normal"], now=utc(7, 17)
    )  # Sat noon
    assert told(normal) == [(tech.email, "held")]  # no duty rota in the preset: the technicians
    assert Notification.objects.get(ticket=normal, event="sla_alert").not_before == utc(
        9, 12
    )  # Mon 08:00 EDT

    ticket_change_status(ticket=normal, status=Status.RESOLVED, by=tech, now=utc(9, 14))
    assert resolved_close(now=utc(14, 14)) == 0  # five days later is Saturday: waits for the office
    assert resolved_close(now=utc(16, 12)) == 1
    normal.refresh_from_db()
    assert normal.status == Status.CLOSED


def test_managed_it_preset_assignment_hour_and_follow_ups():
    levels, customer = load("managed-it")
    lead = StaffFactory(email="lead@helpdesk.test", group="Team leads")
    tech = StaffFactory(email="tech@helpdesk.test")
    ticket = ticket_create(
        requester=customer, subject="VPN", priority=levels["normal"], now=utc(6, 21, 30)
    )  # Fri 16:30 EST
    assert assignment_deadline_check(now=utc(9, 12, 29)) == 0  # Mon 08:29 EDT: half an hour Friday + 29 min
    assert assignment_deadline_check(now=utc(9, 12, 30)) == 1
    assert recipients("unassigned_alert") == [lead.email]

    ticket_change_status(ticket=ticket, status=Status.WAITING, by=tech, now=utc(9, 14))
    for when, expected in (
        (utc(11, 14), 1),
        (utc(13, 14), 1),
        (utc(15, 14), 0),
        (utc(16, 12), 1),
        (utc(17, 13), 0),
    ):
        assert waiting_remind_and_close(now=when) == expected, when
    assert waiting_remind_and_close(now=utc(17, 14)) == 1  # eight days waiting: closed
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.close_reason == "no answer within 8 days"
    assert len(sent("waiting_reminder")) == 3
    assert timedelta(days=8) == ticket.closed_at - utc(9, 14)
