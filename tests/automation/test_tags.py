"""Automation and tags: a rule can ask "has tag", rules and macros add and remove tags through the
tagging service (an event per tag, naming the rule), and the SLA file carries it all."""

import pytest
from django.core.exceptions import ValidationError

from automation.models import Macro, Rule
from automation.services import macro_apply, macro_preview
from sla.config import dump_yaml, sla_config_export, sla_config_import
from tests.conftest import NOW
from tickets.models import TicketEvent
from tickets.services import message_add, ticket_create, ticket_tags_change

pytestmark = pytest.mark.django_db


def tags(ticket):
    return sorted(ticket.tags.values_list("name", flat=True))


def test_a_rule_tags_new_tickets_and_names_itself_in_the_event(customer, priorities):
    Rule.objects.create(
        name="Outage tagger", event=Rule.Event.CREATED, words="outage", add_tags="outage,triage"
    )
    ticket = ticket_create(requester=customer, subject="Outage on site", now=NOW)
    assert tags(ticket) == ["outage", "triage"]
    event = ticket.events.filter(kind=TicketEvent.Kind.TAG_ADDED).first()
    assert event.actor is None and "Outage tagger" in event.reason


def test_a_has_tag_rule_fires_only_for_tagged_tickets_and_can_untag(customer, priorities, tech):
    Rule.objects.create(
        name="VIP replied",
        event=Rule.Event.CUSTOMER_REPLIED,
        has_tag="vip",
        set_priority=priorities["high"],
        remove_tags="waiting-on-vip",
    )
    vip = ticket_create(requester=customer, subject="A", now=NOW)
    plain = ticket_create(requester=customer, subject="B", now=NOW)
    ticket_tags_change(ticket=vip, add=["vip", "waiting-on-vip"], by=tech, now=NOW)
    ticket_tags_change(ticket=plain, add=["waiting-on-vip"], by=tech, now=NOW)
    for t in (vip, plain):
        message_add(ticket=t, author=customer, body="Any news?", now=NOW)
    vip.refresh_from_db(), plain.refresh_from_db()
    assert vip.priority == priorities["high"] and tags(vip) == ["vip"]
    assert plain.priority != priorities["high"] and tags(plain) == ["waiting-on-vip"]


def test_a_macro_tags_through_the_service_and_previews_it(customer, priorities, tech):
    macro = Macro.objects.create(name="Billing", add_tags="billing", remove_tags="triage")
    ticket = ticket_create(requester=customer, subject="Invoice", now=NOW)
    ticket_tags_change(ticket=ticket, add=["triage"], by=tech, now=NOW)
    assert "Add tags: billing" in macro_preview(macro=macro, ticket=ticket, by=tech)
    macro_apply(macro=macro, ticket=ticket, by=tech, now=NOW)
    assert tags(ticket) == ["billing"]
    added = ticket.events.get(kind=TicketEvent.Kind.TAG_ADDED, new_value="billing")
    assert added.actor == tech and "Billing" in added.reason


def test_the_admin_spells_tag_columns_the_way_tickets_do():
    rule = Rule(
        name="x", event=Rule.Event.CREATED, has_tag="VIP", add_tags="Billing Issue, a", remove_tags=""
    )
    rule.clean()
    assert rule.has_tag == "vip" and rule.add_tags == "billing-issue,a"
    with pytest.raises(ValidationError):
        Rule(name="x", event="created", add_tags="<bad>").clean()
    with pytest.raises(ValidationError):
        Rule(name="x", event="created", has_tag="a,b").clean()


def test_tag_conditions_and_actions_round_trip_through_the_sla_file(priorities):
    Macro.objects.create(name="Billing", add_tags="billing")
    Rule.objects.create(name="VIP", event=Rule.Event.CREATED, has_tag="vip", add_tags="a,b", remove_tags="c")
    text = dump_yaml(sla_config_export())
    Rule.objects.all().delete()
    Macro.objects.all().delete()
    sla_config_import(text=text)
    rule, macro = Rule.objects.get(), Macro.objects.get()
    assert (rule.has_tag, rule.add_tags, rule.remove_tags) == ("vip", "a,b", "c")
    assert macro.add_tags == "billing"
