"""SLA policy reads: turn the admin's rows into the pure arithmetic of ``sla/calendars.py``.

Answers "given this plan, priority, start and pauses, when is it due?" for the tickets app. Nothing here
writes; the SLA app's one write is the configuration import (``sla.config.sla_config_import``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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


def duration_text(delta: timedelta, *, business: bool = False) -> str:
    """ "45 minutes", "4 hours", "2 hours 30 minutes" in the reader's language; ``business`` says "4
    business hours" (open time of a calendar). Hours, never days that could be taken for calendar days."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        if business:
            return ngettext("%(n)d business minute", "%(n)d business minutes", minutes) % {"n": minutes}
        return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    hours, rest = divmod(minutes, 60)
    if business:
        text = ngettext("%(n)d business hour", "%(n)d business hours", hours) % {"n": hours}
    else:
        text = ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    if rest:
        return _("%(hours)s %(minutes)s") % {
            "hours": text,
            "minutes": ngettext("%(n)d minute", "%(n)d minutes", rest) % {"n": rest},
        }
    return text


def target_words(delta: timedelta, *, always_open: bool) -> str:
    """A target as people read it: "120 business hours", "4 business hours 30 minutes", "30 minutes
    round the clock"; never "5 days, 0:00:00", which reads as calendar days."""
    if always_open:
        return _("%(time)s round the clock") % {"time": duration_text(delta)}
    return duration_text(delta, business=True)


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


# How the explanation writes instants: in the calendar's zone, day and month names in the reader's
# language ("Mon 09 Mar 2026 09:00 GMT"; "Mo 09 Mär 2026 09:00 GMT" for a German admin).
WHEN = "D d M Y H:i T"
WHEN_SHORT = "D d M H:i"


def _at(moment: datetime, zone: ZoneInfo, fmt: str = WHEN) -> str:
    return date_format(moment.astimezone(zone), fmt)


def sla_explain(
    *,
    plan: SupportPlan,
    priority: PriorityLevel,
    start: datetime,
    resolution_start: datetime | None = None,
    pauses: Iterable[Span] = (),
) -> dict:
    """Both due times and why: the target, its calendar, the stretches of open time counted, and each
    pause (waiting on the customer) left out of the resolution clock, as ``sla_deadlines`` counts them.

    The lines are worded in the active language (the admin's on the what-if page; English where no
    language is active, as in a management command)."""
    resolution_start = resolution_start or start
    spans = tuple(sorted((p, q) for p, q in pauses if q > resolution_start))
    target = sla_target_for(plan=plan, priority=priority)
    if target is None:
        return {
            "target": None,
            "first_response_due_at": None,
            "resolution_due_at": None,
            "lines": [
                _("The plan %(plan)s has no target for %(priority)s: nothing is due.")
                % {"plan": plan.name, "priority": _(priority.name)}
            ],
        }
    cal = calendar_build(target.calendar)
    zone = ZoneInfo(target.calendar.timezone)
    result = {"target": target, "calendar": target.calendar, "lines": []}
    counting_from = next_opening(start, cal)
    lines = result["lines"]
    lines.append(
        _("Counted on the calendar '%(calendar)s' (%(zone)s).")
        % {"calendar": target.calendar.name, "zone": "24x7" if cal.always_open else target.calendar.timezone}
    )
    if counting_from != start.astimezone(counting_from.tzinfo):
        lines.append(
            _("Received outside hours: counting starts at the next opening, %(when)s.")
            % {"when": _at(counting_from, zone)}
        )
    if resolution_start != start:
        lines.append(
            _("Resolution counted from the reopen, %(when)s.") % {"when": _at(resolution_start, zone)}
        )
    for label, key, delta, begin, left_out in (
        (_("First response"), "first_response_due_at", target.first_response, start, ()),
        (_("Resolution"), "resolution_due_at", target.resolution, resolution_start, spans),
    ):
        if not delta:
            result[key] = None
            lines.append(_("%(target)s: no target.") % {"target": label})
            continue
        due = add_business_time_paused(begin, delta, cal, left_out)
        result[key] = due
        pieces = _minus(
            open_segments(begin, business_time_between(begin, due, cal), cal, limit=16), left_out
        )[:8]
        shown = "; ".join(f"{_at(a, zone, WHEN_SHORT)}-{_at(b, zone, 'H:i')}" for a, b in pieces)
        lines.append(
            _("%(target)s: %(duration)s, due %(due)s (%(due_utc)s UTC). Counted: %(counted)s")
            % {
                "target": label,
                "duration": target_words(delta, always_open=cal.always_open),
                "due": _at(due, zone),
                "due_utc": f"{due.astimezone(UTC):%Y-%m-%d %H:%M}",
                "counted": shown + (" ..." if len(pieces) == 8 else ""),
            }
        )
        for p_lo, p_hi in left_out:
            if p_lo >= due:
                continue
            lines.append(
                _(
                    "%(target)s: paused waiting on the customer %(start)s-%(end)s, %(open_time)s of open "
                    "time not counted."
                )
                % {
                    "target": label,
                    "start": _at(p_lo, zone, WHEN_SHORT),
                    "end": _at(p_hi, zone, WHEN_SHORT),
                    "open_time": duration_text(business_time_between(p_lo, p_hi, cal)),
                }
            )
    return result


def on_call_now(now: datetime):
    """The active escalation contacts holding an on-call shift at ``now`` (the rota), oldest first."""
    return (
        EscalationContact.objects.filter(active=True, shifts__starts_at__lte=now, shifts__ends_at__gt=now)
        .distinct()
        .order_by("pk")
    )
