from datetime import timedelta

import pytest

from notifications.models import Notification
from notifications.services import outbox_flush
from sla.models import AlertRule, EscalationContact, OnCallShift
from tests.conftest import NOW
from tests.factories import StaffFactory, office_calendar
from tests.tickets.jobs_support import at, recipients, sent
from tickets.alerts import Alerts
from tickets.services import ticket_assign, ticket_create, ticket_escalate

pytestmark = pytest.mark.django_db

Aud, Ch, Tm, Ev = AlertRule.Audience, AlertRule.Channel, AlertRule.Timing, AlertRule.Event


def contact(name, role, **kw):
    return EscalationContact.objects.create(name=name, role=role, email=f"{name.lower()}@helpdesk.test", **kw)


def rule(event=Ev.CREATED, audience=Aud.DIRECTORS, priority=None, **kw):
    return AlertRule.objects.create(event=event, audience=audience, priority=priority, **kw)


def test_the_on_call_audience_is_whoever_holds_a_shift_at_that_instant(customer, priorities):
    day, night = contact("Day", "on_call"), contact("Night", "on_call")
    OnCallShift.objects.create(contact=day, starts_at=at(6, 8), ends_at=at(6, 20))
    OnCallShift.objects.create(contact=night, starts_at=at(6, 20), ends_at=at(7, 8))
    rule(audience=Aud.ON_CALL)
    ticket_create(requester=customer, subject="day", priority=priorities["urgent"], now=at(6, 19, 59))
    ticket_create(requester=customer, subject="night", priority=priorities["urgent"], now=at(6, 20))
    assert [(n.ticket.subject, n.recipient) for n in sent("sla_alert")] == [
        ("day", "day@helpdesk.test"),
        ("night", "night@helpdesk.test"),
    ]


def test_each_audience_resolves_to_its_people(customer, tech, lead, priorities):
    other = StaffFactory(email="other@helpdesk.test")
    StaffFactory(email="gone@helpdesk.test", is_active=False)
    contact("Dee", "director")
    contact("Max", "managing_director")
    contact("Lea", "leadership")
    contact("Duty", "duty")
    ticket = ticket_create(requester=customer, subject="x", priority=priorities["high"], now=NOW)
    ticket = ticket_assign(ticket=ticket, agent=tech, by=lead, now=NOW)

    def emails(audience):  # a fresh pass each time: a pass reads each audience once
        r = AlertRule(event=Ev.CREATED, audience=audience)
        return sorted(x.address for x in Alerts(NOW).recipients(r, ticket))

    assert emails(Aud.ENGINEERS) == ["other@helpdesk.test", "tech@helpdesk.test"]
    assert emails(Aud.TEAM_LEADS) == ["lead@helpdesk.test"]
    assert emails(Aud.ASSIGNEE) == ["tech@helpdesk.test"]
    assert emails(Aud.DIRECTORS) == ["dee@helpdesk.test"]
    assert emails(Aud.MANAGING_DIRECTOR) == ["max@helpdesk.test"]
    assert emails(Aud.LEADERSHIP) == ["lea@helpdesk.test"]
    assert emails(Aud.DUTY) == ["duty@helpdesk.test"]
    EscalationContact.objects.filter(role="duty").update(active=False)
    assert emails(Aud.DUTY) == sorted([tech.email, other.email])  # no duty rota kept: the technicians
    assert Alerts(NOW).recipients(AlertRule(event=Ev.CREATED, audience=Aud.WEBHOOK), ticket) == []  # no URL


