"""anymail's inbound webhooks end in the same service: Postmark with its real test payloads, Mailgun with
a correctly signed POST; both refuse calls without the shared secret."""

import base64
import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from notifications.threading import reply_address
from tests.conftest import NOW
from tests.notifications.mailkit import CORPUS, fixture
from tickets.intake.service import email_ingest
from tickets.intake.store import inbound_retry
from tickets.models import InboundEmail, Ticket

SECRET = "hook-user:hook-pass"
SIGNING_KEY = "mailgun-signing-key-123"
POSTMARK = CORPUS / "anymail"
needs_corpus = pytest.mark.skipif(not POSTMARK.is_dir(), reason="shared email corpus not present")


@pytest.fixture(autouse=True)
def anymail_settings(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET, "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}


@pytest.fixture
def client(client, django_capture_on_commit_callbacks):
    """As in production: the webhook commits the stored bytes, then the queued worker task parses them."""
    post = client.post

    def post_then_work(*args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return post(*args, **kwargs)

    client.post = post_then_work
    return client


def _auth(secret=SECRET):
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


def _postmark(client, payload, **extra):
    return client.post(
        "/anymail/postmark/inbound/", data=json.dumps(payload), content_type="application/json", **extra
    )


def _payload(name):
    return json.loads((POSTMARK / name).read_text())


@needs_corpus
@pytest.mark.parametrize(
    "name", ["postmark-inbound-test-payload.json", "postmark-inbound-test-payload-with-raw.json"]
)
def test_a_postmark_inbound_webhook_opens_a_ticket(name, client, priorities, plan):
    response = _postmark(client, _payload(name), **_auth())
    assert response.status_code == 200
    ticket = Ticket.objects.get()
    assert ticket.subject == "Test subject" and ticket.requester.email == "support@postmarkapp.com"
    assert "This is a test text body." in ticket.description
    assert InboundEmail.objects.get().outcome == InboundEmail.Outcome.NEW_TICKET
    if name == "postmark-inbound-test-payload.json":
        assert [a.filename for a in ticket.attachments.all()] == ["test.txt"]


@needs_corpus
def test_a_retried_postmark_delivery_makes_one_ticket(client, priorities, plan):
    payload = _payload("postmark-inbound-test-payload.json")
    _postmark(client, payload, **_auth())
    _postmark(client, payload, **_auth())
    assert Ticket.objects.count() == 1 and InboundEmail.objects.count() == 1


@needs_corpus
def test_a_postmark_reply_threads_by_the_plus_address(
    client, customer, priorities, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = email_ingest(raw=fixture("new_request_syntax.eml"), now=NOW).ticket
    payload = _payload("postmark-inbound-test-payload.json")
    payload.update(
        From="casey@acme.test",
        FromFull={"Email": "casey@acme.test", "Name": "Casey", "MailboxHash": ""},
        To=reply_address(ticket.pk, recipient="casey@acme.test"),
        ToFull=[
            {"Email": reply_address(ticket.pk, recipient="casey@acme.test"), "Name": "", "MailboxHash": ""}
        ],
        Subject="Re: calls",
        TextBody="It happened again at 10:00.",
    )
    assert _postmark(client, payload, **_auth()).status_code == 200
    assert ticket.messages.last().body == "It happened again at 10:00."


@needs_corpus
def test_a_postmark_call_without_the_secret_is_refused(client, priorities, plan):
    payload = _payload("postmark-inbound-test-payload.json")
    assert _postmark(client, payload).status_code in (400, 401, 403)
    assert _postmark(client, payload, **_auth("hook-user:guess")).status_code in (400, 401, 403)
    assert not Ticket.objects.exists() and not InboundEmail.objects.exists()


def _mailgun_post(raw: bytes, key=SIGNING_KEY):
    timestamp = str(int(time.time()))
    token = hashlib.sha256(raw).hexdigest()[:50]
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {
        "body-mime": raw.decode("utf-8"),
        "timestamp": timestamp,
        "token": token,
        "signature": signature,
        "recipient": "support@helpdesk.test",
        "sender": "casey@acme.test",
    }


def test_a_signed_mailgun_inbound_post_opens_a_ticket(client, customer, priorities):
    data = _mailgun_post(fixture("new_request_syntax.eml"))
    response = client.post("/anymail/mailgun/inbound_mime/", data=data, **_auth())
    assert response.status_code == 200
    ticket = Ticket.objects.get()
    assert ticket.requester == customer and ticket.priority.slug == "high"
    assert ticket.request_fields["product"] == "Fuse"


def test_a_mailgun_post_with_a_bad_signature_or_no_secret_is_refused(client, customer, priorities):
    forged = _mailgun_post(fixture("new_request_syntax.eml"), key="not-the-key")
    assert client.post("/anymail/mailgun/inbound_mime/", data=forged, **_auth()).status_code in (400, 403)
    good = _mailgun_post(fixture("new_request_syntax.eml"))
    assert client.post("/anymail/mailgun/inbound_mime/", data=good).status_code in (400, 401, 403)
    assert not Ticket.objects.exists()


def test_an_auto_reply_through_the_webhook_makes_no_ticket(client, customer, priorities, mailoutbox):
    data = _mailgun_post(fixture("out_of_office.eml"))
    assert client.post("/anymail/mailgun/inbound_mime/", data=data, **_auth()).status_code == 200
    assert not Ticket.objects.exists() and mailoutbox == []


def test_the_webhook_stores_the_bytes_first_and_a_lost_worker_task_is_picked_up_by_the_retry_job(
    client, customer, priorities, django_capture_on_commit_callbacks
):
    """The ESP's 200 comes once the raw mail is stored; if the queued parse never runs (broker down, worker
    killed), the timed job parses it after the grace period: nothing is lost, and it is parsed once."""
    data = _mailgun_post(fixture("new_request_syntax.eml"))
    with django_capture_on_commit_callbacks(execute=False):  # the queued task is lost
        response = Client().post("/anymail/mailgun/inbound_mime/", data=data, **_auth())
    assert response.status_code == 200
    row = InboundEmail.objects.get()
    assert row.outcome == InboundEmail.Outcome.RECEIVED and not Ticket.objects.exists()
    with row.raw.open("rb") as fh:
        assert b"Calls drop after ten seconds" in fh.read()
    assert inbound_retry(now=timezone.now()) == 0  # not yet due: the worker may still be on it
    assert inbound_retry(now=timezone.now() + timedelta(minutes=3)) == 1
    row.refresh_from_db()
    assert row.outcome == InboundEmail.Outcome.NEW_TICKET and row.ticket.requester == customer
    assert inbound_retry(now=timezone.now() + timedelta(minutes=10)) == 0
    assert Ticket.objects.count() == 1 and InboundEmail.objects.count() == 1
