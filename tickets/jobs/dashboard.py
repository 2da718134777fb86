"""The SLA dashboard's roll-up (``tickets.models.DashboardDay``, ``DashboardWeek``, ``DashboardSnapshot``), kept
by a timed job.

Each run (every minute):

* counts the open backlog by age (``DashboardSnapshot`` "backlog": the page shows it "as of" this run);
* rolls up every closed UTC day that needs it (and sums its ISO week again, ``DashboardWeek``, carrying
  a change of the week's histograms into the running totals of it and every later week): a day never
  rolled up (an empty table is filled from the first ticket on), a day one of whose tickets changed
  since the last run (``Ticket.updated_at``, read back to CHANGES_OVERLAP before it so a change
  committed late is not missed), and a day whose stored running clocks end within RECOMPUTE_AHEAD (its
  ``valid_until``, see ``tickets.dashboard``).

Today is never stored: the dashboard computes it live (``tickets.dashboard.window_cells``).

Idempotent: a day is replaced (delete + insert), and its week summed again, in one transaction under a
per-week advisory lock (and the running totals under one lock of their own, taken after it), so a second
run, or two workers at once, leave the same rows.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from django.db import connection, transaction
from django.db.models.functions import TruncDate

from sla.models import PriorityLevel

from ..dashboard import (
    COUNT_NAMES,
    RUNNING_HORIZON,
    backlog_by_age,
    day_cells,
    hist_add,
    hist_flat,
    hist_minus,
)
from ..models import DashboardDay, DashboardRolledDay, DashboardSnapshot, DashboardWeek, Ticket

CHANGES_OVERLAP = timedelta(minutes=5)
RECOMPUTE_AHEAD = RUNNING_HORIZON / 2
_LOCK_SPACE = 1817  # pg_advisory_xact_lock(space, monday) keys; any constant no other lock uses
_TOTALS_KEY = 0  # (space, 0): the running totals of every week (no Monday's ordinal is 0)
_NO_DUES = {"fr": [], "res": []}  # a running total's (it has no counts)


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
    running dues put together, histograms added (a whole valid week is read from these rows alone); then
    carry the change of its histograms per priority into the running totals (``_totals_carry``)."""
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
    cells = DashboardWeek.objects.filter(week=monday, plan__isnull=False)
    before = _per_priority(cells.values_list("priority_id", "hist"))
    cells.delete()
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
    after = _per_priority(
        (priority_id, {"fr": hist_flat(s["hist"][0]), "res": hist_flat(s["hist"][1])})
        for (_plan_id, priority_id), s in sums.items()
    )
    _totals_carry(monday, before=before, after=after)


def _per_priority(rows) -> dict[int, tuple[dict, dict]]:
    out: dict[int, tuple[dict, dict]] = {}
    for priority_id, hist in rows:
        fr, res = out.setdefault(priority_id, ({}, {}))
        hist_add(fr, hist["fr"])
        hist_add(res, hist["res"])
    return out


def _totals_carry(monday: date, *, before: dict, after: dict) -> None:
    """Keep the running totals: the rows without a plan, one per week and priority, whose ``hist`` is the
    sum of the priority's histograms over every week up to that one (so a window's are two rows' difference,
    ``tickets.dashboard.window_cells``). The week gets its totals (the latest earlier week's plus its own;
    every priority seen before is carried, so each summed week has a row for each), and every later week's
    totals change by what this week's histograms changed. Under one lock for all weeks (PostgreSQL), in the
    transaction that rolled the day up, so the totals always agree with the week rows."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_SPACE, _TOTALS_KEY])
    totals = DashboardWeek.objects.filter(plan__isnull=True)
    previous = totals.filter(week__lt=monday).order_by("-week").values_list("week", flat=True).first()
    running = (
        _per_priority(totals.filter(week=previous).values_list("priority_id", "hist")) if previous else {}
    )
    for priority_id in PriorityLevel.objects.values_list("pk", flat=True):  # a row for each, zero or not
        running.setdefault(priority_id, ({}, {}))
    for priority_id, (fr, res) in after.items():
        mine = running.setdefault(priority_id, ({}, {}))
        hist_add(mine[0], hist_flat(fr))
        hist_add(mine[1], hist_flat(res))
    totals.filter(week=monday).delete()
    DashboardWeek.objects.bulk_create(
        DashboardWeek(
            week=monday, priority_id=p, dues=_NO_DUES, hist={"fr": hist_flat(fr), "res": hist_flat(res)}
        )
        for p, (fr, res) in sorted(running.items())
    )
    change = {}
    for priority_id in before.keys() | after.keys():
        old, new = before.get(priority_id, ({}, {})), after.get(priority_id, ({}, {}))
        delta = tuple(hist_minus(new[i], old[i]) for i in (0, 1))
        if delta[0] or delta[1]:
            change[priority_id] = delta
    if not change:
        return
    later = list(totals.filter(week__gt=monday).values_list("week", "priority_id", "hist"))
    weeks = sorted({week for week, _p, _h in later})
    have = {(week, p): hist for week, p, hist in later}
    rows = []
    for week in weeks:
        for priority_id, (fr, res) in change.items():
            hist = have.get((week, priority_id), {"fr": [], "res": []})
            mine = ({}, {})
            hist_add(mine[0], hist["fr"])
            hist_add(mine[1], hist["res"])
            for into, by in ((mine[0], fr), (mine[1], res)):
                for k, n in by.items():
                    into[k] = into.get(k, 0) + n
            rows.append(
                DashboardWeek(
                    week=week,
                    priority_id=priority_id,
                    dues=_NO_DUES,
                    hist={
                        "fr": hist_flat(hist_minus(mine[0], {})),
                        "res": hist_flat(hist_minus(mine[1], {})),
                    },
                )
            )
    totals.filter(week__gt=monday, priority_id__in=list(change)).delete()
    DashboardWeek.objects.bulk_create(rows)


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
