"""django-helpdesk's staff ticket list and ticket page, measured like ours (runs in the peer venv).

Prints one JSON line: the list page (HTML), the list's data call (its table rows come by AJAX from
``datatables_ticket_list``), and the page of a ticket with 50 follow-ups, each with its own floor.
"""

import argparse
import json
import os
import re
import sys
import time

sys.path.insert(0, os.environ["BENCH_DIR"])  # measure.py only: plain Django, no import of our project

import django  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerproj.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402
from helpdesk.models import Ticket  # noqa: E402
from measure import figure, status_is  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument(
        "--serve",
        action="store_true",
        help="answer one request per stdin line (list, ticket, floor) with its server time in seconds, "
        "so bench/run.py can interleave the peer request by request with ours",
    )
    args = parser.parse_args()
    staff = get_user_model().objects.filter(is_staff=True, is_superuser=False).order_by("pk").first()
    client = Client()
    client.force_login(staff)
    floor = lambda: client.get("/__bench__/floor/")  # noqa: E731
    page = client.get("/helpdesk/tickets/")
    match = re.search(rb"datatables_ticket_list/([A-Za-z0-9+/=_-]+)", page.content)
    if not match:
        raise SystemExit("no datatables URL in the peer's ticket list")
    data_url = f"/helpdesk/datatables_ticket_list/{match.group(1).decode()}"
    # What the browser asks for first: 25 rows, ordered by the list's default column.
    params = {"draw": "1", "start": "0", "length": "25", "order[0][column]": "5", "order[0][dir]": "asc"}
    long_id = (
        Ticket.objects.filter(title__startswith="Long thread")
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    if args.serve:
        serve(client, floor, data_url, params, long_id)
        return
    kw = {"iterations": args.iterations, "warmup": args.warmup}
    out = {
        "tickets": Ticket.objects.count(),
        "peer_list": figure(
            "peer_list", lambda: client.get("/helpdesk/tickets/"), floor, check=status_is(200), **kw
        ),
        "peer_list_data": figure(
            "peer_list_data", lambda: client.get(data_url, params), floor, check=status_is(200), **kw
        ),
        "peer_ticket_page": figure(
            "peer_ticket_page",
            lambda: client.get(f"/helpdesk/tickets/{long_id}/"),
            floor,
            check=status_is(200),
            **kw,
        ),
    }
    print(json.dumps(out, default=str))


def serve(client, floor, data_url, params, long_id) -> None:
    """One request per line: ``list`` is its list page plus the rows' data call (what a browser asks for
    to show the list), ``ticket`` the 50-follow-up ticket page, ``floor`` its trivial view. Answers one
    JSON line: seconds of server time, queries, and the HTTP status."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    calls = {
        "list": [lambda: client.get("/helpdesk/tickets/"), lambda: client.get(data_url, params)],
        "ticket": [lambda: client.get(f"/helpdesk/tickets/{long_id}/")],
        "floor": [floor],
    }
    queries: dict[str, int] = {}
    print(json.dumps({"ready": True, "tickets": Ticket.objects.count()}), flush=True)
    for line in sys.stdin:
        name = line.strip()
        if name not in calls:
            print(json.dumps({"error": f"unknown {name!r}"}), flush=True)
            continue
        if name not in queries:  # counted once, outside the timed calls (capturing costs time)
            with CaptureQueriesContext(connection) as ctx:
                for fn in calls[name]:
                    fn()
            queries[name] = len(ctx.captured_queries)
        seconds, statuses = 0.0, []
        for fn in calls[name]:
            t0 = time.perf_counter()
            response = fn()
            seconds += time.perf_counter() - t0
            statuses.append(response.status_code)
        print(json.dumps({"seconds": seconds, "queries": queries[name], "statuses": statuses}), flush=True)


if __name__ == "__main__":
    main()
