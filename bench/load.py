"""Load run: 50 signed-in clients against gunicorn on 127.0.0.1, mixing customer and technician traffic,
for a bounded time; then the same while a worker runs the timed jobs in a loop.

    . bench/env.sh 1m && .venv/bin/python bench/load.py [--clients 50] [--seconds 60] [--workers 3]

Loopback only: gunicorn binds 127.0.0.1, the clients talk to it with ``http.client``. Each client
signs in through the login form (CSRF token from the page, session cookie kept), then loops over
its role's mix. Requests carry ``X-Forwarded-Proto: https`` as the TLS-terminating proxy of a
production deployment would, so the production settings (secure cookies, CSRF) apply unchanged.
Any status other than the expected one, or a transport error, counts as an error.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

import django  # noqa: E402

django.setup()

from accounts.models import User  # noqa: E402
from bench.measure import pct  # noqa: E402
from tickets.models import Ticket  # noqa: E402

PASSWORD = "bench"  # seed_bulk's password for every seeded person
CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Session:
    """One browser: its own connection and cookies (parsed by hand: the cookies are Secure-flagged,
    which ``http.cookiejar`` would withhold over the loopback's plain HTTP)."""

    def __init__(self, port: int):
        self.port = port
        self.origin = f"https://127.0.0.1:{port}"
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        h = {
            "Host": f"127.0.0.1:{self.port}",
            "X-Forwarded-Proto": "https",
            "Referer": f"{self.origin}{path}",
            "Origin": self.origin,
            "Connection": "keep-alive",
        }
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        h.update(headers or {})
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=h)
                resp = self.conn.getresponse()
                data = resp.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed an idle keep-alive connection just as we reused it: like a browser,
                # open a new one and send again, once (the request never reached the application).
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt == 2:
                    raise
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                raise
        for value in resp.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return resp.status, data, resp

    def login(self, email: str) -> None:
        status, page, _ = self.request("GET", "/accounts/login/")
        match = CSRF_INPUT.search(page)
        if status != 200 or not match:
            raise RuntimeError(f"login page: {status}")
        form = urlencode(
            {"csrfmiddlewaretoken": match.group(1).decode(), "username": email, "password": PASSWORD}
        )
        status, _, resp = self.request(
            "POST", "/accounts/login/", form.encode(), {"Content-Type": "application/x-www-form-urlencoded"}
        )
        if status != 302 or "/accounts/login/" in (resp.headers.get("Location") or ""):
            raise RuntimeError(f"sign-in of {email} failed: {status}")


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.samples_of_errors: list[str] = []

    def add(self, kind: str, seconds: float, ok: bool, detail: str = "") -> None:
        with self.lock:
            self.latency[kind].append(seconds)
            if not ok:
                self.errors[kind] += 1
                if len(self.samples_of_errors) < 10:
                    self.samples_of_errors.append(f"{kind}: {detail}")

    def report(self, seconds: float) -> dict:
        everything = [x for v in self.latency.values() for x in v]
        out = {
            "requests": len(everything),
            "errors": sum(self.errors.values()),
            "rps": round(len(everything) / seconds, 1),
            "p50_ms": round(statistics.median(everything) * 1000, 1) if everything else None,
            "p95_ms": round(pct(everything, 0.95) * 1000, 1) if everything else None,
            "p99_ms": round(pct(everything, 0.99) * 1000, 1) if everything else None,
            "by_kind": {
                k: {
                    "requests": len(v),
                    "errors": self.errors.get(k, 0),
                    "p50_ms": round(statistics.median(v) * 1000, 1),
                    "p95_ms": round(pct(v, 0.95) * 1000, 1),
                }
                for k, v in sorted(self.latency.items())
            },
            "error_samples": self.samples_of_errors,
        }
        return out


def customer_loop(s: Session, tickets: list[int], stats: Stats, stop: float, rng: random.Random) -> None:
    n = 0
    while time.monotonic() < stop:
        r = rng.random()
        if r < 0.45:
            kind, method, path, body, expect = "customer_list", "GET", "/", None, 200
        elif r < 0.93 and tickets:
            kind, method, path, body, expect = (
                "customer_ticket",
                "GET",
                f"/tickets/{rng.choice(tickets)}/",
                None,
                200,
            )
        else:
            n += 1
            body = json.dumps(
                {"subject": f"Load ticket {n}", "description": "Calls drop after 30 s.", "priority": "normal"}
            )
            kind, method, path, expect = "api_create", "POST", "/api/tickets/", 201
        headers = {}
        if method == "POST":
            headers = {"Content-Type": "application/json", "X-CSRFToken": s.cookies.get("csrftoken", "")}
        t0 = time.perf_counter()
        try:
            status, data, _ = s.request(method, path, body.encode() if body else None, headers)
            stats.add(kind, time.perf_counter() - t0, status == expect, f"{status} {data[:120]!r}")
        except Exception as exc:  # a transport error is an error, never a crash of the run
            stats.add(kind, time.perf_counter() - t0, False, repr(exc))


