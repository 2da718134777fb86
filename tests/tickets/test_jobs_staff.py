"""Assignment deadline and stale-ticket reminders, walking the clock in business hours."""

from datetime import timedelta

import pytest

from sla.models import Holiday
from tests.conftest import NOW
from tests.factories import office_calendar
from tests.tickets.jobs_support import HOUR, at, events, policy, recipients, sent
from tickets.jobs import assignment_deadline_check, stale_ticket_remind
from tickets.models import TicketEvent
from tickets.services import message_add, ticket_assign, ticket_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_business_hour(plan):
    return policy(assignment_deadline=HOUR, stale_after=4 * HOUR, calendar=office_calendar())


def test_an_unassigned_ticket_alerts_the_team_leads_after_one_business_hour_across_the_weekend(
    one_business_hour, customer, lead, priorities
):
    ticket = ticket_create(
        requester=customer, subject="Printer", priority=priorities["normal"], now=at(6, 17)
    )
    # Half an hour on Friday, half an hour on Monday morning.
    for when in (at(6, 17, 29), at(6, 18), at(7, 12), at(9, 9, 29)):
        assert assignment_deadline_check(now=when) == 0, when
    assert assignment_deadline_check(now=at(9, 9, 30)) == 1
    assert assignment_deadline_check(now=at(9, 9, 31)) == 0
    assert recipients("unassigned_alert") == [lead.email]
    [event] = events(ticket, TicketEvent.Kind.ALERT)
    assert event.data["due_at"] == at(9, 9, 30).isoformat()


def test_a_holiday_pushes_the_assignment_deadline_to_the_next_working_day(
    one_business_hour, customer, lead, priorities
):
    Holiday.objects.create(calendar=office_calendar(), date=at(9, 0).date())
    ticket_create(requester=customer, subject="x", priority=priorities["normal"], now=at(6, 17))
    assert assignment_deadline_check(now=at(9, 9, 30)) == 0
    assert assignment_deadline_check(now=at(10, 9, 29)) == 0
    assert assignment_deadline_check(now=at(10, 9, 30)) == 1


def test_assigning_in_time_means_no_alert(one_business_hour, customer, tech, lead, priorities):
    ticket = ticket_create(requester=customer, subject="x", priority=priorities["normal"], now=NOW)
    ticket_assign(ticket=ticket, agent=tech, by=lead, now=NOW + timedelta(minutes=20))
    assert assignment_deadline_check(now=NOW + 2 * HOUR) == 0
    assert sent("unassigned_alert") == []


def test_a_24x7_priority_counts_the_deadline_around_the_clock(one_business_hour, customer, lead, priorities):
    ticket_create(
        requester=customer, subject="down", priority=priorities["urgent"], now=at(7, 3)
    )  # Saturday night
    assert assignment_deadline_check(now=at(7, 3, 59)) == 0
    assert assignment_deadline_check(now=at(7, 4)) == 1


def test_after_a_night_outage_the_alert_waits_for_the_morning_and_is_sent_once(
    one_business_hour, customer, lead, priorities
):
    ticket_create(requester=customer, subject="x", priority=priorities["normal"], now=at(6, 16))
    assert assignment_deadline_check(now=at(6, 23)) == 0  # due 17:00, but the office is closed now
    assert assignment_deadline_check(now=at(9, 9)) == 1
    assert assignment_deadline_check(now=at(9, 9)) == 0
    assert len(sent("unassigned_alert")) == 1


def test_stale_tickets_remind_the_assignee_every_four_quiet_business_hours(
    one_business_hour, customer, tech, priorities
):
    ticket = ticket_create(requester=customer, subject="Slow VPN", priority=priorities["low"], now=NOW)
    ticket_assign(ticket=ticket, agent=tech, by=tech, now=NOW)  # Friday 15:30: two hours left in the week
    for when in (at(6, 17, 30), at(8, 12), at(9, 10, 59)):
        assert stale_ticket_remind(now=when) == 0, when
    assert stale_ticket_remind(now=at(9, 11)) == 1
    assert stale_ticket_remind(now=at(9, 11, 5)) == 0
    assert stale_ticket_remind(now=at(9, 15)) == 1  # still nobody touched it: four business hours later
    message_add(ticket=ticket, author=tech, body="Update: testing a fix", now=at(9, 15, 30))
    assert stale_ticket_remind(now=at(10, 10, 59)) == 0
    assert stale_ticket_remind(now=at(10, 11)) == 1
    assert recipients("stale_reminder") == [tech.email] * 3
    assert "Slow VPN" in sent("stale_reminder")[0].ticket.subject


def test_stale_reminders_skip_tickets_waiting_on_the_customer(one_business_hour, customer, tech, priorities):
    from tickets.services import ticket_change_status

    ticket = ticket_create(requester=customer, subject="x", priority=priorities["low"], now=NOW)
    ticket_assign(ticket=ticket, agent=tech, by=tech, now=NOW)
    ticket_change_status(ticket=ticket, status="waiting", by=tech, now=NOW)
    assert stale_ticket_remind(now=at(10, 12)) == 0


def test_stale_reminder_mail_names_the_idle_time(
    one_business_hour, customer, tech, priorities, mailoutbox, django_capture_on_commit_callbacks
):
    ticket = ticket_create(requester=customer, subject="Slow VPN", priority=priorities["low"], now=NOW)
    ticket_assign(ticket=ticket, agent=tech, by=tech, now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        stale_ticket_remind(now=at(9, 11))
        stale_ticket_remind(now=at(9, 11))
    [mail] = mailoutbox
    assert mail.to == [tech.email]
    assert mail.subject == f"[{ticket.reference}] Waiting on you: Slow VPN"
    # Worded when sent, in the reader's language: the two largest units.
    assert "no update from staff for 2 days 19 hours (since Fri 6 Mar 2026, 15:30 UTC)" in mail.body


def test_without_settings_the_staff_jobs_do_nothing(customer, tech, priorities):
    ticket_create(requester=customer, subject="x", priority=priorities["normal"], now=NOW)
    assert assignment_deadline_check(now=NOW + 30 * 24 * HOUR) == 0
    assert stale_ticket_remind(now=NOW + 30 * 24 * HOUR) == 0
