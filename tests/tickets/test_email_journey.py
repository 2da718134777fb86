"""A customer opens, follows and reopens a ticket entirely by email."""

from datetime import timedelta

from notifications.threading import reply_address
from tests.conftest import NOW
from tests.notifications.mailkit import raw_mail
from tickets.intake.service import email_ingest
from tickets.models import InboundEmail, Status, Ticket
from tickets.services import message_add, ticket_assign, ticket_resolve


def _answer(mail, body: str, message_id: str) -> bytes:
    """What a mail client sends when the customer hits Reply on one of our mails."""
    headers = mail.extra_headers
    references = f"{headers.get('References', '')} {headers['Message-ID']}".strip()
    return raw_mail(
        sender="Casey Customer <casey@acme.test>",
        to=mail.reply_to[0],
        subject=f"Re: {mail.subject}",
        body=f"{body}\n\nOn Fri, 6 Mar 2026 at 15:30, Support <support@helpdesk.test> wrote:\n> {mail.body.splitlines()[0]}",
        message_id=message_id,
        headers={"In-Reply-To": headers["Message-ID"], "References": references},
    )


def test_open_follow_and_reopen_a_ticket_by_email(
    customer, tech, priorities, mailoutbox, django_capture_on_commit_callbacks
):
    def step(action):
        mailoutbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            result = action()
        return result, list(mailoutbox)

    # 1. Open: the customer writes to support and gets an acknowledgement that routes back to the ticket.
    opened, mails = step(
        lambda: email_ingest(
            raw=raw_mail(
                subject="Customer #:1001: Priority: High: Calls drop",
                body="Calls drop after ten seconds.",
                message_id="<open@acme.test>",
            ),
            now=NOW,
        )
    )
    ticket = opened.ticket
    assert opened.outcome == InboundEmail.Outcome.NEW_TICKET and ticket.priority.slug == "high"
    (ack,) = mails
    assert ack.to == ["casey@acme.test"] and ack.reply_to == [
        reply_address(ticket.pk, recipient="casey@acme.test")
    ]
    assert ack.extra_headers["In-Reply-To"] == "<open@acme.test>"

    # 2. Follow: assignment and the technician's reply arrive by mail, threaded under the first message.
    _, mails = step(lambda: ticket_assign(ticket=ticket, agent=tech, by=tech, now=NOW + timedelta(minutes=5)))
    assert any("Taylor Tech" in m.subject for m in mails)
    _, mails = step(
        lambda: message_add(
            ticket=ticket, author=tech, body="Which number do you dial?", now=NOW + timedelta(minutes=10)
        )
    )
    (question,) = mails
    assert question.body.startswith("Which number do you dial?")
    assert question.extra_headers["References"].split()[0] == "<open@acme.test>"

    # 3. The customer answers from their mail client; the tech is told.
    answered, mails = step(
        lambda: email_ingest(
            raw=_answer(question, "We dial +44 20 7946 0001.", "<answer@acme.test>"),
            now=NOW + timedelta(minutes=20),
        )
    )
    assert answered.outcome == InboundEmail.Outcome.REPLY and answered.ticket == ticket
    latest = ticket.messages.last()
    assert latest.body == "We dial +44 20 7946 0001." and latest.quoted_text.startswith("On Fri")
    assert [m.to for m in mails] == [["tech@helpdesk.test"]]

    # 4. Resolved: the customer is told by mail ...
    _, mails = step(lambda: ticket_resolve(ticket=ticket, by=tech, now=NOW + timedelta(hours=1)))
    (resolved,) = mails
    assert "Resolved" in resolved.subject and "reply to this email" in resolved.body

    # 5. ... and reopens it by answering that mail.
    reopened, _ = step(
        lambda: email_ingest(
            raw=_answer(resolved, "Still dropping, sorry.", "<again@acme.test>"), now=NOW + timedelta(days=1)
        )
    )
    ticket.refresh_from_db()
    assert reopened.outcome == InboundEmail.Outcome.REOPENED and ticket.status == Status.OPEN
    assert Ticket.objects.count() == 1 and ticket.messages.filter(from_staff=False).count() == 3
