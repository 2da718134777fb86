"""Full-text search at scale, as a ratio to the queue page measured in the same run, interleaved:

    . bench/env.sh 1m && DATABASE_URL=postgres://postgres@127.0.0.1:5432/hd_search_1m \\
        .venv/bin/python bench/search.py --iterations 60

Each iteration requests the queue page, then every search below, in turn (``bench.measure.interleaved``),
so a noisy neighbour slows all of them alike. Pages: the desk's results page (``/desk/search/``), the
queue narrowed by words (``/desk/?q=``), the API's ticket list (``/api/tickets/?q=``) and a customer's
portal list (``/?q=``). Prints one JSON line per figure (median, p95, p95 / queue page p95).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.models import User  # noqa: E402
from bench.measure import interleaved, summary  # noqa: E402
from tickets.models import Ticket  # noqa: E402

# What agents type, against seed_bulk's corpus: a number from a customer's message (rare), a person, a
# phrase, a word with an exclusion, two alternatives, a word in most tickets (broad), a reference.
QUERIES = {
    "rare": "7946 0123",
    "person": "Customer 12-0",
    "phrase": '"voicemail to email"',
    "exclude": "fax -received",
    "or": "porting OR conference",
    "broad": "thanks",
}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--iterations", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()
    tech = User.objects.filter(is_staff=True, email__startswith="tech", email__endswith="@bulk.test").first()
    with connection.cursor() as cursor:  # the busiest organization lately: the longest customer list
        cursor.execute(
            "SELECT organization_id FROM tickets_ticket WHERE id > (SELECT MAX(id) - 20000 FROM tickets_ticket) "
            "GROUP BY organization_id ORDER BY count(*) DESC LIMIT 1"
        )
        org_id = cursor.fetchone()[0]
    customer = User.objects.filter(organization_id=org_id, is_staff=False).order_by("pk").first()
    staff, portal = signed_in(tech), signed_in(customer)
    reference = f"HD-{Ticket.objects.order_by('-pk').values_list('pk', flat=True)[500]}"
    queries = {**QUERIES, "reference": reference}

    calls: dict[str, object] = {"queue_page": lambda: staff.get("/desk/")}
    for name, q in queries.items():
        calls[f"desk_search:{name}"] = lambda q=q: staff.get("/desk/search/", {"q": q})
    for name in ("rare", "broad"):
        calls[f"queue_q:{name}"] = lambda q=queries[name]: staff.get("/desk/", {"q": q})
        calls[f"api_q:{name}"] = lambda q=queries[name]: staff.get("/api/tickets/", {"q": q})
        calls[f"portal_q:{name}"] = lambda q=queries[name]: portal.get("/", {"q": q})
    for name, fn in calls.items():
        status = fn().status_code
        if status != 200:
            raise SystemExit(f"{name}: HTTP {status}")
    wall, _cpu = interleaved(list(calls.values()), iterations=args.iterations, warmup=args.warmup)
    results = {name: summary(samples) for name, samples in zip(calls, wall, strict=True)}
    queue = results["queue_page"]
    searches = [s for name, samples in zip(calls, wall, strict=True) if name != "queue_page" for s in samples]
    results["all_searches"] = summary(searches)
    tickets = Ticket.objects.count()
    messages = Ticket.messages.rel.related_model.objects.count()
    for name, r in results.items():
        r.update(
            figure=name,
            query=queries.get(name.split(":")[-1], ""),
            x_queue_p95=round(r["p95_ms"] / queue["p95_ms"], 2),
            x_queue_median=round(r["median_ms"] / queue["median_ms"], 2),
            tickets=tickets,
            messages=messages,
        )
        print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
