"""The webhook transport against a real HTTP server on 127.0.0.1 (no mocks)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from notifications.models import Notification
from notifications.services import notification_queue
from notifications.tasks import notification_send
from tests.conftest import NOW


class Recorder(BaseHTTPRequestHandler):
    statuses: list[int] = []
    received: list[dict] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append({"content_type": self.headers["Content-Type"], "json": json.loads(body)})
        status = type(self).statuses.pop(0) if type(self).statuses else 200
        self.send_response(status)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    handler = type("Handler", (Recorder,), {"statuses": [], "received": []})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield handler, f"http://127.0.0.1:{httpd.server_address[1]}/hook"
    httpd.shutdown()
    httpd.server_close()


def _queue(url):
    return notification_queue(
        event="escalation_page",
        recipient=url,
        channel=Notification.Channel.WEBHOOK,
        now=NOW,
        context={"ticket_reference": "HD-1", "ticket_url": "http://x/1"},
    )


@pytest.fixture(autouse=True)
def page_template(settings, tmp_path):
    folder = tmp_path / "notifications" / "escalation_page"
    folder.mkdir(parents=True)
    (folder / "subject.txt").write_text("Page: {{ ticket_reference }}")
    (folder / "body.txt").write_text("Escalated {{ ticket_reference }}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]


def test_it_posts_json_to_the_webhook(db, server):
    handler, url = server
    row = _queue(url)
    notification_send.apply(args=[row.pk])
    row.refresh_from_db()
    assert row.status == Notification.Status.SENT and row.attempts == 1
    assert handler.received == [
        {
            "content_type": "application/json",
            "json": {
                "event": "escalation_page",
                "subject": "Page: HD-1",
                "text": "Escalated HD-1",
                "ticket": "HD-1",
                "url": "http://x/1",
            },
        }
    ]


def test_temporary_failures_are_retried_until_delivered(db, server):
    handler, url = server
    handler.statuses.extend([503, 502])
    row = _queue(url)
    notification_send.apply(args=[row.pk])  # eager: the task's autoretry runs the retries in place
    row.refresh_from_db()
    assert len(handler.received) == 3
    assert row.status == Notification.Status.SENT and row.attempts == 3
    assert notification_send.retry_backoff and notification_send.max_retries >= 3


def test_a_permanent_failure_is_recorded_and_not_retried(db, server):
    handler, url = server
    handler.statuses.append(410)
    row = _queue(url)
    notification_send.apply(args=[row.pk])
    row.refresh_from_db()
    assert len(handler.received) == 1
    assert row.status == Notification.Status.FAILED and row.error == "HTTP 410"


def test_an_unreachable_endpoint_is_a_temporary_failure(db):
    row = _queue("http://127.0.0.1:9/nothing-listens-here")
    from notifications.services import notification_deliver
    from notifications.transports import TransportError

    with pytest.raises(TransportError) as caught:
        notification_deliver(notification_id=row.pk, now=NOW)
    assert caught.value.permanent is False
    row.refresh_from_db()
    assert row.status == Notification.Status.PENDING and row.attempts == 1 and row.error
