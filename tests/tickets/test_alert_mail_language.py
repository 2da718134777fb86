"""Staff alert mails are worded for each recipient when a worker renders them (the outbox keeps instants,
seconds and codes): one monitor pass tells a German technician in New York in German with New York times,
and an English one in UTC in English. Where the SLA calendar's zone shows another wall clock than the
reader's, the mail names both ("10:00 London, 06:00 your time")."""

import pytest
from django.core import mail

from notifications.models import Notification
from notifications.services import notification_deliver
from sla.models import AlertRule
from tests.factories import StaffFactory, office_calendar
from tests.tickets.jobs_support import HOUR, at, policy
from tickets.jobs import assignment_deadline_check, sla_monitor
from tickets.services import ticket_assign, ticket_create, ticket_escalate, ticket_escalation_request

pytestmark = pytest.mark.django_db

Ev, Aud = AlertRule.Event, AlertRule.Audience
# London keeps GMT in March 2026 (UTC's wall clock); New York moved to EDT (UTC-4) on Sunday 8 March.


@pytest.fixture
def german(tech):
    tech.language, tech.time_zone = "de", "America/New_York"
    tech.save()
    return tech


@pytest.fixture
def english(db):
    return StaffFactory(email="ed@helpdesk.test", full_name="Ed English", language="en-gb", time_zone="UTC")


def _rules(*events, audience=Aud.ENGINEERS):
    for event in events:
        AlertRule.objects.create(event=event, audience=audience)


def _deliver(event: str, person, now):
    [n] = Notification.objects.filter(event=event, recipient=person.email)
    notification_deliver(notification_id=n.pk, now=now)
    return mail.outbox[-1]


@pytest.fixture
def high(customer, german, priorities):
    """High (2 business hours to a first response, London office hours) filed Friday 16:30: due Monday
    10:00 London, the warning at 09:30."""
    ticket = ticket_create(
        requester=customer, subject="Leitung tot", priority=priorities["high"], now=at(6, 16, 30)
    )
    return ticket_assign(ticket=ticket, agent=german, by=german, now=at(6, 16, 31))


def test_one_monitor_run_warns_each_technician_in_their_own_language_and_zone(german, english, high):
    _rules(Ev.WARNING)
    assert sla_monitor(now=at(9, 9, 30)) == 1
    de = _deliver("sla_warning", german, at(9, 9, 30))
    assert de.subject == f"[{high.reference}] Hoch: erste Antwort fällig Mo 9 Mär, 06:00 EDT: Leitung tot"
    assert "Das Ziel „erste Antwort“ läuft bald ab." in de.body
    assert "Fällig: Mo 9 Mär, 10:00 London, 06:00 Ihre Zeit (noch 30 Minuten)." in de.body
    en = _deliver("sla_warning", english, at(9, 9, 30))
    assert en.subject == f"[{high.reference}] High first response due Mon 9 Mar, 10:00 UTC: Leitung tot"
    # London's wall clock is UTC's in March: one time, no "your time".
    assert "Due: Mon 9 Mar, 10:00 UTC (30 minutes left)." in en.body
    assert "your time" not in en.body


def test_one_monitor_run_tells_each_technician_of_the_breach_in_their_own_language_and_zone(
    german, english, high
):
    _rules(Ev.BREACH)
    assert sla_monitor(now=at(9, 12, 5)) == 1  # two hours and five minutes late
    de = _deliver("sla_breach", german, at(9, 12, 5))
    assert de.subject == f"[{high.reference}] Hoch: Ziel „erste Antwort“ VERFEHLT: Leitung tot"
    assert (
        "Es war fällig am Mo 9 Mär, 10:00 London, 06:00 Ihre Zeit; bisher überschritten um 2 Stunden 5 Minuten."
        in de.body
    )
    en = _deliver("sla_breach", english, at(9, 12, 5))
    assert en.subject == f"[{high.reference}] High first response target BREACHED: Leitung tot"
    assert "It was due Mon 9 Mar, 10:00 UTC; missed by 2 hours 5 minutes so far." in en.body


