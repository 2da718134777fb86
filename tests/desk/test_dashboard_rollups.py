"""The SLA dashboard's daily roll-up against the live computation it replaced.

The reference functions below are the dashboard's former live SQL aggregates (one query per panel,
PostgreSQL's exact ``percentile_cont`` medians), kept here, and only here, as the oracle.
"""

import random
from datetime import timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db.models import Aggregate, Count, F, FloatField, Func, Q
from django.db.models.functions import TruncWeek
from django.urls import reverse

from tests.conftest import NOW
from tests.factories import CustomerFactory, OrganizationFactory, PlanFactory
from tickets import policy
from tickets.dashboard import (
    MEDIAN_ABS_ERROR,
    MEDIAN_REL_ERROR,
    bucket,
    hist_median,
    sla_dashboard,
)
from tickets.jobs import JOBS, task_name
from tickets.jobs.dashboard import RECOMPUTE_DAYS, dashboard_rollup
from tickets.models import DashboardDay, DashboardRolledDay, Status, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

ROLLED_AT = NOW  # Friday 2026-03-06 15:30 UTC: the job's run
WEEKS = [1, 2, 4, 6]


# --- the oracle: the former live aggregates ----------------------------------------------------------


class _Median(Aggregate):
    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


class _Epoch(Func):
    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()


def live_compliance(*, now, since):
    rows = (
        Ticket.objects.filter(received_at__gte=since, merged_into__isnull=True)
        .annotate(week=TruncWeek("received_at"))
        .values("week", "plan__name", "priority__name", "priority_rank")
        .annotate(
            total=Count("id"),
            fr_met=Count("id", filter=policy.first_response_met_q()),
            fr_breached=Count("id", filter=policy.first_response_breached_q(now)),
            fr_with=Count("id", filter=Q(first_response_due_at__isnull=False)),
            res_met=Count("id", filter=policy.resolution_met_q()),
            res_breached=Count("id", filter=policy.resolution_breached_q(now)),
            res_with=Count("id", filter=Q(resolution_due_at__isnull=False)),
        )
    )
    out = []
    for r in rows:
        iso = r["week"].isocalendar()
        out.append(
            {
                "week": f"{iso.year}-W{iso.week:02d}",
                "plan": r["plan__name"],
                "priority": r["priority__name"],
                "priority_rank": r["priority_rank"],
                "tickets": r["total"],
                "fr_met": r["fr_met"],
                "fr_breached": r["fr_breached"],
                "fr_pending": r["fr_with"] - r["fr_met"] - r["fr_breached"],
                "res_met": r["res_met"],
                "res_breached": r["res_breached"],
                "res_pending": r["res_with"] - r["res_met"] - r["res_breached"],
            }
        )
    return sorted(out, key=lambda r: (r["week"], r["plan"], r["priority_rank"], r["priority"]))


def live_medians(*, since):
    rows = (
        Ticket.objects.filter(received_at__gte=since, merged_into__isnull=True)
        .values("priority__name", "priority_rank")
        .annotate(
            fr=_Median(
                _Epoch(F("first_responded_at") - F("received_at")), filter=Q(first_responded_at__isnull=False)
            ),
            res=_Median(_Epoch(F("resolved_at") - F("received_at")), filter=Q(resolved_at__isnull=False)),
            fr_n=Count("id", filter=Q(first_responded_at__isnull=False)),
            res_n=Count("id", filter=Q(resolved_at__isnull=False)),
        )
        .order_by("priority_rank")
    )
    return [
        {
            "priority": r["priority__name"],
            "first_response": r["fr"],
            "resolution": r["res"],
            "first_response_n": r["fr_n"],
            "resolution_n": r["res_n"],
        }
        for r in rows
    ]


def live_reclassified(*, since, limit=10):
    rows = (
        Ticket.objects.filter(received_at__gte=since, merged_into__isnull=True)
        .values("organization_id", "organization__name", "organization__may_file_top_priority")
        .annotate(
            tickets=Count("id"),
            reclassified=Count(
                "id",
                filter=Q(
                    pk__in=TicketEvent.objects.filter(kind=TicketEvent.Kind.PRIORITY).values("ticket_id")
                ),
            ),
        )
        .filter(reclassified__gt=0)
        .order_by("-reclassified", "organization__name")[:limit]
    )
    return [
        {
            "organization_id": r["organization_id"],
            "organization": r["organization__name"],
            "barred": not r["organization__may_file_top_priority"],
            "tickets": r["tickets"],
            "reclassified": r["reclassified"],
            "pct": round(100.0 * r["reclassified"] / r["tickets"], 1),
        }
        for r in rows
    ]


