"""Outbound mail: signed thread tokens, threading headers, Reply-To, Auto-Submitted, subject tags."""

import re

import pytest

from notifications.models import Notification, Suppression
from notifications.services import notification_deliver, notification_queue, notification_render
from notifications.threading import (
    make_message_id,
    reply_address,
    thread_headers,
    ticket_id_from_text,
    ticket_token,
)
from notifications.transports import TransportError
from tests.conftest import NOW
from tickets.services import message_add, ticket_assign, ticket_create


def test_a_token_names_its_ticket_and_a_forged_one_names_none(settings):
    token = ticket_token(42)
    assert ticket_id_from_text(f"<{token}.abc@helpdesk.test>") == 42
    assert ticket_id_from_text(token.upper()) == 42  # providers may change the case of local parts
    forged = token.replace("t42-", "t43-")
    assert ticket_id_from_text(forged) is None
    settings.SECRET_KEY = "another-secret"
    assert ticket_id_from_text(token) is None  # the signature depends on our SECRET_KEY


def test_message_ids_are_unique_and_carry_the_token():
    ids = {make_message_id(7) for _ in range(50)}
    assert len(ids) == 50
    assert all(ticket_id_from_text(i) == 7 and re.fullmatch(r"<[^<>@\s]+@helpdesk\.test>", i) for i in ids)


def test_reply_address_is_plus_addressed_from_the_setting(settings):
    settings.HELPDESK_REPLY_ADDRESS = "help@support.example"
    address = reply_address(9)
    assert address.startswith("help+t9-") and address.endswith("@support.example")
    assert ticket_id_from_text(address) == 9


def test_references_keep_the_first_and_the_newest_ids():
    ids = [f"<m{i}@x>" for i in range(30)]
    headers = thread_headers(ids)
    assert headers["In-Reply-To"] == "<m29@x>"
    refs = headers["References"].split()
    assert refs[0] == "<m0@x>" and refs[-1] == "<m29@x>" and len(refs) == 10
    assert thread_headers([]) == {}


@pytest.fixture
def ticket(customer, priorities, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the acknowledgement goes out
        return ticket_create(
            requester=customer,
            subject="Calls drop",
            description="They drop.",
            now=NOW,
            email_message_id="<first@acme.test>",
        )


def test_every_mail_carries_our_message_id_threading_headers_and_reply_to(
    ticket, tech, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        ticket_assign(ticket=ticket, agent=tech, by=tech, now=NOW)
    mail = mailoutbox[0]
    row = Notification.objects.get(event="ticket_assigned")
    assert mail.extra_headers["Message-ID"] == row.message_id
    assert ticket_id_from_text(row.message_id) == ticket.pk
    assert mail.reply_to == [reply_address(ticket.pk, recipient=row.recipient)]  # bound to its addressee
    assert f"[{ticket.reference}]" in mail.subject
    # The thread: the customer's first mail, then the acknowledgement we sent them.
    received = Notification.objects.get(event="ticket_received")
    assert mail.extra_headers["In-Reply-To"] == received.message_id
    assert mail.extra_headers["References"].split() == ["<first@acme.test>", received.message_id]
    assert "Taylor Tech" in mail.body


def test_automatic_mail_says_so_and_a_human_reply_does_not(
    ticket, tech, mailoutbox, django_capture_on_commit_callbacks
):
    ack = mailoutbox[0]
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message_add(ticket=ticket, author=tech, body="We are on it.", now=NOW)
    human = mailoutbox[0]
    assert "Auto-Submitted" not in human.extra_headers
    assert "We are on it." in human.body
    auto = notification_render(Notification.objects.get(event="ticket_received"))
    assert auto["headers"]["Auto-Submitted"] == "auto-generated"
    assert auto["headers"]["X-Auto-Response-Suppress"] == "All"
    assert ack.extra_headers["Auto-Submitted"] == "auto-generated"


def test_acknowledgement_gives_the_expected_first_response_time(
    customer, priorities, plan, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket_create(requester=customer, subject="Calls drop", description="x", now=NOW)
    mail = mailoutbox[0]
    # Normal: 4 business hours from Friday 15:30 London -> Monday 11:00.
    assert "first response by Mon 9 Mar 2026, 11:00" in mail.body
    html = mail.alternatives[0][0]
    assert "Mon 9 Mar 2026, 11:00" in html and "&quot;" not in mail.body


def test_the_subject_tag_is_added_when_a_template_forgets_it(ticket, settings, tmp_path):
    # Every shipped subject.txt carries the tag, so the test brings a template that forgets it.
    forgetful = tmp_path / "notifications" / "forgetful"
    forgetful.mkdir(parents=True)
    (forgetful / "subject.txt").write_text("About {{ ticket.subject }}\n")
    (forgetful / "body.txt").write_text("Hello\n")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    row = Notification.objects.create(
        event="ticket_received", ticket=ticket, recipient="x@acme.test", created_at=NOW
    )
    row.event = "forgetful"
    rendered = notification_render(row)
    assert rendered["subject"] == f"[{ticket.reference}] About {ticket.subject}"


def test_a_retry_resends_the_same_message_id(ticket, settings):
    settings.EMAIL_BACKEND = "tests.notifications.test_outbound.FailingBackend"
    row = Notification.objects.get(event="ticket_received")
    Notification.objects.filter(pk=row.pk).update(status=Notification.Status.PENDING, message_id="")
    with pytest.raises(TransportError):
        notification_deliver(notification_id=row.pk, now=NOW)
    first = Notification.objects.get(pk=row.pk).message_id
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    sent = notification_deliver(notification_id=row.pk, now=NOW)
    assert sent.status == Notification.Status.SENT and sent.message_id == first


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionError("SMTP server unreachable")


def test_a_suppressed_address_gets_no_mail(
    customer, priorities, mailoutbox, django_capture_on_commit_callbacks
):
    Suppression.objects.create(email="Casey@Acme.test", reason=Suppression.Reason.BOUNCED)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_create(requester=customer, subject="Calls drop", description="x", now=NOW)
    assert mailoutbox == []
    assert ticket.notifications.get().status == Notification.Status.SUPPRESSED


def test_queue_skips_the_outbox_dispatch_for_suppressed_rows(customer):
    Suppression.objects.create(email="gone@acme.test", reason=Suppression.Reason.COMPLAINED)
    row = notification_queue(event="ticket_received", recipient="gone@acme.test", now=NOW)
    assert row.status == Notification.Status.SUPPRESSED
    assert notification_deliver(notification_id=row.pk, now=NOW) is None
