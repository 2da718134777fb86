"""The SLA dashboard's daily roll-up (``tickets.models.DashboardDay``), kept by a timed job.

Each run rolls up the closed (UTC) days not rolled up yet, and the last ``RECOMPUTE_DAYS`` again: a
ticket keeps changing after its day closes (answered, resolved, re-classified, reopened, paused), and
the last two weeks cover a resolution target of 40 business hours with room for a reopen, which is where
nearly all late changes land. A change to an older ticket shows after ``manage.py dashboard_backfill``.
An empty table is backfilled from the first ticket on. Today is never stored: the dashboard computes it
live (``tickets.dashboard.window_cells``).

Idempotent: a day is replaced (delete + insert) in one transaction under a per-day advisory lock, so a
second run, or two workers at once, leave the same rows.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from django.db import connection, transaction

from ..dashboard import day_cells
from ..models import DashboardDay, DashboardRolledDay, Ticket

RECOMPUTE_DAYS = 14
_LOCK_SPACE = 1817  # pg_advisory_xact_lock(space, day) keys; any constant no other lock uses


def dashboard_rollup_day(*, day: date, now: datetime) -> int:
    """Recompute one day's cells as at ``now``; returns the number of cells written."""
    start = datetime.combine(day, time.min, tzinfo=UTC)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_SPACE, day.toordinal()])
        cells = day_cells(now=now, start=start, end=start + timedelta(days=1))
        DashboardDay.objects.filter(day=day).delete()
        DashboardDay.objects.bulk_create(
            DashboardDay(
                day=c["day"],
                plan_id=c["plan_id"],
                priority_id=c["priority_id"],
                priority_rank=c["priority_rank"],
                organization_id=c["organization_id"],
                tickets=c["tickets"],
                reclassified=c["reclassified"],
                fr_with_target=c["fr_with_target"],
                fr_met=c["fr_met"],
                fr_breached=c["fr_breached"],
                fr_running_dues=c["fr_running_dues"],
                fr_hist={str(i): n for i, n in sorted(c["fr_hist"].items())},
                res_with_target=c["res_with_target"],
                res_met=c["res_met"],
                res_breached=c["res_breached"],
                res_running_dues=c["res_running_dues"],
                res_hist={str(i): n for i, n in sorted(c["res_hist"].items())},
            )
            for c in cells
        )
        DashboardRolledDay.objects.update_or_create(day=day, defaults={"computed_at": now})
    return len(cells)


def dashboard_rollup(*, now: datetime, since: date | None = None) -> int:
    """Roll up the closed days that need it (see the module docstring); returns the days recomputed.
    ``since`` forces every day from that one on (the backfill command)."""
    today = now.astimezone(UTC).date()
    if since is None:
        last = DashboardRolledDay.objects.order_by("-day").values_list("day", flat=True).first()
        if last is None:
            first = Ticket.objects.order_by("received_at").values_list("received_at", flat=True).first()
            if first is None:
                return 0
            since = first.astimezone(UTC).date()
        else:
            since = min(last + timedelta(days=1), today - timedelta(days=RECOMPUTE_DAYS))
    day = since
    done = 0
    while day < today:
        dashboard_rollup_day(day=day, now=now)
        day += timedelta(days=1)
        done += 1
    return done
