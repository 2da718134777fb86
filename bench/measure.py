"""How a figure is measured; shared by our harness (``bench/run.py``) and the peer's (``bench/peer/bench.py``).

Plain Django only (no project imports), so the peer's virtualenv can use it too.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))]


def summary(samples: list[float]) -> dict:
    return {
        "median_ms": round(statistics.median(samples) * 1000, 3),
        "p95_ms": round(pct(samples, 0.95) * 1000, 3),
        "n": len(samples),
    }


def interleaved(
    fns: list[Callable[[], object]], *, iterations: int, warmup: int
) -> tuple[list[list[float]], list[list[float]]]:
    """Time several callables in turn, iteration by iteration, so a noisy neighbour on the shared
    machine slows the page and its floors alike and the ratios stay meaningful.

    Returns wall-clock samples and this process's CPU samples (the Python side of a request, which
    waiting for a busy core does not inflate; the database's own work is not in it)."""
    for _ in range(warmup):
        for fn in fns:
            fn()
    wall: list[list[float]] = [[] for _ in fns]
    cpu: list[list[float]] = [[] for _ in fns]
    for _ in range(iterations):
        for k, fn in enumerate(fns):
            c0, t0 = time.process_time(), time.perf_counter()
            fn()
            wall[k].append(time.perf_counter() - t0)
            cpu[k].append(time.process_time() - c0)
    return wall, cpu


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


def figure(
    name: str,
    fn: Callable[[], object],
    floor_fn: Callable[[], object],
    *,
    iterations: int,
    warmup: int,
    writes: bool = False,
    check: Callable[[object], None] | None = None,
    extra: dict | None = None,
) -> dict:
    """Median and p95 server time, queries per call, and the ratios to the two floors."""
    if writes:
        # Captured inside a transaction rolled back at once, so the replay can insert the same rows.
        with transaction.atomic():
            response, sqls = capture(fn)
            transaction.set_rollback(True)
    else:
        response, sqls = capture(fn)
    if check:
        check(response)
    _, floor_sqls = capture(floor_fn)
    wall, cpu = interleaved([fn, floor_fn, replay(sqls, writes=writes)], iterations=iterations, warmup=warmup)
    ours, floor, db = (summary(w) for w in wall)
    cpu_ours, cpu_floor = (round(statistics.median(c) * 1000, 3) for c in cpu[:2])
    return {
        "figure": name,
        **ours,
        "queries": len(sqls),
        "floor_median_ms": floor["median_ms"],
        "floor_queries": len(floor_sqls),
        "x_floor": round(ours["median_ms"] / floor["median_ms"], 2),
        "db_floor_median_ms": db["median_ms"],
        "x_db_floor": round(ours["median_ms"] / max(db["median_ms"], 1e-3), 2),
        "cpu_median_ms": cpu_ours,
        "floor_cpu_median_ms": cpu_floor,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **(extra or {}),
        "sql": [s[:400] for s in sqls],
    }


def status_is(expected: int):
    def check(response):
        code = getattr(response, "status_code", None)
        if code != expected:
            raise RuntimeError(
                f"expected HTTP {expected}, got {code}: {getattr(response, 'content', b'')[:300]!r}"
            )

    return check
