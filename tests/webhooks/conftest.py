"""A real HTTP receiver on 127.0.0.1 (http.server in a thread), scripted per test, recording every request
exactly as it arrived (headers and raw body bytes)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from webhooks.events import EventType
from webhooks.models import Endpoint


class Receiver:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.statuses: list[int] = []  # answered in order; 200 once used up
        self.headers_out: dict[str, str] = {}
        self.delay = 0.0
        self.lock = threading.Lock()
        self.url = ""

    def json(self, n: int = -1) -> dict:
        return json.loads(self.requests[n]["body"])

    def ids(self) -> list[str]:
        return [r["headers"]["webhook-id"] for r in self.requests]


def _handler(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with receiver.lock:
                receiver.requests.append(
                    {
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": body,
                    }
                )
                status = receiver.statuses.pop(0) if receiver.statuses else 200
            if receiver.delay:
                time.sleep(receiver.delay)
            self.send_response(status)
            for name, value in receiver.headers_out.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    return Handler


@pytest.fixture
def receiver():
    r = Receiver()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(r))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    r.url = f"http://127.0.0.1:{httpd.server_address[1]}/hooks/helpdesk"
    yield r
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def loopback_allowed(settings):
    """The receiver is on loopback, which production refuses (SSRF): only these tests allow it."""
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True


@pytest.fixture
def endpoint(db, receiver, loopback_allowed):
    return Endpoint.objects.create(name="CRM", url=receiver.url, events=[t.value for t in EventType])