def test_a_new_ticket_alert_says_its_headline_and_due_time_in_each_readers_words(
    customer, german, english, priorities
):
    _rules(Ev.CREATED)
    ticket_create(requester=customer, subject="Leitung tot", priority=priorities["high"], now=at(6, 16, 30))
    de = _deliver("sla_alert", german, at(6, 16, 30))
    assert de.subject.endswith("] Neues Ticket, Priorität Hoch: Leitung tot")
    assert "Erste Antwort fällig: Mo 9 Mär, 10:00 London, 06:00 Ihre Zeit." in de.body
    en = _deliver("sla_alert", english, at(6, 16, 30))
    assert en.subject.endswith("] New High ticket: Leitung tot")
    assert "First response due Mon 9 Mar, 10:00 UTC." in en.body


def test_an_escalation_the_plan_refuses_yet_says_so_in_the_readers_language(
    customer, german, english, priorities
):
    _rules(Ev.ESCALATED)
    ticket = ticket_create(
        requester=customer, subject="Drucker", priority=priorities["normal"], now=at(6, 10)
    )
    assert (
        ticket_escalation_request(ticket=ticket, by=customer, now=at(6, 10, 5), reason="Bitte schnell")
        is False
    )
    de = _deliver("sla_alert", german, at(6, 10, 5))
    assert "Vom Kunden eskaliert" in de.subject
    assert "Grund: Bitte schnell" in de.body
    assert "Nicht eskaliert: Die Eskalationsregeln des Plans erlauben das noch nicht." in de.body
    en = _deliver("sla_alert", english, at(6, 10, 5))
    assert "Escalated by the customer" in en.subject
    assert "Not escalated: the plan's escalation policy does not allow it yet." in en.body
    [stored] = Notification.objects.filter(event="sla_alert", recipient=english.email)
    assert stored.context["reason"] == "Bitte schnell"  # the customer's words only; ours are the template's


def test_the_unassigned_alert_names_the_work_calendars_zone_beside_the_readers(
    plan, customer, german, english, priorities
):
    # The assignment deadline counts on the plan's work calendar (Berlin office hours), not the SLA's.
    policy(assignment_deadline=HOUR, calendar=office_calendar(name="berlin", tz="Europe/Berlin"))
    _rules(Ev.UNASSIGNED)
    ticket_create(requester=customer, subject="Drucker", priority=priorities["normal"], now=at(6, 17))
    assert assignment_deadline_check(now=at(9, 9)) == 1  # Monday 10:00 in Berlin
    de = _deliver("unassigned_alert", german, at(9, 9))
    assert "Nach 1 Stunde noch nicht zugewiesen: Drucker" in de.subject
    assert "(bis Mo 9 Mär, 10:00 Berlin, 05:00 Ihre Zeit)" in de.body
    en = _deliver("unassigned_alert", english, at(9, 9))
    assert "(by Mon 9 Mar, 10:00 Berlin, 09:00 your time)" in en.body


def test_the_escalation_and_assignment_mails_name_the_level_in_the_readers_language(
    customer, german, lead, priorities
):
    lead.language = "de"
    lead.save()
    ticket = ticket_create(
        requester=customer, subject="Leitung tot", priority=priorities["high"], now=at(6, 10)
    )
    ticket_escalate(ticket=ticket, by=customer, now=at(6, 10, 5), reason="Bitte schnell")
    escalation = _deliver("escalation", lead, at(6, 10, 5))
    assert "Priorität: Hoch" in escalation.body and "<td>Hoch</td>" in escalation.alternatives[0][0]
    ticket_assign(ticket=ticket, agent=german, by=lead, now=at(6, 10, 6))
    assigned = _deliver("assigned_to_you", german, at(6, 10, 6))
    assert "Priorität: Hoch" in assigned.body


def test_an_alerts_subject_is_the_tickets_subject_as_typed_on_one_line(customer, english, priorities):
    """A subject line is plain text: a customer's "&" and "<" read as typed (not "&amp;"), and a typed
    line break cannot start a second header."""
    _rules(Ev.CREATED)
    ticket_create(
        requester=customer,
        subject="R&D <lab>\nBcc: x@evil.test",
        priority=priorities["high"],
        now=at(6, 16, 30),
    )
    en = _deliver("sla_alert", english, at(6, 16, 30))
    assert en.subject.endswith("] New High ticket: R&D <lab> Bcc: x@evil.test")
    assert "\n" not in en.subject and "&amp;" not in en.subject
