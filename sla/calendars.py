"""Pure business-time arithmetic: no ORM, no clock.

A ``BusinessCalendar`` is weekly opening intervals in one IANA zone, minus holidays (or 24x7). Time is
stepped interval by interval in the calendar's local zone and returned as aware UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# weekday (0 = Monday) -> tuple of (start, end) local times; end <= start runs past midnight.
WeeklyHours = dict[int, tuple[tuple[time, time], ...]]


@dataclass(frozen=True)
class BusinessCalendar:
    tz: str = "UTC"
    hours: tuple[tuple[int, tuple[tuple[time, time], ...]], ...] = ()
    holidays: frozenset[date] = field(default_factory=frozenset)
    always_open: bool = False

    @classmethod
    def build(cls, *, tz: str, hours: WeeklyHours | None = None, holidays=(), always_open: bool = False):
        hours = hours or {}
        return cls(
            tz=tz,
            hours=tuple(sorted((d, tuple(sorted(v))) for d, v in hours.items() if v)),
            holidays=frozenset(holidays),
            always_open=always_open,
        )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    def intervals_for(self, day: date) -> tuple[tuple[time, time], ...]:
        if day in self.holidays:
            return ()
        for weekday, spans in self.hours:
            if weekday == day.weekday():
                return spans
        return ()


def _local_intervals(cal: BusinessCalendar, start_day: date) -> Iterator[tuple[datetime, datetime]]:
    """Opening intervals as aware UTC pairs, from the day before ``start_day`` onwards (forever)."""
    zone = cal.zone
    day = start_day - timedelta(days=1)  # an interval may start yesterday and run past midnight
    empty_days = 0
    while True:
        spans = cal.intervals_for(day)
        empty_days = 0 if spans else empty_days + 1
        if empty_days > 3700:  # ten years without an opening: the calendar is closed for good
            raise ValueError("The calendar has no opening hours.")
        for start_t, end_t in spans:
            start_local = datetime.combine(day, start_t, tzinfo=zone)
            end_day = day if end_t > start_t else day + timedelta(days=1)
            end_local = datetime.combine(end_day, end_t, tzinfo=zone)
            start_utc, end_utc = start_local.astimezone(UTC), end_local.astimezone(UTC)
            if end_utc > start_utc:
                yield start_utc, end_utc
        day += timedelta(days=1)


def add_business_time(start: datetime, delta: timedelta, cal: BusinessCalendar) -> datetime:
    """The instant ``delta`` of open time after ``start``: the due time of a target.

    Counting starts at ``start``, or at the next opening when ``start`` is outside hours. When the
    target runs out exactly at the end of an interval, that end is the answer.
    """
    start = start.astimezone(UTC)
    if cal.always_open:
        return start + delta
    remaining = delta
    if remaining <= timedelta(0):
        return start
    for open_at, close_at in _local_intervals(cal, start.astimezone(cal.zone).date()):
        if close_at <= start:
            continue
        begin = max(open_at, start)
        available = close_at - begin
        if remaining <= available:
            return begin + remaining
        remaining -= available
    raise AssertionError("unreachable")


def business_time_between(start: datetime, end: datetime, cal: BusinessCalendar) -> timedelta:
    """Open time between two instants (zero when ``end`` is not after ``start``)."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end <= start:
        return timedelta(0)
    if cal.always_open:
        return end - start
    total = timedelta(0)
    for open_at, close_at in _local_intervals(cal, start.astimezone(cal.zone).date()):
        if open_at >= end:
            break
        if close_at <= start:
            continue
        total += min(close_at, end) - max(open_at, start)
    return total


def is_open(at: datetime, cal: BusinessCalendar) -> bool:
    if cal.always_open:
        return True
    at = at.astimezone(UTC)
    for open_at, close_at in _local_intervals(cal, at.astimezone(cal.zone).date()):
        if open_at > at:
            return False
        if open_at <= at < close_at:
            return True
    return False


def next_opening(at: datetime, cal: BusinessCalendar) -> datetime:
    """``at`` itself when open, else the start of the next interval."""
    if cal.always_open:
        return at.astimezone(UTC)
    at = at.astimezone(UTC)
    for open_at, close_at in _local_intervals(cal, at.astimezone(cal.zone).date()):
        if close_at <= at:
            continue
        return max(open_at, at)
    raise AssertionError("unreachable")
