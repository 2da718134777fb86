"""Email and links: what tests/tickets/test_email_intake.py (forged tokens, outsiders using a [HD-n]
tag, the same mail twice), tests/tickets/test_email_webhooks.py (wrong or missing credentials with a
secret configured) and tests/tickets/test_surveys.py (survey service) do not already prove."""

import base64
import hashlib
import hmac
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import NOW
from tests.notifications.mailkit import fixture, raw_mail
from tickets.intake.service import email_ingest
from tickets.models import InboundEmail, SurveyResponse, Ticket
from tickets.services import survey_issue, ticket_create

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _mailgun(raw: bytes, key: str):
    timestamp = str(int(time.time()))
    token = hashlib.sha256(raw).hexdigest()[:50]
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {"body-mime": raw.decode(), "timestamp": timestamp, "token": token, "signature": signature}


def test_with_no_webhook_secret_configured_the_inbound_webhook_refuses_instead_of_accepting(
    settings, customer, priorities
):
    """anymail alone would only warn and accept anyone; here the call fails and nothing is stored."""
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": "k" * 32}
    client = Client(raise_request_exception=False)
    response = client.post(
        "/anymail/mailgun/inbound_mime/", data=_mailgun(fixture("new_request_syntax.eml"), "k" * 32)
    )
    assert response.status_code == 403
    assert not Ticket.objects.exists() and not InboundEmail.objects.exists()


def test_check_deploy_fails_without_the_webhook_secret():
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "ANYMAIL_WEBHOOK_SECRET"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="helpdesk.settings",
        DEBUG="false",
        ALLOWED_HOSTS="support.example.com",
        SECRET_KEY="s" * 20 + "-production-secret-key-with-enough-entropy-0123456789",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0 and "notifications.E001" in result.stderr + result.stdout


def test_a_webhook_with_the_secret_but_a_forged_reply_from_an_outsider_opens_a_new_ticket(
    settings, client, customer, stranger, priorities, django_capture_on_commit_callbacks
):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "hook:secret", "MAILGUN_WEBHOOK_SIGNING_KEY": "k" * 32}
    with django_capture_on_commit_callbacks(execute=True):
        ticket = email_ingest(raw=fixture("new_request_syntax.eml"), now=NOW).ticket
    forged = raw_mail(
        sender="Gina <gina@globex.test>",
        subject=f"Re: [{ticket.reference}] {ticket.subject}",
        body="Please send me the call logs.",
        message_id="<forged@globex.test>",
    )
    auth = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(b"hook:secret").decode()}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/anymail/mailgun/inbound_mime/", data=_mailgun(forged, "k" * 32), **auth)
    assert response.status_code == 200
    assert ticket.messages.count() == 1  # nothing appended to Casey's ticket
    assert Ticket.objects.exclude(pk=ticket.pk).get().requester.email == "gina@globex.test"


def test_a_used_survey_link_and_a_guessed_one_get_the_same_refusal(client, customer, priorities):
    ticket = ticket_create(requester=customer, subject="x", now=NOW)
    _, token = survey_issue(ticket=ticket, now=timezone.now())
    url = reverse("portal:survey", args=[token])
    assert client.get(url).status_code == 200
    assert client.post(url, {"rating": 5, "comment": "great"}).status_code in (200, 302)
    again = client.post(url, {"rating": 1, "comment": "changed my mind"})
    assert SurveyResponse.objects.get(ticket=ticket).rating == 5  # the answer stands
    assert again.status_code == 410
    guessed = client.get(reverse("portal:survey", args=[token[:-2] + "zz"]))
    assert guessed.status_code == 410
    assert client.get(url).status_code == 410
