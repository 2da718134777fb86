"""The desk's rule editor: team leads and admins only, the admin's checks, and a rule written there fires."""

import pytest
from django.urls import reverse

from automation.models import Rule
from automation.services import rule_delete, rule_save
from tests.conftest import NOW
from tickets.policy import TicketError
from tickets.services import ticket_create

pytestmark = pytest.mark.django_db


def _form(**over):
    data = {
        "name": "Outage to urgent",
        "event": "created",
        "position": "0",
        "active": "on",
        "hours": "",
        "request_fields": "{}",
        "notify_emails": "[]",
        "words": "outage",
    }
    data.update(over)
    return data


def test_technicians_neither_read_nor_change_rules_in_the_desk(client, tech):
    rule = Rule.objects.create(name="Kept", event="created")
    client.force_login(tech)
    assert client.get(reverse("automation:rule_list")).status_code == 403
    assert client.post(reverse("automation:rule_new"), _form()).status_code == 403
    assert client.post(reverse("automation:rule_edit", args=[rule.pk]), _form()).status_code == 403
    assert client.post(reverse("automation:rule_delete", args=[rule.pk])).status_code == 403
    assert list(Rule.objects.values_list("name", flat=True)) == ["Kept"]
    with pytest.raises(TicketError):
        rule_save(rule=Rule(name="x", event="created"), by=tech)
    with pytest.raises(TicketError):
        rule_delete(rule=rule, by=tech)


def test_a_lead_writes_a_rule_in_the_desk_and_it_fires(client, lead, customer, priorities):
    client.force_login(lead)
    response = client.post(reverse("automation:rule_new"), _form(set_priority=priorities["urgent"].pk))
    assert response.status_code == 302, response.context["form"].errors
    ticket = ticket_create(requester=customer, subject="Total outage", now=NOW)
    assert ticket.priority.slug == "urgent"
    assert "Outage to urgent" in client.get(reverse("automation:rule_list")).content.decode()


def test_the_rule_editor_checks_what_the_admin_checks(client, lead):
    client.force_login(lead)
    for data, field in (
        (_form(has_tag="a,b"), "has_tag"),
        (_form(add_tags="<bad>"), "add_tags"),
        (_form(event="whenever"), "event"),
        (_form(request_fields="{not json"), "request_fields"),
        (_form(webhook_url="not a url"), "webhook_url"),
    ):
        response = client.post(reverse("automation:rule_new"), data)
        assert response.status_code == 400 and field in response.context["form"].errors, data
    assert not Rule.objects.exists()


def test_a_lead_edits_and_deletes_a_rule(client, lead):
    rule = Rule.objects.create(name="Old", event="created")
    client.force_login(lead)
    assert (
        client.post(reverse("automation:rule_edit", args=[rule.pk]), _form(name="New", stop="on")).status_code
        == 302
    )
    rule.refresh_from_db()
    assert (rule.name, rule.stop, rule.words) == ("New", True, "outage")
    assert client.post(reverse("automation:rule_delete", args=[rule.pk])).status_code == 302
    assert not Rule.objects.exists()
    assert client.post(reverse("automation:rule_delete", args=[rule.pk])).status_code == 404
