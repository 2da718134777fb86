"""Endpoints and the delivery log are for helpdesk admins only; the admin's actions call the services."""

from __future__ import annotations

import pytest

from notifications.models import Notification
from tests.conftest import NOW
from tickets.services import ticket_create
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db

ENDPOINTS = "/admin/webhooks/endpoint/"
DELIVERIES = "/admin/webhooks/delivery/"


@pytest.mark.parametrize("who", ["tech", "lead"])
def test_technicians_and_team_leads_cannot_see_or_add_endpoints(client, who, request):
    client.force_login(request.getfixturevalue(who))
    for url in (ENDPOINTS, f"{ENDPOINTS}add/", DELIVERIES):
        assert client.get(url).status_code == 403
    assert "webhooks" not in client.get("/admin/").content.decode().lower()


def test_an_admin_adds_an_endpoint_and_a_private_address_is_refused(client, admin_user):
    client.force_login(admin_user)
    form = {"name": "CRM", "format": "standard", "events": ["ticket.created"], "active": "on"}
    refused = client.post(f"{ENDPOINTS}add/", {**form, "url": "http://169.254.169.254/latest/"})
    assert refused.status_code == 200 and "non-public address" in refused.content.decode()
    internal = client.post(
        f"{ENDPOINTS}add/", {**form, "url": "https://93.184.216.34/in", "events": ["ticket.note_added"]}
    )
    assert "Internal notes are sent only when this is ticked" in internal.content.decode()
    ok = client.post(f"{ENDPOINTS}add/", {**form, "url": "https://93.184.216.34/in"})
    assert ok.status_code == 302
    endpoint = Endpoint.objects.get()
    assert endpoint.events == ["ticket.created"] and endpoint.secret.startswith("whsec_")
    page = client.get(f"{ENDPOINTS}{endpoint.pk}/change/").content.decode()
    assert endpoint.secret in page  # shown to copy into the receiver


def test_the_rotate_action_keeps_the_old_secret_for_the_overlap(client, admin_user):
    endpoint = Endpoint.objects.create(name="CRM", url="https://93.184.216.34/in", events=["ticket.created"])
    old = endpoint.secret
    client.force_login(admin_user)
    response = client.post(ENDPOINTS, {"action": "rotate_secret", "_selected_action": [endpoint.pk]})
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.previous_secret == old and endpoint.previous_secret_until


def test_the_replay_action_resends_a_failed_delivery_and_refuses_one_in_flight(
    client, admin_user, endpoint, receiver, customer, priorities, django_capture_on_commit_callbacks
):
    receiver.statuses[:] = [410]  # permanent: failed at once
    with django_capture_on_commit_callbacks(execute=True):
        ticket_create(requester=customer, subject="x", priority=priorities["normal"], now=NOW)
    delivery = Delivery.objects.get()
    assert delivery.notification.status == Notification.Status.FAILED
    client.force_login(admin_user)
    assert delivery.msg_id in client.get(DELIVERIES).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(DELIVERIES, {"action": "replay", "_selected_action": [delivery.pk]})
    delivery.refresh_from_db()
    assert delivery.notification.status == Notification.Status.SENT and len(receiver.requests) == 2
    assert receiver.ids() == [delivery.msg_id, delivery.msg_id]
    # In flight (pending in the outbox): a replay would race its own retry, so it is refused.
    Notification.objects.filter(pk=delivery.notification_id).update(status=Notification.Status.PENDING)
    response = client.post(DELIVERIES, {"action": "replay", "_selected_action": [delivery.pk]}, follow=True)
    assert "is still being delivered" in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.replays == 1
    page = client.get(f"{DELIVERIES}{delivery.pk}/change/").content.decode()
    assert "410" in page  # the log shows each try
