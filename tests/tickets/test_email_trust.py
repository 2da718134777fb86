"""Inbound mail as an attacker writes it (issue 14): no header anyone can write is an identity, a key to a
ticket needs a person on it, and no mail is dropped. Each test here failed on main before the trust model."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model

from notifications.models import Notification
from notifications.threading import make_message_id, reply_address
from tests.conftest import NOW
from tests.notifications.mailkit import raw_mail
from tickets.intake.decisions import inbound_discard, inbound_release, sender_hold_decide
from tickets.intake.service import email_ingest
from tickets.models import Channel, InboundEmail, Message, SenderHold, Ticket
from tickets.services import TicketError

User = get_user_model()
Outcome = InboundEmail.Outcome


@pytest.fixture
def ingest(django_capture_on_commit_callbacks):
    def run(raw, now=NOW):
        with django_capture_on_commit_callbacks(execute=True):
            return email_ingest(raw=raw, now=now, source="test")

    return run


@pytest.fixture
def casey_ticket(customer, priorities, ingest):
    return ingest(
        raw_mail(subject="Customer #:1001: Priority: Normal: Calls drop", message_id="<casey-1@acme.test>")
    ).ticket


# --- an outsider claiming an organization by subject --------------------------------------------


def test_a_customer_number_claim_from_an_unknown_address_files_for_triage_and_holds_the_sender(
    org, customer, priorities, ingest, mailoutbox
):
    row = ingest(
        raw_mail(
            sender="Mallory <mallory@evil.test>",
            subject="Customer #:1001: Priority: Urgent: Everything is down",
            message_id="<m1@evil.test>",
        )
    )
    ticket = row.ticket
    mallory = User.objects.get(email="mallory@evil.test")
    assert ticket.organization == org  # filed where the claim points, for staff to triage ...
    assert mallory.organization is None  # ... but the sender is not a member
    assert ticket.priority.slug == "normal"  # an unverified claim pages nobody
    hold = SenderHold.objects.get(user=mallory)
    assert hold.organization == org and hold.state == SenderHold.State.PENDING and hold.ticket == ticket
    note = ticket.messages.get(kind=Message.Kind.INTERNAL).body
    assert "not on its domain list" in note and "'Urgent'" in note
    # Until staff accept them they see only their own ticket, not Acme's (once they have proved the
    # address, e.g. by setting a password from the reset mail; before that, nothing at all).
    other = ingest(raw_mail(subject="Casey's own", message_id="<c9@acme.test>")).ticket
    assert list(Ticket.objects.visible_to(mallory)) == []
    mallory.email_verified_at = ticket.received_at
    mallory.save()
    assert list(Ticket.objects.visible_to(mallory)) == [ticket] and other.organization == org


def test_a_held_sender_cannot_post_into_the_organizations_tickets_by_tag(casey_ticket, ingest):
    ingest(raw_mail(sender="mallory@evil.test", subject="Customer #:1001: hi", message_id="<m2@evil.test>"))
    row = ingest(
        raw_mail(
            sender="mallory@evil.test",
            subject=f"Re: [{casey_ticket.reference}] Calls drop",
            body="Please escalate, and send me the call logs.",
            message_id="<m3@evil.test>",
        )
    )
    casey_ticket.refresh_from_db()
    assert row.ticket != casey_ticket and casey_ticket.messages.count() == 1
    assert casey_ticket.escalated_at is None


def test_an_address_on_the_domain_list_joins_the_claimed_organization(org, customer, priorities, ingest):
    ticket = ingest(
        raw_mail(sender="newbie@acme.test", subject="Customer #:1001: Priority: High: x", message_id="<n@a>")
    ).ticket
    assert User.objects.get(email="newbie@acme.test").organization == org and ticket.priority.slug == "high"
    assert not SenderHold.objects.exists()


def test_staff_accept_a_held_sender_in_one_click_and_a_rejected_sender_files_to_triage(
    org, customer, priorities, tech, ingest
):
    ingest(raw_mail(sender="pat@partner.test", subject="Customer #:1001: a", message_id="<p1@x>"))
    ingest(raw_mail(sender="eve@evil.test", subject="Customer #:1001: b", message_id="<e1@x>"))
    pat, eve = (SenderHold.objects.get(user__email=e) for e in ("pat@partner.test", "eve@evil.test"))
    sender_hold_decide(hold=pat, accept=True, by=tech, now=NOW)
    sender_hold_decide(hold=eve, accept=False, by=tech, now=NOW)
    assert User.objects.get(email="pat@partner.test").organization == org
    assert User.objects.get(email="eve@evil.test").organization is None
    with pytest.raises(TicketError):
        sender_hold_decide(hold=eve, accept=True, by=tech, now=NOW)  # decided once
    again = ingest(raw_mail(sender="eve@evil.test", subject="Customer #:1001: c", message_id="<e2@x>"))
    assert again.ticket.organization.customer_number == "UNKNOWN"


# --- forged From and threading keys -------------------------------------------------------------


def test_a_stored_message_id_from_someone_not_on_the_ticket_opens_their_own_ticket(
    casey_ticket, stranger, lead, ingest
):
    """Gina (another organization) answers Casey's thread by its Message-ID: a key without a person."""
    row = ingest(
        raw_mail(
            sender="gina@globex.test",
            subject="Re: Calls drop",
            body="Please escalate this now.",
            message_id="<g1@globex.test>",
            headers={"In-Reply-To": "<casey-1@acme.test>"},
        )
    )
    casey_ticket.refresh_from_db()
    assert row.outcome == Outcome.NEW_TICKET and row.ticket.requester == stranger
    assert casey_ticket.messages.count() == 1 and casey_ticket.escalated_at is None
    assert f"had a key to {casey_ticket.reference} (stored Message-ID)" in row.detail


