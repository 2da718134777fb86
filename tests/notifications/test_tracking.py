"""anymail tracking webhooks fill the suppression list, behind the WEBHOOK_SECRET basic auth."""

import base64
import json

import pytest

from notifications.models import Notification, Suppression
from notifications.services import notification_queue
from tests.conftest import NOW

SECRET = "hook-user:hook-pass"


@pytest.fixture(autouse=True)
def webhook_secret(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}


def _auth(secret=SECRET):
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


def _post(client, payload, **extra):
    return client.post(
        "/anymail/postmark/tracking/", data=json.dumps(payload), content_type="application/json", **extra
    )


def bounce(email, kind="HardBounce"):
    return {
        "RecordType": "Bounce",
        "Type": kind,
        "TypeCode": 1,
        "ID": 42,
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "Email": email,
        "Description": "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
        "Details": "smtp;550 5.1.1 User unknown",
        "BouncedAt": "2026-03-06T15:31:00Z",
        "Inactive": True,
        "CanActivate": True,
        "Subject": "[HD-1] We received your request",
        "Metadata": {},
        "Tag": "",
        "MessageStream": "outbound",
    }


def test_a_hard_bounce_suppresses_the_address_and_holds_its_queued_mail(client, db):
    waiting = notification_queue(event="ticket_received", recipient="gone@acme.test", now=NOW)
    response = _post(client, bounce("Gone@Acme.test"), **_auth())
    assert response.status_code == 200
    row = Suppression.objects.get()
    assert row.email == "gone@acme.test" and row.reason == Suppression.Reason.BOUNCED
    assert row.detail.startswith("Postmark: bounced")
    waiting.refresh_from_db()
    assert waiting.status == Notification.Status.SUPPRESSED
    later = notification_queue(event="ticket_received", recipient="gone@acme.test", now=NOW)
    assert later.status == Notification.Status.SUPPRESSED


def test_a_spam_complaint_suppresses_the_address(client, db):
    payload = {**bounce("angry@acme.test", "SpamComplaint"), "RecordType": "SpamComplaint"}
    assert _post(client, payload, **_auth()).status_code == 200
    assert Suppression.objects.get().reason == Suppression.Reason.COMPLAINED


def test_a_soft_bounce_does_not_suppress(client, db):
    assert _post(client, bounce("full@acme.test", "SoftBounce"), **_auth()).status_code == 200
    assert not Suppression.objects.exists()


def test_the_same_bounce_twice_is_one_row(client, db):
    _post(client, bounce("gone@acme.test"), **_auth())
    _post(client, bounce("gone@acme.test"), **_auth())
    assert Suppression.objects.count() == 1


def test_a_tracking_call_without_the_secret_is_refused(client, db):
    assert _post(client, bounce("victim@acme.test")).status_code in (400, 401, 403)
    assert _post(client, bounce("victim@acme.test"), **_auth("hook-user:wrong")).status_code in (
        400,
        401,
        403,
    )
    assert not Suppression.objects.exists()


def test_the_customer_admin_shows_the_suppression(client, admin_user, customer):
    Suppression.objects.create(
        email=customer.email, reason=Suppression.Reason.BOUNCED, detail="postmark: bounced"
    )
    client.force_login(admin_user)
    page = client.get(f"/admin/accounts/user/{customer.pk}/change/")
    assert page.status_code == 200
    assert b"Bounced since" in page.content and b"postmark: bounced" in page.content
    listing = client.get("/admin/accounts/user/")
    assert listing.status_code == 200 and b"Mail suppressed" in listing.content
