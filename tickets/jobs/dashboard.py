"""The SLA dashboard's roll-up (``tickets.models.DashboardDay``, ``DashboardWeek``, ``DashboardSnapshot``), kept
by a timed job.

Each run (every minute):

* counts the open backlog by age (``DashboardSnapshot`` "backlog": the page shows it "as of" this run);
* rolls up every closed UTC day that needs it (and sums its ISO week again, ``DashboardWeek``): a day never rolled up (an empty table is filled from the
  first ticket on), a day one of whose tickets changed since the last run (``Ticket.updated_at``, read
  back to CHANGES_OVERLAP before it so a change committed late is not missed), and a day whose stored
  running clocks end within RECOMPUTE_AHEAD (its ``valid_until``, see ``tickets.dashboard``).

Today is never stored: the dashboard computes it live (``tickets.dashboard.window_cells``).

Idempotent: a day is replaced (delete + insert), and its week's histograms summed again, in one
transaction under a per-week advisory lock, so a second run, or two workers at once, leave the same rows.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from django.db import connection, transaction
from django.db.models.functions import TruncDate

from ..dashboard import COUNT_NAMES, RUNNING_HORIZON, backlog_by_age, day_cells, hist_add, hist_flat
from ..models import DashboardDay, DashboardRolledDay, DashboardSnapshot, DashboardWeek, Ticket

CHANGES_OVERLAP = timedelta(minutes=5)
RECOMPUTE_AHEAD = RUNNING_HORIZON / 2
_LOCK_SPACE = 1817  # pg_advisory_xact_lock(space, monday) keys; any constant no other lock uses


def _day_start(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC)


def dashboard_rollup_day(*, day: date, now: datetime) -> int:
    """Recompute one closed day's cells as at ``now``, and its week's sums; returns the number of cells
    written."""
    start = _day_start(day)
    monday = day - timedelta(days=day.weekday())
    horizon = (now + RUNNING_HORIZON).timestamp()
    with transaction.atomic():
        if connection.vendor == "postgresql":  # one week at a time: its days' rows and its sum agree
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_SPACE, monday.toordinal()])
        cells = day_cells(now=now, ranges=[(start, start + timedelta(days=1))])
        beyond = [
            due for c in cells for due in (*c["fr_running_dues"], *c["res_running_dues"]) if due >= horizon
        ]
        DashboardDay.objects.filter(day=day).delete()
        DashboardDay.objects.bulk_create(
            DashboardDay(
                day=c["day"],
                plan_id=c["plan_id"],
                priority_id=c["priority_id"],
                **{name: c[name] for name in COUNT_NAMES},
                dues={
                    "fr": sorted(d for d in c["fr_running_dues"] if d < horizon),
                    "res": sorted(d for d in c["res_running_dues"] if d < horizon),
                },
                hist={"fr": c["fr_hist"], "res": c["res_hist"]},
            )
            for c in cells
        )
        # Valid until the first running clock not kept ends (a due d breaches once d < now).
        valid_until = datetime.fromtimestamp(min(beyond), tz=UTC) if beyond else None
        DashboardRolledDay.objects.update_or_create(
            day=day, defaults={"computed_at": now, "valid_until": valid_until}
        )
        _week_sum(monday)
    return len(cells)


def _week_sum(monday: date) -> None:
    """Sum the week's stored day cells per plan and priority into ``DashboardWeek``: counts added, kept
    running dues put together, histograms added (a whole valid week is read from these rows alone)."""
    sums: dict[tuple[int, int], dict] = {}
    for plan_id, priority_id, *counts, dues, hist in DashboardDay.objects.filter(
        day__gte=monday, day__lt=monday + timedelta(days=7)
    ).values_list("plan_id", "priority_id", *COUNT_NAMES, "dues", "hist"):
        s = sums.get((plan_id, priority_id))
        if s is None:
            s = sums[(plan_id, priority_id)] = {
                **dict.fromkeys(COUNT_NAMES, 0),
                "dues": {"fr": [], "res": []},
                "hist": ({}, {}),
            }
        for name, n in zip(COUNT_NAMES, counts, strict=True):
            s[name] += n
        s["dues"]["fr"] += dues["fr"]
        s["dues"]["res"] += dues["res"]
        hist_add(s["hist"][0], hist["fr"])
        hist_add(s["hist"][1], hist["res"])
    DashboardWeek.objects.filter(week=monday).delete()
    DashboardWeek.objects.bulk_create(
        DashboardWeek(
            week=monday,
            plan_id=plan_id,
            priority_id=priority_id,
            **{name: s[name] for name in COUNT_NAMES},
            dues={"fr": sorted(s["dues"]["fr"]), "res": sorted(s["dues"]["res"])},
            hist={"fr": hist_flat(s["hist"][0]), "res": hist_flat(s["hist"][1])},
        )
        for (plan_id, priority_id), s in sorted(sums.items())
    )


def _days_due(*, now: datetime, today: date) -> set[date]:
    """The closed days the next run must roll up (see the module docstring)."""
    rolled = set(DashboardRolledDay.objects.values_list("day", flat=True))
    first = Ticket.objects.order_by("received_at").values_list("received_at", flat=True).first()
    days: set[date] = set()
    if first is not None:
        day = first.astimezone(UTC).date()
        while day < today:
            if day not in rolled:
                days.add(day)
            day += timedelta(days=1)
    days.update(
        DashboardRolledDay.objects.filter(valid_until__lt=now + RECOMPUTE_AHEAD).values_list("day", flat=True)
    )
    seen = DashboardSnapshot.objects.filter(name="changes").values_list("computed_at", flat=True).first()
    if seen is not None:
        changed = (
            Ticket.objects.filter(updated_at__gte=seen - CHANGES_OVERLAP, received_at__lt=_day_start(today))
            .annotate(day=TruncDate("received_at", tzinfo=UTC))
            .values_list("day", flat=True)
            .order_by()
            .distinct()
        )
        days.update(d if isinstance(d, date) else date.fromisoformat(d) for d in changed)
    return {d for d in days if d < today}


def dashboard_rollup(*, now: datetime, since: date | None = None) -> int:
    """Keep the dashboard's snapshot and daily roll-up; returns the days rolled up. ``since`` rolls up
    every closed day from that one on as well (the backfill command)."""
    today = now.astimezone(UTC).date()
    DashboardSnapshot.objects.update_or_create(
        name="backlog", defaults={"computed_at": now, "data": {"rows": backlog_by_age(now=now)}}
    )
    days = _days_due(now=now, today=today)
    if since is not None:
        days.update(since + timedelta(days=n) for n in range(max(0, (today - since).days)))
    for day in sorted(days):
        dashboard_rollup_day(day=day, now=now)
    DashboardSnapshot.objects.update_or_create(name="changes", defaults={"computed_at": now})
    return len(days)
