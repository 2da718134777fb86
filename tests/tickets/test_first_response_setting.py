"""Issue 15, item 1: what meets a first response is a plan setting. Managed IT (seed 001) promises
"prioritized and assigned within an hour ... often referred to as an initial first response", so its
preset meets the first response by assignment; every other plan by a public staff reply."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from notifications.models import Notification
from sla.models import PriorityLevel, SupportPlan
from tests.factories import CustomerFactory, OrganizationFactory, StaffFactory
from tickets.dashboard import sla_dashboard
from tickets.desk.history import explain_events
from tickets.jobs import sla_monitor
from tickets.models import TicketEvent
from tickets.selectors import sla_state
from tickets.services import message_add, ticket_assign, ticket_create

pytestmark = pytest.mark.django_db
FILED = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)  # Tuesday 10:00 in New York (EDT)
M = timedelta(minutes=1)


@pytest.fixture
def managed_it():
    call_command("sla_import", "--preset", "managed-it", stdout=StringIO())
    plan = SupportPlan.objects.get(slug="managed")
    customer = CustomerFactory(organization=OrganizationFactory(plan=plan), email="pat@customer.test")
    return plan, customer, StaffFactory(email="tech@helpdesk.test", full_name="Robin Tech")


def test_managed_it_assignment_within_the_hour_meets_the_first_response(managed_it):
    plan, customer, tech = managed_it
    assert plan.first_response_met_by == SupportPlan.FirstResponse.ASSIGNMENT
    ticket = ticket_create(
        requester=customer, subject="Printer", priority=PriorityLevel.objects.get(slug="normal"), now=FILED
    )
    assert ticket.first_response_due_at == FILED + 60 * M
    ticket = ticket_assign(ticket=ticket, agent=tech, by=tech, now=FILED + 30 * M)  # no reply
    assert ticket.first_responded_at == FILED + 30 * M
    sla_monitor(now=FILED + 65 * M)
    assert not Notification.objects.filter(event="sla_breach").exists()  # the technician is not told BREACHED
    assert not ticket.events.filter(kind=TicketEvent.Kind.SLA_BREACHED).exists()
    assert sla_state(ticket, FILED + 65 * M)["state"] != "breached"
    normal = {c.key: c for c in sla_dashboard(now=FILED + 65 * M, weeks=1)["by_priority"]}["Normal"]
    assert (normal.fr_met, normal.fr_breached) == (1, 0)
    met = [line for line in explain_events(ticket) if line["event"].kind == TicketEvent.Kind.SLA_MET]
    assert "by assignment to Robin Tech" in met[0]["detail"]


def test_managed_it_a_public_reply_before_assignment_also_meets_it(managed_it):
    _, customer, tech = managed_it
    ticket = ticket_create(requester=customer, subject="VPN", now=FILED)
    message_add(ticket=ticket, author=tech, body="Looking now", now=FILED + 20 * M)
    ticket = ticket_assign(ticket=ticket, agent=tech, by=tech, now=FILED + 40 * M)
    assert ticket.first_responded_at == FILED + 20 * M


def test_on_a_reply_plan_assignment_alone_does_not_meet_it(customer, tech, priorities):
    ticket = ticket_create(requester=customer, subject="x", priority=priorities["urgent"], now=FILED)
    ticket = ticket_assign(ticket=ticket, agent=tech, by=tech, now=FILED + 10 * M)
    assert ticket.first_responded_at is None
    sla_monitor(now=FILED + 35 * M)
    assert Notification.objects.filter(event="sla_breach", ticket=ticket).exists()


def test_the_setting_round_trips_through_yaml(managed_it):
    from sla.config import sla_config_export

    plans = {p["slug"]: p for p in sla_config_export()["plans"]}
    assert plans["managed"]["first_response_met_by"] == "assignment"
