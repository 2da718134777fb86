"""Whole lifecycles against a minute-stepping reference of the README's "Events and clocks" table.

Random lifecycles (file, staff reply, wait on the customer, customer answer, re-classify, resolve,
reopen) run through the services on random business hours in zones with DST changes; after every
event the stored due times must equal what a slow, obviously-correct model of the written rules says:

* first response: counted from arrival on the level's calendar, never paused; restarted by a reopen
  only when the ticket was resolved unanswered before it fell due;
* resolution: counted from arrival or the last reopen, minutes waiting on the customer not counted;
* a met target keeps its due time; an unmet target past due keeps it (the breach stands); any other
  due time is recomputed when the level changes, the customer answers, or the ticket is reopened.

Open minutes come from the calendar tests' ``Reference`` (every minute's wall clock, by brute force);
a due time is the first minute boundary at which the counted minutes reach the target.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import accumulate

import pytest
from django.db import transaction
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from accounts.models import Organization
from sla.models import BusinessHours, Calendar, PriorityLevel, SLATarget, SupportPlan
from tests.factories import CustomerFactory, StaffFactory
from tests.sla.test_calendars import BASES, Reference, weekly
from tickets.models import Status, Ticket
from tickets.services import (
    message_add,
    ticket_change_status,
    ticket_create,
    ticket_reclassify,
    ticket_reopen,
)

pytestmark = pytest.mark.django_db
M = timedelta(minutes=1)
WINDOW = 3 * 7 * 24 * 60  # minutes of reference timeline after the arrival
ZONES = [
    "Europe/London",
    "America/New_York",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Europe/Berlin",
    "UTC",
]


class Rollback(Exception):
    pass


@dataclass
class Minutes:
    """One calendar's open minutes on the reference grid."""

    ref: Reference
    open: bytearray

    def due(self, start: datetime, minutes: int, pauses: list[tuple[datetime, datetime]]) -> datetime:
        mask = bytearray(self.open)
        for a, b in pauses:
            mask[self.ref.index(a) : self.ref.index(b)] = bytes(self.ref.index(b) - self.ref.index(a))
        counted = list(accumulate(mask, initial=0))  # counted[k]: open, unpaused minutes before minute k
        need = counted[self.ref.index(start)] + minutes
        assume(need <= counted[self.ref.hi])  # the due time lies inside the reference window
        return self.ref.origin + bisect_left(counted, need) * M


@dataclass
class Level:
    first_response: int
    resolution: int
    minutes: Minutes


@dataclass
class Model:
    """The written semantics, one rule per event."""

    received: datetime
    level: str
    levels: dict[str, Level]
    status: str = Status.NEW
    start: datetime = None
    fr_start: datetime = None
    pauses: list = field(default_factory=list)
    paused_since: datetime | None = None
    fr_met: datetime | None = None
    res_met: datetime | None = None
    fr_due: datetime | None = None
    res_due: datetime | None = None

    def __post_init__(self):
        self.start = self.fr_start = self.received
        self.fr_due, self.res_due = self._fr(), self._res()

    def _fr(self) -> datetime:
        lv = self.levels[self.level]
        return lv.minutes.due(self.fr_start, lv.first_response, [])

    def _res(self) -> datetime:
        lv = self.levels[self.level]
        return lv.minutes.due(self.start, lv.resolution, self.pauses)

    def _recompute(self, now: datetime, ran_until: datetime) -> None:
        if not (self.fr_met or (self.fr_due and self.fr_due < now)):
            self.fr_due = self._fr()
        if not (self.res_met or self.res_due < ran_until):
            self.res_due = self._res()

    def reply(self, now):
        self.fr_met = self.fr_met or now
        if self.status == Status.NEW:
            self.status = Status.OPEN

    def wait(self, now):
        self.status, self.paused_since = Status.WAITING, now

    def resume(self, now):
        paused = self.paused_since
        self.pauses.append((paused, now))
        self.paused_since = None
        self.status = Status.OPEN
        if not (self.res_due < paused):
            self.res_due = self._res()

    def reclassify(self, now, level):
        if level == self.level:
            return
        self.level = level
        if self.status in (Status.NEW, Status.OPEN, Status.WAITING):
            self._recompute(now, self.paused_since or now)

    def resolve(self, now):
        if self.status == Status.WAITING:
            self.resume(now)
        self.status, self.res_met = Status.RESOLVED, now

    def reopen(self, now):
        # The first response starts afresh only if the ticket was closed unanswered before it fell due.
        if not self.fr_met and not self.fr_due < self.res_met:
            self.fr_start, self.fr_due = now, None
        self.status, self.start, self.pauses, self.res_met = Status.OPEN, now, [], None
        self.res_due = self._res()
        self._recompute(now, now)


VALID = {
    "reply": (Status.NEW, Status.OPEN, Status.WAITING),
    "wait": (Status.NEW, Status.OPEN),
    "resume": (Status.WAITING,),
    "reclassify": (Status.NEW, Status.OPEN, Status.WAITING, Status.RESOLVED),
    "resolve": (Status.NEW, Status.OPEN, Status.WAITING),
    "reopen": (Status.RESOLVED,),
}