def assert_matches_live(*, now, weeks):
    data = sla_dashboard(now=now, weeks=weeks)
    since = data["since"]
    assert data["rows"] == live_compliance(now=now, since=since)
    assert data["reclassified"] == live_reclassified(since=since)
    rolled, live = data["medians"], live_medians(since=since)
    assert [(m["priority"], m["first_response_n"], m["resolution_n"]) for m in rolled] == [
        (m["priority"], m["first_response_n"], m["resolution_n"]) for m in live
    ]
    for r, m in zip(rolled, live, strict=True):
        for figure in ("first_response", "resolution"):
            if m[figure] is None:
                assert r[figure] is None
            else:
                assert abs(r[figure] - m[figure]) <= MEDIAN_REL_ERROR * m[figure] + MEDIAN_ABS_ERROR + 1e-6
    return data


# --- a generated history -----------------------------------------------------------------------------


@pytest.fixture
def generated(priorities, plan):
    """~400 tickets over six weeks up to ROLLED_AT, two plans, three organizations, every outcome."""
    gold = PlanFactory(slug="gold", name="Gold")
    orgs = [
        OrganizationFactory(plan=plan, customer_number="1001", name="Acme", email_domains=["acme.test"]),
        OrganizationFactory(plan=gold, customer_number="2002", name="Globex", email_domains=["globex.test"]),
        OrganizationFactory(
            plan=gold,
            customer_number="3003",
            name="Initech",
            email_domains=["initech.test"],
            may_file_top_priority=False,
        ),
    ]
    people = [CustomerFactory(organization=o) for o in orgs]
    rng = random.Random(18)
    levels = list(priorities.values())
    tickets = []
    for n in range(400):
        i = rng.randrange(3)
        prio = rng.choice(levels)
        received = ROLLED_AT - timedelta(seconds=rng.randrange(0, 42 * 86400))
        fr_due = (
            received + timedelta(minutes=rng.choice([30, 120, 240, 2880])) if rng.random() < 0.9 else None
        )
        res_due = received + timedelta(hours=rng.choice([8, 24, 40, 200])) if rng.random() < 0.85 else None
        t = Ticket(
            organization=orgs[i],
            requester=people[i],
            subject=f"t{n}",
            priority=prio,
            priority_rank=prio.rank,
            plan=orgs[i].plan,
            received_at=received,
            last_activity_at=received,
            first_response_due_at=fr_due,
            resolution_due_at=res_due,
            status=Status.OPEN,
        )
        if rng.random() < 0.75:  # answered, early or late, never after the run
            t.first_responded_at = min(received + timedelta(seconds=rng.expovariate(1 / 7200)), ROLLED_AT)
        roll = rng.random()
        if roll < 0.55:
            t.resolved_at = min(received + timedelta(seconds=rng.expovariate(1 / 90000)), ROLLED_AT)
            t.status = Status.RESOLVED
        elif roll < 0.65 and res_due:  # waiting on the customer, paused before or after its due
            t.sla_paused_at = min(received + timedelta(hours=rng.choice([2, 300])), ROLLED_AT)
            t.status = Status.WAITING
        tickets.append(t)
    Ticket.objects.bulk_create(tickets)
    merged = tickets[::37]
    Ticket.objects.filter(pk__in=[t.pk for t in merged]).update(merged_into=tickets[1])
    TicketEvent.objects.bulk_create(
        TicketEvent(ticket=t, kind=TicketEvent.Kind.PRIORITY, created_at=ROLLED_AT, new_value="high")
        for t in tickets[3::11]
    )
    return tickets


def rows_snapshot():
    return sorted(
        DashboardDay.objects.values_list(
            "day",
            "plan_id",
            "priority_id",
            "organization_id",
            "tickets",
            "reclassified",
            "fr_with_target",
            "fr_met",
            "fr_breached",
            "fr_running_dues",
            "fr_hist",
            "res_with_target",
            "res_met",
            "res_breached",
            "res_running_dues",
            "res_hist",
        ),
        key=repr,
    )


