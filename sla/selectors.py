"""SLA policy reads: turn the admin's rows into the pure arithmetic of ``sla/calendars.py``.

Answers "given this plan, priority, start and pauses, when is it due?" for the tickets app. Nothing here
writes; the SLA app's one write is the configuration import (``sla.config.sla_config_import``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from .calendars import (
    BusinessCalendar,
    add_business_time,
    add_business_time_paused,
    business_time_between,
    next_opening,
    open_segments,
)
from .models import Calendar, EscalationContact, JobPolicy, PriorityLevel, SLATarget, SupportPlan

logger = logging.getLogger(__name__)


Span = tuple[datetime, datetime]


@dataclass(frozen=True)
class Deadlines:
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    calendar: BusinessCalendar | None = None
    target: SLATarget | None = None
    # What the resolution clock counted from, and the spans it did not count (waiting on the customer).
    resolution_start: datetime | None = None
    pauses: tuple[Span, ...] = ()

    def resolution_at(self, share: timedelta) -> datetime | None:
        """The instant ``share`` of open time into the resolution clock (a warning threshold)."""
        if self.calendar is None or self.resolution_start is None:
            return None
        return add_business_time_paused(self.resolution_start, share, self.calendar, self.pauses)


_BUILT: dict[BusinessCalendar, BusinessCalendar] = {}
_BUILT_MAX = 256


def calendar_build(calendar: Calendar) -> BusinessCalendar:
    """A pure ``BusinessCalendar`` from a ``Calendar`` row (with its hours and holidays).

    Calendars are cached by value: the same hours, holidays and zone give back the same instance, whose
    precomputed timeline (and country holidays, computed only for the years used) is then reused. Any
    change to the rows gives a different value, so an edited calendar is never served stale.
    """
    if calendar.always_open:
        return BusinessCalendar.build(tz=calendar.timezone, always_open=True)
    hours: dict[int, list[tuple[time, time]]] = {}
    for row in calendar.hours.all():
        hours.setdefault(row.weekday, []).append((row.start, row.end))
    fresh = BusinessCalendar.build(
        tz=calendar.timezone,
        hours={d: tuple(v) for d, v in hours.items()},
        holidays={h.date for h in calendar.holidays.all()},
        country=calendar.country_holidays.strip().upper(),
        subdivision=calendar.country_subdivision.strip(),
    )
    cached = _BUILT.get(fresh)
    if cached is None:
        if len(_BUILT) >= _BUILT_MAX:
            _BUILT.clear()
        _BUILT[fresh] = cached = fresh
    return cached


def sla_target_for(*, plan: SupportPlan, priority: PriorityLevel) -> SLATarget | None:
    return (
        SLATarget.objects.select_related("calendar")
        .prefetch_related("calendar__hours", "calendar__holidays")
        .filter(plan=plan, priority=priority)
        .first()
    )


def sla_deadlines(
    *,
    plan: SupportPlan,
    priority: PriorityLevel,
    start: datetime,
    resolution_start: datetime | None = None,
    pauses: Iterable[Span] = (),
) -> Deadlines:
    """First-response and resolution due times for a ticket received at ``start``.

    The first-response clock counts from ``start`` and never stops. The resolution clock counts from
    ``resolution_start`` (the arrival, or the last reopen; ``start`` when not given) and does not count
    the open time inside ``pauses`` (the spans spent waiting on the customer).
    """
    resolution_start = resolution_start or start
    spans = tuple(sorted((a, b) for a, b in pauses if b > resolution_start))
    target = sla_target_for(plan=plan, priority=priority)
    if target is None:
        return Deadlines(None, None, resolution_start=resolution_start, pauses=spans)
    cal = calendar_build(target.calendar)
    try:
        return Deadlines(
            first_response_due_at=add_business_time(start, target.first_response, cal)
            if target.first_response
            else None,
            resolution_due_at=(
                add_business_time_paused(resolution_start, target.resolution, cal, spans)
                if target.resolution
                else None
            ),
            calendar=cal,
            target=target,
            resolution_start=resolution_start,
            pauses=spans,
        )
    except ValueError:
        # A calendar with no opening hours: nothing can fall due, and the ticket must not be lost.
        logger.warning(
            "SLA calendar %r has no opening hours; %s / %s gets no deadlines",
            target.calendar.name,
            plan,
            priority,
        )
        return Deadlines(
            None, None, calendar=cal, target=target, resolution_start=resolution_start, pauses=spans
        )


@dataclass(frozen=True)
class EffectiveJobPolicy:
    calendar: BusinessCalendar | None
    assignment_deadline: timedelta | None
    stale_after: timedelta | None
    customer_reminder_every: timedelta | None
    customer_reminder_max: int | None
    waiting_close_after: timedelta | None
    resolved_close_after: timedelta | None
    reopen_window: timedelta | None
    survey_enabled: bool
    survey_valid_for: timedelta


def job_policy_for(plan: SupportPlan | None) -> EffectiveJobPolicy:
    """The plan's timed-job settings, each empty field falling back to the global defaults."""
    rows = {
        p.plan_id: p
        for p in JobPolicy.objects.select_related("calendar").filter(plan__in=[plan] if plan else [])
    }
    glob = JobPolicy.objects.select_related("calendar").filter(plan__isnull=True).first()
    own = rows.get(plan.pk) if plan else None
    values = {}
    for name in (*JobPolicy.SETTINGS, "calendar"):
        value = getattr(own, name, None) if own else None
        if value is None and glob is not None:
            value = getattr(glob, name)
        values[name] = value
    calendar = values.pop("calendar")
    values["survey_enabled"] = (
        bool(values["survey_enabled"]) if values["survey_enabled"] is not None else True
    )
    values["survey_valid_for"] = values["survey_valid_for"] or timedelta(days=30)
    return EffectiveJobPolicy(calendar=calendar_build(calendar) if calendar else None, **values)


