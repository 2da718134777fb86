"""Several machines on one: two web nodes, two workers and one beat sharing PostgreSQL, Redis and a bucket.

The processes are the real ones (gunicorn, ``celery worker``, ``celery beat``) on loopback, with beat's
schedule compressed to a tick a second (tests/helpdesk/fastbeat.py) so every timed job runs many times on
both workers. What must hold, as it must over real machines: a file uploaded through one web node is
served by the other (S3), every SLA breach is recorded once and alerted once, every mail is sent once.
"""

from __future__ import annotations

import email
import os
import socket
import subprocess
import time
import uuid
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from helpdesk.celery import QUEUES, app
from notifications.models import Notification
from tests.factories import api_key
from tests.objectstore import s3_server  # noqa: F401  (fixture)
from tests.reliability.realenv import (
    PYTHON,
    ROOT,
    broker_reset,
    require,
    require_postgres,
    subprocess_env,
    test_database_url,
)
from tickets.models import Ticket, TicketEvent
from tickets.services import ticket_assign, ticket_create

OURS = ("tickets.", "notifications.", "accounts.", "sla.", "automation.", "privacy.", "helpdesk.")


def test_every_task_of_ours_runs_on_a_named_queue():
    app.loader.import_default_modules()
    ours = sorted(name for name in app.tasks if name.startswith(OURS))
    assert ours, "no tasks registered"
    unrouted = [name for name in ours if name not in app.conf.task_routes]
    assert unrouted == [], f"route these in helpdesk/celery.py: {unrouted}"
    assert {route["queue"] for route in app.conf.task_routes.values()} <= set(QUEUES)
    # and a plain worker consumes every queue
    assert {q.name for q in app.conf.task_queues} == set(QUEUES)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_web_nodes_two_workers_and_one_beat_share_files_and_run_nothing_twice(
    s3_server,  # noqa: F811
    tmp_path,
    customer,
    tech,
    priorities,
):
    require_postgres()
    redis_url = require("REDIS_URL")
    bucket = s3_server.new_bucket()
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    # Tickets whose 30-minute Urgent target passed an hour ago: beat's monitor must breach each once.
    start = timezone.now() - timedelta(hours=2)
    overdue = []
    for n in range(6):
        t = ticket_create(
            requester=customer, subject=f"Overdue {n}", priority=priorities["urgent"], now=start
        )
        ticket_assign(ticket=t, agent=tech, by=tech, now=start)
        overdue.append(t)
    customer_key = api_key(customer)
    before = set(Notification.objects.values_list("pk", flat=True))  # sent by this test process itself

    env = subprocess_env(
        DATABASE_URL=test_database_url(),
        CELERY_BROKER_URL=redis_url,
        REDIS_URL=redis_url,
        EMAIL_BACKEND="helpdesk.mail.MailboxBackend",
        EMAIL_FILE_PATH=str(mail_dir),
        MEDIA_ROOT=str(tmp_path / "media-not-used"),
        CONN_MAX_AGE="0",
        FASTBEAT_SECONDS="1",
        **s3_server.env(bucket),
    )
    broker_reset()  # nothing left over from an earlier run

    ports = [_free_port(), _free_port()]
    logs = tmp_path / "logs"
    logs.mkdir()
    commands = {
        **{
            f"web{i}": [
                PYTHON, "-m", "gunicorn", "helpdesk.wsgi:application",
                "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "2",
            ]
            for i, port in enumerate(ports)
        },
        **{
            f"worker{i}": [
                PYTHON, "-m", "celery", "-A", "helpdesk", "worker", "-P", "threads", "-c", "2",
                "--without-gossip", "--without-mingle", "--without-heartbeat",
                "-n", f"node{i}-{uuid.uuid4().hex[:6]}@%h", "-l", "info",
            ]
            for i in range(2)
        },
        "beat": [
            PYTHON, "-m", "celery", "-A", "tests.helpdesk.fastbeat", "beat", "-l", "info",
            "--schedule", str(tmp_path / "beat-schedule"),
        ],
    }  # fmt: skip
    procs = {}
    try:
        for name, command in commands.items():
            out = open(logs / f"{name}.log", "w")  # noqa: SIM115 (closed with the process)
            procs[name] = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        nodes = [f"http://127.0.0.1:{port}" for port in ports]

        def up():
            try:
                return all(requests.get(f"{n}/healthz", timeout=2).status_code < 500 for n in nodes)
            except requests.RequestException:
                return False

        _wait_for(up, 90, "both web nodes to answer")

        # The customer files through both nodes, and a file uploaded on one is served by the other.
        auth = {"Authorization": f"Token {customer_key}"}
        filed = []
        for n in range(4):
            r = requests.post(
                f"{nodes[n % 2]}/api/tickets/",
                json={"subject": f"Filed through node {n % 2} #{n}", "description": "Lines down"},
                headers=auth,
                timeout=30,
            )
            assert r.status_code == 201, r.text
            filed.append(r.json()["id"])
        upload = requests.post(
            f"{nodes[0]}/api/tickets/{filed[0]}/attachments/",
            files={"file": ("trace.log", b"line one\nline two\n")},
            headers=auth,
            timeout=30,
        )
        assert upload.status_code == 201, upload.text
        download = requests.get(
            upload.json()["download_url"].replace(nodes[0], nodes[1]), headers=auth, timeout=30
        )
        assert download.status_code == 200 and download.content == b"line one\nline two\n"
        assert s3_server.keys(bucket), "the file is in the shared bucket"

        def settled():
            breached = Ticket.objects.filter(
                pk__in=[t.pk for t in overdue], first_response_breached_at__isnull=False
            )
            pending = Notification.objects.filter(
                status__in=[Notification.Status.PENDING, Notification.Status.SENDING]
            )
            return breached.count() == len(overdue) and not pending.exists()

        _wait_for(settled, 120, "every breach recorded and every notification sent")
        time.sleep(8)  # several more beat ticks on both workers: nothing may happen twice
    finally:
        for proc in procs.values():
            proc.terminate()
        for proc in procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        broker_reset()  # leave no lock or message for the next test's worker
        for name in procs:
            print(f"--- {name}\n" + (logs / f"{name}.log").read_text()[-3000:])

    for t in overdue:
        assert TicketEvent.objects.filter(ticket=t, kind=TicketEvent.Kind.SLA_BREACHED).count() == 1, (
            t.subject
        )
        assert Notification.objects.filter(ticket=t, event="sla_breach").count() >= 1
    sent = Notification.objects.filter(status=Notification.Status.SENT, channel="email").exclude(
        pk__in=before
    )
    assert sent.filter(event="sla_breach").exists()
    files = sorted(mail_dir.glob("*.eml"))
    message_ids = [email.message_from_bytes(f.read_bytes())["Message-ID"] for f in files]
    assert len(files) == sent.count(), "one mail file per notification sent"
    assert len(set(message_ids)) == len(message_ids), "no mail sent twice"
    received = Notification.objects.filter(event="ticket_received", ticket_id__in=filed)
    assert received.count() == len(filed)
    # Both workers took part (the queues are shared, not owned).
    worked = [name for name in ("worker0", "worker1") if "succeeded" in (logs / f"{name}.log").read_text()]
    print("workers that ran tasks:", worked)
    assert os.environ.get("CI") is None or worked
