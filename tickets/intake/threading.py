"""Which ticket a mail belongs to (the email channel's door, with ``trust.py``; see README "Email channel").

Threading needs a key *and* a person. Keys: our reply token, a stored Message-ID, the ``[HD-n]`` tag.
The person: the one the reply token was bound to, or someone on the ticket (the same
``Ticket.objects.visible_to`` rule as the portal, plus addresses copied on the thread). A key without
the person makes a new ticket (or, for a staff From, a held item), never a reply in someone else's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext_lazy as _

from accounts.models import User
from notifications.models import Notification
from notifications.threading import is_our_message_id, token_candidates, token_signed_for

from ..models import Message, Ticket
from .parse import ParsedEmail
from .subject import ticket_number_tag

# How a key was found, in words (the codes ``Thread.how`` holds): what staff read of a held mail.
HOW_WORDS = {
    "token in In-Reply-To": _("token in In-Reply-To"),
    "token in References": _("token in References"),
    "token in Message-ID": _("token in Message-ID"),
    "token in address": _("token in address"),
    "stored Message-ID": _("stored Message-ID"),
    "subject tag": _("subject tag"),
}


@dataclass
class Thread:
    ticket: Ticket | None  # the ticket this mail may post on
    how: str = ""
    bound: bool = False  # a reply token bound to the From address: the person we mailed answered
    refused: Ticket | None = None  # a key to this ticket was found, but the sender is not on it


def live(ticket: Ticket | None) -> Ticket | None:
    hops = 0
    while ticket is not None and ticket.merged_into_id and hops < 10:
        ticket = ticket.merged_into
        hops += 1
    return ticket


def on_ticket(ticket: Ticket, address: str, sender: User | None) -> bool:
    """Someone on the ticket, by the portal's own visibility rule; staff never by From alone."""
    if sender is not None:
        if sender.is_staff:
            return False
        if Ticket.objects.visible_to(sender).filter(pk=ticket.pk).exists():
            return True
    return bool(address) and address.lower() in {e.lower() for e in ticket.cc_emails}


def _token_key(ticket_id: int, signature: str, sender_address: str) -> str:
    """ "bound" (signed for the From address), "key" (ours, for someone else or unbound), or ""."""
    if sender_address and token_signed_for(ticket_id, signature, sender_address):
        return "bound"
    if token_signed_for(ticket_id, signature):
        return "key"
    recipients = (
        Notification.objects.filter(ticket_id=ticket_id, channel=Notification.Channel.EMAIL)
        .values_list("recipient", flat=True)
        .distinct()[:200]
    )
    if any(token_signed_for(ticket_id, signature, r) for r in recipients):
        return "key"
    return ""


def find_thread(mail: ParsedEmail, sender: User | None) -> Thread:
    refused: Ticket | None = None
    refused_how = ""

    def check(ticket: Ticket | None, how: str) -> Thread | None:
        nonlocal refused, refused_how
        if ticket is None:
            return None
        if on_ticket(ticket, mail.from_email, sender):
            return Thread(ticket, how)
        if refused is None:
            refused, refused_how = ticket, how
        return None

    # 1. Our signed token. Bound to the From address: that person answered. Otherwise a key only.
    for how, values in (
        ("token in In-Reply-To", mail.in_reply_to),
        ("token in References", list(reversed(mail.references))),
        ("token in Message-ID", [mail.message_id]),
        ("token in address", mail.to + mail.cc + mail.reply_to),
    ):
        for value in values:
            for ticket_id, signature in token_candidates(value):
                kind = _token_key(ticket_id, signature, mail.from_email)
                if not kind:
                    continue
                ticket = live(Ticket.objects.filter(pk=ticket_id).first())
                if ticket is not None and kind == "bound":
                    return Thread(ticket, f"{how} (the addressee's own)", bound=True)
                found = check(ticket, how)
                if found:
                    return found
    # 2. A Message-ID we stored (a mail we received or sent on a ticket).
    ids = [i for i in [*mail.in_reply_to, *reversed(mail.references)] if i][:50]
    if ids:
        message = (
            Message.objects.filter(email_message_id__in=ids)
            .select_related("ticket")
            .order_by("-created_at")
            .first()
        )
        ticket = live(message.ticket) if message is not None else None
        if ticket is None:
            sent = (
                Notification.objects.filter(message_id__in=ids, ticket__isnull=False)
                .select_related("ticket")
                .first()
            )
            ticket = live(sent.ticket) if sent is not None else None
        found = check(ticket, "stored Message-ID")
        if found:
            return found
    # 3. The [HD-123] subject tag.
    number = ticket_number_tag(mail.subject)
    if number:
        found = check(live(Ticket.objects.filter(pk=number).first()), "subject tag")
        if found:
            return found
    return Thread(None, refused_how, refused=refused)


def distinct_request(
    mail: ParsedEmail, ticket: Ticket, reopened_from: Ticket | None, *, since: datetime
) -> bool:
    """A new request a person wrote, not mail answering ours or repeating itself: it answers none of our
    mails (no follow-up of an old ticket, none of our Message-IDs in In-Reply-To or References), and
    the sender filed nothing with the same subject and text ``since`` (the loop guard's window). A mail
    loop fails one of these; a customer filing their eleventh ticket during an outage passes."""
    if reopened_from is not None:
        return False
    if any(is_our_message_id(value) for value in [*mail.in_reply_to, *mail.references]):
        return False
    return not (
        Ticket.objects.filter(
            requester_id=ticket.requester_id,
            received_at__gte=since,
            subject=ticket.subject,
            description=ticket.description,
        )
        .exclude(pk=ticket.pk)
        .exists()
    )
