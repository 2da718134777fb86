"""Benchmark: one pass of the SLA monitor over N tickets, 10% open, 100 of them due (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hd_bench .venv/bin/python bench/sla_monitor.py \
        --sizes 10000 100000 1000000

The database named in DATABASE_URL is created if missing, migrated, and its tickets REPLACED.
Rows are generated in SQL (``INSERT ... SELECT generate_series``), so a million take about a minute.
Of the open tickets, 100 have a first-response target just passed (due), 40% are long breached (already
recorded) and the rest are on track. Each pass runs in a transaction that is rolled back, so it can
be repeated on the same data; the on-commit broker push of each queued notification is not included.
The claim is "near-constant in open tickets": compare the rows across sizes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

NOW = datetime(2026, 3, 6, 15, 30, tzinfo=UTC)
DUE = 100


def ensure_database() -> None:
    import psycopg2

    settings = connection.settings_dict
    admin = psycopg2.connect(
        dbname="postgres",
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
    )
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [settings["NAME"]])
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{settings["NAME"]}"')
    admin.close()


def fixtures():
    from datetime import timedelta as td

    from accounts.models import Organization, User
    from sla.models import Calendar, PriorityLevel, SLATarget, SupportPlan

    prio, _ = PriorityLevel.objects.get_or_create(slug="urgent", defaults={"name": "Urgent", "rank": 1})
    plan, _ = SupportPlan.objects.get_or_create(slug="bench", defaults={"name": "Bench", "is_default": True})
    cal, _ = Calendar.objects.get_or_create(name="always", defaults={"always_open": True})
    SLATarget.objects.get_or_create(
        plan=plan,
        priority=prio,
        defaults={"first_response": td(minutes=30), "resolution": td(hours=24), "calendar": cal},
    )
    org, _ = Organization.objects.get_or_create(
        customer_number="B1", defaults={"name": "Bench org", "plan": plan}
    )
    customer, _ = User.objects.get_or_create(
        email="bench-customer@example.test", defaults={"username": "bc", "organization": org}
    )
    tech, _ = User.objects.get_or_create(
        email="bench-tech@example.test", defaults={"username": "bt", "is_staff": True}
    )
    return prio, plan, org, customer, tech


def generate(n: int) -> dict:
    prio, plan, org, customer, tech = fixtures()
    open_n = n // 10
    closed_n = n - open_n
    breached_n = int(open_n * 0.4)
    params = {
        "n": n,
        "closed": closed_n,
        "due_end": closed_n + DUE,
        "breached_end": closed_n + DUE + breached_n,
        "org": org.pk,
        "req": customer.pk,
        "tech": tech.pk,
        "prio": prio.pk,
        "rank": prio.rank,
        "plan": plan.pk,
        "now": NOW,
    }
    with connection.cursor() as cur:
        cur.execute("TRUNCATE tickets_ticket RESTART IDENTITY CASCADE")
        # Four kinds of row by position g: closed | due now | long breached | on track.
        cur.execute(
            """
            WITH rows AS (
              SELECT g,
                CASE WHEN g <= %(closed)s THEN %(now)s - interval '30 days' - (g %% 10000) * interval '1 minute'
                     WHEN g <= %(due_end)s THEN %(now)s - interval '31 minutes'
                     WHEN g <= %(breached_end)s THEN %(now)s - interval '3 days' - (g %% 1000) * interval '1 minute'
                     ELSE %(now)s - (g %% 10) * interval '1 minute' END AS received
              FROM generate_series(1, %(n)s) AS g
            )
            INSERT INTO tickets_ticket (
              organization_id, requester_id, cc_emails, subject, description, request_fields, priority_id,
              priority_rank, plan_id, status, channel, received_at, created_at, updated_at, last_activity_at,
              customer_reminders_sent, close_reason, close_reason_kept, about_incident, assignee_id,
              first_response_due_at, resolution_due_at, first_response_warn_at, resolution_warn_at,
              first_responded_at, resolved_at, closed_at,
              first_response_warned_at, first_response_breached_at, resolution_warned_at, resolution_breached_at
            )
            SELECT %(org)s, %(req)s, '[]', 'Ticket ' || g, '', '{}', %(prio)s, %(rank)s, %(plan)s,
              CASE WHEN g <= %(closed)s THEN 'closed' ELSE 'open' END, 'web', received, received, received, received,
              0, '', '{}', false, %(tech)s,
              received + interval '30 minutes', received + interval '24 hours',
              received + interval '22.5 minutes', received + interval '18 hours',
              CASE WHEN g <= %(closed)s THEN received + interval '10 minutes' END,
              CASE WHEN g <= %(closed)s THEN received + interval '1 day' END,
              CASE WHEN g <= %(closed)s THEN received + interval '1 day' END,
              CASE WHEN g > %(closed)s AND g <= %(breached_end)s THEN received + interval '22.5 minutes' END,
              CASE WHEN g > %(due_end)s AND g <= %(breached_end)s THEN received + interval '30 minutes' END,
              CASE WHEN g > %(due_end)s AND g <= %(breached_end)s THEN received + interval '18 hours' END,
              CASE WHEN g > %(due_end)s AND g <= %(breached_end)s THEN received + interval '24 hours' END
            FROM rows
            """,
            params,
        )
        cur.execute("ANALYZE tickets_ticket")
    return {"open": open_n, "breached": breached_n}


def one_pass(now: datetime) -> tuple[float, int, int, float]:
    """(seconds, queries, tickets acted on, seconds in the due-work SELECTs)."""
    from tickets.jobs import sla_monitor

    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        start = time.perf_counter()
        count = sla_monitor(now=now)
        elapsed = time.perf_counter() - start
        transaction.set_rollback(True)  # same data for the next repeat
    # Transaction control is not counted as a query: the outer transaction turns each batch's
    # BEGIN/COMMIT into SAVEPOINT/RELEASE (one pair per due-work batch; the bulk outbox write adds none).
    control = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK", "BEGIN", "COMMIT")
    real = [q for q in queries.captured_queries if not q["sql"].startswith(control)]
    # The only statements whose cost could depend on the open tickets: the due-work SELECT ... FOR UPDATE.
    selects = sum(float(q["time"]) for q in real if "FOR UPDATE" in q["sql"])
    return elapsed, len(real), count, selects


def explain(now: datetime) -> str:
    from tickets.jobs.sla_monitor import breach_due

    qs = breach_due("first_response", now).order_by("first_response_due_at", "pk")[:200]
    plan = qs.explain()
    return " / ".join(line.strip() for line in plan.splitlines()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--reuse", action="store_true", help="Keep the tickets when the table already holds N."
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database.")
    ensure_database()
    call_command("migrate", verbosity=0)
    print(
        f"{'tickets':>9} {'open':>7} {'due':>4} | {'pass ms':>8} {'queries':>7} {'due-select ms':>13} "
        f"| {'idle pass ms':>12} {'queries':>7} | gen s"
    )
    for n in args.sizes:
        t0 = time.perf_counter()
        from tickets.models import Ticket

        if args.reuse and Ticket.objects.count() == n:
            shape = {"open": n // 10}
        else:
            shape = generate(n)
        gen = time.perf_counter() - t0
        one_pass(NOW)  # warm caches and connections
        runs = [one_pass(NOW) for _ in range(args.repeat)]
        assert all(r[2] == DUE for r in runs), runs
        idle = [one_pass(NOW - timedelta(minutes=5)) for _ in range(args.repeat)]  # nothing due yet
        assert all(r[2] == 0 for r in idle), idle
        med = lambda rows, i: statistics.median(r[i] for r in rows) * 1000  # noqa: E731
        print(
            f"{n:>9,} {shape['open']:>7,} {DUE:>4} | {med(runs, 0):>8.1f} {runs[0][1]:>7} {med(runs, 3):>13.2f} "
            f"| {med(idle, 0):>12.1f} {idle[0][1]:>7} | {gen:.1f}",
            flush=True,
        )
        print(f"          plan: {explain(NOW)}", flush=True)


if __name__ == "__main__":
    main()