# --- tests -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("weeks", WEEKS)
@pytest.mark.parametrize("read_after", [timedelta(0), timedelta(hours=5), timedelta(days=3)])
def test_rolled_up_dashboard_equals_the_live_computation(generated, weeks, read_after):
    """Every figure, every window, read at the run and later (running clocks breach as their due passes,
    and the days since the run are live)."""
    days = dashboard_rollup(now=ROLLED_AT)
    assert days == 42 and DashboardDay.objects.exists()
    data = assert_matches_live(now=ROLLED_AT + read_after, weeks=weeks)
    assert sum(r["tickets"] for r in data["rows"]) > 0 or read_after > timedelta(days=2)  # a new week


@pytest.mark.parametrize("weeks", WEEKS)
def test_dashboard_before_any_run_and_with_a_gap_equals_the_live_computation(generated, weeks):
    assert_matches_live(now=ROLLED_AT, weeks=weeks)  # nothing rolled up: all live
    dashboard_rollup(now=ROLLED_AT)
    DashboardRolledDay.objects.filter(day=(ROLLED_AT - timedelta(days=4)).date()).delete()  # a hole
    assert_matches_live(now=ROLLED_AT, weeks=weeks)


def test_by_plan_priority_and_week_groupings_equal_the_live_sums(generated):
    dashboard_rollup(now=ROLLED_AT)
    data = sla_dashboard(now=ROLLED_AT, weeks=6)
    live = live_compliance(now=ROLLED_AT, since=data["since"])
    for key, groups in (
        ("plan", data["by_plan"]),
        ("priority", data["by_priority"]),
        ("week", data["by_week"]),
    ):
        for g in groups:
            mine = [r for r in live if r[key] == g.key]
            assert (g.fr_met, g.fr_breached, g.fr_pending, g.res_met, g.res_breached, g.res_pending) == tuple(
                sum(r[f] for r in mine)
                for f in ("fr_met", "fr_breached", "fr_pending", "res_met", "res_breached", "res_pending")
            )
    assert {g.key for g in data["by_plan"]} == {"Enterprise", "Gold"}


def test_running_the_job_twice_changes_nothing(generated):
    dashboard_rollup(now=ROLLED_AT)
    first = rows_snapshot()
    assert dashboard_rollup(now=ROLLED_AT) == RECOMPUTE_DAYS  # only the recent days again
    assert rows_snapshot() == first
    with time_machine.travel(ROLLED_AT, tick=False):
        call_command("dashboard_backfill")  # every day again
    assert rows_snapshot() == first
    assert DashboardDay.objects.filter(day=ROLLED_AT.date()).count() == 0  # today is never stored


def test_a_late_change_to_a_recent_day_is_corrected_on_the_next_run(generated):
    dashboard_rollup(now=ROLLED_AT)
    later = ROLLED_AT + timedelta(hours=1)
    three_days_ago = ROLLED_AT - timedelta(days=3)
    day_tickets = Ticket.objects.filter(
        received_at__date=three_days_ago.date(), merged_into__isnull=True, resolved_at__isnull=True
    )
    ticket = day_tickets.filter(first_responded_at__isnull=True, first_response_due_at__isnull=False).first()
    assert ticket is not None
    Ticket.objects.filter(pk=ticket.pk).update(
        first_responded_at=later, resolved_at=later, status=Status.RESOLVED
    )
    TicketEvent.objects.create(
        ticket=ticket, kind=TicketEvent.Kind.PRIORITY, created_at=later, new_value="low"
    )
    since = sla_dashboard(now=later, weeks=1)["since"]
    stale = sla_dashboard(now=later, weeks=1)
    assert stale["rows"] != live_compliance(now=later, since=since)  # the stored day is behind...
    dashboard_rollup(now=later)
    assert_matches_live(now=later, weeks=1)  # ...until the next run


