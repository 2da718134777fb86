"""The retention policy: closed tickets older than ``HELPDESK_RETENTION_MONTHS`` lose their files and
their customers' identities and words; their SLA figures stay.

A retained ticket's requester becomes one shared placeholder account ("Anonymised requester"), so the
sweep finds only tickets it has not done (idempotent), and the people's accounts are untouched: they may
still be customers with newer tickets.
"""

from __future__ import annotations

import calendar
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction

from accounts.models import User
from notifications.models import Suppression
from notifications.services import suppression_add
from tickets.models import Message, Status, Ticket

from ..models import PrivacyRequest
from ..scrub import Scrubber
from ..signals import tickets_anonymised
from ._common import Stripped, audit, files_delete, ticket_strip

RETAINED_ADDRESS = "anonymised@erased.invalid"
RETAINED_NAME = "Anonymised requester"
BATCH = 100
MAX_PER_PASS = 2000


def months_before(when: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (the month's last day when it is shorter)."""
    index = when.year * 12 + when.month - 1 - months
    year, month = divmod(index, 12)
    day = min(when.day, calendar.monthrange(year, month + 1)[1])
    return when.replace(year=year, month=month + 1, day=day)


def retention_cutoff(now: datetime, months: int | None = None) -> datetime | None:
    """Closed before this instant: retained. ``None``: the policy is off (0 months, the default)."""
    months = settings.HELPDESK_RETENTION_MONTHS if months is None else months
    return months_before(now, months) if months and months > 0 else None


def retained_requester() -> User:
    """The one account retained tickets point at: inactive, no password, mail to it suppressed.
    Two workers starting at once both find none; the loser of the insert reads the winner's row."""
    user = User.objects.filter(email=RETAINED_ADDRESS).first()
    if user is not None:
        return user
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=RETAINED_ADDRESS, password=None, full_name=RETAINED_NAME, is_active=False
            )
    except IntegrityError:
        return User.objects.get(email=RETAINED_ADDRESS)
    suppression_add(email=RETAINED_ADDRESS, reason=Suppression.Reason.MANUAL, detail="retention placeholder")
    return user


def _ticket_retain(ticket: Ticket, *, placeholder: User) -> Stripped:
    """One ticket (locked): every customer on it (requester, copied, writers) loses names, address,
    words and files here; staff text stays (scrubbed of the customers' names)."""
    people = {ticket.requester, *ticket.cc.all()}
    people |= {
        m.author
        for m in Message.objects.filter(ticket=ticket, from_staff=False, author__isnull=False).select_related(
            "author"
        )
    }
    people = {p for p in people if not p.is_staff and p.pk != placeholder.pk}
    addresses = {p.email.lower() for p in people} | {e.lower() for e in ticket.cc_emails or [] if e}
    names = [n for p in people for n in (p.full_name, p.first_name, p.last_name) if n]
    texts = list(Message.objects.filter(ticket=ticket, from_staff=False).values_list("body", flat=True)) + [
        ticket.subject,
        ticket.description,
    ]
    scrub = Scrubber(names=names, addresses=addresses, texts=texts, address_placeholder=RETAINED_ADDRESS)
    out = ticket_strip(
        ticket,
        scrub=scrub,
        author_ids={p.pk for p in people},
        addresses=addresses,
        whole=True,
        address_placeholder=RETAINED_ADDRESS,
    )
    Ticket.objects.filter(pk=ticket.pk).update(requester=placeholder, cc_emails=[])
    Message.objects.filter(ticket=ticket, from_staff=False, author_id__in=[p.pk for p in people]).update(
        author=placeholder
    )
    return out


def retention_apply(*, now: datetime, months: int | None = None) -> int:
    """Retain every closed ticket past the cutoff, in batches of ``BATCH`` (each its own transaction,
    rows claimed with ``skip_locked`` so two workers share the work), at most ``MAX_PER_PASS`` a pass.
    Returns how many tickets it retained; records one audit row when it did anything."""
    cutoff = retention_cutoff(now, months)
    if cutoff is None:
        return 0
    placeholder = retained_requester()
    due = (
        Ticket.objects.filter(status=Status.CLOSED, closed_at__lt=cutoff)
        .exclude(requester=placeholder)
        .order_by("closed_at", "pk")
    )
    total = Stripped(tickets=0)
    changed: list[int] = []
    while total.tickets < MAX_PER_PASS:
        with transaction.atomic():
            batch = list(
                due.select_for_update(skip_locked=True, of=("self",)).select_related(
                    "requester", "request_type"
                )[:BATCH]
            )
            if not batch:
                break
            done = Stripped(tickets=0)
            for ticket in batch:
                done.add(_ticket_retain(ticket, placeholder=placeholder))
            files_delete(done.files)
            total.add(done)
            changed += [t.pk for t in batch]
    if changed:
        audit(
            kind=PrivacyRequest.Kind.RETENTION,
            channel=PrivacyRequest.Channel.JOB,
            person=None,
            by=None,
            now=now,
            summary={"cutoff": cutoff.isoformat(), **total.counts()},
        )
        tickets_anonymised.send(sender=PrivacyRequest, ticket_ids=changed)
    return len(changed)