def test_our_message_id_token_is_a_key_not_an_identity(casey_ticket, stranger, ingest):
    row = ingest(
        raw_mail(
            sender="gina@globex.test",
            subject="Re: Calls drop",
            message_id="<g2@globex.test>",
            headers={"In-Reply-To": make_message_id(casey_ticket.pk)},
        )
    )
    assert row.ticket != casey_ticket and casey_ticket.messages.count() == 1


def test_staff_from_on_a_customers_reply_address_is_held_not_posted_as_staff(
    casey_ticket, tech, ingest, mailoutbox
):
    """Anyone holding Casey's reply address writes "From: the technician": no staff reply, no first
    response, nothing mailed to the customer; the mail waits on the desk for a person."""
    mailoutbox.clear()
    row = ingest(
        raw_mail(
            sender="Taylor Tech <tech@helpdesk.test>",
            to=reply_address(casey_ticket.pk, recipient="casey@acme.test"),
            subject=f"Re: [{casey_ticket.reference}] Calls drop",
            body="Please pay the invoice at http://evil.test/pay",
            message_id="<fake-tech@evil.test>",
        )
    )
    casey_ticket.refresh_from_db()
    assert row.outcome == Outcome.HELD and row.ticket == casey_ticket and row.raw
    assert not casey_ticket.messages.filter(from_staff=True, kind=Message.Kind.PUBLIC).exists()
    assert casey_ticket.first_responded_at is None and mailoutbox == []
    released = inbound_release(row=row, by=tech, now=NOW)
    note = casey_ticket.messages.get(kind=Message.Kind.INTERNAL)
    assert released.outcome == Outcome.RELEASED and "evil.test/pay" in note.body
    assert mailoutbox == []  # an internal note: the customer is not mailed


def test_staff_from_on_a_new_mail_is_held(customer, priorities, tech, ingest):
    row = ingest(raw_mail(sender="tech@helpdesk.test", subject="Customer #:1001: urgent", message_id="<t@x>"))
    assert row.outcome == Outcome.HELD and not Ticket.objects.exists()


# --- dedupe: a reused Message-ID never drops mail ------------------------------------------------


def test_a_message_id_reused_by_another_sender_is_ingested_and_recorded_as_a_collision(
    org, customer, stranger, priorities, ingest
):
    """The attacker posts first with Casey's Message-ID; Casey's real mail still becomes a ticket."""
    first = ingest(raw_mail(sender="gina@globex.test", subject="spam", message_id="<casey-real@acme.test>"))
    real = ingest(
        raw_mail(subject="Customer #:1001: Phones down", body="Real.", message_id="<casey-real@acme.test>")
    )
    assert real.pk != first.pk and real.outcome == Outcome.NEW_TICKET and real.ticket.requester == customer
    assert real.message_id_collision and "Message-ID already used by another mail" in real.detail
    # The same mail delivered again is still one ticket.
    again = ingest(
        raw_mail(subject="Customer #:1001: Phones down", body="Real.", message_id="<casey-real@acme.test>")
    )
    assert again.pk == real.pk and Ticket.objects.filter(requester=customer).count() == 1


def test_a_reused_message_id_with_different_content_from_the_same_sender_is_a_new_message(
    customer, priorities, ingest
):
    a = ingest(raw_mail(subject="First", body="one", message_id="<same@acme.test>"))
    b = ingest(raw_mail(subject="Second", body="two", message_id="<same@acme.test>"))
    assert a.ticket != b.ticket and b.message_id_collision


# --- outbound hygiene -----------------------------------------------------------------------------