def test_a_change_older_than_the_recompute_window_shows_after_a_backfill(generated):
    dashboard_rollup(now=ROLLED_AT)
    old = ROLLED_AT - timedelta(days=RECOMPUTE_DAYS + 5)
    ticket = Ticket.objects.filter(received_at__date=old.date(), merged_into__isnull=True).first()
    TicketEvent.objects.create(
        ticket=ticket, kind=TicketEvent.Kind.PRIORITY, created_at=ROLLED_AT, new_value="low"
    )
    dashboard_rollup(now=ROLLED_AT)
    assert sla_dashboard(now=ROLLED_AT, weeks=6)["reclassified"] != live_reclassified(
        since=sla_dashboard(now=ROLLED_AT, weeks=6)["since"]
    )
    with time_machine.travel(ROLLED_AT, tick=False):
        call_command("dashboard_backfill", since=old.date().isoformat())
    assert_matches_live(now=ROLLED_AT, weeks=6)


def test_backfill_refuses_a_malformed_day():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("dashboard_backfill", since="last tuesday")


def test_an_empty_helpdesk_rolls_up_nothing(db):
    assert dashboard_rollup(now=ROLLED_AT) == 0 and not DashboardRolledDay.objects.exists()


def test_the_job_is_a_routed_timed_job():
    from helpdesk.celery import app

    assert JOBS["dashboard_rollup"] is dashboard_rollup
    assert app.conf.task_routes[task_name(dashboard_rollup)] == {"queue": "sweeps"}
    assert any(e["task"] == "tickets.tasks.dashboard_rollup" for e in app.conf.beat_schedule.values())


@pytest.mark.parametrize(
    "values",
    [
        [5],
        [5, 5000],
        [59, 61, 3600, 7200],
        [0, 0, 1, 86400 * 30],
        [90 * i for i in range(1, 200)],
        [3600] * 4,
    ],
)
def test_histogram_median_is_within_the_stated_bound(values):
    import statistics

    hist = {}
    for v in values:
        hist[bucket(v)] = hist.get(bucket(v), 0) + 1
    exact = statistics.median(values)
    assert abs(hist_median(hist) - exact) <= MEDIAN_REL_ERROR * exact + MEDIAN_ABS_ERROR
    assert MEDIAN_REL_ERROR < 0.025  # what the docstring promises: about 2.2 %


def _seed_more(n, priorities, org, customer):
    rng = random.Random(n)
    prio = priorities["normal"]
    Ticket.objects.bulk_create(
        Ticket(
            organization=org,
            requester=customer,
            subject=f"bulk {i}",
            priority=prio,
            priority_rank=prio.rank,
            plan=org.plan,
            received_at=(received := ROLLED_AT - timedelta(seconds=rng.randrange(1, 40 * 86400))),
            last_activity_at=received,
            first_response_due_at=ROLLED_AT,
            first_responded_at=ROLLED_AT - timedelta(hours=1),
        )
        for i in range(n)
    )


def test_dashboard_queries_are_the_same_for_10_or_1000_tickets(
    client, lead, priorities, org, customer, django_assert_num_queries
):
    from tests.desk.test_dashboard import DASHBOARD_QUERIES

    client.force_login(lead)
    for n in (10, 990):
        _seed_more(n, priorities, org, customer)
        dashboard_rollup(now=ROLLED_AT, since=(ROLLED_AT - timedelta(days=41)).date())  # old days: backfill
        with time_machine.travel(ROLLED_AT, tick=False), django_assert_num_queries(DASHBOARD_QUERIES):
            response = client.get(reverse("desk:dashboard"), {"weeks": "8"})
        assert response.status_code == 200
    assert DashboardDay.objects.filter(day__lt=ROLLED_AT.date()).aggregate(n=Count("id"))["n"] < 100
    assert (
        sum(DashboardDay.objects.values_list("tickets", flat=True))
        + Ticket.objects.filter(received_at__date=ROLLED_AT.date()).count()
        == 1000
    )


@pytest.mark.django_db(transaction=True)
def test_two_workers_rolling_up_the_same_days_at_once_leave_one_set_of_rows(generated):
    import threading

    from django.db import connection

    dashboard_rollup(now=ROLLED_AT)
    expected = rows_snapshot()
    errors = []
    barrier = threading.Barrier(2)

    def worker():
        try:
            barrier.wait()
            dashboard_rollup(now=ROLLED_AT, since=(ROLLED_AT - timedelta(days=10)).date())
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert rows_snapshot() == expected