def test_paging_uses_the_contacts_own_hook_else_the_rules(customer, priorities):
    pager = contact("Pager", "on_call", webhook_url="https://pager.test/alice")
    plain = contact("Plain", "on_call")
    for c in (pager, plain):
        OnCallShift.objects.create(
            contact=c, starts_at=NOW - timedelta(hours=1), ends_at=NOW + timedelta(hours=1)
        )
    rule(audience=Aud.ON_CALL, channel=Ch.PAGE, webhook_url="https://pager.test/rota")
    rule(audience=Aud.WEBHOOK, webhook_url="https://chat.test/hook")
    ticket_create(requester=customer, subject="x", priority=priorities["urgent"], now=NOW)
    assert sorted((n.channel, n.recipient) for n in sent("sla_alert")) == [
        ("webhook", "https://chat.test/hook"),
        ("webhook", "https://pager.test/alice"),
        ("webhook", "https://pager.test/rota"),
    ]
    assert all(n.context["paged"] for n in sent("sla_alert") if "pager" in n.recipient)


def test_out_of_hours_rules_stay_silent_in_office_hours(customer, tech, priorities):
    rule(
        audience=Aud.ENGINEERS,
        priority=priorities["high"],
        timing=Tm.OUT_OF_HOURS,
        office_calendar=office_calendar(),
    )
    ticket_create(requester=customer, subject="in hours", priority=priorities["high"], now=at(6, 15, 30))
    assert sent("sla_alert") == []
    ticket_create(requester=customer, subject="evening", priority=priorities["high"], now=at(6, 18))
    assert [(n.ticket.subject, n.status) for n in sent("sla_alert")] == [("evening", "pending")]


def test_in_hours_rules_are_held_to_the_next_opening_and_released_by_the_outbox(
    customer, tech, priorities, mailoutbox, django_capture_on_commit_callbacks
):
    rule(audience=Aud.DUTY, priority=priorities["normal"], timing=Tm.IN_HOURS)
    ticket_create(requester=customer, subject="saturday", priority=priorities["normal"], now=at(7, 11))
    [held] = sent("sla_alert")
    assert held.status == Notification.Status.HELD
    assert held.not_before == at(9, 9)  # Monday's opening, not Saturday
    with django_capture_on_commit_callbacks(execute=True):
        outbox_flush(now=at(9, 8, 59))
    assert [m for m in mailoutbox if m.to == [tech.email]] == []
    with django_capture_on_commit_callbacks(execute=True):
        outbox_flush(now=at(9, 9))
    [mail] = [m for m in mailoutbox if m.to == [tech.email]]
    assert "New Normal ticket" in mail.subject


def test_two_rules_reaching_one_person_send_one_message(customer, lead, priorities):
    rule(audience=Aud.TEAM_LEADS)
    rule(audience=Aud.TEAM_LEADS, priority=priorities["urgent"])
    ticket_create(requester=customer, subject="x", priority=priorities["urgent"], now=NOW)
    assert recipients("sla_alert") == [lead.email]


def test_rules_of_other_priorities_or_inactive_rules_do_not_fire(customer, priorities):
    contact("Dee", "director")
    rule(priority=priorities["urgent"])
    rule(active=False)
    ticket_create(requester=customer, subject="x", priority=priorities["normal"], now=NOW)
    assert sent("sla_alert") == []


def test_an_escalation_fires_the_escalated_rules(customer, tech, priorities):
    contact("Lea", "leadership")
    rule(event=Ev.ESCALATED, audience=Aud.LEADERSHIP)
    ticket = ticket_create(requester=customer, subject="x", priority=priorities["urgent"], now=NOW)
    ticket_escalate(ticket=ticket, by=customer, now=NOW + timedelta(minutes=5), reason="please escalate")
    ticket_escalate(ticket=ticket, by=customer, now=NOW + timedelta(minutes=6), reason="again")
    [n] = sent("sla_alert")
    assert n.recipient == "lea@helpdesk.test"
    assert n.context["alert"] == "Escalated by the customer" and n.context["reason"] == "please escalate"


