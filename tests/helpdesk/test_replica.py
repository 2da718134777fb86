"""An optional read-only replica (REPLICA_DATABASE_URL) for reports; everything else on the primary.

The "replica" here is a real second PostgreSQL database: a copy of the test database taken mid-test, so it
lags the primary exactly as a streaming replica would. Reports (the SLA dashboard's CSV, the time sheet)
show the copy's figures; the queue and every write use the primary.
"""

from __future__ import annotations

import json
import subprocess

import psycopg2
import pytest
from django.db import connection, connections

from tests.conftest import NOW
from tests.reliability.realenv import PYTHON, ROOT, require_postgres, subprocess_env, test_database_url
from tickets.models import Ticket
from tickets.services import ticket_create

pytestmark = pytest.mark.django_db(transaction=True)


def _admin_connection():
    s = connection.settings_dict
    conn = psycopg2.connect(
        dbname="postgres",
        user=s["USER"],
        password=s["PASSWORD"] or None,
        host=s["HOST"] or "127.0.0.1",
        port=s["PORT"] or 5432,
    )
    conn.autocommit = True
    return conn


REPORT = """
import csv, io, json
import django
django.setup()
from django.test import Client
from django.urls import reverse
from accounts.models import User
from helpdesk.db import replica_reads
from tickets.models import Ticket

client = Client()
client.force_login(User.objects.get(email="lead@helpdesk.test"))
export = client.get(reverse("desk:dashboard_csv") + "?weeks=52")
rows = list(csv.DictReader(io.StringIO(export.content.decode())))
queue = client.get(reverse("desk:queue") + "?tab=all")
first = Ticket.objects.order_by("pk").first()
with replica_reads():
    seen_in_report = Ticket.objects.filter(subject="After the copy").exists()
    Ticket.objects.filter(pk=first.pk).update(subject="Renamed inside a report")
print(json.dumps({
    "export_status": export.status_code,
    "export_tickets": sum(int(r["Tickets"]) for r in rows),
    "queue_live": b"After the copy" in queue.content,
    "seen_in_report": seen_in_report,
}))
"""


def _report(**env: str) -> dict:
    out = subprocess.run(
        [PYTHON, "-c", REPORT],
        env=subprocess_env(DATABASE_URL=test_database_url(), CONN_MAX_AGE="0", **env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture
def lagging_replica():
    """Copy the test database now (CREATE DATABASE ... TEMPLATE): a replica that has not caught up."""
    require_postgres()
    primary = connection.settings_dict["NAME"]
    copy = f"{primary}_replica"[:63]
    connections.close_all()  # a template must have no other sessions
    admin = _admin_connection()
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{copy}"')
        # A template must have no other session: an earlier test's subprocess (a worker, a web node) may
        # still be closing its connection to this test database. Those sessions are done; end them.
        cur.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [primary],
        )
        cur.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{primary}"')
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    try:
        yield f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{copy}"
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
        admin.close()


def test_reports_read_the_replica_while_the_queue_and_every_write_use_the_primary(
    customer, lead, priorities, request
):
    ticket_create(requester=customer, subject="Before the copy", priority=priorities["urgent"], now=NOW)
    replica_url = request.getfixturevalue("lagging_replica")
    # Written after the copy: on the primary only, as if the replica had not caught up yet.
    ticket_create(requester=customer, subject="After the copy", priority=priorities["urgent"], now=NOW)

    seen = _report(REPLICA_DATABASE_URL=replica_url)

    assert seen["export_status"] == 200
    assert seen["export_tickets"] == 1  # the dashboard's export: the replica's figures
    assert seen["queue_live"]  # the queue: the primary
    assert not seen["seen_in_report"]  # a read inside a report: the replica
    assert Ticket.objects.filter(subject="Renamed inside a report").count() == 1  # its write: the primary


def test_without_a_replica_reports_read_the_primary(customer, lead, priorities):
    require_postgres()  # the report runs in a separate process against the shared database
    ticket_create(requester=customer, subject="Before the copy", priority=priorities["urgent"], now=NOW)
    ticket_create(requester=customer, subject="After the copy", priority=priorities["urgent"], now=NOW)
    seen = _report()
    assert seen["export_tickets"] == 2 and seen["seen_in_report"]
