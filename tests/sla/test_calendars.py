"""Business-time arithmetic: table tests for the cases people meet, and property tests against a slow,
obviously-correct minute-stepping reference on random calendars, zones and starts."""

import os
from bisect import bisect_left
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

import hypothesis.core
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from hypothesis.vendor import pretty

from sla.calendars import (
    BusinessCalendar,
    add_business_time,
    business_time_between,
    is_open,
    next_opening,
    open_segments,
)

H = timedelta(hours=1)
M = timedelta(minutes=1)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def weekdays(*spans, days=range(5)):
    return {d: tuple((time(*a), time(*b)) for a, b in spans) for d in days}


OFFICE = BusinessCalendar.build(tz="Europe/London", hours=weekdays(((9,), (17, 30))))
OFFICE_XMAS = BusinessCalendar.build(
    tz="Europe/London", hours=weekdays(((9,), (17, 30))), holidays=[date(2026, 12, 25), date(2026, 12, 28)]
)
SPLIT = BusinessCalendar.build(tz="Europe/London", hours=weekdays(((9,), (12,)), ((13,), (17,))))
NIGHTS = BusinessCalendar.build(
    tz="Europe/London", hours={4: ((time(22), time(6)),)}
)  # Fri 22:00 - Sat 06:00
NEW_YORK = BusinessCalendar.build(tz="America/New_York", hours=weekdays(((9,), (17,))))
ALWAYS = BusinessCalendar.build(tz="UTC", always_open=True)
GB_OFFICE = BusinessCalendar.build(
    tz="Europe/London", hours=weekdays(((9,), (17, 30))), country="GB", subdivision="ENG"
)
LONDON_SUNDAY = lambda a, b: BusinessCalendar.build(tz="Europe/London", hours={6: ((time(*a), time(*b)),)})  # noqa: E731
# Saturday 23:00 - Sunday 01:00 in London: on 25 October 2026 it ends just as the clocks go back (02:00
# BST -> 01:00 GMT), where the repeated hour 01:00-02:00 begins.
LONDON_SATURDAY_LATE = BusinessCalendar.build(tz="Europe/London", hours={5: ((time(23), time(1)),)})