@dataclass(frozen=True)
class PolicyCell:
    """One SLA-table cell ready for arithmetic: durations and the pure calendar they count on."""

    first_response: timedelta | None
    resolution: timedelta | None
    calendar: BusinessCalendar
    calendar_name: str

    def deadlines(self, start: datetime) -> tuple[datetime | None, datetime | None]:
        cal = self.calendar
        return (
            add_business_time(start, self.first_response, cal) if self.first_response else None,
            add_business_time(start, self.resolution, cal) if self.resolution else None,
        )


def sla_policy_table() -> dict[tuple[str, str], PolicyCell]:
    """Every SLA-table cell keyed by (plan slug, priority slug), read in three queries.

    For bulk what-if work (``sla_preview``, benchmarks): compute many deadlines without a query each.
    """
    cells = {}
    targets = SLATarget.objects.select_related("plan", "priority", "calendar").prefetch_related(
        "calendar__hours", "calendar__holidays"
    )
    for t in targets:
        cells[(t.plan.slug, t.priority.slug)] = PolicyCell(
            t.first_response, t.resolution, calendar_build(t.calendar), t.calendar.name
        )
    return cells


def target_words(delta: timedelta, *, always_open: bool) -> str:
    """A target as people read it: "120 business hours", "4 business hours 30 minutes", "30 minutes
    round the clock"; never "5 days, 0:00:00", which reads as calendar days."""
    hours, rest = divmod(int(delta.total_seconds()) // 60, 60)
    unit = "" if always_open else "business "
    if hours:
        words = f"{hours} {unit}hour{'s' if hours != 1 else ''}" + (
            f" {rest} minute{'s' if rest != 1 else ''}" if rest else ""
        )
    else:
        words = f"{rest} {unit}minute{'s' if rest != 1 else ''}"
    return f"{words} round the clock" if always_open else words


def _minus(pieces: list[Span], pauses: tuple[Span, ...]) -> list[Span]:
    """The parts of ``pieces`` outside every pause."""
    out = []
    for lo, hi in pieces:
        for p_lo, p_hi in pauses:
            if p_lo < hi and p_hi > lo:
                if p_lo > lo:
                    out.append((lo, p_lo))
                lo = max(lo, p_hi)
        if hi > lo:
            out.append((lo, hi))
    return out


def sla_explain(
    *,
    plan: SupportPlan,
    priority: PriorityLevel,
    start: datetime,
    resolution_start: datetime | None = None,
    pauses: Iterable[Span] = (),
) -> dict:
    """Both due times and why: the target, its calendar, the stretches of open time counted, and each
    pause (waiting on the customer) left out of the resolution clock, as ``sla_deadlines`` counts them."""
    resolution_start = resolution_start or start
    spans = tuple(sorted((p, q) for p, q in pauses if q > resolution_start))
    target = sla_target_for(plan=plan, priority=priority)
    if target is None:
        return {
            "target": None,
            "first_response_due_at": None,
            "resolution_due_at": None,
            "lines": [f"The plan {plan.name} has no target for {priority.name}: nothing is due."],
        }
    cal = calendar_build(target.calendar)
    zone = ZoneInfo(target.calendar.timezone)
    result = {"target": target, "calendar": target.calendar, "lines": []}
    counting_from = next_opening(start, cal)
    lines = result["lines"]
    lines.append(
        f"Counted on the calendar '{target.calendar.name}' ({'24x7' if cal.always_open else target.calendar.timezone})."
    )
    if counting_from != start.astimezone(counting_from.tzinfo):
        lines.append(
            f"Received outside hours: counting starts at the next opening, {counting_from.astimezone(zone):%a %d %b %Y %H:%M %Z}."
        )
    if resolution_start != start:
        lines.append(
            f"Resolution counted from the reopen, {resolution_start.astimezone(zone):%a %d %b %Y %H:%M %Z}."
        )
    for label, key, delta, begin, left_out in (
        ("First response", "first_response_due_at", target.first_response, start, ()),
        ("Resolution", "resolution_due_at", target.resolution, resolution_start, spans),
    ):
        if not delta:
            result[key] = None
            lines.append(f"{label}: no target.")
            continue
        due = add_business_time_paused(begin, delta, cal, left_out)
        result[key] = due
        pieces = _minus(
            open_segments(begin, business_time_between(begin, due, cal), cal, limit=16), left_out
        )[:8]
        shown = "; ".join(
            f"{a.astimezone(zone):%a %d %b %H:%M}-{b.astimezone(zone):%H:%M}" for a, b in pieces
        )
        more = " ..." if len(pieces) == 8 else ""
        lines.append(
            f"{label}: {target_words(delta, always_open=cal.always_open)}, due {due.astimezone(zone):%a %d %b %Y %H:%M %Z} ({due:%Y-%m-%d %H:%M} UTC). Counted: {shown}{more}"
        )
        for p_lo, p_hi in left_out:
            if p_lo >= due:
                continue
            lines.append(
                f"{label}: paused waiting on the customer {p_lo.astimezone(zone):%a %d %b %H:%M}-"
                f"{p_hi.astimezone(zone):%a %d %b %H:%M}, {business_time_between(p_lo, p_hi, cal)} of open time not counted."
            )
    return result


def on_call_now(now: datetime):
    """The active escalation contacts holding an on-call shift at ``now`` (the rota), oldest first."""
    return (
        EscalationContact.objects.filter(active=True, shifts__starts_at__lte=now, shifts__ends_at__gt=now)
        .distinct()
        .order_by("pk")
    )