def test_alert_mail_renders_subject_and_link(
    customer, priorities, mailoutbox, django_capture_on_commit_callbacks
):
    contact("Dee", "director")
    rule(audience=Aud.DIRECTORS)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_create(
            requester=customer, subject="All numbers down", priority=priorities["urgent"], now=NOW
        )
    [mail] = [m for m in mailoutbox if m.to == ["dee@helpdesk.test"]]
    assert mail.subject == f"[{ticket.reference}] New Urgent ticket: All numbers down"
    assert f"/desk/tickets/{ticket.pk}/" in mail.body
    assert mail.extra_headers["Auto-Submitted"] == "auto-generated"


def test_a_rule_whose_calendar_never_opens_is_logged_and_the_other_rules_still_fire(
    customer, lead, priorities, caplog
):
    from sla.models import Calendar

    closed = Calendar.objects.create(name="never-open", timezone="Europe/London")
    rule(audience=Aud.TEAM_LEADS, timing=Tm.IN_HOURS, office_calendar=closed)
    contact("Dee", "director")
    rule(audience=Aud.DIRECTORS)
    ticket_create(
        requester=customer, subject="x", priority=priorities["urgent"], now=NOW
    )  # the ticket is kept
    assert recipients("sla_alert") == ["dee@helpdesk.test"]
    assert "could not be evaluated" in caplog.text


def test_a_page_reaches_the_paging_webhook_end_to_end(
    customer, priorities, django_capture_on_commit_callbacks
):
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    received = []

    class Pager(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(202)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Pager)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/page"
        oncall = contact("Olly", "on_call", webhook_url=url)
        OnCallShift.objects.create(contact=oncall, starts_at=at(7, 0), ends_at=at(8, 0))
        rule(audience=Aud.ON_CALL, channel=Ch.PAGE, priority=priorities["urgent"])
        with django_capture_on_commit_callbacks(execute=True):
            ticket = ticket_create(
                requester=customer, subject="All numbers down", priority=priorities["urgent"], now=at(7, 3)
            )
    finally:
        server.shutdown()
    assert [(r["event"], r["ticket"]) for r in received] == [("sla_alert", ticket.reference)]
    assert received[0]["subject"] == f"[{ticket.reference}] New Urgent ticket: All numbers down"
    assert Notification.objects.get(recipient=url).status == Notification.Status.SENT


def test_a_gap_in_the_on_call_rota_pages_the_escalation_contacts_and_says_so(
    customer, lead, priorities, caplog
):
    day = contact("Day", "on_call", webhook_url="https://pager.test/day")
    OnCallShift.objects.create(contact=day, starts_at=at(6, 8), ends_at=at(6, 20))  # nobody after 20:00
    rule(audience=Aud.ON_CALL, channel=Ch.PAGE, priority=priorities["urgent"])
    covered = ticket_create(
        requester=customer, subject="covered", priority=priorities["urgent"], now=at(6, 19)
    )
    gap = ticket_create(requester=customer, subject="gap", priority=priorities["urgent"], now=at(6, 21))
    # The page still reaches the on-call contacts (their own pagers), flagged as a gap.
    assert [(n.ticket.subject, n.recipient, n.context["rota_gap"]) for n in sent("sla_alert")] == [
        ("covered", "https://pager.test/day", False),
        ("gap", "https://pager.test/day", True),
    ]
    assert "no on-call shift covers" in caplog.text
    assert not covered.events.filter(new_value="rota_gap").exists()
    [event] = gap.events.filter(kind="alert", new_value="rota_gap")
    assert event.data["fallback"] == ["Day"]
    assert "No on-call shift covers" in event.reason


def test_a_rota_gap_with_no_on_call_contacts_falls_back_to_the_team_leads(customer, lead, priorities):
    rule(audience=Aud.ON_CALL, priority=priorities["urgent"])  # by email; no rota, no on-call contact
    ticket = ticket_create(requester=customer, subject="gap", priority=priorities["urgent"], now=at(6, 21))
    assert recipients("sla_alert") == [lead.email]
    assert ticket.events.filter(new_value="rota_gap").count() == 1
