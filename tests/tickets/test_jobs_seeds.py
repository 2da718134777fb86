"""Each of the five seed policies' timed behaviours, configured as rows the way the presets load them.

The presets themselves are written by the SLA engine's owner; here each test sets up only the
JobPolicy / AlertRule / SLATarget rows its policy needs, then walks the clock through the jobs.
"""

from datetime import timedelta

import pytest

from notifications.models import Notification
from sla.models import AlertRule, EscalationContact, OnCallShift, SLATarget
from tests.factories import CalendarFactory, PlanFactory, PriorityFactory, StaffFactory, office_calendar
from tests.tickets.jobs_support import DAY, HOUR, at, policy, recipients, sent
from tickets.jobs import (
    assignment_deadline_check,
    resolved_close,
    sla_monitor,
    stale_ticket_remind,
    survey_send,
    waiting_remind_and_close,
)
from tickets.models import Channel, Status, TicketEvent
from tickets.services import message_add, ticket_assign, ticket_change_status, ticket_create, ticket_escalate

pytestmark = pytest.mark.django_db

Aud, Ch, Tm, Ev = AlertRule.Audience, AlertRule.Channel, AlertRule.Timing, AlertRule.Event


def _plan_with_targets(slug, org, priorities, table, calendar):
    plan = PlanFactory(slug=slug)
    for level, (first, resolution) in table.items():
        SLATarget.objects.create(
            plan=plan,
            priority=priorities[level],
            first_response=first,
            resolution=resolution,
            calendar=calendar,
        )
    org.plan = plan
    org.save()
    return plan


def test_voice_platform_a_ticket_without_priority_runs_on_normal_targets(customer, tech, priorities):
    """000: no priority in the subject means Normal; Normal's 4-hour target is watched like any other."""
    ticket = ticket_create(
        requester=customer,
        subject="Customer #:1001: numbers failing",
        channel=Channel.EMAIL,
        now=at(6, 15, 30),
    )
    ticket = ticket_assign(ticket=ticket, agent=tech, by=tech, now=at(6, 15, 31))
    assert ticket.priority == priorities["normal"]
    assert ticket.first_response_due_at == at(9, 11)  # 2 h Friday + 2 h Monday
    assert sla_monitor(now=at(9, 10)) == 1  # 75%: 3 business hours used
    assert sla_monitor(now=at(9, 11)) == 1
    assert [
        n.event
        for n in Notification.objects.filter(recipient=tech.email, event__startswith="sla_").order_by("pk")
    ] == [
        "sla_warning",
        "sla_breach",
    ]


def test_managed_it_assignment_within_a_business_hour_stale_reminders_and_auto_close_after_follow_ups(
    customer, tech, lead, priorities, mailoutbox, django_capture_on_commit_callbacks
):
    """001: prioritised and assigned within an hour (business hours) or the team leads hear; the
    customer is told who has it; stale tickets remind the technician; customers we wait on get
    reminders and, after a number of unanswered follow-ups, the ticket closes."""
    policy(
        assignment_deadline=HOUR,
        stale_after=8 * HOUR,
        customer_reminder_every=2 * DAY,
        customer_reminder_max=3,
        calendar=office_calendar(),
    )
    ticket = ticket_create(
        requester=customer, subject="Server down", priority=priorities["normal"], now=at(6, 17)
    )
    assert assignment_deadline_check(now=at(6, 17, 30)) == 0
    assert assignment_deadline_check(now=at(9, 9, 30)) == 1  # half an hour Friday, half Monday
    assert recipients("unassigned_alert") == [lead.email]
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_assign(ticket=ticket, agent=tech, by=lead, now=at(9, 9, 40))
    assert any(m.to == [customer.email] and "Taylor Tech" in m.subject for m in mailoutbox)
    # Nobody touches it for a business day: the technician is reminded (once).
    assert stale_ticket_remind(now=at(9, 17, 29)) == 0
    assert stale_ticket_remind(now=at(10, 9, 10)) == 1
    assert stale_ticket_remind(now=at(10, 9, 11)) == 0
    assert recipients("stale_reminder") == [tech.email]
    # The technician needs information from the customer: three follow-ups, then closed.
    message_add(ticket=ticket, author=tech, body="Which server?", set_status=Status.WAITING, now=at(10, 10))
    for when in (at(12, 10), at(16, 9), at(18, 9)):  # Thursday; Saturday's waits for Monday; Wednesday
        assert waiting_remind_and_close(now=when) == 1, when
    assert waiting_remind_and_close(now=at(19, 12)) == 0
    assert waiting_remind_and_close(now=at(20, 9)) == 1  # the third went unanswered for two days
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.close_reason == "no answer after 3 reminders"
    assert len(sent("waiting_reminder")) == 3 and recipients("ticket_auto_closed") == [customer.email]


