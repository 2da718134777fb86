"""IMAP intake against a real Dovecot on loopback: mail appended to the mailbox becomes tickets and replies,
a worker stopped between ingest and mark-seen loses and doubles nothing, UIDVALIDITY changes are survived."""

from __future__ import annotations

from datetime import timedelta

import pytest

from accounts.models import Team
from mailboxes import services
from mailboxes.models import Mailbox, MailboxFolder, MailboxMessage
from mailboxes.services import LEASE, mailbox_lease_claim, mailbox_poll, mailboxes_poll
from tests.conftest import NOW
from tests.notifications.mailkit import CORPUS, raw_mail
from tickets.models import InboundEmail, RequestType, Ticket

SEEN = b"\\Seen"
REAL = ["django_helpdesk/quoted_printable.eml", "django_helpdesk/all-special-chars.eml"]


def real_mail(name: str) -> bytes:
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"shared email corpus not present ({path})")
    return path.read_bytes()


def flags(imap, folder: str = "INBOX") -> dict[int, tuple]:
    imap.select_folder(folder, readonly=True)
    return {uid: data[b"FLAGS"] for uid, data in imap.fetch(imap.search("ALL"), ["FLAGS"]).items()}


class Killed(BaseException):
    """What a worker killed mid-run looks like from inside: nothing after this line runs, no except cleans up."""


def test_appended_mail_becomes_tickets_then_a_reply_threads_onto_its_ticket(mailbox, imap, customer):
    for name in REAL:
        imap.append("INBOX", real_mail(name))
    imap.append(
        "INBOX",
        raw_mail(subject="Printer on fire", body="The printer is on fire.", message_id="<fire-1@acme.test>"),
    )

    assert mailboxes_poll(now=NOW) == 3

    tickets = list(Ticket.objects.order_by("pk"))
    assert len(tickets) == 3
    assert {t.subject for t in tickets} >= {"Printer on fire", "Český test"}
    assert all(SEEN in f for f in flags(imap).values())
    assert MailboxMessage.objects.filter(mailbox=mailbox).count() == 3
    fire = Ticket.objects.get(subject="Printer on fire")

    imap.append(
        "INBOX",
        raw_mail(
            subject="Re: Printer on fire",
            body="Now the scanner too.",
            message_id="<fire-2@acme.test>",
            headers={"In-Reply-To": "<fire-1@acme.test>", "References": "<fire-1@acme.test>"},
        ),
    )
    assert mailboxes_poll(now=NOW + timedelta(minutes=1)) == 1

    assert Ticket.objects.count() == 3
    reply = InboundEmail.objects.get(message_id="<fire-2@acme.test>")
    assert reply.outcome == InboundEmail.Outcome.REPLY and reply.ticket == fire
    assert fire.messages.order_by("pk").last().body == "Now the scanner too."
    state = MailboxFolder.objects.get(mailbox=mailbox, name="INBOX")
    assert state.last_uid == 4

    assert mailboxes_poll(now=NOW + timedelta(minutes=2)) == 0  # nothing new: nothing fetched again


def test_new_tickets_land_in_the_mailboxs_team_and_request_form(mailbox, imap, priorities, plan):
    billing = Team.objects.create(name="Billing")
    form = RequestType.objects.create(slug="invoice", name="Invoice question")
    Mailbox.objects.filter(pk=mailbox.pk).update(team=billing, request_type=form)
    imap.append("INBOX", raw_mail(subject="Invoice 42 is wrong", message_id="<inv-42@acme.test>"))

    mailbox_poll(mailbox_id=mailbox.pk, now=NOW)

    ticket = Ticket.objects.get()
    assert ticket.team == billing and ticket.request_type == form


def test_a_request_form_the_mail_cannot_fill_still_files_the_ticket_in_the_forms_team(
    mailbox, imap, priorities, plan
):
    network = Team.objects.create(name="Network")
    form = RequestType.objects.create(
        slug="outage",
        name="Outage",
        team=network,
        fields=[{"name": "site", "label": "Site", "type": "text", "required": True}],
    )
    Mailbox.objects.filter(pk=mailbox.pk).update(request_type=form)
    imap.append("INBOX", raw_mail(subject="Down again", message_id="<down@acme.test>"))

    mailbox_poll(mailbox_id=mailbox.pk, now=NOW)

    ticket = Ticket.objects.get()
    assert ticket.team == network and ticket.request_type is None
    assert "not filed on the form Outage" in ticket.messages.get(kind="internal").body


def test_mail_from_a_support_mailboxs_own_address_makes_no_ticket(mailbox, imap, priorities, plan):
    other = Mailbox.objects.create(
        name="Sales", address="sales@example.net", host="127.0.0.1", username="sales", secret="x"
    )
    imap.append(
        "INBOX", raw_mail(sender=f"Support <{mailbox.address}>", message_id="<loop-1@mx.example.net>")
    )
    imap.append("INBOX", raw_mail(sender=other.address, message_id="<loop-2@mx.example.net>"))

    assert mailbox_poll(mailbox_id=mailbox.pk, now=NOW) == 2

    assert not Ticket.objects.exists()  # our own mail come back (a loop, a copy filed in the inbox)
    assert set(InboundEmail.objects.values_list("outcome", flat=True)) == {InboundEmail.Outcome.IGNORED_AUTO}