@pytest.mark.parametrize(
    ("cal", "start", "delta", "due"),
    [
        # inside hours, within the day
        (OFFICE, utc(2026, 3, 6, 10), 2 * H, utc(2026, 3, 6, 12)),
        # Friday afternoon: the rest of Friday, the weekend skipped, finished Monday
        (OFFICE, utc(2026, 3, 6, 15, 30), 4 * H, utc(2026, 3, 9, 11)),
        # the target runs out exactly at the interval end: that end, not Monday's opening
        (OFFICE, utc(2026, 3, 6, 15, 30), 2 * H, utc(2026, 3, 6, 17, 30)),
        # received outside hours (Saturday): counting starts at Monday's opening
        (OFFICE, utc(2026, 3, 7, 11), 2 * H, utc(2026, 3, 9, 11)),
        # received after closing on a weekday
        (OFFICE, utc(2026, 3, 4, 20), 30 * M, utc(2026, 3, 5, 9, 30)),
        # received before opening
        (OFFICE, utc(2026, 3, 4, 6), 30 * M, utc(2026, 3, 4, 9, 30)),
        # holidays: Christmas Friday and the substitute Boxing Day Monday skipped
        (OFFICE_XMAS, utc(2026, 12, 24, 16), 4 * H, utc(2026, 12, 29, 11, 30)),
        # the same through GB public holidays from the holidays package (Easter 2026: 3 and 6 April)
        (GB_OFFICE, utc(2026, 4, 2, 16), H, utc(2026, 4, 7, 8, 30)),
        # several intervals a day: lunch is not counted
        (SPLIT, utc(2026, 3, 4, 11), 2 * H, utc(2026, 3, 4, 14)),
        (SPLIT, utc(2026, 3, 4, 11), H, utc(2026, 3, 4, 12)),
        (SPLIT, utc(2026, 3, 4, 12, 15), H, utc(2026, 3, 4, 14)),
        # an interval past midnight (Friday 22:00 - Saturday 06:00)
        (NIGHTS, utc(2026, 3, 6, 21), 3 * H, utc(2026, 3, 7, 1)),
        (NIGHTS, utc(2026, 3, 7, 5), 2 * H, utc(2026, 3, 13, 23)),
        # multi-week: 85 h is ten working days of 8.5 h, ending exactly at Friday's closing
        (OFFICE, utc(2026, 3, 2, 9), 85 * H, utc(2026, 3, 13, 17, 30)),
        (OFFICE, utc(2026, 3, 2, 9), 170 * H + M, utc(2026, 3, 30, 8, 1)),  # into BST: 09:01 local
        # 24x7
        (ALWAYS, utc(2026, 3, 7, 23, 50), 30 * M, utc(2026, 3, 8, 0, 20)),
        # DST week, London (clocks forward Sunday 29 March 01:00 GMT): Monday opens 09:00 BST = 08:00 UTC
        (OFFICE, utc(2026, 3, 27, 16, 30), 4 * H, utc(2026, 3, 30, 11)),
        # DST week, London (clocks back Sunday 25 October): Monday opens 09:00 GMT
        (OFFICE, utc(2026, 10, 23, 15, 30), 2 * H, utc(2026, 10, 26, 10)),
        # DST week, New York (forward Sunday 8 March): Friday 16:00 EST, Monday 09:00 EDT = 13:00 UTC
        (NEW_YORK, utc(2026, 3, 6, 21), 2 * H, utc(2026, 3, 9, 14)),
        # DST week, New York (back Sunday 1 November): Monday 09:00 EST = 14:00 UTC
        (NEW_YORK, utc(2026, 10, 30, 20), 2 * H, utc(2026, 11, 2, 15)),
        # a whole Sunday on the day the clocks go forward has 23 real hours, on the day they go back 25
        (LONDON_SUNDAY((0,), (0,)), utc(2026, 3, 29, 0), 23 * H, utc(2026, 3, 29, 23)),
        (LONDON_SUNDAY((0,), (0,)), utc(2026, 10, 24, 23), 25 * H, utc(2026, 10, 26, 0)),
        # an interval 00:30-02:30 across the spring gap is one real hour
        (LONDON_SUNDAY((0, 30), (2, 30)), utc(2026, 3, 29, 0), H, utc(2026, 3, 29, 1, 30)),
        # an interval that starts inside the gap (01:30 never happens) opens at the jump, 01:00 UTC
        (LONDON_SUNDAY((1, 30), (3,)), utc(2026, 3, 29, 0), 30 * M, utc(2026, 3, 29, 1, 30)),
        # an interval 00:00-03:00 across the autumn repeat is four real hours
        (LONDON_SUNDAY((0,), (3,)), utc(2026, 10, 24, 22), 4 * H, utc(2026, 10, 25, 3)),
        # an interval ending at 01:00, where the autumn repeat begins, closes at 01:00 BST (00:00 UTC): the
        # clock never shows less than 01:00 again, so none of the repeated hour is open. Found by the
        # property test below; Saturday 23:00-01:00 is then shut at 00:00 UTC until next Saturday 23:00 GMT.
        (LONDON_SATURDAY_LATE, utc(2026, 10, 25, 0), M, utc(2026, 10, 31, 23, 1)),
        (LONDON_SATURDAY_LATE, utc(2026, 10, 24, 23), 2 * H, utc(2026, 11, 1, 0)),
        (LONDON_SUNDAY((0,), (1,)), utc(2026, 10, 24, 23), 2 * H, utc(2026, 11, 1, 1)),
    ],
)
def test_add_business_time_table(cal, start, delta, due):
    assert add_business_time(start, delta, cal) == due


def test_an_interval_ending_where_the_autumn_repeat_begins_is_closed_for_the_repeated_hour():
    assert is_open(utc(2026, 10, 24, 23, 59), LONDON_SATURDAY_LATE)
    assert not is_open(utc(2026, 10, 25, 0), LONDON_SATURDAY_LATE)
    assert not is_open(utc(2026, 10, 25, 0, 30), LONDON_SATURDAY_LATE)
    # 23:00 BST (22:00 UTC) to 01:00 BST (00:00 UTC): two real hours, not three
    assert business_time_between(utc(2026, 10, 24), utc(2026, 10, 26), LONDON_SATURDAY_LATE) == 2 * H


def test_it_is_open_just_before_the_due_time_and_closed_at_closing():
    friday_close = utc(2026, 3, 6, 17, 30)
    assert is_open(friday_close - timedelta(microseconds=1), OFFICE)
    assert not is_open(friday_close, OFFICE)
    assert is_open(utc(2026, 3, 9, 9), OFFICE)
    assert next_opening(friday_close, OFFICE) == utc(2026, 3, 9, 9)
    assert next_opening(utc(2026, 3, 6, 12), OFFICE) == utc(2026, 3, 6, 12)


def test_one_microsecond_less_of_target_is_due_one_microsecond_earlier():
    start = utc(2026, 3, 6, 15, 30)
    assert add_business_time(start, 2 * H - timedelta(microseconds=1), OFFICE) == utc(
        2026, 3, 6, 17, 30
    ) - timedelta(microseconds=1)
    assert add_business_time(start, 2 * H + timedelta(microseconds=1), OFFICE) == utc(
        2026, 3, 9, 9
    ) + timedelta(microseconds=1)


