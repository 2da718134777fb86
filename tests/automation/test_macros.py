"""Macros: a named bundle a technician previews and applies in one click; personal, team or global."""

import pytest
from django.urls import reverse

from accounts.models import Team
from automation.models import Macro
from notifications.models import Notification
from tickets.models import Status, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolve_macro(priorities):
    return Macro.objects.create(
        name="Fixed: trunk reset",
        reply=Macro.Reply.PUBLIC,
        body="Hi {{ requester }}, {{ agent }} reset the trunk on {{ ticket.reference }}.",
        set_status="resolved",
        set_priority=priorities["low"],
        priority_reason="Service restored",
        assign_to_me=True,
    )


def test_a_technician_previews_then_applies_a_macro_in_one_click(
    client, tech, make_ticket, resolve_macro, frozen
):
    ticket = make_ticket()
    client.force_login(tech)
    page = client.get(reverse("desk:ticket_detail", args=[ticket.pk])).content.decode()
    review = reverse("automation:macro_review", args=[ticket.pk, resolve_macro.pk])
    assert review in page
    preview = client.get(review).content.decode()
    assert f"Hi Casey Customer, Taylor Tech reset the trunk on {ticket.reference}." in preview
    assert "Status: Resolved" in preview
    assert Ticket.objects.get(pk=ticket.pk).status == Status.NEW  # a preview changes nothing
    client.post(reverse("automation:macro_apply", args=[ticket.pk, resolve_macro.pk]))
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert (ticket.status, ticket.priority.slug, ticket.assignee) == (Status.RESOLVED, "low", tech)
    reply = ticket.messages.get(from_staff=True)
    assert reply.author == tech and "reset the trunk" in reply.body
    assert ticket.first_responded_at is not None  # a person's reply through a macro is a response
    assert ticket.events.get(kind=TicketEvent.Kind.ASSIGNEE).reason == "macro \u201cFixed: trunk reset\u201d"
    assert Notification.objects.filter(ticket=ticket, event="ticket_resolved").exists()


def test_personal_and_team_macros_are_offered_only_to_their_people(client, tech, tech2, make_ticket, frozen):
    ticket = make_ticket()
    voice = Team.objects.create(name="Voice")
    voice.members.add(tech)
    mine = Macro.objects.create(
        name="Mine", scope=Macro.Scope.PERSONAL, owner=tech, reply="internal", body="x"
    )
    team = Macro.objects.create(
        name="Voice only", scope=Macro.Scope.TEAM, team=voice, reply="internal", body="y"
    )
    client.force_login(tech2)
    for macro in (mine, team):
        assert client.get(reverse("automation:macro_review", args=[ticket.pk, macro.pk])).status_code == 404
        assert client.post(reverse("automation:macro_apply", args=[ticket.pk, macro.pk])).status_code == 404
    assert not ticket.messages.filter(from_staff=True).exists()
    client.force_login(tech)
    assert client.get(reverse("automation:macro_review", args=[ticket.pk, team.pk])).status_code == 200


def test_customers_cannot_apply_macros(client, customer, make_ticket, resolve_macro, frozen):
    ticket = make_ticket()
    client.force_login(customer)
    response = client.post(reverse("automation:macro_apply", args=[ticket.pk, resolve_macro.pk]))
    assert response.status_code == 404
    assert Ticket.objects.get(pk=ticket.pk).status == Status.NEW


def test_a_macro_that_changes_priority_without_a_reason_is_refused_whole(
    client, tech, make_ticket, priorities, frozen
):
    bad = Macro.objects.create(
        name="Bump", set_priority=priorities["urgent"], reply="internal", body="bumped"
    )
    ticket = make_ticket()
    client.force_login(tech)
    response = client.post(reverse("automation:macro_apply", args=[ticket.pk, bad.pk]), follow=True)
    assert any("gives no reason" in str(m) for m in response.context["messages"])
    assert not ticket.messages.filter(from_staff=True).exists()


def test_team_leads_manage_macros_and_rules_in_the_admin_and_technicians_do_not(client, lead, tech):
    client.force_login(lead)
    assert client.get("/admin/automation/macro/add/").status_code == 200
    assert client.get("/admin/automation/rule/").status_code == 200
    client.force_login(tech)
    assert client.get("/admin/automation/macro/add/").status_code == 403