def test_saas_business_hour_targets_escalation_to_leadership_two_week_close_and_survey(
    customer, tech, priorities, org
):
    """002: first response in business hours (Urgent 12 h); "escalate" flags leadership; a case we
    chase for two weeks without an answer closes; a survey follows the close."""
    office = office_calendar()
    _plan_with_targets(
        "saas",
        org,
        priorities,
        {
            "urgent": (12 * HOUR, None),
            "high": (18 * HOUR, None),
            "normal": (24 * HOUR, None),
            "low": (48 * HOUR, None),
        },
        office,
    )
    policy(
        customer_reminder_every=4 * DAY, waiting_close_after=14 * DAY, survey_enabled=True, calendar=office
    )
    EscalationContact.objects.create(
        name="Support leadership", role="leadership", email="leaders@helpdesk.test"
    )
    AlertRule.objects.create(event=Ev.ESCALATED, audience=Aud.LEADERSHIP)
    AlertRule.objects.create(event=Ev.BREACH, audience=Aud.LEADERSHIP, priority=priorities["urgent"])

    ticket = ticket_create(
        requester=customer, subject="App down", priority=priorities["urgent"], now=at(6, 15, 30)
    )
    ticket = ticket_assign(ticket=ticket, agent=tech, by=tech, now=at(6, 15, 35))
    assert ticket.first_response_due_at == at(10, 10, 30)  # 2 h Fri + 8.5 h Mon + 1.5 h Tue
    assert sla_monitor(now=at(10, 10, 29)) == 1  # the warning (75%) came first, to the owner
    assert recipients("sla_warning") == [tech.email]
    assert sla_monitor(now=at(10, 10, 30)) == 1
    assert recipients("sla_breach") == ["leaders@helpdesk.test"]

    ticket_escalate(ticket=ticket, by=customer, now=at(10, 11), reason="Please escalate this")
    assert [n.recipient for n in sent("sla_alert")] == ["leaders@helpdesk.test"]

    message_add(
        ticket=ticket, author=tech, body="Can you send a HAR file?", set_status=Status.WAITING, now=at(10, 12)
    )
    # Chased every four days: Saturday's reminder goes out at Monday's opening, then every four days.
    walk = [
        (at(14, 12), 0),
        (at(16, 9), 1),
        (at(20, 8, 59), 0),
        (at(20, 9), 1),
        (at(24, 9), 1),
        (at(24, 11, 59), 0),
    ]
    for when, expected in walk:
        assert waiting_remind_and_close(now=when) == expected, when
    assert waiting_remind_and_close(now=at(24, 12)) == 1  # two weeks after the question: closed
    ticket.refresh_from_db()
    assert len(sent("waiting_reminder")) == 3
    assert ticket.status == Status.CLOSED and ticket.closed_at == at(24, 12)
    assert ticket.close_reason == "no answer within 14 days"
    assert survey_send(now=at(26, 10)) == 1
    assert recipients("survey") == [customer.email]


def test_clinical_levels_have_first_response_and_resolution_targets_both_watched(
    customer, tech, org, priorities
):
    """003: Level 1 first response in 1 h and resolution in 24 h; both are warned and recorded once."""
    level1 = PriorityFactory(slug="level-1", name="Level 1", rank=0)
    always = CalendarFactory()
    priorities = {**priorities, "level-1": level1}
    _plan_with_targets("clinical", org, priorities, {"level-1": (HOUR, 24 * HOUR)}, always)
    start = at(7, 2)  # Saturday night: the clock runs around the clock
    ticket = ticket_create(requester=customer, subject="Nobody can message", priority=level1, now=start)
    ticket = ticket_assign(ticket=ticket, agent=tech, by=tech, now=start)
    walk = [
        (start + timedelta(minutes=44), 0),
        (start + timedelta(minutes=45), 1),
        (start + HOUR, 1),
        (start + 18 * HOUR, 1),
        (start + 24 * HOUR, 1),
        (start + 25 * HOUR, 0),
    ]
    for when, expected in walk:
        assert sla_monitor(now=when) == expected, when
    kinds = list(
        ticket.events.filter(kind__in=["sla_warning", "sla_breached"]).values_list("kind", "new_value")
    )
    assert kinds == [
        ("sla_warning", "first_response"),
        ("sla_breached", "first_response"),
        ("sla_warning", "resolution"),
        ("sla_breached", "resolution"),
    ]