step = st.tuples(
    st.sampled_from(sorted(VALID)),
    st.one_of(st.integers(0, 180), st.integers(0, 24 * 60)),  # minutes since the previous event
)
level_targets = st.tuples(st.integers(1, 240), st.integers(1, 600))


class AlwaysOpen:
    """The reference grid of a 24x7 calendar: every minute open."""

    def __init__(self, origin: datetime, minutes: int):
        self.origin, self.lo, self.hi = origin, 0, minutes
        self.open = bytearray(b"\x01" * minutes)

    def index(self, at: datetime) -> int:
        k = (at - self.origin) // M
        assert self.lo <= k < self.hi
        return k


def minutes_for(tz: str, hours: dict | None, origin: datetime) -> tuple[Minutes, Calendar]:
    name = f"c{Calendar.objects.count()}"
    if hours is None:
        ref = AlwaysOpen(origin, WINDOW)
        return Minutes(ref, ref.open), Calendar.objects.create(name=name, timezone="UTC", always_open=True)
    cal = Calendar.objects.create(name=name, timezone=tz)
    BusinessHours.objects.bulk_create(
        BusinessHours(calendar=cal, weekday=day, start=a, end=b)
        for day, spans in hours.items()
        for a, b in spans
    )
    ref = Reference(tz, hours, set(), origin, WINDOW)
    return Minutes(ref, ref.open), cal


@pytest.fixture
def people(db):
    plan = SupportPlan.objects.create(slug="p", name="P", is_default=True)
    PriorityLevel.objects.create(slug="a", name="A", rank=1)
    PriorityLevel.objects.create(slug="b", name="B", rank=2, is_default=True)
    org = Organization.objects.create(
        name="Acme", customer_number="1", plan=plan, may_file_top_priority=True, email_domains=["acme.test"]
    )
    return plan, CustomerFactory(organization=org, email="c@acme.test"), StaffFactory()


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    tz=st.sampled_from(ZONES),
    hours=weekly,
    b_always_open=st.booleans(),
    base=st.sampled_from(BASES),
    offset=st.integers(-4 * 24 * 60, 4 * 24 * 60),
    a=level_targets,
    b=level_targets,
    first=st.sampled_from(["a", "b"]),
    steps=st.lists(step, min_size=1, max_size=7),
)
def test_stored_due_times_follow_the_written_semantics(
    people, tz, hours, b_always_open, base, offset, a, b, first, steps
):
    weekly_open = sum(
        ((e.hour * 60 + e.minute) - (s.hour * 60 + s.minute)) % 1440 or 1440
        for v in hours.values()
        for s, e in v
    )
    assume(weekly_open >= 360)  # with the targets and gaps above, every due time is inside the window
    plan, customer, tech = people
    received = base + offset * M
    levels_by_slug = {p.slug: p for p in PriorityLevel.objects.all()}
    try:
        with transaction.atomic():
            office, office_row = minutes_for(tz, {d: tuple(v) for d, v in hours.items()}, received)
            other, other_row = minutes_for(tz, None, received) if b_always_open else (office, office_row)
            for slug, (fr, res), row in (("a", a, office_row), ("b", b, other_row)):
                SLATarget.objects.create(
                    plan=plan,
                    priority=levels_by_slug[slug],
                    calendar=row,
                    first_response=fr * M,
                    resolution=res * M,
                )
            model = Model(
                received=received, level=first, levels={"a": Level(*a, office), "b": Level(*b, other)}
            )
            ticket = ticket_create(
                requester=customer, subject="x", priority=levels_by_slug[first], now=received
            )
            now, seen = received, []
            for kind, gap in steps:
                if model.status not in VALID[kind]:
                    continue
                now += gap * M
                ticket = Ticket.objects.get(pk=ticket.pk)
                if kind == "reply":
                    message_add(ticket=ticket, author=tech, body="reply", now=now)
                    model.reply(now)
                elif kind == "wait":
                    ticket_change_status(ticket=ticket, status=Status.WAITING, by=tech, now=now)
                    model.wait(now)
                elif kind == "resume":
                    message_add(ticket=ticket, author=customer, body="answer", now=now)
                    model.resume(now)
                elif kind == "reclassify":
                    level = "b" if model.level == "a" else "a"
                    ticket_reclassify(
                        ticket=ticket, priority=levels_by_slug[level], by=tech, reason="r", now=now
                    )
                    model.reclassify(now, level)
                elif kind == "resolve":
                    ticket_change_status(ticket=ticket, status=Status.RESOLVED, by=tech, now=now)
                    model.resolve(now)
                elif kind == "reopen":
                    ticket_reopen(ticket=ticket, by=customer, now=now)
                    model.reopen(now)
                seen.append(kind)
                stored = Ticket.objects.get(pk=ticket.pk)
                assert (stored.status, stored.first_responded_at, stored.resolved_at) == (
                    model.status,
                    model.fr_met,
                    model.res_met,
                ), seen
                assert stored.first_response_due_at == model.fr_due, seen
                assert stored.resolution_due_at == model.res_due, seen
            raise Rollback
    except Rollback:
        pass
