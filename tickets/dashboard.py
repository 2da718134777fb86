"""SLA dashboard reads: every number is a SQL aggregate (one query per panel, whatever the volume).

Compliance counts a target as met when it was done by its due time, breached when it was done late or
is still not done after it; tickets whose clock still runs are pending and left out of the percentage.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    Case,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import TruncWeek
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import policy
from .models import Status, SurveyResponse, Ticket, TicketEvent

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


def compliance_rows(*, now: datetime, since: datetime) -> list[dict]:
    """Met/breached/pending counts of both targets per (ISO week of arrival, plan, priority): one query."""
    tickets = Ticket.objects.filter(received_at__gte=since, merged_into__isnull=True)
    rows = (
        tickets.annotate(week=TruncWeek("received_at"))
        .values("week", "plan__name", "priority__name", "priority_rank")
        .annotate(
            total=Count("id"),
            fr_met=Count("id", filter=policy.first_response_met_q()),
            fr_breached=Count("id", filter=policy.first_response_breached_q(now)),
            fr_with_target=Count("id", filter=Q(first_response_due_at__isnull=False)),
            res_met=Count("id", filter=policy.resolution_met_q()),
            res_breached=Count("id", filter=policy.resolution_breached_q(now)),
            res_with_target=Count("id", filter=Q(resolution_due_at__isnull=False)),
        )
        .order_by("week", "plan__name", "priority_rank")
    )
    out = []
    for row in rows:
        week = row["week"]
        if isinstance(week, str):  # SQLite may hand the truncated value back as text
            week = datetime.fromisoformat(week)
        iso = week.isocalendar()
        out.append(
            {
                "week": f"{iso.year}-W{iso.week:02d}",
                "plan": row["plan__name"],
                "priority": row["priority__name"],
                "priority_rank": row["priority_rank"],
                "tickets": row["total"],
                "fr_met": row["fr_met"],
                "fr_breached": row["fr_breached"],
                "fr_pending": row["fr_with_target"] - row["fr_met"] - row["fr_breached"],
                "res_met": row["res_met"],
                "res_breached": row["res_breached"],
                "res_pending": row["res_with_target"] - row["res_met"] - row["res_breached"],
            }
        )
    return out


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


class Median(Aggregate):
    """PostgreSQL's exact median of an expression (seconds)."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()
    allow_distinct = False


class EpochSeconds(Func):
    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()


def median_times(*, since: datetime) -> list[dict]:
    """Median wall-clock time to first response and to resolution per priority, in seconds.

    PostgreSQL computes them with ``percentile_cont``; elsewhere one query fetches the durations' ends
    and the median is taken in Python.
    """
    tickets = Ticket.objects.filter(received_at__gte=since, merged_into__isnull=True)
    if connection.vendor == "postgresql":
        fr = EpochSeconds(F("first_responded_at") - F("received_at"))
        res = EpochSeconds(F("resolved_at") - F("received_at"))
        rows = (
            tickets.values("priority__name", "priority_rank")
            .annotate(
                fr=Median(fr, filter=Q(first_responded_at__isnull=False)),
                res=Median(res, filter=Q(resolved_at__isnull=False)),
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
    samples: dict[tuple[int, str], tuple[list[float], list[float]]] = {}
    for rank, name, received, responded, resolved in tickets.filter(
        Q(first_responded_at__isnull=False) | Q(resolved_at__isnull=False)
    ).values_list("priority_rank", "priority__name", "received_at", "first_responded_at", "resolved_at"):
        fr_list, res_list = samples.setdefault((rank, name), ([], []))
        if responded:
            fr_list.append((responded - received).total_seconds())
        if resolved:
            res_list.append((resolved - received).total_seconds())
    return [
        {
            "priority": name,
            "first_response": statistics.median(fr) if fr else None,
            "resolution": statistics.median(res) if res else None,
            "first_response_n": len(fr),
            "resolution_n": len(res),
        }
        for (_rank, name), (fr, res) in sorted(samples.items())
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
    """Organizations whose tickets staff re-classified most in the window (the evidence for an abuse decision)."""
    rows = (
        Ticket.objects.filter(received_at__gte=since, merged_into__isnull=True)
        .values("organization_id", "organization__name", "organization__may_file_top_priority")
        .annotate(
            # The few re-classified tickets as one hashed set, not a join over every event of every
            # ticket in the window counted DISTINCT (1.1-1.5 s at a million).
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
    rows = compliance_rows(now=now, since=since)
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
        "age_buckets": [str(label) for label, _upper in AGE_BUCKETS],
        "medians": median_times(since=since),
        "csat": csat_summary(since=since),
        "reclassified": reclassification_rates(since=since),
        "status_resolved": Status.RESOLVED,
    }