def test_a_worker_stopped_after_ingest_before_mark_seen_loses_and_doubles_nothing(
    mailbox, imap, priorities, plan, monkeypatch
):
    imap.append("INBOX", real_mail(REAL[0]))
    imap.append("INBOX", raw_mail(subject="Second", message_id="<second@acme.test>"))
    real_mark = services._mark_done

    def die(*args, **kwargs):
        raise Killed

    monkeypatch.setattr(services, "_mark_done", die)
    with pytest.raises(Killed):
        mailbox_poll(mailbox_id=mailbox.pk, now=NOW)

    # The first mail is a ticket, still unseen on the server; its UID is recorded; nothing advanced.
    assert Ticket.objects.count() == 1
    assert not any(SEEN in f for f in flags(imap).values())
    assert MailboxMessage.objects.filter(mailbox=mailbox).count() == 1
    assert MailboxFolder.objects.get(mailbox=mailbox).last_uid == 0

    # The dead worker's lease holds until it lapses: a second worker a minute later does not fetch.
    monkeypatch.setattr(services, "_mark_done", real_mark)
    assert mailbox_poll(mailbox_id=mailbox.pk, now=NOW + timedelta(minutes=1)) == 0
    assert Ticket.objects.count() == 1

    assert mailbox_poll(mailbox_id=mailbox.pk, now=NOW + LEASE) == 2
    assert Ticket.objects.count() == 2  # the first mail was not ingested again, the second was
    assert InboundEmail.objects.count() == 2
    assert all(SEEN in f for f in flags(imap).values())
    assert MailboxFolder.objects.get(mailbox=mailbox).last_uid == 2


def test_a_worker_stopped_between_fetch_and_ingest_loses_nothing(
    mailbox, imap, priorities, plan, monkeypatch
):
    imap.append("INBOX", raw_mail(subject="Fragile", message_id="<fragile@acme.test>"))

    def die(**kwargs):
        raise Killed

    monkeypatch.setattr(services, "email_ingest", die)
    with pytest.raises(Killed):
        mailbox_poll(mailbox_id=mailbox.pk, now=NOW)
    assert Ticket.objects.count() == 0 and not MailboxMessage.objects.exists()
    monkeypatch.undo()

    assert mailbox_poll(mailbox_id=mailbox.pk, now=NOW + LEASE) == 1
    assert Ticket.objects.get().subject == "Fragile"


def test_two_workers_never_hold_one_mailbox(mailbox):
    first = mailbox_lease_claim(mailbox_id=mailbox.pk, now=NOW)
    assert first
    assert mailbox_lease_claim(mailbox_id=mailbox.pk, now=NOW + timedelta(minutes=5)) is None
    assert mailbox_lease_claim(mailbox_id=mailbox.pk, now=NOW + LEASE) not in (None, first)


def test_processed_mail_moves_to_the_processed_folder(mailbox, imap, priorities, plan):
    Mailbox.objects.filter(pk=mailbox.pk).update(processed_folder="Processed")
    imap.append("INBOX", raw_mail(subject="Move me", message_id="<move@acme.test>"))

    assert mailbox_poll(mailbox_id=mailbox.pk, now=NOW) == 1

    assert flags(imap, "INBOX") == {}
    (moved,) = flags(imap, "Processed").values()
    assert SEEN in moved
    assert Ticket.objects.get().subject == "Move me"


def test_a_changed_uidvalidity_refetches_the_folder_without_doubling(mailbox, imap, priorities, plan):
    Mailbox.objects.filter(pk=mailbox.pk).update(folder="Support")
    imap.create_folder("Support")
    first = raw_mail(subject="Before the migration", message_id="<before@acme.test>")
    imap.append("Support", first)
    mailbox_poll(mailbox_id=mailbox.pk, now=NOW)
    old = MailboxFolder.objects.get(mailbox=mailbox)
    assert Ticket.objects.count() == 1 and old.last_uid == 1

    # The server's folder is rebuilt (a restore, a migration): same mail, new UIDs, new UIDVALIDITY.
    imap.delete_folder("Support")
    imap.create_folder("Support")
    imap.append("Support", first)
    imap.append("Support", raw_mail(subject="After the migration", message_id="<after@acme.test>"))

    assert mailbox_poll(mailbox_id=mailbox.pk, now=NOW + timedelta(minutes=1)) == 2

    new = MailboxFolder.objects.get(mailbox=mailbox)
    assert new.uidvalidity != old.uidvalidity and new.last_uid == 2
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == [
        "After the migration",
        "Before the migration",
    ]
    assert all(SEEN in f for f in flags(imap, "Support").values())
