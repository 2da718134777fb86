"""A Celery worker SIGKILLed in the middle of sending: after the restart the notification goes out once.

Real processes only: the Redis broker from REDIS_URL, a ``celery worker`` subprocess on pytest-django's
Postgres test database, and a webhook receiver on 127.0.0.1 that holds the first request open until the
worker's pool process has been killed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from celery import Celery

from notifications.models import Notification
from tests.conftest import NOW
from tests.reliability.realenv import (
    PYTHON,
    ROOT,
    require,
    require_postgres,
    subprocess_env,
    test_database_url,
)

pytestmark = pytest.mark.django_db(transaction=True)


class Receiver(BaseHTTPRequestHandler):
    """Holds the first POST until told, never answering it (its sender is dead); answers the rest 200."""

    protocol_version = "HTTP/1.0"

    def do_POST(self):
        server = self.server
        self.rfile.read(int(self.headers["Content-Length"]))
        with server.lock:
            server.received.append(self.headers.get("Idempotency-Key"))
            first = len(server.received) == 1
        if first:
            server.first_arrived.set()
            server.release.wait(30)
            return  # the connection closes without an answer: this attempt was never acknowledged
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")
        with server.lock:
            server.answered.append(self.headers.get("Idempotency-Key"))

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    httpd.lock = threading.Lock()
    httpd.received, httpd.answered = [], []
    httpd.first_arrived, httpd.release = threading.Event(), threading.Event()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.release.set()
    httpd.shutdown()
    httpd.server_close()


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _wait(predicate, timeout: float, what: str, worker=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    log = ""
    if worker is not None:
        worker.kill()
        log = worker.communicate(timeout=10)[0][-4000:]
    raise AssertionError(f"timed out waiting for {what}\n{log}")


def test_a_worker_killed_mid_send_delivers_the_notification_once_after_restart(receiver):
    require_postgres()
    redis_url = require("REDIS_URL")
    url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    row = Notification.objects.create(
        event="sla_breach",
        recipient=url,
        channel=Notification.Channel.WEBHOOK,
        created_at=NOW,
        context={"ticket_reference": "HD-1", "priority": "Urgent", "target": "first response"},
    )
    queue = f"reliability-{uuid.uuid4().hex[:8]}"
    worker = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "celery",
            "-A",
            "helpdesk",
            "worker",
            "-Q",
            queue,
            "-c",
            "1",
            "-P",
            "prefork",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "info",
            "-n",
            f"{queue}@%h",
        ],
        cwd=ROOT,
        env=subprocess_env(
            DATABASE_URL=test_database_url(), REDIS_URL=redis_url, CELERY_BROKER_URL=redis_url
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    # Not the current app: shared tasks resolve through the current app, and a later test's
    # ``task.delay()`` would otherwise publish with this bare app's routes (to a queue named "celery").
    producer = Celery("producer", broker=redis_url, set_as_current=False)
    try:
        task_id = str(uuid.uuid4())
        producer.send_task(
            "notifications.tasks.notification_send", args=[row.pk], queue=queue, task_id=task_id
        )
        _wait(receiver.first_arrived.is_set, 120, "the first webhook request", worker)
        row.refresh_from_db()
        assert row.status == Notification.Status.SENDING and row.claimed_by == task_id

        # The fault: the pool process that is sending dies with SIGKILL, mid-request.
        children = _children(worker.pid)
        assert children, "the prefork pool process was not found"
        for child in children:
            os.kill(child, signal.SIGKILL)
        receiver.release.set()

        # The worker restarts its pool; the message comes back (acks late + reject on worker lost).
        _wait(lambda: receiver.answered, 90, "the re-sent webhook request", worker)
        _wait(
            lambda: Notification.objects.get(pk=row.pk).status == Notification.Status.SENT,
            20,
            "status sent",
            worker,
        )
        time.sleep(1.5)  # room for a wrong third attempt to show up
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
        producer.close()

    row.refresh_from_db()
    assert receiver.answered == [f"notification-{row.pk}"], "delivered (acknowledged) exactly once"
    # Two attempts arrived: the one cut by the kill and the one after it, with the same key, nothing more.
    assert receiver.received == [f"notification-{row.pk}"] * 2
    assert row.status == Notification.Status.SENT and row.sent_at is not None