def tech_loop(
    s: Session, tickets: list[int], stats: Stats, stop: float, rng: random.Random, lead: bool = False
) -> None:
    while time.monotonic() < stop:
        r = rng.random()
        if lead and r < 0.2:  # the dashboard is the team lead's page (403 for technicians)
            kind, path = "dashboard", "/desk/dashboard/"
        elif r < 0.35:
            kind, path = "desk_queue", "/desk/"
        elif r < 0.65:
            kind, path = "desk_ticket", f"/desk/tickets/{rng.choice(tickets)}/"
        else:
            kind, path = "api_queue", "/api/queue/"
        t0 = time.perf_counter()
        try:
            status, data, _ = s.request("GET", path)
            stats.add(kind, time.perf_counter() - t0, status == 200, f"{status} {data[:120]!r}")
        except Exception as exc:
            stats.add(kind, time.perf_counter() - t0, False, repr(exc))


def phase(port: int, customers, techs, open_tickets, customer_tickets, seconds: int, label: str) -> dict:
    stats = Stats()
    sessions = []
    for role, user in [("customer", c) for c in customers] + [("tech", t) for t in techs]:
        s = Session(port)
        s.login(user.email)
        sessions.append((role, user, s))
    stop = time.monotonic() + seconds
    threads = []
    for k, (role, user, s) in enumerate(sessions):
        rng = random.Random(k)
        if role == "customer":
            t = threading.Thread(target=customer_loop, args=(s, customer_tickets[user.pk], stats, stop, rng))
        else:
            is_lead = user.groups.filter(name="Team leads").exists()
            t = threading.Thread(target=tech_loop, args=(s, open_tickets, stats, stop, rng, is_lead))
        threads.append(t)
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result = stats.report(time.monotonic() - started)
    result.update({"phase": label, "clients": len(sessions), "seconds": seconds})
    return result


def jobs_loop(stop_event: threading.Event, env: dict, counter: dict) -> None:
    """The sweeps, back to back, as a separate worker process would run them."""
    while not stop_event.is_set():
        out = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "run_timed_jobs"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        counter["runs"] += 1
        if out.returncode != 0:
            counter["failures"] += 1
            counter["last_error"] = out.stderr[-400:]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--customer-share", type=float, default=0.6)
    parser.add_argument("--skip-jobs", action="store_true")
    args = parser.parse_args()

    n_customers = round(args.clients * args.customer_share)
    n_techs = args.clients - n_customers
    lead = User.objects.filter(groups__name="Team leads", email__endswith="@bulk.test").first()
    techs = list(
        User.objects.filter(is_staff=True, email__startswith="tech", email__endswith="@bulk.test").order_by(
            "pk"
        )[: n_techs - 1]
    )
    techs += [lead] if lead else []
    recent = Ticket.objects.order_by("-id").values_list("organization_id", flat=True)[:20000]
    busy_orgs = list(dict.fromkeys(recent))[:n_customers]
    customers = [
        User.objects.filter(organization_id=o, is_staff=False).order_by("pk").first() for o in busy_orgs
    ]
    customer_tickets = {
        c.pk: list(
            Ticket.objects.filter(organization_id=c.organization_id)
            .order_by("-id")
            .values_list("id", flat=True)[:30]
        )
        for c in customers
    }
    open_tickets = list(Ticket.objects.open().order_by("-id").values_list("id", flat=True)[:500])
    if len(techs) < n_techs:
        # Fewer seeded technicians than tech clients: some share an account, as shifts do.
        techs = (techs * (args.clients // max(1, len(techs)) + 1))[:n_techs]

    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "helpdesk.settings"}
    gunicorn = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "helpdesk.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--worker-class",
            "gthread",
            "--keep-alive",
            "30",  # clients reuse their connection, as browsers do behind a proxy
            "--access-logfile",
            "-" if os.environ.get("LOAD_ACCESS_LOG") else "/dev/null",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    results = {
        "size": os.environ.get("SIZE", "?"),
        "tickets": Ticket.objects.count(),
        "gunicorn": {"workers": args.workers, "threads": args.threads},
        "phases": [],
    }
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        results["phases"].append(
            phase(port, customers, techs, open_tickets, customer_tickets, args.seconds, "traffic")
        )
        print(json.dumps(results["phases"][-1]), flush=True)
        if not args.skip_jobs:
            stop_event = threading.Event()
            counter = {"runs": 0, "failures": 0}
            jobs = threading.Thread(target=jobs_loop, args=(stop_event, env, counter))
            jobs.start()
            try:
                r = phase(
                    port, customers, techs, open_tickets, customer_tickets, args.seconds, "traffic+sweeps"
                )
            finally:
                stop_event.set()
                jobs.join()
            r["sweep_runs"], r["sweep_failures"] = counter["runs"], counter["failures"]
            if "last_error" in counter:
                r["sweep_last_error"] = counter["last_error"]
            results["phases"].append(r)
            print(json.dumps(r), flush=True)
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)  # the gunicorn this script started, and only it
        gunicorn.wait(timeout=30)
    out = ROOT / "bench" / "results" / f"load_{results['size']}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    print(f"saved {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
