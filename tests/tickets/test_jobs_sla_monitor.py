from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sla.models import AlertRule, Holiday
from tests.conftest import NOW
from tests.tickets.jobs_support import HOUR, at, events, recipients, sent
from tickets.jobs import sla_monitor
from tickets.jobs.sla_monitor import ClaimLost, _check_claimed
from tickets.models import Status, TicketEvent
from tickets.services import message_add, ticket_assign, ticket_change_status, ticket_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def high(customer, tech, priorities):
    """A High ticket (2 business hours to first response) filed Friday 16:30, one hour before closing."""
    ticket = ticket_create(
        requester=customer, subject="Inbound numbers failing", priority=priorities["high"], now=at(6, 16, 30)
    )
    return ticket_assign(ticket=ticket, agent=tech, by=tech, now=at(6, 16, 31))


def test_it_warns_once_then_records_the_breach_once_across_the_weekend(high, tech):
    # One business hour on Friday, one on Monday: due Monday 10:00; 75% of it used up Monday 09:30.
    assert high.first_response_due_at == at(9, 10)
    assert high.first_response_warn_at == at(9, 9, 30)
    for when in (at(6, 17, 29), at(6, 17, 31), at(7, 12), at(8, 23, 59), at(9, 9, 29)):
        assert sla_monitor(now=when) == 0, when
    assert sla_monitor(now=at(9, 9, 30)) == 1
    assert recipients("sla_warning") == [tech.email]
    assert sla_monitor(now=at(9, 9, 45)) == 0
    assert sla_monitor(now=at(9, 10)) == 1
    assert sla_monitor(now=at(9, 10, 1)) == 0
    assert recipients("sla_breach") == [tech.email]
    assert len(sent("sla_warning")) == 1
    high.refresh_from_db()
    assert high.first_response_warned_at == at(9, 9, 30)
    assert high.first_response_breached_at == at(9, 10)  # the instant it was missed
    [breach] = [e for e in events(high, TicketEvent.Kind.SLA_BREACHED) if e.new_value == "first_response"]
    assert breach.data["due_at"] == at(9, 10).isoformat()
    assert breach.data["missed_by_seconds"] == 0


def test_a_holiday_moves_warning_and_breach_to_the_next_business_day(customer, tech, priorities, plan):
    office = plan.targets.get(priority=priorities["high"]).calendar
    Holiday.objects.create(calendar=office, date=at(9, 0).date(), name="Bank holiday")
    ticket = ticket_create(requester=customer, subject="x", priority=priorities["high"], now=at(6, 16, 30))
    ticket_assign(ticket=ticket, agent=tech, by=tech, now=at(6, 16, 31))
    assert ticket.first_response_warn_at == at(10, 9, 30)
    assert ticket.first_response_due_at == at(10, 10)
    assert sla_monitor(now=at(9, 10, 30)) == 0  # Monday is closed
    assert sla_monitor(now=at(10, 9, 30)) == 1
    assert sla_monitor(now=at(10, 10)) == 1
    assert [n.event for n in sent("sla_warning") + sent("sla_breach")] == ["sla_warning", "sla_breach"]


