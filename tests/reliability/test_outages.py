"""Redis down and Postgres connections dropped, with the real services (skipped without them locally,
never in CI).

Redis down: the broker URL points at a closed port on 127.0.0.1. The portal and the API still take
tickets and replies, every notification waits in the outbox, /healthz says 503, and when the broker is
back outbox_flush puts them on the real Redis queue, from which each is delivered once.
Postgres: another connection terminates ours (pg_terminate_backend); the next request succeeds.
"""

from __future__ import annotations

import socket
from contextlib import contextmanager

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse
from kombu import Connection

from helpdesk.celery import app
from notifications.models import Notification
from notifications.services import outbox_flush
from notifications.tasks import notification_send
from tests.conftest import NOW
from tests.factories import api_key, portal_filing
from tests.reliability.realenv import require, require_postgres
from tickets.models import Ticket
from tickets.services import ticket_create


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when we leave: nothing listens there


@contextmanager
def broker(url: str):
    """Point the real Celery app (not an eager stand-in) at ``url``."""
    saved = app.conf.broker_url, app.conf.task_always_eager, app.conf.broker_connection_timeout
    app.conf.broker_url, app.conf.task_always_eager, app.conf.broker_connection_timeout = url, False, 1
    app._pool, app.amqp._producer_pool = None, None  # new connections to the new URL
    try:
        yield
    finally:
        app._pool, app.amqp._producer_pool = None, None
        app.conf.broker_url, app.conf.task_always_eager, app.conf.broker_connection_timeout = saved


@pytest.mark.django_db
def test_with_redis_down_tickets_and_replies_are_taken_and_mail_waits_then_goes_out_once(
    client, customer, tech, priorities, settings, tmp_path, mailoutbox, django_capture_on_commit_callbacks
):
    redis_url = require("REDIS_URL")
    settings.MEDIA_ROOT = str(tmp_path)
    customer.email_verified_at = NOW
    customer.save()
    client.force_login(customer)
    api = Client(HTTP_AUTHORIZATION=f"Token {api_key(customer)}")
    desk = Client()
    desk.force_login(tech)

    with broker(f"redis://127.0.0.1:{_closed_port()}/0"):
        health = Client().get("/healthz")
        assert health.status_code == 503 and health.json()["broker"]["ok"] is False
        assert health.json()["database"]["ok"] is True
        with django_capture_on_commit_callbacks(execute=True):
            filed = client.post(
                reverse("portal:ticket_new"),
                portal_filing(priorities["normal"], rf_details="Callers hear silence."),
            )
        assert filed.status_code == 302, filed.content.decode()[:2000]
        portal_ticket = Ticket.objects.get(subject="Inbound calls fail")
        with django_capture_on_commit_callbacks(execute=True):
            by_api = api.post(
                "/api/tickets/",
                {"subject": "Voicemail down", "description": "No greeting"},
                content_type="application/json",
            )
        assert by_api.status_code == 201, by_api.content
        with django_capture_on_commit_callbacks(execute=True):
            reply = api.post(
                f"/api/tickets/{portal_ticket.pk}/messages/",
                {"body": "Still failing"},
                content_type="application/json",
            )
            answer = desk.post(
                reverse("desk:ticket_reply", args=[portal_ticket.pk]),
                {"body": "Looking now", "kind": "public"},
            )
        assert reply.status_code == 201 and answer.status_code == 302
        assert portal_ticket.messages.count() >= 3
    waiting = list(
        Notification.objects.filter(status=Notification.Status.PENDING).values_list("pk", flat=True)
    )
    assert waiting, "notifications were queued in the outbox"
    assert mailoutbox == []  # nothing sent, nothing lost: all pending

    # The broker is back: the flush puts every waiting row on the real Redis queue, once.
    queue = "mail"  # notifications travel on their own queue (helpdesk/celery.py)
    with Connection(redis_url) as conn:
        conn.default_channel.queue_purge(queue) if conn.default_channel else None
        with broker(redis_url):
            assert Client().get("/healthz").status_code == 200
            assert outbox_flush(now=NOW) == len(waiting)
        simple = conn.SimpleQueue(queue)
        delivered = []
        while True:
            try:
                message = simple.get(timeout=1)
            except simple.Empty:
                break
            args = message.payload[0]
            delivered.append(args[0])
            notification_send.apply(args=args)  # what the worker does with the message
            message.ack()
        simple.close()
    assert sorted(delivered) == sorted(waiting)
    assert set(Notification.objects.filter(pk__in=waiting).values_list("status", flat=True)) <= {
        Notification.Status.SENT
    }
    assert len(mailoutbox) == len(waiting)
    # A second flush finds nothing to send: no doubles.
    assert outbox_flush(now=NOW) == 0


def _wsgi_get(handler: WSGIHandler, path: str, cookie: str = "") -> tuple[int, bytes]:
    """One request through Django's real WSGI handler (request_started/finished and their connection
    housekeeping included, which the test Client switches off)."""
    environ = RequestFactory()._base_environ(PATH_INFO=path, REQUEST_METHOD="GET", HTTP_COOKIE=cookie)
    status = []
    body = b"".join(handler(environ, lambda s, headers, exc_info=None: status.append(int(s.split()[0]))))
    return status[0], body


@pytest.mark.django_db(transaction=True)
def test_a_dropped_postgres_connection_is_replaced_on_the_next_request(customer, priorities, settings):
    require_postgres()
    import psycopg2

    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    ticket_create(requester=customer, subject="Before the restart", priority=priorities["normal"], now=NOW)
    client = Client()
    client.force_login(customer)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.session.session_key}"
    handler = WSGIHandler()
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 60  # persistent connections, as in production
    connection.settings_dict["CONN_MAX_AGE"] = 60
    try:
        status, body = _wsgi_get(handler, reverse("portal:ticket_list"), cookie)
        assert status == 200 and b"Before the restart" in body
        pid = connection.connection.info.backend_pid  # the connection kept for the next request

        # The fault: another session terminates our backend, as a Postgres restart or failover would.
        s = connection.settings_dict
        killer = psycopg2.connect(
            dbname=s["NAME"],
            user=s["USER"],
            password=s["PASSWORD"] or None,
            host=s["HOST"] or "127.0.0.1",
            port=s["PORT"] or 5432,
        )
        killer.autocommit = True
        with killer.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            assert cursor.fetchone()[0] is True
        killer.close()

        status, body = _wsgi_get(handler, reverse("portal:ticket_list"), cookie)
        assert status == 200 and b"Before the restart" in body  # the very next request
        assert connection.connection.info.backend_pid != pid
    finally:
        connection.settings_dict["CONN_MAX_AGE"] = 0
        connection.close()