@pytest.fixture
def telephony(priorities):
    """004: Urgent pages the on-call engineers 24x7 and notifies the directors and the managing
    director; High messages engineers out of office hours and notifies the directors; Normal goes
    to the duty staff in office hours."""
    office = office_calendar()
    oncall = EscalationContact.objects.create(
        name="On call", role="on_call", email="oncall@helpdesk.test", webhook_url="https://pager.test/oncall"
    )
    OnCallShift.objects.create(contact=oncall, starts_at=at(1, 0), ends_at=at(31, 0))
    EscalationContact.objects.create(name="Dana Director", role="director", email="dana@helpdesk.test")
    EscalationContact.objects.create(name="Mo MD", role="managing_director", email="md@helpdesk.test")
    EscalationContact.objects.create(name="Duty desk", role="duty", email="duty@helpdesk.test")
    u, h, n = priorities["urgent"], priorities["high"], priorities["normal"]
    for prio, audience, channel, timing in [
        (u, Aud.ON_CALL, Ch.PAGE, Tm.ALWAYS),
        (u, Aud.DIRECTORS, Ch.EMAIL, Tm.ALWAYS),
        (u, Aud.MANAGING_DIRECTOR, Ch.EMAIL, Tm.ALWAYS),
        (h, Aud.ENGINEERS, Ch.EMAIL, Tm.OUT_OF_HOURS),
        (h, Aud.DIRECTORS, Ch.EMAIL, Tm.ALWAYS),
        (n, Aud.DUTY, Ch.EMAIL, Tm.IN_HOURS),
    ]:
        AlertRule.objects.create(
            event=Ev.CREATED,
            priority=prio,
            audience=audience,
            channel=channel,
            timing=timing,
            office_calendar=office,
        )
    policy(resolved_close_after=5 * DAY, calendar=office)
    return priorities


def _told(ticket):
    return sorted(
        (n.channel, n.recipient, n.status)
        for n in Notification.objects.filter(ticket=ticket, event="sla_alert")
    )


def test_telephony_urgent_pages_on_call_24x7_and_tells_directors_and_md(telephony, customer, tech):
    ticket = ticket_create(
        requester=customer, subject="All numbers down", priority=telephony["urgent"], now=at(7, 3)
    )
    assert _told(ticket) == [
        ("email", "dana@helpdesk.test", "pending"),
        ("email", "md@helpdesk.test", "pending"),
        ("webhook", "https://pager.test/oncall", "pending"),
    ]


def test_telephony_high_messages_engineers_only_out_of_hours_and_always_the_directors(
    telephony, customer, tech
):
    engineer2 = StaffFactory(email="eng2@helpdesk.test")
    day = ticket_create(requester=customer, subject="Fax failing", priority=telephony["high"], now=at(9, 11))
    night = ticket_create(
        requester=customer, subject="Inbound failing", priority=telephony["high"], now=at(9, 22)
    )
    assert _told(day) == [("email", "dana@helpdesk.test", "pending")]
    assert _told(night) == [
        ("email", "dana@helpdesk.test", "pending"),
        ("email", engineer2.email, "pending"),
        ("email", tech.email, "pending"),
    ]


def test_telephony_normal_goes_to_duty_staff_in_office_hours(telephony, customer):
    day = ticket_create(
        requester=customer, subject="One extension", priority=telephony["normal"], now=at(9, 11)
    )
    night = ticket_create(
        requester=customer, subject="Provision a phone", priority=telephony["normal"], now=at(6, 21)
    )
    assert _told(day) == [("email", "duty@helpdesk.test", "pending")]
    assert _told(night) == [("email", "duty@helpdesk.test", "held")]
    assert Notification.objects.get(ticket=night, event="sla_alert").not_before == at(9, 9)
    assert (
        Notification.objects.filter(
            event="sla_alert", recipient__in=["dana@helpdesk.test", "md@helpdesk.test"]
        ).count()
        == 0
    )


def test_telephony_resolved_tickets_close_when_the_customer_does_not_answer(telephony, customer, tech):
    ticket = ticket_create(
        requester=customer, subject="Call quality", priority=telephony["normal"], now=at(6, 10)
    )
    ticket_change_status(ticket=ticket, status=Status.RESOLVED, by=tech, now=at(6, 16))
    assert resolved_close(now=at(11, 15, 59)) == 0
    assert resolved_close(now=at(11, 16)) == 1
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert ticket.events.filter(kind=TicketEvent.Kind.STATUS, new_value=Status.CLOSED).count() == 1
