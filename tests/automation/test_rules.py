"""Rules: when something happens to a ticket that matches, the desk changes it through the same services
a person would, names the rule, never loops; a dry run shows which rules would fire."""

from datetime import timedelta

import pytest
from django.urls import reverse

from accounts.models import Team
from automation.models import Macro, Rule
from notifications.models import Notification
from tests.conftest import NOW
from tests.factories import StaffFactory
from tickets.intake.service import email_ingest
from tickets.jobs import sla_monitor
from tickets.models import Channel, Status, Ticket, TicketEvent
from tickets.services import message_add, ticket_change_status, ticket_create

pytestmark = pytest.mark.django_db


def rule(**kw):
    return Rule.objects.create(**{"name": "Rule", "event": Rule.Event.CREATED, **kw})


def raw_mail(subject, body, sender="casey@acme.test"):
    return (
        f"From: Casey <{sender}>\r\nTo: support@helpdesk.test\r\nSubject: {subject}\r\n"
        f"Message-ID: <{abs(hash(subject))}@acme.test>\r\nDate: Fri, 06 Mar 2026 15:30:00 +0000\r\n\r\n{body}\r\n"
    ).encode()


def test_a_keyword_rule_reprioritises_and_routes_a_new_mail_ticket(customer, priorities, tech):
    voice = Team.objects.create(name="Voice")
    voice.members.add(tech)
    rule(
        name="Outage words",
        channel=Channel.EMAIL,
        words="outage, all lines down",
        set_priority=priorities["urgent"],
        set_team=voice,
        assign_to=tech,
    )
    email_ingest(raw=raw_mail("Help", "We have an outage on every site."), now=NOW)
    ticket = Ticket.objects.get()
    assert ticket.priority == priorities["urgent"] and ticket.team == voice and ticket.assignee == tech
    fired = ticket.events.get(kind=TicketEvent.Kind.RULE)
    assert fired.new_value == "Outage words" and fired.data["event"] == "created"
    reprioritised = ticket.events.get(kind=TicketEvent.Kind.PRIORITY)
    assert reprioritised.actor is None and "Outage words" in reprioritised.reason
    # The same notices as a person's change: the customer hears of the new priority and the owner.
    assert Notification.objects.filter(ticket=ticket, event="priority_changed").exists()
    assert Notification.objects.filter(ticket=ticket, event="ticket_assigned").exists()


def test_a_negated_keyword_does_not_fire_and_other_conditions_must_all_hold(customer, priorities, org):
    rule(words="outage", set_priority=priorities["urgent"], organization=org)
    calm = ticket_create(
        requester=customer, subject="Question", description="There is no outage, just a question.", now=NOW
    )
    assert Ticket.objects.get(pk=calm.pk).priority == priorities["normal"]
    Rule.objects.update(organization=None, plan=None, channel=Channel.API)
    web = ticket_create(requester=customer, subject="Outage", now=NOW)  # a web ticket: the channel differs
    assert Ticket.objects.get(pk=web.pk).priority == priorities["normal"]


def test_rules_run_in_order_and_stop_ends_the_event(customer, priorities):
    rule(name="First", position=1, set_priority=priorities["high"], stop=True)
    rule(name="Second", position=2, set_priority=priorities["low"])
    ticket = ticket_create(requester=customer, subject="Anything", now=NOW)
    assert Ticket.objects.get(pk=ticket.pk).priority == priorities["high"]
    assert list(ticket.events.filter(kind=TicketEvent.Kind.RULE).values_list("new_value", flat=True)) == [
        "First"
    ]


