"""SLA dashboard reads: a constant number of queries whatever the volume.

The windowed figures (compliance, medians, re-classification) are summed from the daily roll-up
(``DashboardDay``, kept by the ``dashboard_rollup`` timed job) plus the days not rolled up yet, computed
live by the same function; the backlog (a snapshot of open tickets, not of days), the breach list (the
50 newest) and the satisfaction panel are read live.

Compliance counts a target as met when it was done by its due time, breached when it was done late or
is still not done after it; tickets whose clock still runs are pending and left out of the percentage.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Avg, BooleanField, Case, Count, Exists, IntegerField, OuterRef, Q, Value, When
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from . import policy
from .models import DashboardDay, DashboardRolledDay, Status, SurveyResponse, Ticket, TicketEvent

AGE_BUCKETS: list[tuple[str, timedelta | None]] = [
    ("< 4 h", timedelta(hours=4)),
    ("4-24 h", timedelta(days=1)),
    ("1-3 days", timedelta(days=3)),
    ("3-7 days", timedelta(days=7)),
    ("7-30 days", timedelta(days=30)),
    ("> 30 days", None),
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


# The daily roll-up. ``day_cells`` is the one definition of every windowed figure's inputs: the timed job
# (``tickets.jobs.dashboard``) stores its cells for closed days, and the dashboard computes it live for the
# days not rolled up yet (today, or everything before the first run), so both paths count alike.
#
# Exactness. Counts (tickets, met, breached, pending, re-classified) are exact sums of per-day cells. A
# first-response or resolution clock still running when a day was rolled up is stored as its due instant
# (``*_running_dues``), so it turns from pending to breached at read time exactly as the live rule would.
# Medians cannot be summed across days, so each cell stores a histogram of durations in log buckets
# (bucket 0 is [0, 60 s), then each bucket is HIST_RATIO = 2^(1/16) wider than the last); the median of a
# window is read at the bucket(s) of the middle rank(s), each taken at its geometric middle. Each middle
# value is then off by at most a factor sqrt(HIST_RATIO) (about 2.2 %), or 30 s in bucket 0, so
#     |rolled-up median - exact median| <= MEDIAN_REL_ERROR * exact median + MEDIAN_ABS_ERROR
# (tests/desk/test_dashboard_rollups.py checks that bound against PostgreSQL's percentile_cont).
# Freshness: a stored day reflects its tickets as they were at the job's last run; the job recomputes
# the last ``tickets.jobs.dashboard.RECOMPUTE_DAYS`` days every run, and ``manage.py dashboard_backfill``
# recomputes older days (a change to a ticket received earlier than that shows after a backfill).

HIST_RATIO = 2 ** (1 / 16)
HIST_FIRST = 60.0
MEDIAN_REL_ERROR = math.sqrt(HIST_RATIO) - 1
MEDIAN_ABS_ERROR = HIST_FIRST / 2


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


def _flag(q: Q) -> Case:
    return Case(When(q, then=Value(True)), default=Value(False), output_field=BooleanField())


def _cell_key(day, plan, priority, rank, org_id, org, barred) -> tuple:
    return (day, plan, priority, rank, org_id, org, barred)


def _empty_cell(key: tuple) -> dict:
    day, plan, priority, rank, org_id, org, barred = key
    return {
        "day": day,
        "plan_id": plan[0],
        "plan": plan[1],
        "priority_id": priority[0],
        "priority": priority[1],
        "priority_rank": rank,
        "organization_id": org_id,
        "organization": org,
        "barred": barred,
        "tickets": 0,
        "reclassified": 0,
        "fr_with_target": 0,
        "fr_met": 0,
        "fr_breached": 0,
        "fr_running_dues": [],
        "fr_hist": Counter(),
        "res_with_target": 0,
        "res_met": 0,
        "res_breached": 0,
        "res_running_dues": [],
        "res_hist": Counter(),
    }


def day_cells(*, now: datetime, start: datetime, end: datetime | None = None) -> list[dict]:
    """Per (UTC day of arrival, plan, priority, organization): the dashboard's inputs for the tickets
    received in [start, end), as they stand at ``now``: one query, aggregated here (a day at a million
    tickets a year is ~3,000 rows)."""
    tickets = Ticket.objects.filter(received_at__gte=start, merged_into__isnull=True)
    if end is not None:
        tickets = tickets.filter(received_at__lt=end)
    fr_pending = Q(first_response_due_at__isnull=False) & ~policy.first_response_met_q()
    fr_pending &= ~policy.first_response_breached_q(now)
    res_pending = Q(resolution_due_at__isnull=False) & ~policy.resolution_met_q()
    res_pending &= ~policy.resolution_breached_q(now)
    rows = tickets.annotate(
        day=TruncDate("received_at", tzinfo=UTC),
        fr_met_=_flag(policy.first_response_met_q()),
        fr_breached_=_flag(policy.first_response_breached_q(now)),
        # Pending first responses always have a running clock; a pending resolution may be paused
        # (then it stays pending, ``policy.resolution_breached_q``), else it breaches when its due passes.
        fr_running_=_flag(fr_pending),
        res_met_=_flag(policy.resolution_met_q()),
        res_breached_=_flag(policy.resolution_breached_q(now)),
        res_running_=_flag(res_pending & Q(sla_paused_at__isnull=True)),
        reclassified_=Exists(
            TicketEvent.objects.filter(ticket=OuterRef("pk"), kind=TicketEvent.Kind.PRIORITY)
        ),
    ).values_list(
        "day",
        "plan_id",
        "plan__name",
        "priority_id",
        "priority__name",
        "priority_rank",
        "organization_id",
        "organization__name",
        "organization__may_file_top_priority",
        "received_at",
        "first_response_due_at",
        "first_responded_at",
        "resolution_due_at",
        "resolved_at",
        "fr_met_",
        "fr_breached_",
        "fr_running_",
        "res_met_",
        "res_breached_",
        "res_running_",
        "reclassified_",
    )
    cells: dict[tuple, dict] = {}
    for (
        day,
        plan_id,
        plan,
        priority_id,
        priority,
        rank,
        org_id,
        org,
        may_file_top,
        received,
        fr_due,
        responded,
        res_due,
        resolved,
        fr_met,
        fr_breached,
        fr_running,
        res_met,
        res_breached,
        res_running,
        reclassified,
    ) in rows:
        if isinstance(day, str):  # SQLite hands the truncated date back as text
            day = date.fromisoformat(day)
        key = _cell_key(day, (plan_id, plan), (priority_id, priority), rank, org_id, org, not may_file_top)
        c = cells.get(key) or cells.setdefault(key, _empty_cell(key))
        c["tickets"] += 1
        c["reclassified"] += bool(reclassified)
        if fr_due is not None:
            c["fr_with_target"] += 1
            c["fr_met"] += bool(fr_met)
            c["fr_breached"] += bool(fr_breached)
            if fr_running:
                c["fr_running_dues"].append(fr_due.timestamp())
        if res_due is not None:
            c["res_with_target"] += 1
            c["res_met"] += bool(res_met)
            c["res_breached"] += bool(res_breached)
            if res_running:
                c["res_running_dues"].append(res_due.timestamp())
        if responded is not None:
            c["fr_hist"][bucket(max(0.0, (responded - received).total_seconds()))] += 1
        if resolved is not None:
            c["res_hist"][bucket(max(0.0, (resolved - received).total_seconds()))] += 1
    return list(cells.values())


def window_cells(*, now: datetime, since: datetime) -> list[dict]:
    """Every cell of the window: the stored roll-up for the days rolled up (up to the first day that is
    not), ``day_cells`` live from there to ``now``. Three queries whatever the volume."""
    today = now.astimezone(UTC).date()
    first = since.astimezone(UTC).date()
    rolled = set(
        DashboardRolledDay.objects.filter(day__gte=first, day__lt=today).values_list("day", flat=True)
    )
    live_from = first
    while live_from in rolled:
        live_from += timedelta(days=1)
    stored = DashboardDay.objects.filter(day__gte=first, day__lt=live_from).values_list(
        "day",
        "plan_id",
        "plan__name",
        "priority_id",
        "priority__name",
        "priority_rank",
        "organization_id",
        "organization__name",
        "organization__may_file_top_priority",
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
    )
    cells = []
    for day, plan_id, plan, priority_id, priority, rank, org_id, org, may_file_top, *counts in stored:
        c = _empty_cell(
            _cell_key(day, (plan_id, plan), (priority_id, priority), rank, org_id, org, not may_file_top)
        )
        for name, value in zip(_STORED_COUNTS, counts, strict=True):
            c[name] = value
        c["fr_hist"] = Counter({int(i): n for i, n in c["fr_hist"].items()})
        c["res_hist"] = Counter({int(i): n for i, n in c["res_hist"].items()})
        cells.append(c)
    live_start = datetime.combine(live_from, time.min, tzinfo=UTC)
    cells.extend(day_cells(now=now, start=max(live_start, since)))
    return cells


_STORED_COUNTS = (
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
)


def compliance_rows(*, now: datetime, cells: list[dict]) -> list[dict]:
    """Met/breached/pending counts of both targets per (ISO week of arrival, plan, priority)."""
    at = now.timestamp()
    groups: dict[tuple, dict] = {}
    for c in cells:
        iso = c["day"].isocalendar()
        week = f"{iso.year}-W{iso.week:02d}"
        row = groups.setdefault(
            (week, c["plan"], c["priority_rank"], c["priority"]),
            {
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
            },
        )
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
    """Open tickets per age bucket and priority: one query with a conditional count per bucket."""
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


def median_times(*, cells: list[dict]) -> list[dict]:
    """Median wall-clock time to first response and to resolution per priority, in seconds, read off the
    cells' histograms (within MEDIAN_REL_ERROR · median + MEDIAN_ABS_ERROR of the exact median)."""
    groups: dict[tuple[int, str], tuple[Counter, Counter]] = {}
    for c in cells:
        fr, res = groups.setdefault((c["priority_rank"], c["priority"]), (Counter(), Counter()))
        fr.update(c["fr_hist"])
        res.update(c["res_hist"])
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


def reclassification_rates(*, cells: list[dict], limit: int = 10) -> list[dict]:
    """Organizations whose tickets staff re-classified most in the window (the evidence for an abuse decision)."""
    groups: dict[int, dict] = {}
    for c in cells:
        g = groups.setdefault(
            c["organization_id"],
            {
                "organization_id": c["organization_id"],
                "organization": c["organization"],
                "barred": c["barred"],
                "tickets": 0,
                "reclassified": 0,
            },
        )
        g["tickets"] += c["tickets"]
        g["reclassified"] += c["reclassified"]
    rows = sorted(
        (g for g in groups.values() if g["reclassified"]),
        key=lambda g: (-g["reclassified"], g["organization"]),
    )[:limit]
    return [{**g, "pct": round(100.0 * g["reclassified"] / g["tickets"], 1)} for g in rows]


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
    cells = window_cells(now=now, since=since)
    rows = compliance_rows(now=now, cells=cells)
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
        "backlog": backlog_by_age(now=now),
        "age_buckets": [label for label, _ in AGE_BUCKETS],
        "medians": median_times(cells=cells),
        "csat": csat_summary(since=since),
        "reclassified": reclassification_rates(cells=cells),
        "status_resolved": Status.RESOLVED,
    }