def test_running_it_twice_at_the_same_instant_sends_one_message(
    high, tech, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert sla_monitor(now=at(9, 10)) == 1
        assert sla_monitor(now=at(9, 10)) == 0
    assert [m.subject for m in mailoutbox] == [
        f"[{high.reference}] High first response target BREACHED: Inbound numbers failing"
    ]
    assert mailoutbox[0].to == [tech.email]


def test_after_an_outage_it_catches_up_with_one_breach_per_target_and_no_late_warning(high, tech):
    # Beat and workers were down from Friday to Thursday: both targets passed unseen.
    assert sla_monitor(now=at(12, 12)) == 2
    assert sorted(n.context["target"] for n in sent("sla_breach")) == ["first response", "resolution"]
    assert sent("sla_warning") == []
    assert len(events(high, TicketEvent.Kind.SLA_WARNING)) == 0
    for minute in range(1, 6):  # the following ticks find nothing
        assert sla_monitor(now=at(12, 12, minute)) == 0
    assert len(sent("sla_breach")) == 2


def test_a_first_response_in_time_means_no_warning_and_no_breach(high, tech):
    message_add(ticket=high, author=tech, body="Looking now", now=at(9, 9))
    assert sla_monitor(now=at(9, 9, 30)) == 0
    assert sla_monitor(now=at(9, 11)) == 0
    assert sent("sla_warning") == sent("sla_breach") == []


def test_waiting_on_the_customer_stops_the_resolution_alarms_and_moves_them(customer, tech, priorities):
    ticket = ticket_create(
        requester=customer, subject="x", priority=priorities["urgent"], now=NOW
    )  # 24x7, 24 h
    message_add(ticket=ticket, author=tech, body="Need logs", now=NOW + timedelta(minutes=5))
    assert ticket.resolution_warn_at == NOW + 18 * HOUR
    ticket_change_status(ticket=ticket, status=Status.WAITING, by=tech, now=NOW + HOUR)
    assert sla_monitor(now=NOW + 30 * HOUR) == 0  # paused: no warning, no breach
    message_add(ticket=ticket, author=customer, body="Logs attached", now=NOW + 40 * HOUR)
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.resolution_warn_at == NOW + 57 * HOUR  # 17 h were left at the pause
    assert ticket.resolution_due_at == NOW + 63 * HOUR
    assert sla_monitor(now=NOW + 56 * HOUR) == 0
    assert sla_monitor(now=NOW + 57 * HOUR) == 1
    assert sla_monitor(now=NOW + 63 * HOUR) == 1


def test_the_warning_threshold_is_the_earliest_matching_rule(customer, lead, priorities):
    AlertRule.objects.create(
        event=AlertRule.Event.WARNING,
        priority=priorities["urgent"],
        target=AlertRule.Target.FIRST_RESPONSE,
        threshold_percent=50,
        audience=AlertRule.Audience.TEAM_LEADS,
    )
    ticket = ticket_create(requester=customer, subject="x", priority=priorities["urgent"], now=NOW)
    assert ticket.first_response_warn_at == NOW + timedelta(minutes=15)  # half of 30 minutes
    assert ticket.resolution_warn_at == NOW + 18 * HOUR  # no rule for resolution: the default 75%
    assert sla_monitor(now=NOW + timedelta(minutes=15)) == 1
    assert recipients("sla_warning") == [lead.email]


def test_reclassifying_before_the_due_time_restarts_the_targets_alarms(high, tech, priorities):
    from tickets.services import ticket_reclassify

    assert sla_monitor(now=at(9, 9, 30)) == 1  # the warning, at 75% of 2 business hours
    ticket_reclassify(
        ticket=high, priority=priorities["normal"], by=tech, reason="single number", now=at(9, 9, 35)
    )
    high.refresh_from_db()
    assert high.first_response_warned_at is None
    assert high.first_response_due_at == at(9, 12)  # 4 business hours from Friday 16:30
    assert sla_monitor(now=at(9, 12)) == 1
    assert len(sent("sla_breach")) == 1


def test_reclassifying_after_a_breach_keeps_it_and_sends_no_second_alarm(high, tech, priorities):
    from tickets.services import ticket_reclassify

    assert sla_monitor(now=at(9, 10)) == 1
    ticket_reclassify(
        ticket=high, priority=priorities["normal"], by=tech, reason="single number", now=at(9, 10, 5)
    )
    high.refresh_from_db()
    assert high.first_response_breached_at == at(9, 10)  # the breach stands (README: events and clocks)
    assert high.first_response_due_at == at(9, 10)
    assert sla_monitor(now=at(9, 12)) == 0
    assert len(sent("sla_breach")) == 1


def _open_tickets(customer, priorities, count):
    for i in range(count):
        ticket_create(requester=customer, subject=f"t{i}", priority=priorities["low"], now=NOW)


def test_a_pass_costs_the_same_queries_however_many_tickets_are_open(customer, priorities):
    with CaptureQueriesContext(connection) as empty:
        sla_monitor(now=NOW + HOUR)
    _open_tickets(customer, priorities, 40)
    with CaptureQueriesContext(connection) as busy:
        assert sla_monitor(now=NOW + HOUR) == 0
    assert len(busy) == len(empty)


# A pass with first-response breaches due (fewer than a batch): the batch that acts on them is
# SELECT ... FOR UPDATE, the claim UPDATE, the events INSERT, the rules, then the outbox write
# (suppression, told keys, INSERT, read-back); then four empty due-work SELECTs (that target again,
# resolution breaches, both warnings); each of the five in its own SAVEPOINT/RELEASE; the automation
# rules of the event, once per batch; the webhook endpoints subscribed to it, once per batch; the SLA
# targets' calendar zones (the mails name them beside each reader's), once per pass. 15 + 10.
MONITOR_PASS_QUERIES = 25


def test_a_pass_over_due_tickets_costs_the_same_queries_for_five_or_fifty(
    customer, tech, priorities, django_assert_num_queries
):
    def due_batch(count, created):
        for i in range(count):
            t = ticket_create(requester=customer, subject=f"t{i}", priority=priorities["urgent"], now=created)
            ticket_assign(ticket=t, agent=tech, by=tech, now=created)

    due_batch(5, NOW)
    with django_assert_num_queries(MONITOR_PASS_QUERIES):
        assert sla_monitor(now=NOW + timedelta(minutes=31)) == 5
    due_batch(50, NOW + HOUR)
    with django_assert_num_queries(MONITOR_PASS_QUERIES):
        assert sla_monitor(now=NOW + timedelta(minutes=91)) == 50
    # Rules, people and calendars are read once per pass, and the claims, the SLA events and the
    # outbox rows are each one multi-row statement per batch: no per-ticket or per-message round trip.
    assert len(sent("sla_breach")) == 55


def test_a_lost_claim_is_refused_by_a_real_check_not_an_assert():
    # ``python -O`` strips asserts; this check must stand, so a batch whose rows changed under the
    # pass is rolled back (nothing told twice) instead of alerting on rows another worker claimed.
    _check_claimed(2, [object(), object()], "first_response")
    with pytest.raises(ClaimLost, match="claimed 1 of 2"):
        _check_claimed(1, [object(), object()], "first_response")
