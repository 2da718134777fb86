"""The jobs through a real Redis broker and a real Celery worker process (when REDIS_URL is set).

The worker is ``celery -A helpdesk worker`` in a subprocess, pointed at pytest's PostgreSQL test
database; the test sends the task through Redis and waits for its effect: the breach recorded and
the alert delivered (itself a second task through Redis).
"""

import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from helpdesk.celery import app
from notifications.models import Notification
from tests.reliability.realenv import broker_reset
from tickets import tasks
from tickets.models import Ticket
from tickets.services import ticket_assign, ticket_create

REDIS_URL = os.environ.get("REDIS_URL", "")

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL"),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the worker process needs a shared database"
    ),
]


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker():
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),  # pytest-django's test_<name> database
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings",  # production settings
        "SECRET_KEY": "worker-under-test",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "CONN_MAX_AGE": "0",
    }
    broker_reset()  # nothing left over from an earlier run
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "helpdesk",
            "worker",
            "-P",
            "solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "info",
            "-n",
            f"jobs-test-{uuid.uuid4().hex[:8]}@%h",
        ],
        env=env,
        cwd=Path(settings.BASE_DIR),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield proc
    finally:
        app.conf.task_always_eager = eager
        proc.terminate()
        try:
            out, _ = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        print(out[-4000:])  # shown when the test fails


def _wait_for(check, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.25)
    return False


def test_a_task_sent_through_redis_is_run_by_a_worker_and_its_alert_delivered(
    worker, customer, tech, priorities
):
    start = timezone.now() - timedelta(hours=1)  # an Urgent ticket whose 30-minute target has passed
    ticket = ticket_create(
        requester=customer, subject="All numbers down", priority=priorities["urgent"], now=start
    )
    ticket_assign(ticket=ticket, agent=tech, by=tech, now=start)

    tasks.sla_monitor.delay()

    def delivered():
        return Notification.objects.filter(
            event="sla_breach", ticket=ticket, status=Notification.Status.SENT
        ).exists()

    assert _wait_for(delivered), "the worker did not record and deliver the breach"
    ticket.refresh_from_db()
    assert ticket.first_response_breached_at == ticket.first_response_due_at
    # Sent again (a duplicate beat, a redelivery): it runs and finds nothing to do.
    tasks.sla_monitor.delay()
    with app.connection_for_write() as conn:
        client = conn.default_channel.client
        assert _wait_for(
            lambda: (
                all(client.llen(q.name) == 0 for q in app.conf.task_queues) and client.hlen("unacked") == 0
            )
        )
    assert Notification.objects.filter(event="sla_breach", ticket=ticket).count() == 1
    assert Ticket.objects.filter(pk=ticket.pk, first_response_breached_at__isnull=False).count() == 1
