"""Server-time figures, one command each (see bench/README.md):

    . bench/env.sh 100k && .venv/bin/python bench/run.py queue_page

Each figure is measured in-process (Django's test Client through the whole middleware stack, DEBUG
off) after a warm-up, over many iterations, interleaved with the trivial view ``/__bench__/floor/``
(the stack floor) and with a replay of the page's own SQL on a bare cursor (the database floor).
Results are merged into ``bench/results/<SIZE>.json``; ``bench/report.py`` prints the table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from bench.measure import capture, figure, pct, status_is  # noqa: E402
from tickets.models import Ticket  # noqa: E402

RESULTS = ROOT / "bench" / "results"
PEER_PYTHON = os.environ.get("PEER_PYTHON", "/tmp/peer-venv/bin/python")
PEER_PROJECT = os.environ.get("PEER_PROJECT", "/tmp/peer-project")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


class Bench:
    def __init__(self, size: str, iterations: int, warmup: int):
        self.size, self.iterations, self.warmup = size, iterations, warmup
        self.tech = (
            User.objects.filter(is_staff=True, email__startswith="tech", email__endswith="@bulk.test")
            .order_by("pk")
            .first()
        )
        if self.tech is None:
            raise SystemExit("No seeded technician: run manage.py seed_bulk first.")
        self.client = signed_in(self.tech)

    def floor_of(self, client: Client):
        return lambda: client.get("/__bench__/floor/")

    def run(
        self,
        name: str,
        fn,
        *,
        client: Client | None = None,
        iterations: int | None = None,
        warmup: int | None = None,
        **kw,
    ) -> dict:
        return figure(
            name,
            fn,
            self.floor_of(client or self.client),
            iterations=iterations or self.iterations,
            warmup=self.warmup if warmup is None else warmup,
            **kw,
        )

    def customer(self) -> User:
        """A customer of the busiest organization (lately): the longest list a customer sees."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT organization_id FROM tickets_ticket WHERE id > (SELECT MAX(id) - 20000 FROM tickets_ticket) "
                "GROUP BY organization_id ORDER BY count(*) DESC LIMIT 1"
            )
            org_id = cursor.fetchone()[0]
        return User.objects.filter(organization_id=org_id, is_staff=False).order_by("pk").first()


# --- figures --------------------------------------------------------------------------------------


def fig_floor(b: Bench) -> dict:
    return b.run("floor", b.floor_of(b.client), check=status_is(200))


def fig_queue_page(b: Bench) -> dict:
    return b.run("queue_page", lambda: b.client.get("/desk/"), check=status_is(200))


def fig_api_queue_first(b: Bench) -> dict:
    return b.run("api_queue_first", lambda: b.client.get("/api/queue/"), check=status_is(200))


def fig_api_queue_deep(b: Bench) -> dict:
    from tickets.api.pagination import QueuePagination
    from tickets.selectors import ticket_queue

    qs = ticket_queue(agent=b.tech, now=timezone.now())
    depth = qs.count() // 2  # half-way down the open queue, by the API's own keyset cursor
    cursor = QueuePagination.encode(qs[depth])
    return b.run(
        "api_queue_deep",
        lambda: b.client.get("/api/queue/", {"cursor": cursor}),
        check=status_is(200),
        extra={"depth_rows": depth},
    )


def long_thread() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM tickets_ticket WHERE subject LIKE 'Long thread:%%' ORDER BY id DESC LIMIT 1"
        )
        row = cursor.fetchone()
    if not row:
        raise SystemExit("No long-thread ticket: seed with seed_bulk.")
    return row[0]


def fig_ticket_page(b: Bench) -> dict:
    pk = long_thread()
    return b.run(
        "ticket_page_50",
        lambda: b.client.get(f"/desk/tickets/{pk}/"),
        check=status_is(200),
        extra={"ticket": pk, "messages": Ticket.objects.get(pk=pk).messages.count()},
    )


def fig_api_create(b: Bench) -> dict:
    client = signed_in(b.customer())
    counter = iter(range(10**9))

    def post():
        body = {
            "subject": f"Bench ticket {next(counter)}",
            "description": "Calls drop after 30 s.",
            "priority": "normal",
        }
        return client.post("/api/tickets/", data=json.dumps(body), content_type="application/json")

    return b.run(
        "api_ticket_create",
        post,
        client=client,
        writes=True,
        check=status_is(201),
        iterations=min(b.iterations, 100),
    )


