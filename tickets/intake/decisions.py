"""Staff decisions on what the email channel held: a sender who claimed an organization, and mail held
for a person (over the per-sender limits, or a staff From without that person's reply address)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from ..models import Channel, InboundEmail, Message, SenderHold
from ..reasons import Reason
from ..services import TicketError
from .parse import fallback_parse, parse_raw
from .store import email_process_stored


@transaction.atomic
def sender_hold_decide(*, hold: SenderHold, accept: bool, by: User, now: datetime) -> SenderHold:
    """Accept (the sender joins the organization they claimed) or reject (they stay outside it; later
    claims from them go to triage). Only a pending hold can be decided, once."""
    if not by.is_staff:
        raise TicketError(_("Only staff decide on held senders."))
    state = SenderHold.State.ACCEPTED if accept else SenderHold.State.REJECTED
    if not SenderHold.objects.filter(pk=hold.pk, state=SenderHold.State.PENDING).update(
        state=state, decided_at=now, decided_by=by
    ):
        raise TicketError(_("This sender was already decided on."))
    hold.refresh_from_db()
    if accept:
        user = User.objects.select_for_update().get(pk=hold.user_id)
        if user.organization_id not in (None, hold.organization_id):
            raise TicketError(_("%(email)s already belongs to another organization."), email=user.email)
        user.organization = hold.organization
        user.save(update_fields=["organization"])
    if hold.ticket_id:
        verb = "accepted as a member of" if accept else "rejected for"
        Message.objects.create(
            ticket_id=hold.ticket_id,
            kind=Message.Kind.INTERNAL,
            author=by,
            from_staff=True,
            created_at=now,
            body=f"{hold.user.email} was {verb} {hold.organization} by {by.display_name}.",
        )
    return hold


def inbound_release(*, row: InboundEmail, by: User, now: datetime) -> InboundEmail:
    """Staff release a held mail. Mail held for a ticket (a staff From without the staff member's own
    reply address) goes onto that ticket as an internal note, never as a reply; mail held by the
    per-sender limits is ingested now, past the limits."""
    if not by.is_staff:
        raise TicketError(_("Only staff release held mail."))
    if row.outcome != InboundEmail.Outcome.HELD:
        raise TicketError(_("This mail is not held."))
    if row.ticket_id is None:
        done = email_process_stored(row_id=row.pk, now=now, release=True)
        if done is None:
            raise TicketError(_("Someone else is already releasing this mail."))
        return done
    with transaction.atomic():
        if not InboundEmail.objects.filter(pk=row.pk, outcome=InboundEmail.Outcome.HELD).update(
            outcome=InboundEmail.Outcome.RELEASED
        ):
            raise TicketError(_("Someone else is already releasing this mail."))
        with row.raw.open("rb") as fh:
            raw = fh.read()
        try:
            text = parse_raw(raw).text
        except Exception:  # a plain reading is good enough for a note
            parsed = fallback_parse(raw)
            text = parsed.text if parsed else ""
        Message.objects.create(
            ticket_id=row.ticket_id,
            kind=Message.Kind.INTERNAL,
            author=by,
            from_staff=True,
            channel=Channel.EMAIL,
            created_at=now,
            body=f"Held mail from {row.sender} ({row.subject}), released by {by.display_name}:\n\n{text}"[
                :100_000
            ],
        )
    row.refresh_from_db()
    return row


def inbound_discard(*, row: InboundEmail, by: User, now: datetime) -> InboundEmail:
    """Staff decide a held mail needs nothing: kept as a record (with its bytes), marked rejected."""
    if not by.is_staff:
        raise TicketError(_("Only staff discard held mail."))
    discarded = Reason(_("discarded by %(email)s at %(when)s"), email=by.email, when=now.isoformat())
    if not InboundEmail.objects.filter(pk=row.pk, outcome=InboundEmail.Outcome.HELD).update(
        outcome=InboundEmail.Outcome.REJECTED,
        detail=f"{row.detail}; {discarded.english()}"[:5000],
        notes=[*row.notes, discarded.kept()] if row.notes else row.notes,
    ):
        raise TicketError(_("This mail is not held."))
    row.refresh_from_db()
    return row
