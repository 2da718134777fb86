"""Benchmark the SLA deadline arithmetic: 100,000 computations in-process and through ``sla_preview``.

Run: ``.venv/bin/python bench/sla_deadlines.py [N]``. Uses a throwaway SQLite database for the preview
part. The calendar is London office hours with a lunch break, English public holidays (the holidays
package) and two company holidays; starts are spread over two years (so DST changes and holidays are
crossed) and targets range from 30 minutes to two weeks of business time.
"""

import json
import os
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from sla.calendars import BusinessCalendar, add_business_time  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
rng = random.Random(2026)
T0 = datetime(2026, 1, 1, tzinfo=UTC)
starts = [T0 + timedelta(minutes=rng.randrange(2 * 365 * 24 * 60)) for _ in range(N)]
targets = [
    rng.choice(
        [
            timedelta(minutes=30),
            timedelta(hours=4),
            timedelta(hours=24),
            timedelta(hours=40),
            timedelta(hours=80),
        ]
    )
    for _ in range(N)
]


def rate(label: str, n: int, seconds: float) -> float:
    print(f"{label:<58} {n:>8,} in {seconds:6.2f} s = {n / seconds:>10,.0f}/s")
    return n / seconds


cal = BusinessCalendar.build(
    tz="Europe/London",
    hours={d: ((clock(9), clock(12, 30)), (clock(13, 30), clock(17, 30))) for d in range(5)},
    holidays=[date(2026, 12, 24), date(2027, 12, 24)],
    country="GB",
    subdivision="ENG",
)
began = time.perf_counter()
add_business_time(starts[0], targets[0], cal)  # builds the calendar's timeline once
cold = time.perf_counter() - began
began = time.perf_counter()
for start, delta in zip(starts, targets, strict=True):
    add_business_time(start, delta, cal)
in_process = rate("in-process add_business_time (warm calendar)", N, time.perf_counter() - began)
print(f"{'  first call (builds the timeline for the years used)':<58} {cold * 1000:.1f} ms")

call_command("migrate", verbosity=0)
call_command("sla_import", "--preset", "saas-tiers", stdout=StringIO())
lines = "".join(
    json.dumps(
        {
            "plan": rng.choice(["enterprise", "essentials", "basic"]),
            "priority": rng.choice(["urgent", "high", "normal", "low"]),
            "received_at": s.isoformat(),
        }
    )
    + "\n"
    for s in starts
)
out = StringIO()
began = time.perf_counter()
call_command("sla_preview", stdin=StringIO(lines), stdout=out)
through_preview = rate("sla_preview, JSON line in -> JSON line out", N, time.perf_counter() - began)
answers = out.getvalue().splitlines()
assert len(answers) == N and all("error" not in a for a in answers[:1000])
print(f"{'ratio in-process / preview':<58} {in_process / through_preview:>30.1f}x")
