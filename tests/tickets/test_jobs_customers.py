"""The waiting-on-customer ladder, closing resolved tickets nobody answers, and the survey."""

from datetime import timedelta

import pytest

from sla.models import Holiday
from tests.conftest import NOW
from tests.factories import PlanFactory, office_calendar
from tests.tickets.jobs_support import DAY, at, events, policy, recipients, sent
from tickets.jobs import resolved_close, survey_send, waiting_remind_and_close
from tickets.models import Message, Status, SurveyResponse, Ticket, TicketEvent
from tickets.services import (
    message_add,
    survey_answer,
    survey_for_token,
    ticket_change_status,
    ticket_close,
    ticket_create,
    ticket_merge,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ladder(plan):
    """Remind every two days, three times; then close. Reminders only in office hours."""
    return policy(
        customer_reminder_every=2 * DAY,
        customer_reminder_max=3,
        resolved_close_after=3 * DAY,
        reopen_window=14 * DAY,
        calendar=office_calendar(),
    )


@pytest.fixture
def waiting(customer, tech, priorities):
    ticket = ticket_create(
        requester=customer, subject="Phones reboot", priority=priorities["normal"], now=NOW
    )
    ticket_change_status(ticket=ticket, status=Status.WAITING, by=tech, now=at(9, 10))  # Monday 10:00
    return ticket


def test_the_ladder_reminds_three_times_then_closes_with_a_note_in_office_hours_only(
    ladder, waiting, customer
):
    walk = [
        (at(11, 9, 59), 0),
        (at(11, 10), 1),
        (at(11, 10, 1), 0),  # Wednesday: reminder 1
        (at(13, 10), 1),  # Friday: reminder 2
        (at(15, 10), 0),
        (at(16, 8, 59), 0),
        (at(16, 9), 1),  # due Sunday: sent at Monday's opening
        (at(18, 8, 59), 0),
        (at(18, 9), 1),  # Wednesday: unanswered, closed
        (at(20, 9), 0),
    ]
    for when, expected in walk:
        assert waiting_remind_and_close(now=when) == expected, when
    assert [n.context["number"] for n in sent("waiting_reminder")] == [1, 2, 3]
    assert all(n.recipient == customer.email for n in sent("waiting_reminder"))
    waiting.refresh_from_db()
    assert waiting.status == Status.CLOSED
    assert waiting.closed_at == at(18, 9)
    assert waiting.close_reason == "no answer after 3 reminders"
    note = waiting.messages.get(kind=Message.Kind.SYSTEM)
    assert "Closed automatically: no answer after 3 reminders" in note.body and "reopen" in note.body
    [closed] = sent("ticket_auto_closed")
    assert closed.recipient == customer.email
    assert sent("ticket_closed") == []  # one message about the close, not two


def test_a_customer_answer_resets_the_ladder(ladder, waiting, customer, tech):
    assert waiting_remind_and_close(now=at(11, 10)) == 1
    message_add(ticket=waiting, author=customer, body="Here are the logs", now=at(11, 12))
    waiting.refresh_from_db()
    assert (waiting.status, waiting.customer_reminders_sent, waiting.waiting_since) == (Status.OPEN, 0, None)
    assert waiting_remind_and_close(now=at(13, 10)) == 0
    ticket_change_status(ticket=waiting, status=Status.WAITING, by=tech, now=at(12, 10))
    assert waiting_remind_and_close(now=at(14, 10)) == 0  # Saturday: the new first reminder waits
    assert waiting_remind_and_close(now=at(16, 9)) == 1
    assert [n.context["number"] for n in sent("waiting_reminder")] == [1, 1]


def test_reminders_skip_holidays(ladder, waiting):
    Holiday.objects.create(calendar=office_calendar(), date=at(11, 0).date())
    assert waiting_remind_and_close(now=at(11, 10)) == 0
    assert waiting_remind_and_close(now=at(12, 9)) == 1


def test_after_an_outage_one_reminder_goes_out_and_the_ladder_restarts_from_it(ladder, waiting):
    assert waiting_remind_and_close(now=at(17, 10)) == 1  # eight days late: one reminder, not three
    assert waiting_remind_and_close(now=at(17, 10)) == 0
    assert waiting_remind_and_close(now=at(19, 9, 59)) == 0
    assert waiting_remind_and_close(now=at(19, 10)) == 1
    assert len(sent("waiting_reminder")) == 2


def test_a_waiting_limit_closes_even_with_reminders_left(plan, waiting, customer):
    policy(customer_reminder_every=4 * DAY, waiting_close_after=14 * DAY, calendar=office_calendar())
    assert waiting_remind_and_close(now=at(13, 10)) == 1
    assert waiting_remind_and_close(now=at(17, 10)) == 1
    assert waiting_remind_and_close(now=at(21, 10)) == 0  # Saturday
    assert waiting_remind_and_close(now=at(23, 9)) == 1  # reminder 3, due Saturday: sent at Monday's opening
    assert waiting_remind_and_close(now=at(23, 9, 59)) == 0
    assert waiting_remind_and_close(now=at(23, 10)) == 1  # fourteen days waiting: closed
    waiting.refresh_from_db()
    assert waiting.status == Status.CLOSED and waiting.close_reason == "no answer within 14 days"


def test_auto_close_mail_says_why_and_how_to_reopen(
    ladder, waiting, customer, mailoutbox, django_capture_on_commit_callbacks
):
    Ticket.objects.filter(pk=waiting.pk).update(customer_reminders_sent=3, customer_reminded_at=at(16, 9))
    with django_capture_on_commit_callbacks(execute=True):
        assert waiting_remind_and_close(now=at(18, 9)) == 1
    [mail] = mailoutbox
    assert mail.to == [customer.email]
    assert mail.subject == f"[{waiting.reference}] Closed: Phones reboot"
    assert "no answer after 3 reminders" in mail.body
    assert "Reply to this email within 14 days and the ticket reopens" in mail.body
    # ... and replying does reopen it.
    message_add(ticket=waiting, author=customer, body="Still broken", now=at(18, 12))
    waiting.refresh_from_db()
    assert waiting.status == Status.OPEN


def test_running_the_ladder_twice_sends_one_reminder(ladder, waiting):
    assert waiting_remind_and_close(now=at(11, 10)) == 1
    assert waiting_remind_and_close(now=at(11, 10)) == 0
    assert len(sent("waiting_reminder")) == 1


def test_a_resolved_ticket_closes_when_the_customer_does_not_answer(ladder, customer, tech, priorities):
    ticket = ticket_create(requester=customer, subject="x", priority=priorities["normal"], now=NOW)
    ticket_change_status(ticket=ticket, status=Status.RESOLVED, by=tech, now=at(6, 16))
    for when, expected in ((at(9, 15, 59), 0), (at(9, 16), 1), (at(9, 16, 1), 0)):
        assert resolved_close(now=when) == expected, when
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.close_reason == "resolved with no answer within 3 days"
    assert recipients("ticket_auto_closed") == [customer.email]


def test_a_customer_answer_keeps_a_resolved_ticket_open(ladder, customer, tech, priorities):
    ticket = ticket_create(requester=customer, subject="x", priority=priorities["normal"], now=NOW)
    ticket_change_status(ticket=ticket, status=Status.RESOLVED, by=tech, now=at(6, 16))
    message_add(ticket=ticket, author=customer, body="Not fixed", now=at(9, 12))
    assert resolved_close(now=at(9, 16)) == 0
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


def test_resolved_close_waits_for_office_hours_and_plans_can_differ(ladder, customer, tech, priorities, org):
    quick = PlanFactory(slug="quick")
    policy(plan=quick, resolved_close_after=DAY)
    ticket = ticket_create(requester=customer, subject="x", priority=priorities["normal"], now=NOW)
    Ticket.objects.filter(pk=ticket.pk).update(plan=quick)
    ticket_change_status(ticket=ticket, status=Status.RESOLVED, by=tech, now=at(6, 16))
    assert resolved_close(now=at(7, 16)) == 0  # a day later is Saturday
    assert resolved_close(now=at(9, 9)) == 1


def test_a_closed_ticket_gets_one_survey_link_that_opens_the_form(
    ladder, customer, tech, priorities, settings
):
    settings.SITE_URL = "https://help.example"
    ticket = ticket_create(requester=customer, subject="x", priority=priorities["normal"], now=NOW)
    ticket_close(ticket=ticket, by=tech, now=at(6, 16), reason="fixed")
    assert survey_send(now=at(6, 16, 5)) == 1
    assert survey_send(now=at(6, 16, 10)) == 0
    [n] = sent("survey")
    assert n.recipient == customer.email
    url = n.context["survey_url"]
    assert url.startswith("https://help.example/survey/") and url.endswith("/")
    token = url.rstrip("/").rsplit("/", 1)[1]
    survey = survey_for_token(token=token, now=at(6, 17))  # opening the link records nothing
    assert survey.rating is None
    survey_answer(token=token, rating=4, comment="", now=at(6, 17))
    assert SurveyResponse.objects.get(ticket=ticket).rating == 4
    assert len(events(ticket, TicketEvent.Kind.SURVEY)) == 1


def test_surveys_wait_for_office_hours_and_skip_merged_tickets_and_plans_without_surveys(
    ladder, customer, tech, priorities
):
    a = ticket_create(requester=customer, subject="a", priority=priorities["normal"], now=NOW)
    b = ticket_create(requester=customer, subject="b", priority=priorities["normal"], now=NOW)
    ticket_merge(source=b, target=a, by=tech, now=at(6, 17))
    ticket_close(ticket=a, by=tech, now=at(6, 17, 20))
    assert survey_send(now=at(6, 18)) == 0  # Friday evening
    assert survey_send(now=at(9, 9)) == 1
    assert [n.ticket_id for n in sent("survey")] == [a.pk]
    ladder.survey_enabled = False
    ladder.save()
    c = ticket_create(requester=customer, subject="c", priority=priorities["normal"], now=NOW)
    ticket_close(ticket=c, by=tech, now=at(9, 10))
    assert survey_send(now=at(9, 11)) == 0


def test_a_reopened_and_closed_again_ticket_has_had_its_survey(ladder, customer, tech, priorities):
    ticket = ticket_create(requester=customer, subject="x", priority=priorities["normal"], now=NOW)
    ticket_close(ticket=ticket, by=tech, now=at(6, 16))
    assert survey_send(now=at(6, 16, 5)) == 1
    message_add(ticket=ticket, author=customer, body="again", now=at(9, 10))
    ticket_close(ticket=ticket, by=tech, now=at(9, 11))
    assert survey_send(now=at(9, 12)) == 0
    assert len(sent("survey")) == 1


def test_auto_closed_tickets_get_the_survey_too(ladder, customer, tech, priorities):
    ticket = ticket_create(requester=customer, subject="x", priority=priorities["normal"], now=NOW)
    ticket_change_status(ticket=ticket, status=Status.RESOLVED, by=tech, now=at(6, 16))
    resolved_close(now=at(9, 16))
    assert survey_send(now=at(9, 16) + timedelta(minutes=5)) == 1


def test_without_settings_the_customer_jobs_do_nothing(plan, waiting):
    assert waiting_remind_and_close(now=NOW + 60 * DAY) == 0
    assert resolved_close(now=NOW + 60 * DAY) == 0
    assert survey_send(now=NOW + 60 * DAY) == 0


def test_a_24x7_priority_reminds_the_customer_at_the_weekend_too(ladder, customer, tech, priorities):
    ticket = ticket_create(requester=customer, subject="All down", priority=priorities["urgent"], now=NOW)
    ticket_change_status(ticket=ticket, status=Status.WAITING, by=tech, now=at(6, 22))  # Friday night
    assert waiting_remind_and_close(now=at(8, 21, 59)) == 0
    assert waiting_remind_and_close(now=at(8, 22)) == 1  # Sunday night: the Urgent calendar never closes


def test_the_auto_close_note_names_the_default_reopen_window_when_the_plan_sets_none(waiting, customer):
    # The same window the reopen rule applies (tickets/policy.py): 30 days when no job policy sets one.
    policy(customer_reminder_every=2 * DAY, customer_reminder_max=1, calendar=office_calendar())
    for when in (at(11, 10), at(13, 10)):
        waiting_remind_and_close(now=when)
    waiting.refresh_from_db()
    assert waiting.status == Status.CLOSED
    note = waiting.messages.get(kind=Message.Kind.SYSTEM)
    assert note.body.endswith("within 30 days."), note.body
