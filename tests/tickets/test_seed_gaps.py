"""Issue 15's seed sentences walked through the public interfaces with a fixed clock."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from sla.models import PriorityLevel, SupportPlan
from tests.factories import CustomerFactory, OrganizationFactory, StaffFactory
from tickets.models import Status
from tickets.services import ticket_create

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)  # office hours in London


@pytest.fixture
def telephony():
    call_command("sla_import", "--preset", "telephony-categories", stdout=StringIO())
    plan = SupportPlan.objects.get(slug="standard")
    org = OrganizationFactory(plan=plan, customer_number="4004", name="Dialco", email_domains=["dialco.test"])
    return {
        "plan": plan,
        "customer": CustomerFactory(organization=org, email="dee@dialco.test"),
        "tech": StaffFactory(email="tess@helpdesk.test"),
    }


def test_telephony_a_reply_that_resolves_sends_the_resolved_mail(
    client, telephony, mailoutbox, django_capture_on_commit_callbacks
):
    """ "When we consider an issue resolved we will send you a mail saying so." """
    normal = PriorityLevel.objects.get(slug="normal")
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_create(requester=telephony["customer"], subject="Echo", priority=normal, now=MONDAY)
    client.force_login(telephony["tech"])
    mailoutbox.clear()
    with (
        time_machine.travel(MONDAY + timedelta(minutes=20), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        client.post(
            reverse("desk:ticket_reply", args=[ticket.pk]),
            {"body": "Fixed on our side.", "kind": "public", "set_status": Status.RESOLVED},
        )
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    subjects = [m.subject.lower() for m in mailoutbox]
    assert any("resolved" in s for s in subjects), subjects
    assert len([s for s in subjects if "resolved" in s]) == 1


def test_telephony_customers_edit_only_after_a_breach_and_the_page_says_so(client, telephony):
    """ "If the above response times have been breached you may use this portal ... to edit your request.
    Please do not abuse this if your issue is within the times." """
    normal = PriorityLevel.objects.get(slug="normal")
    customer = telephony["customer"]
    ticket = ticket_create(requester=customer, subject="Echo", priority=normal, now=MONDAY)
    client.force_login(customer)
    with time_machine.travel(MONDAY + timedelta(minutes=5), tick=False):
        page = client.get(reverse("portal:ticket_detail", args=[ticket.pk])).content.decode()
        edit = client.get(reverse("portal:ticket_edit", args=[ticket.pk]))
    assert "Edit the request" not in page and "if our response time is breached" in page
    assert edit.status_code == 302  # new and untouched, but this plan waits for a breach
    late = ticket.first_response_due_at + timedelta(minutes=1)
    with time_machine.travel(late, tick=False):
        page = client.get(reverse("portal:ticket_detail", args=[ticket.pk])).content.decode()
        edit = client.get(reverse("portal:ticket_edit", args=[ticket.pk]))
    assert "Edit the request" in page and edit.status_code == 200


def test_other_plans_keep_editing_while_new(client, customer, priorities, now):
    ticket = ticket_create(requester=customer, subject="x", priority=priorities["normal"], now=now)
    client.force_login(customer)
    with time_machine.travel(now + timedelta(minutes=1), tick=False):
        assert client.get(reverse("portal:ticket_edit", args=[ticket.pk])).status_code == 200
