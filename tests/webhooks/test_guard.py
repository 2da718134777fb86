"""The SSRF guard, redirects, timeouts, and an endpoint that keeps failing (disabled, admins told once)."""

from __future__ import annotations

import socket

import pytest

from notifications.models import Notification
from tests.conftest import NOW
from tickets.services import ticket_create
from webhooks import net
from webhooks.models import Delivery, Endpoint
from webhooks.services import delivery_replay, endpoint_enable

pytestmark = pytest.mark.django_db


def _create(customer, priorities, capture, subject="x"):
    with capture(execute=True):
        return ticket_create(requester=customer, subject=subject, priority=priorities["normal"], now=NOW)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x",
        "http://localhost:8000/x",
        "http://10.1.2.3/x",
        "http://192.168.0.10/x",
        "http://172.16.0.1/x",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata (link-local)
        "http://100.64.0.1/x",  # carrier-grade NAT
        "http://0.0.0.0/x",
        "http://[::1]/x",
        "http://[::ffff:127.0.0.1]/x",
        "http://[fe80::1]/x",
        "http://224.0.0.1/x",
        "ftp://93.184.216.34/x",
        "file:///etc/passwd",
        "http://user:pw@93.184.216.34/x",
    ],
)
def test_non_public_targets_and_other_schemes_are_refused(url):
    with pytest.raises(net.Refused):
        net.resolve(url)


def test_a_public_address_passes_the_guard():
    assert net.resolve("https://93.184.216.34/hook") == ("https", "93.184.216.34", 443, "93.184.216.34")


def test_a_loopback_endpoint_is_refused_without_the_setting_and_nothing_is_sent(
    receiver, customer, priorities, django_capture_on_commit_callbacks
):
    Endpoint.objects.create(name="inside", url=receiver.url, events=["ticket.created"])
    _create(customer, priorities, django_capture_on_commit_callbacks)
    assert receiver.requests == []
    row = Notification.objects.get(channel="endpoint")
    assert row.status == Notification.Status.FAILED and "non-public address" in row.error
    [attempt] = Delivery.objects.get().attempts.all()
    assert not attempt.ok and "127.0.0.1" in attempt.error


def test_a_name_is_resolved_once_and_the_checked_address_is_the_one_connected_to(
    receiver, loopback_allowed, monkeypatch
):
    """A DNS answer that changes between the check and the connection (rebinding) is not asked again."""
    port = int(receiver.url.split(":")[2].split("/")[0])
    answers = iter(["127.0.0.1", "203.0.113.9"])  # the second answer would go elsewhere
    asked = []
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if host != "hooks.example.test":
            return real(host, *args, **kwargs)  # an address literal resolves to itself
        asked.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    answer = net.post(f"http://hooks.example.test:{port}/in", body=b"{}", headers={}, timeout=5)
    assert answer.status == 200 and asked == ["hooks.example.test"]
    assert receiver.requests[0]["headers"]["host"] == f"hooks.example.test:{port}"


def test_a_redirect_is_not_followed(
    endpoint, receiver, customer, priorities, django_capture_on_commit_callbacks
):
    endpoint.events = ["ticket.created"]
    endpoint.save()
    receiver.statuses[:] = [302] * 8
    receiver.headers_out = {"Location": "http://169.254.169.254/latest/meta-data/"}
    _create(customer, priorities, django_capture_on_commit_callbacks)
    assert all(r["path"] == "/hooks/helpdesk" for r in receiver.requests)  # only ever the endpoint
    assert Notification.objects.get(channel="endpoint").error == "HTTP 302"


def test_a_slow_receiver_times_out_as_a_temporary_failure(endpoint, receiver, settings, customer, priorities):
    from notifications.services import notification_deliver
    from notifications.transports import TransportError

    settings.WEBHOOKS_TIMEOUT_SECONDS = 0.3
    receiver.delay = 1.5
    ticket_create(requester=customer, subject="x", priority=priorities["normal"], now=NOW)
    row = Notification.objects.get(channel="endpoint")
    with pytest.raises(TransportError) as caught:
        notification_deliver(notification_id=row.pk, now=NOW)
    assert caught.value.permanent is False and "timed out" in str(caught.value)
    row.refresh_from_db()
    assert row.status == Notification.Status.PENDING and row.retry_at is not None


def test_an_endpoint_failing_n_times_in_a_row_is_disabled_and_the_admins_told_once(
    endpoint,
    receiver,
    settings,
    customer,
    priorities,
    admin_user,
    tech,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    settings.WEBHOOKS_DISABLE_AFTER = 3
    receiver.statuses[:] = [500] * 20
    _create(customer, priorities, django_capture_on_commit_callbacks, subject="first")
    assert len(receiver.requests) == 3  # then disabled: the retries stop
    endpoint.refresh_from_db()
    assert (
        not endpoint.active and endpoint.consecutive_failures == 3 and "HTTP 500" in endpoint.disabled_reason
    )
    row = Notification.objects.get(channel="endpoint")
    assert row.status == Notification.Status.FAILED
    notices = [m for m in mailoutbox if "Webhook endpoint disabled" in m.subject]
    assert [m.to for m in notices] == [[admin_user.email]]  # the admin, not the technician
    assert endpoint.url in notices[0].body

    # A disabled endpoint is told nothing new.
    _create(customer, priorities, django_capture_on_commit_callbacks, subject="second")
    assert len(receiver.requests) == 3 and Delivery.objects.count() == 1

    # Fixed and enabled: the failed delivery is replayed from the log, with its own webhook-id.
    receiver.statuses.clear()
    endpoint_enable(endpoint=endpoint)
    delivery = Delivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        delivery_replay(delivery=delivery, now=NOW)
    assert len(receiver.requests) == 4 and receiver.ids()[-1] == delivery.msg_id
    delivery.refresh_from_db()
    assert delivery.replays == 1 and delivery.notification.status == Notification.Status.SENT
    endpoint.refresh_from_db()
    assert endpoint.active and endpoint.consecutive_failures == 0