def test_a_rule_never_refires_on_its_own_change(customer, priorities, tech):
    reply = Macro.objects.create(
        name="Ack", reply=Macro.Reply.PUBLIC, body="We are on {{ ticket.reference }}.", set_status="waiting"
    )
    # On any status change, post the macro (which changes the status again): it must not loop.
    rule(name="Echo", event=Rule.Event.STATUS_CHANGED, apply_macro=reply)
    ticket = ticket_create(requester=customer, subject="Loop?", now=NOW)
    ticket_change_status(ticket=ticket, status=Status.OPEN, by=tech, now=NOW)
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.events.filter(kind=TicketEvent.Kind.RULE, new_value="Echo").count() == 1
    assert ticket.status == Status.WAITING
    auto = ticket.messages.get(body__startswith="We are on")
    assert auto.author is None and auto.from_staff
    assert ticket.first_responded_at is None  # the desk's automatic message is no first response


def test_a_customer_reply_rule_and_an_sla_breach_rule_fire_on_their_events(customer, priorities, tech, plan):
    lead_team = Team.objects.create(name="Escalations")
    rule(
        name="Angry",
        event=Rule.Event.CUSTOMER_REPLIED,
        words="unacceptable",
        notify_emails=["boss@helpdesk.test"],
    )
    rule(name="Breach to leads", event=Rule.Event.SLA_BREACH, set_team=lead_team)
    ticket = ticket_create(requester=customer, subject="Phones", priority=priorities["urgent"], now=NOW)
    message_add(ticket=ticket, author=customer, body="This is unacceptable.", now=NOW + timedelta(minutes=5))
    assert Notification.objects.filter(event="rule_notice", recipient="boss@helpdesk.test").count() == 1
    sla_monitor(now=NOW + timedelta(hours=2))  # the 30-minute urgent first response has passed
    assert Ticket.objects.get(pk=ticket.pk).team == lead_team


def test_a_refused_action_is_recorded_and_leaves_the_ticket_whole(customer, priorities):
    gone = StaffFactory(email="gone@helpdesk.test")
    r = rule(name="To a customer", set_priority=priorities["high"], assign_to=gone)
    Rule.objects.filter(pk=r.pk).update(assign_to=customer)  # (the admin limits choices; the data may not)
    ticket = ticket_create(requester=customer, subject="Anything", now=NOW)
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.priority == priorities["normal"] and ticket.assignee is None  # nothing half-applied
    refused = ticket.events.get(kind=TicketEvent.Kind.RULE)
    assert refused.data["refused"] and "only be assigned to staff" in refused.reason


def test_the_dry_run_shows_which_rules_would_fire_without_changing_anything(
    client, lead, tech, customer, priorities, frozen
):
    urgent = rule(name="Urgent words", words="down", set_priority=priorities["urgent"])
    quiet = rule(name="Never", words="zebra", set_priority=priorities["low"])
    Rule.objects.update(active=False)
    ticket = ticket_create(requester=customer, subject="Lines down", now=NOW)
    Rule.objects.update(active=True)
    client.force_login(lead)
    html = client.get(reverse("automation:rules_dry_run", args=[ticket.pk])).content.decode()
    assert f'data-testid="rule-{urgent.pk}-created">Urgent words: <strong>would fire' in html
    assert f'data-testid="rule-{quiet.pk}-created">Never: no match' in html
    assert Ticket.objects.get(pk=ticket.pk).priority == priorities["normal"]
    client.force_login(tech)
    assert client.get(reverse("automation:rules_dry_run", args=[ticket.pk])).status_code == 403
    client.force_login(customer)
    assert client.get(reverse("automation:rules_dry_run", args=[ticket.pk])).status_code == 404


def test_rules_that_do_not_match_cost_no_query_however_many_there_are(customer, priorities, org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def filing_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            ticket_create(requester=customer, subject="Question", now=NOW)
        return len(ctx)

    rule(words="outage")
    one = filing_queries()
    Rule.objects.bulk_create(
        Rule(
            name=f"r{i}",
            event=Rule.Event.CREATED,
            words=f"word{i}",
            organization=org,
            request_fields={"x": i},
        )
        for i in range(49)
    )
    assert filing_queries() == one  # one indexed read of the event's rules, then memory