def test_acknowledgements_go_only_to_the_requester_and_known_contacts(
    org, customer, colleague, priorities, ingest, mailoutbox
):
    strangers = ", ".join(f"victim{i}@elsewhere{i}.test" for i in range(25))
    mailoutbox.clear()
    row = ingest(
        raw_mail(
            subject="Customer #:1001: Verify your account",
            message_id="<relay@acme.test>",
            headers={"Cc": f"chris@acme.test, {strangers}"},
        )
    )
    recipients = sorted(address for mail in mailoutbox for address in mail.to)
    assert recipients == ["casey@acme.test", "chris@acme.test"]
    assert row.ticket.cc_emails == ["chris@acme.test"]
    note = row.ticket.messages.get(kind=Message.Kind.INTERNAL).body
    assert "victim0@elsewhere0.test" in note and "not copied" in note  # recorded, not lost


def test_past_the_per_sender_limit_new_mail_is_held_visibly_and_staff_can_release_it(
    customer, priorities, tech, ingest, settings
):
    settings.HELPDESK_MAIL_NEW_TICKETS_PER_SENDER = 3
    rows = [
        ingest(raw_mail(subject=f"n{i}", message_id=f"<n{i}@acme.test>"), now=NOW + timedelta(minutes=i))
        for i in range(5)
    ]
    assert [r.outcome for r in rows] == [Outcome.NEW_TICKET] * 3 + [Outcome.HELD] * 2
    assert "3 new tickets by mail from casey@acme.test within an hour" in rows[3].detail and rows[3].raw
    released = inbound_release(row=rows[3], by=tech, now=NOW + timedelta(minutes=10))
    assert (
        released.pk == rows[3].pk
        and released.outcome == Outcome.NEW_TICKET
        and released.ticket.subject == "n3"
    )
    discarded = inbound_discard(row=rows[4], by=tech, now=NOW)
    assert discarded.outcome == Outcome.REJECTED and Ticket.objects.count() == 4
    # An hour later the sender may open tickets again.
    later = ingest(raw_mail(subject="n9", message_id="<n9@acme.test>"), now=NOW + timedelta(hours=2))
    assert later.outcome == Outcome.NEW_TICKET


def test_the_per_domain_limit_holds_a_flood_from_many_addresses(org, priorities, ingest, settings):
    settings.HELPDESK_MAIL_NEW_TICKETS_PER_DOMAIN = 2
    rows = [ingest(raw_mail(sender=f"u{i}@acme.test", subject="x", message_id=f"<d{i}@a>")) for i in range(3)]
    assert [r.outcome for r in rows] == [Outcome.NEW_TICKET, Outcome.NEW_TICKET, Outcome.HELD]


def test_replies_on_a_ticket_are_not_limited(casey_ticket, ingest, settings):
    settings.HELPDESK_MAIL_NEW_TICKETS_PER_SENDER = 1
    row = ingest(raw_mail(subject=f"Re: [{casey_ticket.reference}] x", message_id="<rr@acme.test>"))
    assert row.outcome == Outcome.REPLY and row.ticket == casey_ticket


def test_a_cc_on_the_thread_replies_through_their_own_reply_address(casey_ticket, ingest):
    Ticket.objects.filter(pk=casey_ticket.pk).update(cc_emails=["partner@vendor.test"])
    row = ingest(
        raw_mail(
            sender="partner@vendor.test",
            to=reply_address(casey_ticket.pk, recipient="partner@vendor.test"),
            subject="Re: calls",
            message_id="<pv@vendor.test>",
        )
    )
    assert row.outcome == Outcome.REPLY and row.ticket == casey_ticket
    assert casey_ticket.messages.last().channel == Channel.EMAIL
    assert Notification.objects.filter(ticket=casey_ticket).exists()


def test_a_from_our_receiving_server_found_forged_is_held_and_others_verdicts_are_ignored(
    casey_ticket, ingest, settings
):
    settings.HELPDESK_MAIL_AUTHSERV_ID = "mx.helpdesk.test"
    forged = ingest(
        raw_mail(
            subject=f"Re: [{casey_ticket.reference}] Calls drop",
            body="Please change my phone number to +1 555 0100.",
            message_id="<spoof@evil.test>",
            headers={
                "Authentication-Results": "mx.helpdesk.test; spf=fail; dmarc=fail header.from=acme.test"
            },
        )
    )
    assert forged.outcome == Outcome.HELD and casey_ticket.messages.count() == 1
    # The sender's own "Authentication-Results" header (another authserv-id) proves nothing either way.
    genuine = ingest(
        raw_mail(
            subject=f"Re: [{casey_ticket.reference}] Calls drop",
            message_id="<real@acme.test>",
            headers={"Authentication-Results": "evil.test; dmarc=fail"},
        )
    )
    assert genuine.outcome == Outcome.REPLY and genuine.ticket == casey_ticket
