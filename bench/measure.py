"""How a figure is measured; shared by our harness (``bench/run.py``) and the peer's (``bench/peer/bench.py``).

Plain Django only (no project imports), so the peer's virtualenv can use it too.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))]


def summary(samples: list[float]) -> dict:
    return {"median_ms": round(statistics.median(samples) * 1000, 3), "p95_ms": round(pct(samples, 0.95) * 1000, 3),
            "n": len(samples)}


def interleaved(fns: list[Callable[[], object]], *, iterations: int, warmup: int) -> list[list[float]]:
    """Time several callables in turn, iteration by iteration, so a noisy neighbour on the shared
    machine slows the page and its floors alike and the ratios stay meaningful."""
    for _ in range(warmup):
        for fn in fns:
            fn()
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(iterations):
        for k, fn in enumerate(fns):
            t0 = time.perf_counter()
            fn()
            samples[k].append(time.perf_counter() - t0)
    return samples


def capture(fn: Callable[[], object]) -> tuple[object, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    return result, [q["sql"] for q in ctx.captured_queries]


DECLARE = re.compile(r'^DECLARE "[^"]+" NO SCROLL CURSOR (WITH(OUT)? HOLD )?FOR ')


def replay(sqls: list[str], *, writes: bool) -> Callable[[], None]:
    """The database floor: the same statements on one bare cursor, nothing in between. Writes are
    replayed inside a transaction that is rolled back, so rows never pile up."""

    def run():
        with connection.cursor() as cursor:
            if writes:
                cursor.execute("BEGIN")
            for sql in sqls:
                # A server-side cursor (QuerySet.iterator()) is replayed as its plain SELECT.
                sql = DECLARE.sub("", sql)
                if not writes and sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
                    continue
                cursor.execute(sql)
                if cursor.description is not None:
                    cursor.fetchall()
            if writes:
                cursor.execute("ROLLBACK")

    return run


def figure(name: str, fn: Callable[[], object], floor_fn: Callable[[], object], *, iterations: int, warmup: int,
           writes: bool = False, check: Callable[[object], None] | None = None, extra: dict | None = None) -> dict:
    """Median and p95 server time, queries per call, and the ratios to the two floors."""
    response, sqls = capture(fn)
    if check:
        check(response)
    _, floor_sqls = capture(floor_fn)
    ours, floor, db = interleaved([fn, floor_fn, replay(sqls, writes=writes)], iterations=iterations, warmup=warmup)
    ours, floor, db = summary(ours), summary(floor), summary(db)
    return {
        "figure": name, **ours, "queries": len(sqls),
        "floor_median_ms": floor["median_ms"], "floor_queries": len(floor_sqls),
        "x_floor": round(ours["median_ms"] / floor["median_ms"], 2),
        "db_floor_median_ms": db["median_ms"], "x_db_floor": round(ours["median_ms"] / max(db["median_ms"], 1e-3), 2),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **(extra or {}),
        "sql": [s[:400] for s in sqls],
    }


def status_is(expected: int):
    def check(response):
        code = getattr(response, "status_code", None)
        if code != expected:
            raise RuntimeError(f"expected HTTP {expected}, got {code}: {getattr(response, 'content', b'')[:300]!r}")

    return check
