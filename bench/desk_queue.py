"""How the technician queue and the SLA dashboard scale: time at N and 10 x N open tickets.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/hd_bench .venv/bin/python bench/desk_queue.py [N]
(a throwaway test database is created and dropped). A keyset page should cost about the same at both
sizes (ratio near 1); the counts and the dashboard are aggregates over the open tickets / the window, so
they grow with the data, but stay one query each.
"""

import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# The test suite's settings: eager Celery, the fast password hasher.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

NOW = datetime(2026, 3, 6, 15, 30, tzinfo=UTC)


def timed(fn, runs: int = 7) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def populate(n: int, start_at: int):
    from accounts.models import Organization, User
    from sla.models import PriorityLevel, SupportPlan
    from tickets.models import Ticket

    plan = SupportPlan.objects.get_or_create(slug="bench", defaults={"name": "Bench"})[0]
    levels = [
        PriorityLevel.objects.get_or_create(slug=s, defaults={"name": s.title(), "rank": r})[0]
        for r, s in enumerate(["urgent", "high", "normal", "low"], 1)
    ]
    org = Organization.objects.get_or_create(
        customer_number="b1", defaults={"name": "Bench Org", "plan": plan}
    )[0]
    user = User.objects.filter(email="bench@b.test").first() or User.objects.create_user(
        "bench@b.test", organization=org
    )
    batch = []
    for i in range(start_at, start_at + n):
        level = levels[i % 4]
        received = NOW - timedelta(minutes=i % 20000)
        batch.append(
            Ticket(
                organization=org,
                requester=user,
                subject=f"Bench ticket {i}",
                priority=level,
                priority_rank=level.rank,
                plan=plan,
                status=["new", "open", "waiting", "resolved"][i % 4],
                received_at=received,
                last_activity_at=received,
                first_response_due_at=received + timedelta(hours=level.rank),
                resolution_due_at=received + timedelta(hours=8 * level.rank),
            )
        )
    Ticket.objects.bulk_create(batch, batch_size=2000)


def measure(agent) -> dict:
    from tickets.dashboard import sla_dashboard
    from tickets.desk.queue import QueueFilters, _after_priority, queue_base, queue_counts, queue_page

    first = queue_page(agent=agent, now=NOW, filters=QueueFilters.from_query({}))
    base = queue_base(agent=agent, now=NOW, filters=QueueFilters.from_query({}))
    after = QueueFilters.from_query({"after": first.next_after})
    return {
        "rows, page 1 (keyset)": timed(lambda: list(base[:26])),
        "rows, page 2 (keyset)": timed(lambda: list(_after_priority(base, after.after)[:26])),
        "tab counts (1 query)": timed(lambda: queue_counts(base, agent=agent, now=NOW)),
        "whole page: first": timed(
            lambda: queue_page(agent=agent, now=NOW, filters=QueueFilters.from_query({}))
        ),
        "whole page: next": timed(
            lambda: queue_page(
                agent=agent, now=NOW, filters=QueueFilters.from_query({"after": first.next_after})
            )
        ),
        "whole page: due soonest": timed(
            lambda: queue_page(agent=agent, now=NOW, filters=QueueFilters.from_query({"sort": "due"}))
        ),
        "dashboard (8 weeks)": timed(lambda: sla_dashboard(now=NOW, weeks=8), runs=3),
    }


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from accounts.models import User

        agent = User.objects.create_user("agent@b.test", is_staff=True)
        populate(n, 0)
        if connection.vendor == "postgresql":
            connection.cursor().execute("ANALYZE")
        small = measure(agent)
        populate(9 * n, n)
        if connection.vendor == "postgresql":
            connection.cursor().execute("ANALYZE")
        large = measure(agent)
        print(f"{connection.vendor}: {n} vs {10 * n} tickets (median ms)")
        for key in small:
            print(f"  {key:24s} {small[key]:8.1f} {large[key]:8.1f}  ratio {large[key] / small[key]:5.2f}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
