"""With no ESP configured, mail leaves through the mailbox's own SMTP server (a real aiosmtpd server on
loopback, with AUTH) from the support address, and a copy lands in the mailbox's Sent folder on Dovecot."""

from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from django.core.mail import EmailMultiAlternatives

from mailboxes.models import Mailbox, Security
from tests.mailboxes.dovecot import PASSWORD, free_port

# The test relay is plain SMTP on loopback; aiosmtpd warns about AUTH without TLS.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


class Relay:
    def __init__(self):
        self.received = []
        self.logins = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp():
    relay = Relay()

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.password == PASSWORD.encode()
        relay.logins.append((mechanism, auth_data.login.decode(), ok))
        return AuthResult(success=ok)

    controller = Controller(
        relay,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=authenticate,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    yield controller, relay
    controller.stop()


@pytest.fixture
def sending(settings, mailbox, smtp):
    controller, relay = smtp
    settings.EMAIL_BACKEND = "mailboxes.mail.MailboxSMTPBackend"  # what settings choose with no ESP named
    Mailbox.objects.filter(pk=mailbox.pk).update(
        smtp_host="127.0.0.1", smtp_port=controller.port, smtp_security=Security.NONE, sent_folder="Sent"
    )
    return relay


def test_mail_leaves_from_the_support_address_and_lands_in_sent(sending, mailbox, imap):
    EmailMultiAlternatives(
        subject="[HD-7] We are on it",
        body="A technician is looking at it.",
        from_email="Support <support@helpdesk.test>",
        to=["casey@acme.test"],
        reply_to=["support+7.abc@helpdesk.test"],
    ).send()

    (envelope,) = sending.received
    assert envelope.mail_from == mailbox.address and envelope.rcpt_tos == ["casey@acme.test"]
    assert f"From: Support <{mailbox.address}>" in envelope.content.decode()
    assert [(login, ok) for _, login, ok in sending.logins] == [(mailbox.username, True)]
    imap.select_folder("Sent", readonly=True)
    (uid,) = imap.search("ALL")
    copy = imap.fetch([uid], ["BODY.PEEK[]", "FLAGS"])[uid]
    assert b"Subject: [HD-7] We are on it" in copy[b"BODY[]"] and b"\\Seen" in copy[b"FLAGS"]


def test_with_no_mailbox_smtp_the_fallback_backend_sends(settings, mailbox, mailoutbox):
    settings.EMAIL_BACKEND = "mailboxes.mail.MailboxSMTPBackend"
    settings.HELPDESK_MAILBOX_FALLBACK_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    EmailMultiAlternatives(subject="Hello", body="y", to=["casey@acme.test"]).send()
    assert [m.subject for m in mailoutbox] == ["Hello"]
