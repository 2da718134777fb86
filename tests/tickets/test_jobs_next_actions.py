"""The staff and customer sweeps read stored, indexed next-action instants.

Tickets a job may not act on yet (a plan without the setting, a longer interval, outside the hours)
must never crowd out the ones that are due, however many there are: a pass takes only rows whose
instant has passed, and a row it cannot act on gets a later instant.
"""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps as django_apps

from tests.conftest import NOW
from tests.factories import CustomerFactory, OrganizationFactory, PlanFactory, office_calendar
from tests.tickets.jobs_support import DAY, HOUR, at, policy, sent
from tickets.jobs import (
    _common,
    assignment_deadline_check,
    customers,
    resolved_close,
    staff,
    stale_ticket_remind,
    waiting_remind_and_close,
)
from tickets.models import Status, Ticket
from tickets.schedule import NEXT_ACTION_FIELDS
from tickets.services import ticket_assign, ticket_change_status, ticket_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_passes(monkeypatch):
    for module in (_common, staff, customers):  # wherever a job reads the cap
        monkeypatch.setattr(module, "MAX_PER_PASS", 3, raising=False)


@pytest.fixture
def slow_customer(priorities):
    """A customer on a plan whose own job settings make its tickets come due late, or never."""
    org = OrganizationFactory(
        plan=PlanFactory(slug="basic"), customer_number="3003", name="Slowco", email_domains=["slow.test"]
    )
    return CustomerFactory(organization=org, email="sam@slow.test")


def _file(requester, priorities, when, n=1, level="urgent"):
    """Urgent unless said otherwise: its calendar is open around the clock, so hours play no part."""
    return [
        ticket_create(requester=requester, subject=f"t{i}", priority=priorities[level], now=when)
        for i in range(n)
    ]


def test_a_due_assignment_deadline_is_alerted_behind_more_never_due_tickets_than_a_pass_takes(
    small_passes, plan, customer, slow_customer, lead, priorities
):
    policy(plan, assignment_deadline=HOUR)  # the customer's plan: one hour
    policy(slow_customer.organization.plan)  # the other plan: no assignment deadline at all
    _file(slow_customer, priorities, NOW - 3 * DAY, n=5)  # older: first in arrival order
    [due] = _file(customer, priorities, NOW)
    assert assignment_deadline_check(now=NOW + 2 * HOUR) == 1
    assert [n.ticket_id for n in sent("unassigned_alert")] == [due.pk]
    assert assignment_deadline_check(now=NOW + 3 * HOUR) == 0  # run it twice: one alert
    assert len(sent("unassigned_alert")) == 1


def test_a_due_stale_reminder_goes_out_behind_more_tickets_not_yet_stale(
    small_passes, plan, customer, slow_customer, tech, lead, priorities
):
    policy(plan, stale_after=4 * HOUR)
    policy(slow_customer.organization.plan, stale_after=30 * DAY)
    for t in _file(slow_customer, priorities, NOW - 3 * DAY, n=5):
        ticket_assign(ticket=t, agent=tech, by=lead, now=NOW - 3 * DAY)
    [due] = _file(customer, priorities, NOW)
    ticket_assign(ticket=due, agent=tech, by=lead, now=NOW)
    assert stale_ticket_remind(now=NOW + 5 * HOUR) == 1
    assert [n.ticket_id for n in sent("stale_reminder")] == [due.pk]
    assert stale_ticket_remind(now=NOW + 5 * HOUR + timedelta(minutes=1)) == 0
    assert len(sent("stale_reminder")) == 1


def test_a_due_customer_reminder_goes_out_behind_more_tickets_on_a_longer_ladder(
    small_passes, plan, customer, slow_customer, tech, priorities
):
    policy(plan, customer_reminder_every=DAY, customer_reminder_max=3)
    policy(slow_customer.organization.plan, customer_reminder_every=20 * DAY, customer_reminder_max=3)
    for t in _file(slow_customer, priorities, NOW - 3 * DAY, n=5):
        ticket_change_status(ticket=t, status=Status.WAITING, by=tech, now=NOW - 2 * DAY)
    [due] = _file(customer, priorities, NOW)
    ticket_change_status(ticket=due, status=Status.WAITING, by=tech, now=NOW)
    assert waiting_remind_and_close(now=NOW + DAY) == 1
    assert [n.ticket_id for n in sent("waiting_reminder")] == [due.pk]
    assert waiting_remind_and_close(now=NOW + DAY) == 0
    due.refresh_from_db()
    assert due.customer_reminder_due_at == NOW + 2 * DAY  # the next rung is stored with the claim


