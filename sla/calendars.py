"""Pure business-time arithmetic: no ORM, no clock.

A ``BusinessCalendar`` is weekly opening intervals in one IANA zone, minus holidays (or 24x7).

How local opening hours become instants (the rules the property tests check against a minute-stepping
reference):

- An interval belongs to the local day it starts on; ``end <= start`` runs past midnight into the next
  day (``00:00-00:00`` is the whole day). A holiday closes the intervals that *start* on it.
- An interval opens at the first instant the local clock shows its start or later, and closes at the
  last instant the clock still shows less than its end. So a start or end inside a spring-forward gap
  maps to the moment of the jump, an interval reaching into a repeated autumn hour includes all of it,
  and one ending exactly where the repeat begins includes none of it (the clock never goes below it again).
- Overlapping or touching intervals (after that mapping) are merged, so "the end of an interval" is a
  real closing time.

Speed: each calendar lazily builds, per range of local years, a sorted list of open intervals as UTC
microsecond integers with running totals of open time. A deadline is then two binary searches and no
time-zone conversion at all; the range grows when a query needs more years. Country public holidays
(the ``holidays`` package) are computed only for the years a range covers.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

# weekday (0 = Monday) -> tuple of (start, end) local times; end <= start runs past midnight.
WeeklyHours = dict[int, tuple[tuple[time, time], ...]]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_ZERO = timedelta(0)
_CHUNK_YEARS = 1  # years added to a calendar's timeline per extension
_MAX_EMPTY_YEARS = 10  # this long without an opening: the calendar is closed for good


def to_us(at: datetime) -> int:
    """An aware datetime as integer microseconds since the epoch (exact)."""
    if at.tzinfo is None:
        raise ValueError("A naive datetime has no instant; pass an aware datetime.")
    return (at - EPOCH) // _US


def from_us(us: int) -> datetime:
    return EPOCH + timedelta(0, *divmod(us, 1_000_000))


@lru_cache(maxsize=256)
def _country_holidays(country: str, subdivision: str, year: int) -> frozenset[date]:
    import holidays as holidays_lib  # pure library; imported here so a calendar without it costs nothing

    return frozenset(holidays_lib.country_holidays(country, subdiv=subdivision or None, years=[year]).keys())


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _first_at_or_after(naive: datetime, zone: ZoneInfo) -> int:
    """The first instant whose local wall time is ``naive`` or later (µs)."""
    first = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == naive:
        return to_us(first)
    return _gap_transition(naive, zone)


def _last_before(naive: datetime, zone: ZoneInfo) -> int:
    """The supremum of instants whose local wall time is still before ``naive`` (µs)."""
    last = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if last.astimezone(zone).replace(tzinfo=None) != naive:
        return _gap_transition(naive, zone)
    first = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first != last and (last - _US).astimezone(zone).replace(tzinfo=None) > naive:
        # ``naive`` starts a repeated hour: the clock jumps back *to* it at ``last``, so from ``first`` on
        # it never shows less than ``naive`` again (London 01:00 on the last Sunday of October closes at
        # 01:00 BST, not an hour later at 01:00 GMT).
        return to_us(first)
    return to_us(last)


def _gap_transition(naive: datetime, zone: ZoneInfo) -> int:
    """``naive`` does not exist (a spring-forward gap): the instant the clock jumped over it."""
    lo = to_us(naive.replace(tzinfo=zone, fold=1).astimezone(UTC))  # before the jump
    hi = to_us(naive.replace(tzinfo=zone, fold=0).astimezone(UTC))  # after the jump
    if lo > hi:  # a backwards gap (never seen in practice): keep the search well-formed
        lo, hi = hi, lo
    # Offsets change on whole seconds: bisect on seconds for the first instant already past the gap.
    lo_s, hi_s = lo // 1_000_000, hi // 1_000_000
    while lo_s < hi_s:
        mid = (lo_s + hi_s) // 2
        local = datetime.fromtimestamp(mid, UTC).astimezone(zone).replace(tzinfo=None)
        if local >= naive:
            hi_s = mid
        else:
            lo_s = mid + 1
    return lo_s * 1_000_000


class _Timeline:
    """Merged open intervals (UTC µs) of local days ``first_day..last_day`` with running totals."""

    __slots__ = ("first_day", "last_day", "valid_from", "valid_to", "starts", "ends", "cum", "cum_end")

    def __init__(self, cal: BusinessCalendar, first_day: date, last_day: date) -> None:
        zone = _zone(cal.tz)
        hours = dict(cal.hours)
        holidays = set(cal.holidays)
        if cal.country:
            for year in range(first_day.year - 1, last_day.year + 1):
                holidays |= _country_holidays(cal.country, cal.subdivision, year)
        raw: list[tuple[int, int]] = []
        day = first_day - timedelta(days=1)  # yesterday's interval may run past midnight into first_day
        one = timedelta(days=1)
        while day <= last_day:
            spans = hours.get(day.weekday())
            if spans and day not in holidays:
                for start_t, end_t in spans:
                    end_day = day if end_t > start_t else day + one
                    begin = _first_at_or_after(datetime.combine(day, start_t), zone)
                    finish = _last_before(datetime.combine(end_day, end_t), zone)
                    if finish > begin:
                        raw.append((begin, finish))
            day += one
        raw.sort()
        starts: list[int] = []
        ends: list[int] = []
        for begin, finish in raw:
            if ends and begin <= ends[-1]:
                if finish > ends[-1]:
                    ends[-1] = finish
            else:
                starts.append(begin)
                ends.append(finish)
        cum = [0] * len(starts)
        cum_end = [0] * len(starts)
        total = 0
        for i, (begin, finish) in enumerate(zip(starts, ends, strict=True)):
            cum[i] = total
            total += finish - begin
            cum_end[i] = total
        self.first_day, self.last_day = first_day, last_day
        # Local day D starts within UTC D-1 10:00 .. D 14:00 (offsets lie in -12..+14 h), so these UTC
        # midnights are safely inside the range of instants the intervals above describe exactly.
        self.valid_from = to_us(datetime.combine(first_day + one, time(), tzinfo=UTC))
        self.valid_to = to_us(datetime.combine(last_day, time(), tzinfo=UTC))
        self.starts, self.ends, self.cum, self.cum_end = starts, ends, cum, cum_end

    def open_before(self, t: int) -> int:
        """Open time from the start of the timeline up to ``t``."""
        i = bisect_right(self.starts, t) - 1
        if i < 0:
            return 0
        return self.cum[i] + min(t, self.ends[i]) - self.starts[i]


@dataclass(frozen=True)
class BusinessCalendar:
    tz: str = "UTC"
    hours: tuple[tuple[int, tuple[tuple[time, time], ...]], ...] = ()
    holidays: frozenset[date] = field(default_factory=frozenset)
    always_open: bool = False
    country: str = ""  # ISO code for public holidays, computed per year as needed
    subdivision: str = ""
    _timeline: list = field(default_factory=lambda: [None], compare=False, hash=False, repr=False)

    @classmethod
    def build(
        cls,
        *,
        tz: str,
        hours: WeeklyHours | None = None,
        holidays=(),
        always_open: bool = False,
        country: str = "",
        subdivision: str = "",
    ) -> BusinessCalendar:
        _zone(tz)  # fail early on an unknown zone
        hours = hours or {}
        return cls(
            tz=tz,
            hours=tuple(sorted((d, tuple(sorted(v))) for d, v in hours.items() if v)),
            holidays=frozenset(holidays),
            always_open=always_open,
            country=country or "",
            subdivision=subdivision or "",
        )

    @property
    def zone(self) -> ZoneInfo:
        return _zone(self.tz)

    def _covering(self, lo: int, hi: int) -> _Timeline:
        """A timeline valid for instants ``lo..hi`` (µs), built or widened on demand."""
        line = self._timeline[0]
        if line is not None and line.valid_from <= lo and hi <= line.valid_to:
            return line
        if not self.hours:
            raise ValueError("The calendar has no opening hours.")
        first = from_us(lo).date() - timedelta(days=3)
        last = from_us(hi).date() + timedelta(days=3)
        if line is not None:
            first, last = min(first, line.first_day), max(last, line.last_day)
        # Round to whole years plus a margin so a run of nearby queries reuses one build.
        first = date(first.year, 1, 1) - timedelta(days=3)
        last = date(min(last.year + _CHUNK_YEARS - 1, 9998), 12, 31) + timedelta(days=3)
        line = _Timeline(self, first, last)
        self._timeline[0] = line
        return line

    def _due_us(self, t: int, delta: int) -> int:
        """The instant (µs) ``delta`` µs of open time after ``t``; widens the timeline as needed."""
        line = self._timeline[0]
        if line is not None and line.valid_from <= t:  # the common case: one lookup in the warm timeline
            i = bisect_right(line.starts, t) - 1
            target = (line.cum[i] + min(t, line.ends[i]) - line.starts[i] if i >= 0 else 0) + delta
            j = bisect_left(line.cum_end, target)
            if j < len(line.starts):
                due = line.starts[j] + target - line.cum[j]
                if due <= line.valid_to:
                    return due
        hi = t + max(2 * delta, 86_400_000_000)
        limit = _MAX_EMPTY_YEARS * 366 * 86_400_000_000 + 2 * delta
        while True:
            line = self._covering(t, hi)
            target = line.open_before(t) + delta
            if line.cum_end and line.cum_end[-1] >= target:
                j = bisect_left(line.cum_end, target)
                due = line.starts[j] + target - line.cum[j]
                if due <= line.valid_to:  # everything up to the answer is inside the exact range
                    return due
            if hi - t > limit:
                raise ValueError("The calendar has no opening hours.")
            hi = t + 2 * (hi - t)


def add_business_time(start: datetime, delta: timedelta, cal: BusinessCalendar) -> datetime:
    """The instant ``delta`` of open time after ``start``: the due time of a target.

    Counting starts at ``start``, or at the next opening when ``start`` is outside hours. When the
    target runs out exactly at the end of an interval, that end is the answer.
    """
    if cal.always_open:
        return start.astimezone(UTC) + max(delta, _ZERO)
    d = delta // _US
    if d <= 0:
        return start.astimezone(UTC)
    return from_us(cal._due_us(to_us(start), d))


def business_time_between(start: datetime, end: datetime, cal: BusinessCalendar) -> timedelta:
    """Open time between two instants (zero when ``end`` is not after ``start``)."""
    if end <= start:
        return timedelta(0)
    if cal.always_open:
        return end - start
    a, b = to_us(start), to_us(end)
    line = cal._covering(a, b)
    return timedelta(microseconds=line.open_before(b) - line.open_before(a))


def is_open(at: datetime, cal: BusinessCalendar) -> bool:
    if cal.always_open:
        return True
    t = to_us(at)
    line = cal._covering(t, t)
    i = bisect_right(line.starts, t) - 1
    return i >= 0 and t < line.ends[i]


def next_opening(at: datetime, cal: BusinessCalendar) -> datetime:
    """``at`` itself when open, else the start of the next interval."""
    if cal.always_open:
        return at.astimezone(UTC)
    if is_open(at, cal):
        return at.astimezone(UTC)
    return from_us(cal._due_us(to_us(at), 1) - 1)  # one µs into the next interval, minus that µs


def open_segments(
    start: datetime, delta: timedelta, cal: BusinessCalendar, *, limit: int = 50
) -> list[tuple[datetime, datetime]]:
    """The pieces of open time that ``add_business_time(start, delta)`` counts, in order (for explanations)."""
    due = add_business_time(start, delta, cal)
    if cal.always_open:
        return [(start.astimezone(UTC), due)] if due > start else []
    t, u = to_us(start), to_us(due)
    line = cal._covering(t, u)
    out = []
    i = max(bisect_right(line.starts, t) - 1, 0)
    while i < len(line.starts) and line.starts[i] < u and len(out) < limit:
        lo, hi = max(line.starts[i], t), min(line.ends[i], u)
        if hi > lo:
            out.append((from_us(lo), from_us(hi)))
        i += 1
    return out


def add_business_time_paused(
    start: datetime, delta: timedelta, cal: BusinessCalendar, pauses: Iterable[tuple[datetime, datetime]] = ()
) -> datetime:
    """Like ``add_business_time``, but open time inside the ``pauses`` (spans ``[from, to)``) is not counted.

    The answer is the earliest instant at which the counted open time reaches ``delta``: a clock that
    runs out exactly as a pause begins is due at that instant, not after the pause. Spans may overlap,
    come in any order, or lie before ``start`` (ignored).
    """
    cursor, remaining = start.astimezone(UTC), delta
    for begin, end in sorted((a.astimezone(UTC), b.astimezone(UTC)) for a, b in pauses):
        if end <= cursor:
            continue
        if begin > cursor:
            available = business_time_between(cursor, begin, cal)
            if available >= remaining:
                break
            remaining -= available
        cursor = max(cursor, end)
    return add_business_time(cursor, remaining, cal)
