"""SLA dashboard reads: a constant number of queries, each reading about as much at a million tickets
as at ten thousand.

The windowed figures (compliance, medians) are summed from the roll-up kept by the ``dashboard_rollup``
timed job (one row per closed ISO week, plan and priority, ``DashboardWeek``, for the window's whole
weeks; one per closed UTC day, plan and priority, ``DashboardDay``, for the days of the current week)
plus today, computed live by the same function; the backlog by age is the job's snapshot of the open tickets (as of its last
run, at most BACKLOG_FRESH old); the re-classification ranking starts from the window's
re-classifications; the breach list (the 50 newest) and the satisfaction panel are read live.

Compliance counts a target as met when it was done by its due time, breached when it was done late or
is still not done after it; tickets whose clock still runs are pending and left out of the percentage.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    JSONField,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import policy
from .models import (
    DashboardDay,
    DashboardRolledDay,
    DashboardSnapshot,
    DashboardWeek,
    Status,
    SurveyResponse,
    Ticket,
    TicketEvent,
)

AGE_BUCKETS: list[tuple[str, timedelta | None]] = [  # labels worded for the reader (the chart's axis)
    (gettext_lazy("< 4 h"), timedelta(hours=4)),
    (gettext_lazy("4-24 h"), timedelta(days=1)),
    (gettext_lazy("1-3 days"), timedelta(days=3)),
    (gettext_lazy("3-7 days"), timedelta(days=7)),
    (gettext_lazy("7-30 days"), timedelta(days=30)),
    (gettext_lazy("> 30 days"), None),
]


def _pct(met: int, breached: int) -> float | None:
    return round(100.0 * met / (met + breached), 1) if met + breached else None


@dataclass
class Compliance:
    key: str
    fr_met: int = 0
    fr_breached: int = 0
    fr_pending: int = 0
    res_met: int = 0
    res_breached: int = 0
    res_pending: int = 0

    def add(self, row: dict) -> None:
        for name in ("fr_met", "fr_breached", "fr_pending", "res_met", "res_breached", "res_pending"):
            setattr(self, name, getattr(self, name) + row[name])

    @property
    def fr_pct(self) -> float | None:
        return _pct(self.fr_met, self.fr_breached)

    @property
    def res_pct(self) -> float | None:
        return _pct(self.res_met, self.res_breached)


def dashboard_window(*, now: datetime, weeks: int) -> datetime:
    """Start of the ISO week ``weeks - 1`` weeks before ``now`` (so ``weeks`` whole or partial weeks)."""
    monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    return monday - timedelta(weeks=max(1, weeks) - 1)


# The daily roll-up. ``day_cells`` is the one definition of the windowed figures' inputs: the timed job
# (``tickets.jobs.dashboard``) stores its cells for closed UTC days, and the dashboard computes it live
# for today (and for any day not rolled up, or whose roll-up has lapsed), so both paths count alike.
#
# Exactness. Counts (tickets, met, breached, pending) are exact sums of per-day cells. A clock still
# running when a day was rolled up is pending then; the cell keeps the due instants of those that run
# out within RUNNING_HORIZON (``*_running_dues``), so each turns from pending to breached at read time
# exactly as the live rule would, and the day's ``valid_until`` is the first due it did not keep (the
# job rolls the day up again before then; a page that finds it lapsed computes that day live). A ticket
# that changes (answered, resolved, re-classified, reopened, merged...) has its day rolled up again by
# the job's next run (``updated_at`` since the last run), so an old day shows a late change within a
# minute, as the live query would.
# Weeks. The job also sums each ISO week's stored day cells per plan and priority (``DashboardWeek``:
# counts added, kept dues put together, histograms added) whenever one of its days is rolled up, in the
# same transaction. A closed week whose seven days are all rolled up and valid at ``now`` is read from
# those rows: the same sums, so the same figures; a week with a day missing or lapsed is read day by day.
# Its histograms are summed too, and carried into running totals per week and priority (the rows
# without a plan), so a window's histograms are the difference of two totals (``window_cells``).
# Medians cannot be summed across days, so each cell stores a histogram of durations in log buckets:
# bucket 0 is [0, 60 s), then bucket i is [60 s * r^(i-1), 60 s * r^i) with r = HIST_RATIO = 2^(1/16)
# (each 4.4 % of its lower edge wide: about 2.6 min near an hour, 63 min near a day; 306 buckets reach a
# year); a week's histograms are its days' added. A window's median is read at the bucket(s) of the
# middle rank(s), each taken at its geometric middle, so it is off by at most a factor sqrt(HIST_RATIO)
# (2.2 %), or 30 s in bucket 0 (at 1M on the bench data: 0.04-1.9 %, the counts n exact):
#     |median shown - exact median| <= MEDIAN_REL_ERROR * exact median + MEDIAN_ABS_ERROR
# (tests/desk/test_dashboard_rollups.py checks that bound against the exact median of the same tickets).

HIST_RATIO = 2 ** (1 / 16)
HIST_FIRST = 60.0
MEDIAN_REL_ERROR = math.sqrt(HIST_RATIO) - 1
MEDIAN_ABS_ERROR = HIST_FIRST / 2
RUNNING_HORIZON = timedelta(hours=1)


def bucket(seconds: float) -> int:
    """The histogram bucket of a duration: 0 below a minute, then ``i`` for [60·r^(i-1), 60·r^i)."""
    if seconds < HIST_FIRST:
        return 0
    i = 1 + int(math.log(seconds / HIST_FIRST) / math.log(HIST_RATIO))
    while i > 1 and HIST_FIRST * HIST_RATIO ** (i - 1) > seconds:  # float rounding at an edge
        i -= 1
    while HIST_FIRST * HIST_RATIO**i <= seconds:
        i += 1
    return i


def _bucket_middle(i: int) -> float:
    return HIST_FIRST / 2 if i == 0 else HIST_FIRST * HIST_RATIO ** (i - 1) * math.sqrt(HIST_RATIO)


def hist_median(hist: dict[int, int]) -> float | None:
    """The median read off a histogram (see the bound above); ``None`` when it is empty."""
    n = sum(hist.values())
    if not n:
        return None
    ranks = ((n + 1) // 2, n // 2 + 1)  # the middle value(s), 1-based, as percentile_cont(0.5) takes them
    found: list[float] = []
    seen = 0
    for i in sorted(hist):
        seen += hist[i]
        while len(found) < 2 and seen >= ranks[len(found)]:
            found.append(_bucket_middle(i))
    return (found[0] + found[1]) / 2


def hist_flat(hist: dict[int, int]) -> list[int]:
    """A histogram as stored: ``[bucket, tickets, bucket, tickets, ...]`` (flat ints parse fastest)."""
    return [v for i in sorted(hist) for v in (i, hist[i])]


def hist_add(into: dict[int, int], flat: list[int]) -> None:
    for k in range(0, len(flat), 2):
        into[flat[k]] = into.get(flat[k], 0) + flat[k + 1]


def hist_minus(hist: dict[int, int], less: dict[int, int]) -> dict[int, int]:
    """``hist`` less ``less``, bucket by bucket, empty buckets left out (a difference of running totals;
    the change of a week's histograms, where a bucket may go down)."""
    out = {k: hist.get(k, 0) - less.get(k, 0) for k in hist.keys() | less.keys()}
    return {k: n for k, n in out.items() if n}


def _flag(q: Q) -> Case:
    return Case(When(q, then=Value(True)), default=Value(False), output_field=BooleanField())


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def day_cells(*, now: datetime, ranges: list[tuple[datetime, datetime | None]]) -> list[dict]:
    """Per (UTC day of arrival, plan, priority): the dashboard's inputs for the tickets received in the
    ``[start, end)`` ranges, as they stand at ``now``: one query (a day is ~1,400 tickets at a million
    tickets over two years), aggregated here. ``*_running_dues`` are every clock still running at ``now``."""
    if not ranges:
        return []
    in_ranges = Q()
    for start, end in ranges:
        in_ranges |= Q(received_at__gte=start) & (Q(received_at__lt=end) if end is not None else Q())
    tickets = Ticket.objects.filter(in_ranges, merged_into__isnull=True)
    rows = tickets.annotate(
        day=TruncDate("received_at", tzinfo=UTC),
        fr_met_=_flag(policy.first_response_met_q()),
        fr_breached_=_flag(policy.first_response_breached_q(now)),
        res_met_=_flag(policy.resolution_met_q()),
        res_breached_=_flag(policy.resolution_breached_q(now)),
    ).values_list(
        "day",
        "plan_id",
        "plan__name",
        "priority_id",
        "priority__name",
        "priority__rank",
        "received_at",
        "first_response_due_at",
        "first_responded_at",
        "resolution_due_at",
        "resolved_at",
        "sla_paused_at",
        "fr_met_",
        "fr_breached_",
        "res_met_",
        "res_breached_",
    )
    cells: dict[tuple, dict] = {}
    for (
        day,
        plan_id,
        plan,
        priority_id,
        priority,
        rank,
        received,
        fr_due,
        responded,
        res_due,
        resolved,
        paused,
        fr_met,
        fr_breached,
        res_met,
        res_breached,
    ) in rows.order_by():
        if isinstance(day, str):  # SQLite hands the truncated date back as text
            day = date.fromisoformat(day)
        key = (day, plan_id, priority_id)
        c = cells.get(key)
        if c is None:
            c = cells[key] = _empty_cell(day, plan_id, plan, priority_id, priority, rank)
        c["tickets"] += 1
        if fr_due is not None:
            c["fr_with_target"] += 1
            c["fr_met"] += bool(fr_met)
            c["fr_breached"] += bool(fr_breached)
            if not (fr_met or fr_breached):  # pending: an unanswered first response's clock runs
                c["fr_running_dues"].append(fr_due.timestamp())
        if res_due is not None:
            c["res_with_target"] += 1
            c["res_met"] += bool(res_met)
            c["res_breached"] += bool(res_breached)
            if not (res_met or res_breached) and paused is None:
                # Pending and not paused: it breaches once its due passes (a paused one stays pending,
                # ``policy.resolution_breached_q``).
                c["res_running_dues"].append(res_due.timestamp())
        if responded is not None:
            b = bucket(max(0.0, (responded - received).total_seconds()))
            c["fr_hist"][b] = c["fr_hist"].get(b, 0) + 1
        if resolved is not None:
            b = bucket(max(0.0, (resolved - received).total_seconds()))
            c["res_hist"][b] = c["res_hist"].get(b, 0) + 1
    for c in cells.values():
        c["fr_hist"], c["res_hist"] = hist_flat(c["fr_hist"]), hist_flat(c["res_hist"])
    return sorted(cells.values(), key=lambda c: (c["day"], c["plan_id"], c["priority_id"]))


COUNT_NAMES = (
    "tickets",
    "fr_with_target",
    "fr_met",
    "fr_breached",
    "res_with_target",
    "res_met",
    "res_breached",
)


def _empty_cell(day, plan_id, plan, priority_id, priority, rank) -> dict:
    return {
        "day": day,
        "plan_id": plan_id,
        "plan": plan,
        "priority_id": priority_id,
        "priority": priority,
        "priority_rank": rank,
        "tickets": 0,
        "fr_with_target": 0,
        "fr_met": 0,
        "fr_breached": 0,
        "fr_running_dues": [],
        "fr_hist": {},
        "res_with_target": 0,
        "res_met": 0,
        "res_breached": 0,
        "res_running_dues": [],
        "res_hist": {},
    }


def _runs(days: list[date]) -> list[tuple[date, date]]:
    """Sorted days as ``[first, end)`` runs of consecutive days."""
    runs: list[tuple[date, date]] = []
    for day in days:
        if runs and runs[-1][1] == day:
            runs[-1] = (runs[-1][0], day + timedelta(days=1))
        else:
            runs.append((day, day + timedelta(days=1)))
    return runs


def _stored_cell(day, plan_id, plan, priority_id, priority, rank, counts, dues, hist) -> dict:
    c = _empty_cell(day, plan_id, plan, priority_id, priority, rank)
    c.update(zip(COUNT_NAMES, counts, strict=True))
    c["fr_running_dues"], c["res_running_dues"] = dues["fr"], dues["res"]
    c["fr_hist"], c["res_hist"] = (hist["fr"], hist["res"]) if hist is not None else ([], [])
    return c


_CELL_COLUMNS = ("plan_id", "plan__name", "priority_id", "priority__name", "priority__rank", *COUNT_NAMES)


def window_cells(*, now: datetime, since: datetime) -> tuple[list[dict], list[dict]]:
    """The window's cells, and the histograms of its whole weeks (one entry per priority, or per whole
    week, plan and priority; the cells of those weeks' days carry none).

    Cells: a closed ISO week whose seven days are rolled up and still valid at ``now`` from its
    ``DashboardWeek`` rows (one per plan and priority: the sums of its days' cells, ``day`` its Monday);
    the other closed days rolled up and valid from their ``DashboardDay`` rows; the rest (today; a day not
    rolled up yet or lapsed) by ``day_cells`` live. Histograms: when every closed week of the window and
    the week before it are whole (all seven days rolled up), the difference of two running totals per
    priority (the rows without a plan: every week's histograms up to the window's last closed week, less
    those up to the week before the window); else each whole week's rows. So a window reads about one row
    per week, plan and priority, with no histogram, plus a few days' rows, whatever its length and the
    volume. Four queries."""
    today = now.astimezone(UTC).date()
    first = since.astimezone(UTC).date()
    if _day_start(first) < since:  # a window that starts inside a day: that day is read live
        first += timedelta(days=1)
    first_monday = first + timedelta(days=-first.weekday() % 7)
    last_monday = today - timedelta(days=today.weekday() + 7)  # the last closed week's
    before = first_monday - timedelta(days=7)
    rolled = dict(
        DashboardRolledDay.objects.filter(day__gte=min(first, before), day__lt=today).values_list(
            "day", "valid_until"
        )
    )
    valid = {day for day, until in rolled.items() if day >= first and (until is None or until >= now)}

    def whole(monday: date, days: set | dict) -> bool:
        return all(monday + timedelta(days=i) in days for i in range(7))

    mondays = []
    monday = first_monday
    while monday <= last_monday:
        mondays.append(monday)
        monday += timedelta(weeks=1)
    whole_weeks = {m for m in mondays if whole(m, rolled)}
    valid_weeks = {m for m in whole_weeks if whole(m, valid)}
    totals = bool(mondays) and len(whole_weeks) == len(mondays) and whole(before, rolled)
    summed = set(mondays) if totals else whole_weeks  # the weeks whose histograms come from the sums
    days = sorted(d for d in valid if d - timedelta(days=d.weekday()) not in valid_weeks)
    ranges: list[tuple[datetime, datetime | None]] = []
    day, start = first, since
    while day < today:  # the days to read live, as few ranges as there are gaps
        if day in valid:
            if start is not None:
                ranges.append((start, _day_start(day)))
                start = None
        elif start is None:
            start = _day_start(day)
        day += timedelta(days=1)
    ranges.append((start if start is not None else _day_start(today), None))

    cells: list[dict] = []
    hists: list[dict] = []
    plus: dict[tuple, tuple[dict, dict]] = {}
    minus: dict[tuple, tuple[dict, dict]] = {}
    wanted = Q(plan__isnull=False, week__gte=first_monday, week__lte=last_monday)  # a range: one query
    hist_of = Q(plan__isnull=True, week__in=[before, last_monday]) if totals else Q(week__in=whole_weeks)
    if totals:
        wanted |= hist_of
    week_rows = (
        DashboardWeek.objects.filter(wanted)
        .annotate(  # the histograms are read only where they are summed: not with every week's counts
            hist_=Case(When(hist_of, then=F("hist")), default=Value(None), output_field=JSONField())
            if summed
            else Value(None, output_field=JSONField())
        )
        .values_list("week", *_CELL_COLUMNS, "dues", "hist_")
    )
    for week, plan_id, plan, priority_id, priority, rank, *counts, dues, hist in week_rows:
        if plan_id is None:  # a running total
            into = (plus if week == last_monday else minus).setdefault((rank, priority), ({}, {}))
            hist_add(into[0], hist["fr"])
            hist_add(into[1], hist["res"])
            continue
        if week in valid_weeks:  # else one of its days lapsed: its days are read one by one
            cells.append(_stored_cell(week, plan_id, plan, priority_id, priority, rank, counts, dues, None))
        if hist is not None:
            hists.append(
                {"priority": priority, "priority_rank": rank, "fr_hist": hist["fr"], "res_hist": hist["res"]}
            )
    for (rank, priority), (fr, res) in plus.items():
        less = minus.get((rank, priority), ({}, {}))
        hists.append(
            {
                "priority": priority,
                "priority_rank": rank,
                "fr_hist": hist_flat(hist_minus(fr, less[0])),
                "res_hist": hist_flat(hist_minus(res, less[1])),
            }
        )
    in_days = Q(day__gte=today, day__lt=today)  # no day to read: an empty range, still one query
    for lo, hi in _runs(days):
        in_days |= Q(day__gte=lo, day__lt=hi)
    summed_days = [m + timedelta(days=i) for m in summed for i in range(7)]
    stored = (
        DashboardDay.objects.filter(in_days)
        .annotate(
            hist_=Case(
                When(day__in=summed_days, then=Value(None)), default=F("hist"), output_field=JSONField()
            )
            if summed_days
            else F("hist")
        )
        .values_list("day", *_CELL_COLUMNS, "dues", "hist_")
    )
    for day, plan_id, plan, priority_id, priority, rank, *counts, dues, hist in stored:
        cells.append(_stored_cell(day, plan_id, plan, priority_id, priority, rank, counts, dues, hist))
    summed_set = set(summed_days)
    for c in day_cells(now=now, ranges=ranges):
        if c["day"] in summed_set:  # a lapsed day of a summed week: its histograms are in the sums
            c["fr_hist"], c["res_hist"] = [], []
        cells.append(c)
    return cells, hists


def compliance_rows(*, now: datetime, cells: list[dict]) -> list[dict]:
    """Met/breached/pending counts of both targets per (ISO week of arrival, plan, priority)."""
    at = now.timestamp()
    groups: dict[tuple, dict] = {}
    for c in cells:
        iso = c["day"].isocalendar()
        week = f"{iso.year}-W{iso.week:02d}"
        row = groups.get((week, c["plan"], c["priority_rank"]))
        if row is None:
            row = groups[(week, c["plan"], c["priority_rank"])] = {
                "week": week,
                "plan": c["plan"],
                "priority": c["priority"],
                "priority_rank": c["priority_rank"],
                "tickets": 0,
                "fr_met": 0,
                "fr_breached": 0,
                "fr_pending": 0,
                "res_met": 0,
                "res_breached": 0,
                "res_pending": 0,
            }
        row["tickets"] += c["tickets"]
        for target in ("fr", "res"):
            # A clock that was still running when the cell was computed breaches once its due passes.
            breached = c[f"{target}_breached"] + sum(1 for due in c[f"{target}_running_dues"] if due < at)
            row[f"{target}_met"] += c[f"{target}_met"]
            row[f"{target}_breached"] += breached
            row[f"{target}_pending"] += c[f"{target}_with_target"] - c[f"{target}_met"] - breached
    return [groups[k] for k in sorted(groups)]


def compliance_rollup(rows: list[dict], key: str) -> list[Compliance]:
    """Sum the per-cell counts by one dimension (``week``, ``plan`` or ``priority``)."""
    groups: dict[str, Compliance] = {}
    order = sorted(rows, key=lambda r: (r["priority_rank"], r[key])) if key == "priority" else rows
    for row in order:
        groups.setdefault(row[key], Compliance(key=row[key])).add(row)
    if key != "priority":
        return [groups[k] for k in sorted(groups)]
    return list(groups.values())


def breach_list(*, now: datetime, since: datetime, limit: int = 50) -> list[dict]:
    """The breached tickets of the window, newest first, each with the reasons read off its record."""
    reclassified = TicketEvent.objects.filter(ticket=OuterRef("pk"), kind=TicketEvent.Kind.PRIORITY)
    paused = TicketEvent.objects.filter(ticket=OuterRef("pk"), kind=TicketEvent.Kind.SLA_PAUSED)
    reopened = TicketEvent.objects.filter(
        ticket=OuterRef("pk"), kind=TicketEvent.Kind.STATUS, reason="reopened"
    )
    tickets = (
        Ticket.objects.filter(received_at__gte=since, merged_into__isnull=True)
        .filter(policy.first_response_breached_q(now) | policy.resolution_breached_q(now))
        .annotate(
            fr_breach=Case(
                When(policy.first_response_breached_q(now), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
            was_reclassified=Exists(reclassified),
            was_paused=Exists(paused),
            was_reopened=Exists(reopened),
        )
        .select_related("priority", "plan", "organization", "assignee")
        .order_by("-received_at", "-id")[:limit]
    )
    out = []
    for t in tickets:
        target, due, done = (
            ("first response", t.first_response_due_at, t.first_responded_at)
            if t.fr_breach
            else ("resolution", t.resolution_due_at, t.resolved_at)
        )
        late = (done or now) - due
        words = {"time": duration_words(late)}
        if target == "first response":
            reason = (
                _("first response late by %(time)s")
                if done
                else _("first response still outstanding by %(time)s")
            )
        else:
            reason = (
                _("resolution late by %(time)s") if done else _("resolution still outstanding by %(time)s")
            )
        reasons = [reason % words]
        if t.assignee_id is None:
            reasons.append(_("never assigned"))
        elif t.first_responded_at is None:
            reasons.append(
                _("assigned to %(agent)s, no public reply yet") % {"agent": t.assignee.display_name}
            )
        if t.was_reclassified:
            reasons.append(_("priority re-classified (running deadlines recomputed, pauses left out)"))
        if t.was_paused:
            reasons.append(_("waited on the customer"))
        if t.was_reopened:
            reasons.append(_("reopened after resolution"))
        out.append(
            {
                "ticket": t,
                "reference": t.reference,
                "subject": t.subject,
                "organization": t.organization.name,
                "plan": t.plan.name,
                "priority": t.priority.name,
                "target": target,
                "due_at": due,
                "done_at": done,
                "late_seconds": int(late.total_seconds()),
                "reasons": reasons,
            }
        )
    return out


def backlog_by_age(*, now: datetime) -> list[dict]:
    """Open tickets per age bucket and priority, counted now: one query with a conditional count per
    bucket (it reads every open ticket: the roll-up job keeps it as a snapshot, ``backlog_snapshot``)."""
    aggregates = {}
    lower = None
    for i, (_label, upper) in enumerate(AGE_BUCKETS):
        cond = Q()
        if upper is not None:
            cond &= Q(received_at__gt=now - upper)
        if lower is not None:
            cond &= Q(received_at__lte=now - lower)
        aggregates[f"b{i}"] = Count("id", filter=cond)
        lower = upper
    rows = (
        Ticket.objects.filter(policy.open_q())
        .values("priority__name", "priority_rank", "priority__colour")
        .annotate(**aggregates)
        .order_by("priority_rank")
    )
    return [
        {
            "priority": r["priority__name"],
            "colour": r["priority__colour"],
            "counts": [r[f"b{i}"] for i in range(len(AGE_BUCKETS))],
        }
        for r in rows
    ]


BACKLOG_FRESH = timedelta(minutes=5)


def backlog_snapshot(*, now: datetime) -> tuple[list[dict], datetime]:
    """The backlog by age and the instant it was counted: the job's snapshot (every minute) while it is
    under BACKLOG_FRESH old, else counted now (a job that stopped does not leave a stale chart)."""
    snap = DashboardSnapshot.objects.filter(name="backlog").values_list("computed_at", "data").first()
    if snap is not None and now - BACKLOG_FRESH <= snap[0] <= now:
        return snap[1]["rows"], snap[0]
    return backlog_by_age(now=now), now


def median_times(*, cells: list[dict]) -> list[dict]:
    """Median wall-clock time to first response and to resolution per priority, in seconds, read off the
    cells' histograms (within MEDIAN_REL_ERROR x median + MEDIAN_ABS_ERROR of the exact median)."""
    groups: dict[tuple[int, str], tuple[dict, dict]] = {}
    for c in cells:
        fr, res = groups.setdefault((c["priority_rank"], c["priority"]), ({}, {}))
        hist_add(fr, c["fr_hist"])
        hist_add(res, c["res_hist"])
    return [
        {
            "priority": name,
            "first_response": hist_median(fr),
            "resolution": hist_median(res),
            "first_response_n": sum(fr.values()),
            "resolution_n": sum(res.values()),
        }
        for (_rank, name), (fr, res) in sorted(groups.items())
    ]


def csat_summary(*, since: datetime) -> dict:
    """Answered satisfaction surveys of the window: count, average, share of 4-5 ratings, distribution."""
    agg = SurveyResponse.objects.filter(answered_at__gte=since, rating__isnull=False).aggregate(
        sent=Count("id"),
        average=Avg("rating"),
        **{f"r{n}": Count("id", filter=Q(rating=n)) for n in range(1, 6)},
    )
    answered = agg["sent"]
    satisfied = agg["r4"] + agg["r5"]
    return {
        "answered": answered,
        "average": round(agg["average"], 2) if agg["average"] is not None else None,
        "satisfied_pct": round(100.0 * satisfied / answered, 1) if answered else None,
        "distribution": [agg[f"r{n}"] for n in range(1, 6)],
    }


def reclassification_rates(*, since: datetime, limit: int = 10) -> list[dict]:
    """Organizations whose tickets staff re-classified most in the window (the evidence for an abuse
    decision). One query, never over the whole window: the ranking (a sub-query) starts from the window's
    re-classifications (a partial index on the events, ``event_reclassified``: a re-classification comes
    after its ticket arrived, so a window ticket's is in the window too), then only the ranked
    organizations' tickets in the window are counted (``ticket_org_received``)."""
    reclassified = TicketEvent.objects.filter(kind=TicketEvent.Kind.PRIORITY, created_at__gte=since).values(
        "ticket_id"
    )
    window = Ticket.objects.filter(received_at__gte=since, merged_into__isnull=True)
    ranked = (
        window.filter(pk__in=reclassified)
        .values("organization_id")
        .annotate(n=Count("id"))
        .order_by("-n", "organization__name")
        .values("organization_id")[:limit]
    )
    rows = (
        window.filter(organization_id__in=ranked)
        .values("organization_id", "organization__name", "organization__may_file_top_priority")
        .annotate(tickets=Count("id"), reclassified=Count("id", filter=Q(pk__in=reclassified)))
        .order_by("-reclassified", "organization__name")
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


def duration_words(delta: timedelta | float | None) -> str:
    """``2 h 05 min``, ``3 d 4 h``, ``12 min``: short enough for a table cell."""
    if delta is None:
        return "—"
    seconds = int(delta.total_seconds() if isinstance(delta, timedelta) else delta)
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        if hours:
            return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
        return _("%(days)d d") % {"days": days}
    if hours:
        return _("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d min") % {"minutes": minutes}


def sla_dashboard(*, now: datetime, weeks: int = 8) -> dict:
    """Everything the dashboard shows, in a constant number of queries."""
    since = dashboard_window(now=now, weeks=weeks)
    cells, hists = window_cells(now=now, since=since)
    rows = compliance_rows(now=now, cells=cells)
    backlog, backlog_at = backlog_snapshot(now=now)
    by_week = {c.key: c for c in compliance_rollup(rows, "week")}
    week_labels = []
    monday = since
    while monday <= now:  # every week of the window, empty ones too, so the chart's axis is honest
        iso = monday.isocalendar()
        week_labels.append(f"{iso.year}-W{iso.week:02d}")
        monday += timedelta(weeks=1)
    return {
        "since": since,
        "weeks": weeks,
        "rows": rows,
        "by_week": [by_week.get(label) or Compliance(key=label) for label in week_labels],
        "by_plan": compliance_rollup(rows, "plan"),
        "by_priority": compliance_rollup(rows, "priority"),
        "breaches": breach_list(now=now, since=since),
        "backlog": backlog,
        "backlog_at": backlog_at,
        "age_buckets": [str(label) for label, _upper in AGE_BUCKETS],
        "medians": median_times(cells=cells + hists),
        "csat": csat_summary(since=since),
        "reclassified": reclassification_rates(since=since),
        "status_resolved": Status.RESOLVED,
    }