def fig_customer_list(b: Bench) -> dict:
    customer = b.customer()
    client = signed_in(customer)
    visible = Ticket.objects.visible_to(customer).count()
    return b.run(
        "customer_list",
        lambda: client.get("/"),
        client=client,
        check=status_is(200),
        extra={"visible_tickets": visible},
    )


def fig_dashboard(b: Bench, weeks: int | None = None) -> dict:
    """The SLA dashboard at its default window (8 weeks), or at ``weeks`` (``?weeks=52``: the longest)."""
    lead = User.objects.filter(groups__name="Team leads", email__endswith="@bulk.test").first() or b.tech
    client = signed_in(lead)  # the dashboard is the team lead's page
    params = {"weeks": str(weeks)} if weeks else {}
    return b.run(
        f"sla_dashboard_{weeks}w" if weeks else "sla_dashboard",
        lambda: client.get("/desk/dashboard/", params),
        client=client,
        check=status_is(200),
        iterations=min(b.iterations, 30),
        warmup=3,
    )


def fig_sla_monitor(b: Bench) -> dict:
    from tickets.jobs import sla_monitor

    t0 = time.perf_counter()
    flagged = sla_monitor(now=timezone.now())  # the catch-up pass: what fell due since the seed's anchor
    catch_up = time.perf_counter() - t0
    result = b.run(
        "sla_monitor_pass",
        lambda: sla_monitor(now=timezone.now()),
        iterations=min(b.iterations, 30),
        warmup=2,
        writes=True,
    )
    result.update({"catch_up_ms": round(catch_up * 1000, 1), "catch_up_tickets": flagged})
    return result


def fig_email_ingest(b: Bench) -> dict:
    from tickets.intake.service import email_ingest

    customer = b.customer()

    def ingest():
        raw = (
            f"From: {customer.full_name} <{customer.email}>\r\nTo: support@helpdesk.test\r\n"
            f"Subject: Fax not being received\r\nMessage-ID: <{uuid.uuid4().hex}@bench.test>\r\n"
            f"Date: {timezone.now():%a, %d %b %Y %H:%M:%S +0000}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            "Product: Fuse. Started this morning; consistent.\r\n"
        ).encode()
        return email_ingest(raw=raw, now=timezone.now())

    def check(row):
        if getattr(row, "outcome", None) not in ("new_ticket", "reply"):
            raise RuntimeError(
                f"ingest outcome {getattr(row, 'outcome', row)!r}: {getattr(row, 'detail', '')}"
            )

    return b.run(
        "email_ingest", ingest, iterations=min(b.iterations, 100), warmup=5, writes=True, check=check
    )


