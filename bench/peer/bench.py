"""django-helpdesk's staff ticket list and ticket page, measured like ours (runs in the peer venv).

Prints one JSON line: the list page (HTML), the list's data call (its table rows come by AJAX from
``datatables_ticket_list``), and the page of a ticket with 50 follow-ups, each with its own floor.
"""

import argparse
import json
import os
import re
import sys

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


if __name__ == "__main__":
    main()