def test_a_due_resolved_ticket_is_closed_behind_more_resolved_tickets_on_a_longer_wait(
    small_passes, plan, customer, slow_customer, tech, priorities
):
    policy(plan, resolved_close_after=DAY)
    policy(slow_customer.organization.plan, resolved_close_after=30 * DAY)
    for t in _file(slow_customer, priorities, NOW - 3 * DAY, n=5):
        ticket_change_status(ticket=t, status=Status.RESOLVED, by=tech, now=NOW - 2 * DAY)
    [due] = _file(customer, priorities, NOW)
    ticket_change_status(ticket=due, status=Status.RESOLVED, by=tech, now=NOW)
    assert resolved_close(now=NOW + DAY) == 1
    assert resolved_close(now=NOW + DAY) == 0
    assert list(Ticket.objects.filter(status=Status.CLOSED).values_list("pk", flat=True)) == [due.pk]
    assert [n.ticket_id for n in sent("ticket_auto_closed")] == [due.pk]


def test_tickets_due_outside_the_hours_wait_for_the_opening_without_blocking_a_24x7_one(
    small_passes, plan, customer, lead, priorities
):
    policy(assignment_deadline=HOUR, calendar=office_calendar())
    office = _file(customer, priorities, at(6, 15), n=5, level="normal")  # Friday afternoon: due 16:00
    urgent = ticket_create(requester=customer, subject="down", priority=priorities["urgent"], now=at(7, 2))
    # Saturday 03:30: the office tickets are due but out of hours; the 24x7 one is due now. A pass
    # takes three rows: the first moves three office tickets to Monday, the second reaches the rest.
    assert assignment_deadline_check(now=at(7, 3, 30)) == 0
    assert assignment_deadline_check(now=at(7, 3, 31)) == 1
    assert assignment_deadline_check(now=at(7, 3, 32)) == 0
    assert [n.ticket_id for n in sent("unassigned_alert")] == [urgent.pk]
    stored = {t.assignment_due_at for t in Ticket.objects.filter(pk__in=[t.pk for t in office])}
    assert stored == {at(9, 9)}  # looked at again at Monday's opening
    assert assignment_deadline_check(now=at(9, 8, 59)) == 0
    assert assignment_deadline_check(now=at(9, 9)) + assignment_deadline_check(now=at(9, 9, 1)) == 5
    assert len(sent("unassigned_alert")) == 6


def test_the_services_and_the_jobs_keep_the_stored_instants_in_step(plan, customer, tech, lead, priorities):
    policy(assignment_deadline=HOUR, stale_after=4 * HOUR, resolved_close_after=2 * DAY)
    [ticket] = _file(customer, priorities, NOW)
    assignment_deadline_check(now=NOW)  # a pass first recomputes what the services changed
    ticket.refresh_from_db()
    assert (ticket.assignment_due_at, ticket.stale_due_at) == (NOW + HOUR, None)
    ticket_assign(ticket=ticket, agent=tech, by=lead, now=NOW + timedelta(minutes=10))
    stale_ticket_remind(now=NOW + timedelta(minutes=10))
    ticket.refresh_from_db()
    assert (ticket.assignment_due_at, ticket.stale_due_at) == (None, NOW + timedelta(minutes=10) + 4 * HOUR)
    ticket_change_status(ticket=ticket, status=Status.RESOLVED, by=tech, now=NOW + HOUR)
    resolved_close(now=NOW + HOUR)
    ticket.refresh_from_db()
    assert [getattr(ticket, f) for f in NEXT_ACTION_FIELDS] == [None, None, None, NOW + HOUR + 2 * DAY]
    assert ticket.actions_changed_at is None


def test_changing_the_job_policy_reschedules_open_tickets(plan, customer, lead, priorities):
    [ticket] = _file(customer, priorities, NOW)
    assert assignment_deadline_check(now=NOW + 2 * HOUR) == 0  # no deadline anywhere yet
    policy(assignment_deadline=HOUR)  # an admin or a YAML import sets one
    assert assignment_deadline_check(now=NOW + 2 * HOUR) == 1


def test_tickets_from_before_the_instants_existed_are_scheduled_on_the_first_pass(
    plan, customer, lead, priorities
):
    policy(assignment_deadline=HOUR)
    tickets = _file(customer, priorities, NOW, n=3)
    # As they were before the upgrade: no instants, no mark. Then the migration's data step.
    Ticket.objects.update(assignment_due_at=None, actions_changed_at=None)
    assert assignment_deadline_check(now=NOW + 2 * HOUR) == 0
    migration = importlib.import_module("tickets.migrations.0005_jobs_next_action")
    migration.mark_every_ticket_a_job_may_act_on(django_apps, None)
    assert assignment_deadline_check(now=NOW + 2 * HOUR) == 3
    assert {n.ticket_id for n in sent("unassigned_alert")} == {t.pk for t in tickets}