def fig_peer(b: Bench) -> dict:
    """django-helpdesk's staff list and ticket page, measured the same way in the same run, next to ours."""
    ours_list = fig_queue_page(b)
    ours_ticket = fig_ticket_page(b)
    env = {
        **os.environ,
        "PYTHONPATH": PEER_PROJECT,
        "DJANGO_SETTINGS_MODULE": "peerproj.settings",
        "PEER_DB": f"hd_bench_peer_{b.size}",
        "BENCH_DIR": str(ROOT / "bench"),
    }
    out = subprocess.run(
        [
            PEER_PYTHON,
            str(ROOT / "bench" / "peer" / "bench.py"),
            "--iterations",
            str(b.iterations),
            "--warmup",
            str(b.warmup),
        ],
        cwd=PEER_PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if out.returncode != 0:
        raise RuntimeError(f"peer bench failed: {out.stderr[-800:]}")
    peer = json.loads(out.stdout.strip().splitlines()[-1])
    pl, pd, pt = peer["peer_list"], peer["peer_list_data"], peer["peer_ticket_page"]
    peer_list_total = pl["median_ms"] + pd["median_ms"]  # its list is a page plus an AJAX call for the rows
    return {
        "figure": "peer",
        "ours_list": {
            k: ours_list[k] for k in ("median_ms", "p95_ms", "queries", "floor_median_ms", "x_floor")
        },
        "ours_ticket": {
            k: ours_ticket[k] for k in ("median_ms", "p95_ms", "queries", "floor_median_ms", "x_floor")
        },
        "peer_list": {k: v for k, v in pl.items() if k != "sql"},
        "peer_list_data": {k: v for k, v in pd.items() if k != "sql"},
        "peer_ticket": {k: v for k, v in pt.items() if k != "sql"},
        "list_ours_over_peer": round(ours_list["median_ms"] / peer_list_total, 2),
        "list_ours_over_peer_html_only": round(ours_list["median_ms"] / pl["median_ms"], 2),
        "ticket_ours_over_peer": round(ours_ticket["median_ms"] / pt["median_ms"], 2),
        "peer_tickets": peer.get("tickets"),
    }


class Peer:
    """django-helpdesk in its own venv, answering one request per line (``bench/peer/bench.py --serve``),
    so each of its requests can sit between two of ours."""

    def __init__(self, size: str):
        env = {
            **os.environ,
            "PYTHONPATH": PEER_PROJECT,
            "DJANGO_SETTINGS_MODULE": "peerproj.settings",
            "PEER_DB": f"hd_bench_peer_{size}",
            "BENCH_DIR": str(ROOT / "bench"),
        }
        self.proc = subprocess.Popen(
            [PEER_PYTHON, str(ROOT / "bench" / "peer" / "bench.py"), "--serve"],
            cwd=PEER_PROJECT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        hello = json.loads(self.proc.stdout.readline() or "{}")
        if not hello.get("ready"):
            raise RuntimeError("the peer did not start (is bench/peer/setup.sh done for this size?)")
        self.tickets = hello["tickets"]
        self.queries: dict[str, int] = {}

    def ask(self, name: str) -> float:
        self.proc.stdin.write(name + "\n")
        self.proc.stdin.flush()
        answer = json.loads(self.proc.stdout.readline())
        if any(code != 200 for code in answer["statuses"]):
            raise RuntimeError(f"peer {name}: HTTP {answer['statuses']}")
        self.queries[name] = answer["queries"]
        return answer["seconds"]

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def fig_issue18(b: Bench) -> dict:
    """Every row of issue 18's table in ONE run, interleaved request by request: the trivial view, the
    DRF floor (``GET /api/priorities/``), the queue page as a poll sees it (the default cache emptied
    before each request, so no process keeps counts warm), the queue page again at once (warm), the queue
    API, the 50-message ticket page, the busiest organization's customer list, the SLA dashboard (its
    default 8 weeks, and the longest window, 52 weeks), and (when its database exists) the peer's staff list (page + rows call), ticket page and trivial view."""
    from django.core.cache import cache

    lead = User.objects.filter(groups__name="Team leads", email__endswith="@bulk.test").first() or b.tech
    lead_client = signed_in(lead)
    customer_client = signed_in(b.customer())
    pk = long_thread()
    # What the beat does every minute in production: the dashboard's roll-up and backlog snapshot are
    # current (a snapshot over 5 minutes old is recounted live on every page view, as when the job stops).
    from tickets.jobs import dashboard_rollup

    rolled = [time.monotonic()]
    dashboard_rollup(now=timezone.now())

    def beat():  # between requests, untimed: the job's every-minute run
        if time.monotonic() - rolled[0] >= 60:
            dashboard_rollup(now=timezone.now())
            rolled[0] = time.monotonic()

    def poll():
        cache.clear()  # a poll every 20 s: whatever one process cached is gone or belongs to another
        return b.client.get("/desk/")

    def poll_rows():
        cache.clear()  # what the page's poller really asks for every 20 s: the rows and the tab counts
        return b.client.get("/desk/rows/")

    ours = {
        "floor": lambda: b.client.get("/__bench__/floor/"),
        "drf_floor": lambda: b.client.get("/api/priorities/"),
        "queue_poll": poll,
        "queue_rows_poll": poll_rows,
        "queue_warm": lambda: b.client.get("/desk/"),
        "api_queue": lambda: b.client.get("/api/queue/"),
        "ticket_page": lambda: b.client.get(f"/desk/tickets/{pk}/"),
        "customer_list": lambda: customer_client.get("/"),
        "dashboard": lambda: lead_client.get("/desk/dashboard/"),
        "dashboard_52w": lambda: lead_client.get("/desk/dashboard/", {"weeks": "52"}),
    }
    queries = {}
    for name, fn in ours.items():
        response, sqls = capture(fn)
        status_is(200)(response)
        queries[name] = len(sqls)
    peer = None
    try:
        peer = Peer(b.size)
    except Exception as exc:  # no peer database of this size: ours alone, said so in the output
        print(f"peer not measured: {exc}", file=sys.stderr)
    calls = dict(ours)
    if peer:
        calls.update({f"peer_{n}": (lambda n=n: peer.ask(n)) for n in ("floor", "list", "ticket")})
    samples = {name: [] for name in calls}
    for i in range(b.warmup + b.iterations):
        for name, fn in calls.items():
            beat()
            t0 = time.perf_counter()
            seconds = fn()
            elapsed = seconds if isinstance(seconds, float) else time.perf_counter() - t0
            if i >= b.warmup:
                samples[name].append(elapsed)
    if peer:
        queries.update({f"peer_{n}": q for n, q in peer.queries.items()})
        peer.close()
    med = {name: round(statistics.median(v) * 1000, 2) for name, v in samples.items()}
    p95 = {name: round(pct(v, 0.95) * 1000, 2) for name, v in samples.items()}
    ratios = {
        "queue_poll_x_floor": med["queue_poll"] / med["floor"],
        "queue_warm_x_floor": med["queue_warm"] / med["floor"],
        "queue_rows_poll_x_floor": med["queue_rows_poll"] / med["floor"],
        "api_queue_x_drf_floor": med["api_queue"] / med["drf_floor"],
        "ticket_page_x_floor": med["ticket_page"] / med["floor"],
        "customer_list_x_floor": med["customer_list"] / med["floor"],
        "dashboard_x_floor": med["dashboard"] / med["floor"],
        "dashboard_52w_x_floor": med["dashboard_52w"] / med["floor"],
    }
    if peer:
        ratios.update(
            {
                "queue_poll_over_peer_list": med["queue_poll"] / med["peer_list"],
                "queue_rows_poll_over_peer_list": med["queue_rows_poll"] / med["peer_list"],
                "ticket_page_over_peer_ticket": med["ticket_page"] / med["peer_ticket"],
                "peer_list_x_peer_floor": med["peer_list"] / med["peer_floor"],
                "peer_ticket_x_peer_floor": med["peer_ticket"] / med["peer_floor"],
            }
        )
    return {
        "figure": "issue18",
        "iterations": b.iterations,
        "median_ms": med,
        "p95_ms": p95,
        "queries": queries,
        "ratios": {k: round(v, 2) for k, v in ratios.items()},
        "peer_tickets": peer.tickets if peer else None,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


FIGURES = {
    "issue18": fig_issue18,
    "floor": fig_floor,
    "queue_page": fig_queue_page,
    "api_queue_first": fig_api_queue_first,
    "api_queue_deep": fig_api_queue_deep,
    "ticket_page": fig_ticket_page,
    "api_create": fig_api_create,
    "customer_list": fig_customer_list,
    "dashboard": fig_dashboard,
    "dashboard_52w": lambda b: fig_dashboard(b, weeks=52),
    "sla_monitor": fig_sla_monitor,
    "email_ingest": fig_email_ingest,
    "peer": fig_peer,
}


def save(size: str, results: list[dict]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{size}.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    for r in results:
        data[r["figure"]] = r
    path.write_text(json.dumps(data, indent=1, default=str))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("figures", nargs="+", choices=[*FIGURES, "all"])
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()
    size = os.environ.get("SIZE", "?")
    names = [n for n in FIGURES if n not in ("peer", "issue18")] if "all" in args.figures else args.figures
    b = Bench(size, args.iterations, args.warmup)
    tickets = Ticket.objects.count()
    results = []
    for name in names:
        try:
            r = FIGURES[name](b)
        except Exception as exc:  # a page or job not on main yet, or a failed check: recorded, not hidden
            r = {"figure": name, "error": f"{exc.__class__.__name__}: {str(exc)[:400]}"}
        r.update({"size": size, "tickets": tickets})
        results.append(r)
        print(json.dumps({k: v for k, v in r.items() if k != "sql"}), flush=True)
    print(f"saved {save(size, results)}", file=sys.stderr)


if __name__ == "__main__":
    main()