def test_business_time_between_excludes_nights_weekends_and_holidays():
    assert business_time_between(utc(2026, 3, 6, 15, 30), utc(2026, 3, 9, 11), OFFICE) == 4 * H
    assert business_time_between(utc(2026, 12, 24, 0), utc(2026, 12, 29, 0), OFFICE_XMAS) == 8.5 * H
    assert business_time_between(utc(2026, 3, 9, 11), utc(2026, 3, 6, 15, 30), OFFICE) == timedelta(0)
    assert business_time_between(utc(2026, 3, 1), utc(2026, 3, 2), ALWAYS) == 24 * H


def test_a_target_of_years_on_a_sparse_calendar_still_resolves():
    once_a_week = BusinessCalendar.build(tz="Europe/London", hours={2: ((time(10), time(11)),)})
    due = add_business_time(utc(2026, 1, 1), 200 * H, once_a_week)
    assert business_time_between(utc(2026, 1, 1), due, once_a_week) == 200 * H
    assert due.year == 2029


def test_a_calendar_without_hours_is_an_error_not_a_hang():
    with pytest.raises(ValueError, match="no opening hours"):
        add_business_time(utc(2026, 3, 6), H, BusinessCalendar.build(tz="UTC"))
    every_day_a_holiday = BusinessCalendar.build(
        tz="UTC",
        hours={0: ((time(9), time(10)),)},
        holidays=[date(2026, 1, 5) + timedelta(weeks=w) for w in range(52 * 30)],
    )
    with pytest.raises(ValueError, match="no opening hours"):
        add_business_time(utc(2026, 1, 1), H, every_day_a_holiday)


def test_open_segments_explain_what_was_counted():
    pieces = open_segments(utc(2026, 3, 6, 15, 30), 4 * H, OFFICE)
    assert pieces == [
        (utc(2026, 3, 6, 15, 30), utc(2026, 3, 6, 17, 30)),
        (utc(2026, 3, 9, 9), utc(2026, 3, 9, 11)),
    ]


def test_country_holidays_are_computed_only_for_the_years_used():
    cal = BusinessCalendar.build(tz="Europe/London", hours=weekdays(((9,), (17,))), country="GB")
    add_business_time(utc(2026, 5, 1), H, cal)
    line = cal._timeline[0]
    assert line.last_day.year - line.first_day.year <= 3


# --- property tests against a minute-stepping reference -------------------------------------------

# Default 200 (a few seconds); raise it to hunt a rare case, e.g. CALENDAR_PROPERTY_EXAMPLES=20000.
EXAMPLES = int(os.environ.get("CALENDAR_PROPERTY_EXAMPLES", "200"))


