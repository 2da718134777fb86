"""Signed events through the outbox to a real HTTP server on loopback: signature, retries, once only."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from standardwebhooks import Webhook, WebhookVerificationError

from notifications.models import Notification
from notifications.services import notification_deliver, outbox_flush
from tests.conftest import NOW
from tickets.models import Message
from tickets.services import message_add, ticket_create
from webhooks.models import Delivery, Endpoint
from webhooks.services import endpoint_rotate_secret, webhook_ticket_event

pytestmark = pytest.mark.django_db


def _create(customer, priorities, capture, subject="Phones down"):
    with capture(execute=True):
        return ticket_create(requester=customer, subject=subject, priority=priorities["urgent"], now=NOW)


def _by_hand(secret: str, headers: dict, body: bytes) -> bool:
    """The spec read once more, independently of both our code and the library."""
    key = base64.b64decode(secret.split("_", 1)[1])
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(expected, s) for s in headers["webhook-signature"].split(" "))


def test_a_new_ticket_reaches_the_endpoint_signed_to_the_standard_webhooks_scheme(
    endpoint, receiver, customer, priorities, django_capture_on_commit_callbacks
):
    ticket = _create(customer, priorities, django_capture_on_commit_callbacks)
    [request] = receiver.requests
    headers, body = request["headers"], request["body"]
    # The reference implementation (standardwebhooks on PyPI) accepts it, and parses our body.
    payload = Webhook(endpoint.secret).verify(body, headers)
    assert _by_hand(endpoint.secret, headers, body)
    assert headers["content-type"] == "application/json"
    assert headers["webhook-id"] == Delivery.objects.get().msg_id
    assert payload["type"] == "ticket.created"
    assert payload["timestamp"] == NOW.isoformat()
    assert payload["data"]["ticket"]["reference"] == ticket.reference
    assert payload["data"]["ticket"]["url"].endswith(f"/desk/tickets/{ticket.pk}/")
    assert payload["data"]["ticket"]["priority"] == {"name": "Urgent", "advise_phone": False, "rank": 1}
    # A forged body, or another secret, fails verification.
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint.secret).verify(body.replace(b"Phones", b"Phonez"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(Endpoint(name="x").secret).verify(body, headers)
    assert Notification.objects.get(channel="endpoint").status == Notification.Status.SENT


def test_it_survives_the_receiver_failing_twice_with_one_webhook_id(
    endpoint, receiver, customer, priorities, django_capture_on_commit_callbacks
):
    receiver.statuses[:] = [500, 503]
    _create(customer, priorities, django_capture_on_commit_callbacks)  # eager: the retries run in place
    assert len(receiver.requests) == 3
    assert len(set(receiver.ids())) == 1  # the same message every time: a receiver can dedupe
    assert len({r["body"] for r in receiver.requests}) == 1
    for r in receiver.requests:
        Webhook(endpoint.secret).verify(r["body"], r["headers"])
    row = Notification.objects.get(channel="endpoint")
    assert row.status == Notification.Status.SENT and row.attempts == 3 and row.retry_at is None
    delivery = Delivery.objects.get()
    assert [(a.ok, a.status_code) for a in delivery.attempts.order_by("pk")] == [
        (False, 500),
        (False, 503),
        (True, 200),
    ]
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0 and endpoint.active


def test_a_failed_try_waits_out_its_exponential_backoff_before_the_sweep_retries_it(
    endpoint, receiver, customer, priorities
):
    receiver.statuses[:] = [500, 500]
    ticket_create(requester=customer, subject="x", priority=priorities["urgent"], now=NOW)  # not dispatched
    row = Notification.objects.get(channel="endpoint")
    with pytest.raises(Exception, match="HTTP 500"):
        notification_deliver(notification_id=row.pk, now=NOW)
    row.refresh_from_db()
    assert row.retry_at == NOW + timedelta(seconds=30)
    outbox_flush(now=NOW + timedelta(seconds=29))  # (the ticket's mails go; the webhook waits)
    assert len(receiver.requests) == 1
    with pytest.raises(Exception, match="HTTP 500"):
        notification_deliver(notification_id=row.pk, now=NOW + timedelta(seconds=30))
    row.refresh_from_db()
    assert row.retry_at == NOW + timedelta(seconds=30 + 60)  # doubled
    outbox_flush(now=NOW + timedelta(seconds=89))
    assert len(receiver.requests) == 2
    assert outbox_flush(now=NOW + timedelta(seconds=90)) == 1  # eager: sent now
    assert len(receiver.requests) == 3
    row.refresh_from_db()
    assert row.status == Notification.Status.SENT


def test_the_same_event_told_twice_is_one_delivery(
    endpoint, receiver, customer, priorities, django_capture_on_commit_callbacks
):
    ticket = ticket_create(requester=customer, subject="x", priority=priorities["urgent"], now=NOW)
    Delivery.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        first = webhook_ticket_event(tickets=[ticket], event="sla_breach", now=NOW, target="first_response")
        again = webhook_ticket_event(tickets=[ticket], event="sla_breach", now=NOW, target="first_response")
    assert len(first) == 1 and again == []
    assert len(receiver.requests) == 1
    assert receiver.json()["data"]["target"] == "first_response"


@pytest.mark.django_db(transaction=True)
def test_two_flushers_racing_deliver_each_event_once(
    receiver, loopback_allowed, customer, priorities, settings
):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent transactions need PostgreSQL")
    settings.CELERY_TASK_ALWAYS_EAGER = True
    Endpoint.objects.create(name="CRM", url=receiver.url, events=["ticket.created"])
    receiver.delay = 0.2  # each request is slow, so the flushers overlap on every row
    for n in range(5):
        ticket_create(requester=customer, subject=f"t{n}", priority=priorities["normal"], now=NOW)
    # Written and committed, but the dispatch after commit went to the eager task: reset them to
    # "pending, never tried" so only the flushers below send.
    Notification.objects.filter(channel="endpoint").update(status="pending", attempts=0, sent_at=None)
    receiver.requests.clear()
    barrier = threading.Barrier(3)

    def flusher():
        try:
            barrier.wait()
            outbox_flush(now=NOW + timedelta(minutes=1))
        finally:
            connection.close()

    threads = [threading.Thread(target=flusher) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = receiver.ids()
    assert len(ids) == 5 and len(set(ids)) == 5
    assert set(Notification.objects.filter(channel="endpoint").values_list("status", flat=True)) == {"sent"}


def test_a_rotated_secret_signs_beside_the_old_one_for_the_overlap_window_only(
    endpoint, receiver, customer, priorities, django_capture_on_commit_callbacks
):
    old = endpoint.secret
    endpoint = endpoint_rotate_secret(endpoint=endpoint, now=timezone.now(), overlap=timedelta(hours=1))
    assert endpoint.secret != old and endpoint.secret.startswith("whsec_")
    _create(customer, priorities, django_capture_on_commit_callbacks, subject="during")
    r = receiver.requests[-1]
    assert len(r["headers"]["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(r["body"], r["headers"])  # a receiver that has not switched yet
    Webhook(endpoint.secret).verify(r["body"], r["headers"])  # and one that has

    # Rotated long enough ago: the old secret no longer signs.
    endpoint = endpoint_rotate_secret(endpoint=endpoint, now=timezone.now() - timedelta(days=2))
    _create(customer, priorities, django_capture_on_commit_callbacks, subject="after")
    r = receiver.requests[-1]
    assert len(r["headers"]["webhook-signature"].split(" ")) == 1
    Webhook(endpoint.secret).verify(r["body"], r["headers"])
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint.previous_secret).verify(r["body"], r["headers"])


def test_an_internal_note_reaches_only_an_endpoint_that_asks_for_internal_notes(
    receiver, loopback_allowed, customer, tech, priorities, django_capture_on_commit_callbacks
):
    public = Endpoint.objects.create(
        name="Chat", url=receiver.url + "?who=public", events=["ticket.note_added", "ticket.staff_replied"]
    )
    internal = Endpoint.objects.create(
        name="Staff wiki",
        url=receiver.url + "?who=internal",
        events=["ticket.note_added"],
        include_internal=True,
    )
    ticket = ticket_create(requester=customer, subject="x", priority=priorities["normal"], now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        message_add(
            ticket=ticket,
            author=tech,
            body="SECRET: the customer owes us",
            now=NOW,
            kind=Message.Kind.INTERNAL,
        )
        message_add(ticket=ticket, author=tech, body="We are on it.", now=NOW + timedelta(minutes=1))
    by_path = {r["path"].split("=")[1]: json.loads(r["body"]) for r in receiver.requests}
    assert set(by_path) == {"public", "internal"}
    assert by_path["internal"]["type"] == "ticket.note_added"
    assert by_path["internal"]["data"]["message"]["internal"] is True
    assert by_path["public"]["type"] == "ticket.staff_replied"
    assert b"SECRET" not in b"".join(r["body"] for r in receiver.requests if "public" in r["path"])
    assert not Delivery.objects.filter(endpoint=public, event_type="ticket.note_added").exists()
    assert Delivery.objects.filter(endpoint=internal).count() == 1


def test_an_event_nobody_subscribed_to_costs_one_query(db, customer, priorities, django_assert_num_queries):
    ticket = ticket_create(requester=customer, subject="x", priority=priorities["normal"], now=NOW)
    Endpoint.objects.create(name="other", url="https://hooks.example.com/x", events=["incident.opened"])
    with django_assert_num_queries(1):
        assert webhook_ticket_event(tickets=[ticket], event="created", now=NOW) == []
