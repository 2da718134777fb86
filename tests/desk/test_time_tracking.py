"""Time tracking: technicians log minutes on replies and notes; leads total them per organization,
technician or ticket for billing (desk page, CSV, API)."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse

from sla.config import sla_config_export, sla_config_import
from sla.config.yaml_io import dump_yaml
from sla.models import SupportPlan
from tests.conftest import NOW
from tickets.models import Channel, Message
from tickets.policy import TicketError
from tickets.services import message_add

pytestmark = pytest.mark.django_db


def reply(client, ticket, body="Reset the trunk.", **extra):
    last = ticket.messages.order_by("-pk").values_list("pk", flat=True).first() or 0
    data = {"body": body, "kind": "public", "seen_message": last, **extra}
    return client.post(reverse("desk:ticket_reply", args=[ticket.pk]), data)


def test_a_technician_logs_minutes_and_the_ticket_page_totals_them(client, tech, make_ticket, frozen):
    ticket = make_ticket()
    client.force_login(tech)
    assert reply(client, ticket, minutes=20).status_code == 302
    assert reply(client, ticket, "Internal: checked the PBX", kind="internal", minutes=15).status_code == 302
    assert list(ticket.messages.filter(from_staff=True).values_list("minutes", flat=True)) == [20, 15]
    page = client.get(reverse("desk:ticket_detail", args=[ticket.pk])).content.decode()
    assert 'data-testid="minutes-total">35 min' in page


def test_a_plan_that_bills_by_time_refuses_a_reply_without_minutes_and_keeps_the_draft(
    client, tech, make_ticket, plan, frozen
):
    plan.time_tracking = SupportPlan.TimeTracking.REQUIRED
    plan.save()
    ticket = make_ticket()
    client.force_login(tech)
    response = reply(client, ticket, "A long careful answer the agent typed")
    assert response.status_code == 400
    html = response.content.decode()
    assert "bills by time" in html
    assert "A long careful answer the agent typed" in html  # the draft is still in the textarea
    assert not ticket.messages.filter(from_staff=True).exists()
    assert reply(client, ticket, minutes=5).status_code == 302


def test_a_technicians_reply_by_email_is_kept_without_minutes_on_a_plan_that_bills_by_time(
    tech, make_ticket, plan
):
    plan.time_tracking = SupportPlan.TimeTracking.REQUIRED
    plan.save()
    ticket = make_ticket()
    message = message_add(ticket=ticket, author=tech, body="On it", channel=Channel.STAFF_EMAIL, now=NOW)
    assert message.minutes is None  # mail has no field for minutes: never refused, never lost


def test_minutes_are_refused_from_customers_and_on_a_plan_that_does_not_track_time(
    customer, tech, make_ticket, plan
):
    ticket = make_ticket()
    with pytest.raises(TicketError, match="Only staff"):
        message_add(ticket=ticket, author=customer, body="I spent an hour", minutes=60, now=NOW)
    plan.time_tracking = SupportPlan.TimeTracking.OFF
    plan.save()
    with pytest.raises(TicketError, match="does not track time"):
        message_add(ticket=ticket, author=tech, body="Done", minutes=10, now=NOW)


def test_leads_total_the_time_per_organization_technician_and_ticket_with_a_csv(
    client, tech, tech2, lead, make_ticket, globex_customer, frozen
):
    acme = make_ticket("Acme phones")
    globex = make_ticket("Globex fax", requester=globex_customer)
    for ticket, agent, minutes in ((acme, tech, 30), (acme, tech2, 15), (globex, tech, 45)):
        message_add(ticket=ticket, author=agent, body="work", minutes=minutes, now=NOW)
    message_add(ticket=acme, author=tech, body="last month", minutes=999, now=NOW - timedelta(days=40))
    client.force_login(lead)
    day = NOW.date().isoformat()
    page = client.get(reverse("desk:timesheet"), {"from": day, "to": day})
    # Ties are ordered by key (the customer number): Acme 1001, then Globex 2002.
    assert [(r["label"], r["minutes"]) for r in page.context["totals"]] == [("Acme", 45), ("Globex", 45)]
    assert page.context["total_minutes"] == 90
    agents = client.get(reverse("desk:timesheet"), {"from": day, "to": day, "group": "agent"})
    assert {r["key"]: r["minutes"] for r in agents.context["totals"]} == {tech.email: 75, tech2.email: 15}
    lines = list(
        csv.reader(
            io.StringIO(client.get(reverse("desk:timesheet_csv"), {"from": day, "to": day}).content.decode())
        )
    )
    assert lines[0][-1] == "Minutes" and sorted(int(row[-1]) for row in lines[1:]) == [15, 30, 45]


def test_the_timesheet_is_for_leads_and_bad_dates_fall_back_to_this_month(
    client, tech, lead, customer, frozen
):
    client.force_login(tech)
    assert client.get(reverse("desk:timesheet")).status_code == 403
    client.force_login(customer)
    assert client.get(reverse("desk:timesheet_csv")).status_code == 404  # the desk does not exist for them
    client.force_login(lead)
    response = client.get(reverse("desk:timesheet"), {"from": "2026-13-45", "to": "yesterday"})
    assert response.status_code == 200
    assert response.context["period"].first == NOW.date().replace(day=1)


def test_the_api_reports_time_to_leads_and_hides_minutes_from_customers(
    tech, lead, customer, make_ticket, frozen
):
    from tests.api.conftest import token_client

    ticket = make_ticket()
    message_add(ticket=ticket, author=tech, body="Fixed", minutes=25, now=NOW)
    as_lead = token_client(lead)
    body = as_lead.get("/api/time/", {"group": "ticket"}).json()
    assert body["total_minutes"] == 25 and body["totals"][0]["key"] == str(ticket.pk)
    assert as_lead.get("/api/time/", {"date_from": "2026-03-02", "date_to": "2026-03-01"}).status_code == 400
    staff_view = token_client(tech).get(f"/api/tickets/{ticket.pk}/messages/").json()["results"]
    customer_view = token_client(customer).get(f"/api/tickets/{ticket.pk}/messages/").json()["results"]
    assert [m["minutes"] for m in staff_view if m["from_staff"]] == [25]
    assert all(m["minutes"] is None for m in customer_view)
    created = token_client(tech).post(
        f"/api/tickets/{ticket.pk}/messages/", {"body": "More", "minutes": 10}, format="json"
    )
    assert created.status_code == 201 and Message.objects.get(pk=created.json()["id"]).minutes == 10


def test_the_sla_file_carries_the_plans_time_tracking(plan):
    plan.time_tracking = SupportPlan.TimeTracking.REQUIRED
    plan.save()
    text = dump_yaml(sla_config_export())
    assert "time_tracking: required" in text
    plan.time_tracking = SupportPlan.TimeTracking.OFF
    plan.save()
    sla_config_import(text=text)
    plan.refresh_from_db()
    assert plan.time_tracking == SupportPlan.TimeTracking.REQUIRED