@pytest.fixture(autouse=True, scope="module")
def hypothesis_prints_falsifying_examples():
    """Importing schemathesis (its pytest plugin, tests/api/test_fuzz.py) swaps Hypothesis' pretty-printer
    for a no-op in the whole process, which blanks a failing example's arguments (``tz=, hours=, ...``).
    Put Hypothesis' own printer back while this module runs, so a CI failure says what to replay."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(hypothesis.core, "RepresentationPrinter", pretty.RepresentationPrinter)
        yield


def test_a_failing_property_test_prints_its_inputs():
    @settings(max_examples=1, database=None)
    @given(tz=st.just("Europe/London"))
    def always_fails(tz):
        raise AssertionError

    with pytest.raises(AssertionError) as failure:
        always_fails()
    assert "tz='Europe/London'" in "\n".join(getattr(failure.value, "__notes__", ()))


ZONES = [
    "UTC",
    "Europe/London",
    "America/New_York",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "Europe/Berlin",
    "America/Sao_Paulo",
]
# Dates around DST changes in the zones above (2026), so random starts land in DST weeks often.
BASES = [
    utc(2026, 3, 8),
    utc(2026, 3, 29),
    utc(2026, 10, 25),
    utc(2026, 11, 1),
    utc(2026, 4, 5),
    utc(2026, 10, 4),
    utc(2026, 9, 27),
    utc(2026, 6, 15),
]


class Reference:
    """Open minutes by brute force: take every minute's local wall time and apply the rule "open from
    the first instant the clock shows the start (or later) until the last instant it still shows less
    than the end" literally, via running max/min of the wall clock (both monotonic, so bisectable).

    Wall times are integer minutes; the zone's offset is read every 15 minutes, which is exact because
    every zone used here changes offset on a quarter-hour of UTC."""

    WALL0 = datetime(2000, 1, 1)

    def __init__(self, tz, hours, holidays, origin: datetime, minutes: int):
        zone = ZoneInfo(tz)
        margin = 26 * 60  # intervals of the day before may run into the window
        self.origin = origin - timedelta(minutes=margin)
        n = minutes + 2 * margin
        first_wall = (self.origin.replace(tzinfo=None) - self.WALL0) // M
        shift = self.origin.minute % 15
        quarter0 = self.origin - timedelta(minutes=shift)  # minute k lies in quarter (k + shift) // 15
        offsets = [
            (quarter0 + timedelta(minutes=15 * j)).astimezone(zone).utcoffset() // M
            for j in range((n + shift) // 15 + 1)
        ]
        wall = [first_wall + k + offsets[(k + shift) // 15] for k in range(n)]
        runmax = list(accumulate(wall, max))
        runmin = list(accumulate(reversed(wall), min))[::-1]
        self.open = bytearray(n)
        day = (self.WALL0 + timedelta(minutes=wall[0])).date() - timedelta(days=1)
        last = (self.WALL0 + timedelta(minutes=wall[-1])).date()
        while day <= last:
            if day not in holidays:
                for start_t, end_t in hours.get(day.weekday(), ()):
                    begin = (datetime.combine(day, start_t) - self.WALL0) // M
                    end_day = day if end_t > start_t else day + timedelta(days=1)
                    end = (datetime.combine(end_day, end_t) - self.WALL0) // M
                    first = bisect_left(runmax, begin)  # first minute with max(wall so far) >= start
                    stop = bisect_left(runmin, end)  # first minute with min(wall from here on) >= end
                    if stop > first:
                        self.open[first:stop] = b"\x01" * (stop - first)
            day += timedelta(days=1)
        self.lo, self.hi = margin, n - margin

    def index(self, at: datetime) -> int:
        k = (at - self.origin) // M
        assert self.lo <= k < self.hi
        return k

    def add(self, start: datetime, minutes: int) -> datetime | None:
        k, count = self.index(start), 0
        while k < self.hi:
            count += self.open[k]
            k += 1
            if count == minutes:
                return self.origin + k * M
        return None


interval = st.tuples(st.integers(0, 95), st.integers(1, 96)).map(
    lambda p: (time(p[0] // 4, p[0] % 4 * 15), time((p[0] + p[1]) % 96 // 4, (p[0] + p[1]) % 96 % 4 * 15))
)
weekly = st.dictionaries(
    st.integers(0, 6), st.lists(interval, min_size=1, max_size=3), min_size=1, max_size=7
)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tz=st.sampled_from(ZONES),
    hours=weekly,
    base=st.sampled_from(BASES),
    offset=st.integers(-4 * 24 * 60, 4 * 24 * 60),
    target=st.integers(1, 600),
    holiday_offsets=st.lists(st.integers(-3, 12), max_size=3),
    probe=st.integers(0, 7 * 24 * 60),
)
# Found at random (rarely): an interval ending exactly where London's repeated hour begins.
@example(
    tz="Europe/London",
    hours={5: [(time(23), time(1))]},
    base=utc(2026, 10, 25),
    offset=0,
    target=1,
    holiday_offsets=[],
    probe=30,
)
def test_add_business_time_matches_minute_stepping_reference(
    tz, hours, base, offset, target, holiday_offsets, probe
):
    weekly_open = sum(
        ((e.hour * 60 + e.minute) - (s.hour * 60 + s.minute)) % 1440 or 1440
        for v in hours.values()
        for s, e in v
    )
    assume(weekly_open * 2 >= target)  # keeps the reference window to a few weeks
    start = base + timedelta(minutes=offset)
    holidays = {(start + timedelta(days=d)).date() for d in holiday_offsets}
    cal = BusinessCalendar.build(tz=tz, hours={d: tuple(v) for d, v in hours.items()}, holidays=holidays)
    ref = Reference(tz, {d: tuple(v) for d, v in hours.items()}, holidays, start, 3 * 7 * 24 * 60)
    expected = ref.add(start, target)
    assume(expected is not None)
    due = add_business_time(start, timedelta(minutes=target), cal)
    assert due == expected
    assert business_time_between(start, due, cal) == timedelta(minutes=target)
    at = start + timedelta(minutes=probe)
    k = ref.index(at)
    assert is_open(at, cal) == bool(ref.open[k])
    assert business_time_between(start, at, cal) == timedelta(minutes=sum(ref.open[ref.index(start) : k]))
    if not ref.open[k] and any(ref.open[k:]):
        assert next_opening(at, cal) == ref.origin + (k + ref.open[k:].index(1)) * M
