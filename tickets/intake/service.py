"""The one inbound service: raw RFC 822 from ``ingest_email`` and the stored webhook mail (``store.py``) end
here.

Order of work: parse (time-bounded, no database) -> dedupe (Message-ID + sender + content digest) ->
classify (auto-replies and bounces stop here, bounces feeding the suppression list) -> who sent it and
which ticket it may touch (``trust.py``, ``threading.py``: a key and a person) -> reply / reopen /
follow-up / new ticket, or held for staff (``decisions.py``). Whatever goes wrong, the mail is recorded
on ``InboundEmail``; a failure keeps the raw bytes and is retried (``record.py``, ``store.py``). The reads
these steps ask live in those modules: this one is the write path.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, Team, User
from notifications.models import Notification
from notifications.services import automatic_mail_count, notification_queue, suppression_add
from notifications.threading import message_domain

from ..models import Channel, InboundEmail, Message, RequestType, SenderHold, Ticket, TicketEvent
from ..policy import DONE_STATUSES, may_reopen
from ..reasons import Reason, stored
from ..services import (
    TicketError,
    attachment_save_bytes,
    message_add,
    ticket_create,
    ticket_escalation_request,
)
from ..snapshot import ticket_snapshot
from .classify import Kind, classify
from .parse import ParsedEmail, ParseTimeout, fallback_parse, parse_message, parse_raw, time_limit
from .record import already_ingested, record_failure
from .subject import bare_level, level_named, parse_subject, strip_reply_prefix
from .text import asks_to_escalate, split_quoted, template_fields
from .threading import HOW_WORDS, distinct_request, find_thread
from .trust import (
    TRIAGE_CUSTOMER_NUMBER,
    copied_contacts,
    domain_org,
    filing_organization,
    from_failed_authentication,
    is_own_mail,
    known_sender,
    over_new_ticket_limit,
)

log = logging.getLogger(__name__)

PARSE_SECONDS = 10  # per message; the corpus' worst real input parses in ~1.5 s
AUTOREPLY_CAP = 10  # automatic mails to one sender ...
AUTOREPLY_CAP_WINDOW = timedelta(hours=3)  # ... per this window (FreeScout's 10 per 180 minutes)
# Acknowledgements of distinct requests pass that cap, up to this many automatic mails to one address
# per window: no person files fifty requests in three hours, and a forged sender must not turn the
# desk into a mail cannon aimed at someone else's inbox.
ACKNOWLEDGEMENT_CAP = 50


@dataclass(frozen=True)
class Landing:
    """Where a new ticket from this mail lands (an IMAP mailbox's team and request form); replies and
    follow-ups still thread by the usual keys. Routing itself stays ``ticket_create``'s."""

    team: Team | None = None
    request_type: RequestType | None = None
    own_addresses: tuple[str, ...] = ()  # the support mailboxes' addresses: mail from them is our own


def email_ingest(
    *,
    raw: bytes,
    now: datetime,
    message=None,
    source: str = "",
    stored: InboundEmail | None = None,
    release: bool = False,
    landing: Landing | None = None,
) -> InboundEmail:
    """Ingest one mail. Never raises for bad mail: the outcome is recorded on the returned row.

    ``stored``: the row the webhook wrote with these bytes (RECEIVED, or FAILED on a retry); it becomes
    the record. ``release``: staff released a held mail, so the per-sender limits do not apply.
    ``landing``: the team and request form a new ticket gets (the mailbox it was fetched from).
    """
    if stored is None:
        known = already_ingested(raw)
        if known is not None:
            return known  # the same bytes again (a re-run import): answered without parsing
    try:
        with time_limit(PARSE_SECONDS):
            parsed = parse_message(message, raw=raw) if message is not None else parse_raw(raw)
    except (Exception, ParseTimeout) as exc:  # broken beyond the parser, or too slow: try a plain reading
        log.warning("inbound mail did not parse (%s): %s", source, exc)
        parsed = fallback_parse(raw)
        if parsed is not None:
            parsed.note = f"read as plain text: {exc.__class__.__name__}"
        if parsed is None:
            return record_failure(
                raw, now=now, detail=f"parse: {exc.__class__.__name__}: {exc}", source=source, stored=stored
            )
    try:
        return _ingest_parsed(
            parsed, raw=raw, now=now, source=source, stored=stored, release=release, landing=landing
        )
    except Exception as exc:
        log.exception("inbound mail failed (%s)", source)
        return record_failure(
            raw,
            now=now,
            detail=f"{exc.__class__.__name__}: {exc}",
            source=source,
            parsed=parsed,
            stored=stored,
        )


def _ingest_parsed(
    parsed: ParsedEmail,
    *,
    raw: bytes,
    now: datetime,
    source: str,
    stored: InboundEmail | None,
    release: bool,
    landing: Landing | None = None,
) -> InboundEmail:
    key = parsed.dedupe_key
    existing = InboundEmail.objects.filter(dedupe_key=key).first()
    if existing is not None and (stored is None or existing.pk != stored.pk):
        if existing.outcome != InboundEmail.Outcome.FAILED:
            if stored is not None:  # the webhook delivered a mail we already have: one record is enough
                stored.raw.delete(save=False)
                stored.delete()
            return existing  # the same mail again (webhook retry, re-run import): one ticket
        if stored is not None:  # an older failed copy of this mail: the stored row takes over
            existing.delete()
            existing = None
    collision = None
    if parsed.message_id:
        collision = (
            InboundEmail.objects.filter(message_id=parsed.message_id[:998])
            .exclude(dedupe_key=key)
            .exclude(outcome__in=[InboundEmail.Outcome.RECEIVED, InboundEmail.Outcome.FAILED])
            .exclude(pk=stored.pk if stored else None)
            .first()
        )
    try:
        with transaction.atomic():
            row = _act(parsed, now=now, release=release, landing=landing)
            row.dedupe_key = key
            row.message_id = parsed.message_id[:998]
            row.sender = parsed.from_email[:320]
            row.subject = parsed.subject[:998]
            row.received_at = now
            row.raw_sha256 = hashlib.sha256(raw).hexdigest()
            row.next_attempt_at = None
            notes: list[str | Reason] = [parsed.note]
            if collision is not None:
                row.message_id_collision = True
                notes.append(
                    Reason(
                        _(
                            "Message-ID already used by another mail (from %(sender)s, record %(record)d): "
                            "ingested as a new message"
                        ),
                        sender=collision.sender or Reason(_("no sender")),
                        record=collision.pk,
                    )
                )
            _noted(row, [n for n in notes if n])
            base = stored or existing
            if base is not None:  # the stored or failed row, now done
                row.pk = base.pk
                row.raw = base.raw
                row.attempts = base.attempts
            row.save()
            if row.outcome == InboundEmail.Outcome.HELD and not row.raw:
                row.raw.save(f"held-{row.pk}.eml", ContentFile(raw), save=True)
            return row
    except IntegrityError:
        duplicate = InboundEmail.objects.filter(dedupe_key=key).first()
        if duplicate is not None:
            if stored is not None and duplicate.pk != stored.pk:
                stored.raw.delete(save=False)
                stored.delete()
            return duplicate
        raise


def _act(
    mail: ParsedEmail, *, now: datetime, release: bool = False, landing: Landing | None = None
) -> InboundEmail:
    kind = classify(mail)
    if kind == Kind.BOUNCE:
        suppressed = []
        for address in mail.failed_recipients[:50]:
            # Only addresses we really mailed: a forged report must not silence a customer.
            if Notification.objects.filter(
                recipient__iexact=address, channel=Notification.Channel.EMAIL
            ).exists():
                suppression_add(
                    email=address, reason="bounced", detail=f"delivery report: {mail.subject[:200]}"
                )
                suppressed.append(address)
        detail = f"failed: {', '.join(mail.failed_recipients)}; suppressed: {', '.join(suppressed) or 'none'}"
        return InboundEmail(outcome=InboundEmail.Outcome.BOUNCE, detail=detail[:2000])
    if kind == Kind.AUTO:
        # No ticket change and no reply, but remember which ticket it answered: timed jobs can then tell
        # that the customer's last word was an out-of-office.
        thread = find_thread(mail, known_sender(mail))
        return InboundEmail(
            outcome=InboundEmail.Outcome.IGNORED_AUTO,
            ticket=thread.ticket,
            detail="automatic mail: no ticket, no reply",
        )
    if is_own_mail(mail, also=landing.own_addresses if landing else ()):
        return InboundEmail(outcome=InboundEmail.Outcome.IGNORED_AUTO, detail="our own mail came back")
    if not mail.from_email:
        if not (mail.subject or mail.text.strip() or mail.attachments):
            return InboundEmail(
                outcome=InboundEmail.Outcome.REJECTED, detail="no sender address and nothing to read"
            )
        # Readable but unanswerable: a triage ticket, so a person sees it; nobody gets mailed.
        mail.from_email = _no_sender_address()
    sender = known_sender(mail)
    if sender is not None and from_failed_authentication(mail):
        return _held(
            Reason(
                _("our receiving server found the From address %(address)s forged (DMARC fail)"),
                address=mail.from_email,
            )
        )
    new_text, quoted = split_quoted(mail.text)
    if not new_text and not quoted and not mail.attachments:
        new_text = "(empty message)"

    thread = find_thread(mail, sender)
    if thread.ticket is not None:
        ticket = thread.ticket
        if ticket.status in DONE_STATUSES and not may_reopen(ticket, now):
            if sender is not None and sender.is_staff:
                return _held(
                    Reason(
                        _("staff reply to %(reference)s after its reopen window"), reference=ticket.reference
                    ),
                    ticket=ticket,
                )
            return _new_ticket(
                mail, sender, new_text, quoted, now=now, reopened_from=ticket, release=True, landing=landing
            )
        return _reply(mail, ticket, sender, new_text, quoted, now=now, how=thread.how)
    if sender is not None and sender.is_staff:
        # A staff address in From proves nothing on a customer-facing address: a person looks first.
        if thread.refused is not None:
            why = Reason(
                _(
                    "from a staff address to %(reference)s (%(how)s) without that person's own reply address: "
                    "not posted as staff"
                ),
                reference=thread.refused.reference,
                how=HOW_WORDS.get(thread.how, thread.how),
            )
        else:
            why = Reason(
                _("from a staff address without that person's own reply address: not posted as staff")
            )
        return _held(why, ticket=thread.refused)
    note = ""
    if thread.refused is not None:
        note = f"had a key to {thread.refused.reference} ({thread.how}) but the sender is not on that ticket"
    return _new_ticket(mail, sender, new_text, quoted, now=now, release=release, note=note, landing=landing)


def _held(why: Reason, *, ticket: Ticket | None = None) -> InboundEmail:
    """A mail a person decides on. Its why is kept in English (``detail``) and as message ids and values
    (``notes``): staff read it in their own language (``tickets.reasons.inbound_detail``)."""
    held = Reason(_("held for staff: %(why)s"), why=why)
    return InboundEmail(
        outcome=InboundEmail.Outcome.HELD, ticket=ticket, detail=held.english(), notes=[held.kept()]
    )


def _noted(row: InboundEmail, before: list[str | Reason]) -> None:
    """Put ``before`` (what the reading of the mail noted) ahead of what the row says: ``detail`` in
    English; ``notes`` beside it, part by part, where the row keeps its words (a held mail's why)."""
    if not before:
        return
    row.detail = "; ".join([stored(part)[0] for part in before] + ([row.detail] if row.detail else []))
    if row.notes:
        row.notes = [
            (part if isinstance(part, Reason) else Reason(part)).kept() for part in before
        ] + row.notes


def _reply(
    mail: ParsedEmail, ticket: Ticket, sender: User | None, new_text: str, quoted: str, *, now, how
) -> InboundEmail:
    if sender is None:  # an address copied on the thread, writing for the first time
        sender = _customer_for(mail, organization=domain_org(mail.from_email))
    was = ticket.status
    body = new_text or ("(see attachments)" if mail.attachments else quoted or "(empty message)")
    channel = Channel.STAFF_EMAIL if sender.is_staff else Channel.EMAIL
    message = message_add(
        ticket=ticket,
        author=sender,
        body=body,
        now=now,
        channel=channel,
        body_html=mail.html,
        quoted_text=quoted,
        email_message_id=mail.message_id,
    )
    _save_attachments(mail, ticket, message, sender)
    if not sender.is_staff and asks_to_escalate(new_text):
        _escalate(ticket, sender, now=now)
    _cap_automatic_replies(mail.from_email, now=now, ticket=ticket)
    reopened = was in DONE_STATUSES
    return InboundEmail(
        outcome=InboundEmail.Outcome.REOPENED if reopened else InboundEmail.Outcome.REPLY,
        ticket=ticket,
        detail=how,
    )


def _escalate(ticket: Ticket, sender: User, *, now: datetime) -> None:
    """ "Escalate" in a mail: ``ticket_escalation_request`` tells leadership always and marks the ticket only
    where the policy allows; staff see why in an internal note when it was not marked."""
    reason = "The customer asked to escalate by email."
    if not ticket_escalation_request(ticket=ticket, by=sender, now=now, reason=reason):
        Message.objects.create(
            ticket=ticket,
            kind=Message.Kind.INTERNAL,
            from_staff=True,
            channel=Channel.EMAIL,
            created_at=now,
            body=f"{sender.email} asked to escalate by email; leadership was told. Not escalated: the plan's "
            "escalation policy does not allow it yet.",
        )


def _new_ticket(
    mail,
    sender,
    new_text,
    quoted,
    *,
    now,
    reopened_from: Ticket | None = None,
    release: bool = False,
    note: str = "",
    landing: Landing | None = None,
) -> InboundEmail:
    if not release:
        over = over_new_ticket_limit(mail.from_email, now=now)
        if over:
            return _held(over)
    subject = parse_subject(mail.subject)
    organization, unverified, claim_note = filing_organization(mail, sender, subject)
    needs_help = subject.malformed or organization.customer_number == TRIAGE_CUSTOMER_NUMBER
    if subject.customer_number and not unverified:
        needs_help = (
            needs_help
            or not Organization.objects.filter(customer_number__iexact=subject.customer_number).exists()
        )
    if sender is None:
        member_of = (
            None if unverified or organization.customer_number == TRIAGE_CUSTOMER_NUMBER else organization
        )
        sender = _customer_for(mail, organization=member_of)

    priority = None
    if unverified:
        pass  # an unverified claim files at the default level; staff set it on triage
    elif subject.level:
        priority = level_named(subject.level)
        needs_help = needs_help or priority is None
    elif not subject.syntax:
        priority = level_named(bare_level(subject.description)) if bare_level(subject.description) else None
    title = subject.description if subject.syntax else strip_reply_prefix(mail.subject)
    fields = template_fields(new_text)
    description = new_text or ("(see attachments)" if mail.attachments else quoted)
    copied, not_copied = copied_contacts(mail, organization)
    kwargs = dict(
        requester=sender,
        subject=title or "(no subject)",
        now=now,
        description=description,
        organization=organization,
        channel=Channel.EMAIL,
        request_fields=fields,
        description_html=mail.html,
        email_message_id=mail.message_id,
        received_at=now,
        cc_emails=copied,
        # A sender we cannot place in the organization is filed there for staff triage, not made a member.
        triage=sender.organization_id != organization.pk,
        team=landing.team if landing else None,
        request_type=landing.request_type if landing else None,
    )
    try:
        ticket = ticket_create(priority=priority, **kwargs)
    except TicketError:  # e.g. an organization barred from the top level: file it at the default instead
        try:
            ticket = ticket_create(priority=None, **kwargs)
        except TicketError:
            if kwargs["request_type"] is None:
                raise
            # The mailbox's form wants fields a mail does not carry: file it without the form (still in
            # the form's team, through routing) rather than lose it; staff see why.
            if kwargs["team"] is None:
                kwargs["team"] = kwargs["request_type"].team
            note = "; ".join(n for n in (note, f"not filed on the form {kwargs['request_type'].name}") if n)
            kwargs["request_type"] = None
            ticket = ticket_create(priority=None, **kwargs)
    if quoted:
        Message.objects.filter(ticket=ticket).update(quoted_text=quoted)
    if reopened_from is not None:
        Ticket.objects.filter(pk=ticket.pk).update(reopened_from=reopened_from)
        ticket.reopened_from = reopened_from
    message = ticket.messages.first()
    _save_attachments(mail, ticket, message, sender)
    staff_notes = [n for n in (note, claim_note) if n]
    if unverified:
        SenderHold.objects.get_or_create(
            user=sender,
            organization=organization,
            state=SenderHold.State.PENDING,
            defaults={"ticket": ticket, "created_at": now},
        )
        if subject.level:
            staff_notes.append(
                f"the subject asked for priority {subject.level!r}; filed at the default level"
            )
    if not_copied:
        staff_notes.append(
            "not copied (not known contacts of the organization): " + ", ".join(not_copied[:50])
        )
    if staff_notes:
        Message.objects.create(
            ticket=ticket,
            kind=Message.Kind.INTERNAL,
            from_staff=True,
            channel=Channel.EMAIL,
            created_at=now,
            body="Email intake: " + "; ".join(staff_notes) + ".",
        )
    if not sender.is_staff and asks_to_escalate(new_text):
        _escalate(ticket, sender, now=now)
    if needs_help:
        notification_queue(
            event="subject_help",
            recipient=mail.from_email,
            recipient_user=sender,
            ticket=ticket,
            now=now,
            context={
                "ticket_reference": ticket.reference,
                "ticket": ticket_snapshot(ticket),
                "original_subject": mail.subject[:300],
            },
            dedupe_key=f"subject_help:{mail.from_email}:{now.date().isoformat()}"[:200],
        )
    _cap_automatic_replies(
        mail.from_email,
        now=now,
        ticket=ticket,
        acknowledge=distinct_request(mail, ticket, reopened_from, since=now - AUTOREPLY_CAP_WINDOW),
    )
    details = [f"follow-up to {reopened_from.reference} (reopen window passed)" if reopened_from else ""]
    details += ["subject syntax not understood" if needs_help else "", note, claim_note]
    return InboundEmail(
        outcome=InboundEmail.Outcome.NEW_TICKET, ticket=ticket, detail="; ".join(d for d in details if d)
    )


def _no_sender_address() -> str:
    address = f"no-sender@{message_domain()}"
    suppression_add(
        email=address, reason="manual", detail="placeholder requester for mail without a sender address"
    )
    return address


def _customer_for(mail: ParsedEmail, *, organization: Organization | None) -> User:
    """A customer account for an unknown sender (no usable password: they can reset it to sign in).

    Two mails from one new sender at once both find no user; the loser of the insert race reads the
    winner's row instead of failing."""
    user = User.objects.filter(email__iexact=mail.from_email).first()
    if user is not None:
        return user
    try:
        with transaction.atomic():
            return User.objects.create_user(
                email=mail.from_email,
                password=None,
                full_name=mail.from_name[:150],
                organization=organization,
                is_active=mail.from_email != f"no-sender@{message_domain()}",
            )
    except IntegrityError:
        user = User.objects.filter(email__iexact=mail.from_email).first()
        if user is None:
            raise
        return user


def _save_attachments(
    mail: ParsedEmail, ticket: Ticket, message: Message | None, author: User | None
) -> None:
    limit = settings.HELPDESK_MAX_ATTACHMENT_BYTES
    kept = []
    skipped = []
    for item in mail.attachments:
        if len(kept) >= settings.HELPDESK_MAX_ATTACHMENTS:
            skipped.append(f"{item.filename} (more than {settings.HELPDESK_MAX_ATTACHMENTS} attachments)")
            continue
        if len(item.content) > limit:
            skipped.append(f"{item.filename} ({len(item.content)} bytes, over the {limit}-byte limit)")
            continue
        kept.append(
            attachment_save_bytes(
                ticket=ticket,
                message=message,
                filename=item.filename,
                content=item.content,
                declared=item.declared_type,
                by=author,
            )
        )
    if skipped:
        Message.objects.create(
            ticket=ticket,
            kind=Message.Kind.INTERNAL,
            from_staff=True,
            channel=Channel.EMAIL,
            created_at=message.created_at if message else ticket.received_at,
            body="Attachments not kept: " + "; ".join(skipped),
        )


# What tells a customer their request arrived: never withheld for a distinct request a person filed.
ACKNOWLEDGEMENTS = ("ticket_received", "subject_help")


def _cap_automatic_replies(address: str, *, now: datetime, ticket: Ticket, acknowledge: bool = False) -> None:
    """The mail-loop guard: past ``AUTOREPLY_CAP`` automatic mails to one address in the window, the
    automatic mail this inbound mail caused is withheld, except (``acknowledge``) the acknowledgement
    of a distinct request a person filed. Anything withheld is said on the ticket, for the desk."""
    count = automatic_mail_count(recipient=address, since=now - AUTOREPLY_CAP_WINDOW)
    if count <= AUTOREPLY_CAP:
        return
    acknowledge = acknowledge and count <= ACKNOWLEDGEMENT_CAP
    held = Notification.objects.filter(
        recipient__iexact=address, automatic=True, created_at=now, status=Notification.Status.PENDING
    )
    if acknowledge:
        held = held.exclude(ticket=ticket, event__in=ACKNOWLEDGEMENTS)
    withheld = sorted(set(held.values_list("event", flat=True)))
    if not held.update(status=Notification.Status.SUPPRESSED, error="per-sender cap on automatic replies"):
        return
    hours = AUTOREPLY_CAP_WINDOW.total_seconds() / 3600
    TicketEvent.objects.create(
        ticket=ticket,
        kind=TicketEvent.Kind.MAIL_WITHHELD,
        new_value=", ".join(withheld)[:255],
        created_at=now,
        reason=(
            f"Automatic mail to {address} withheld ({', '.join(withheld)}): "
            f"{count} automatic mails to that address in {hours:g} hours (mail-loop guard). Answer by hand if needed."
        ),
        data={"recipient": address, "events": withheld, "count": count, "cap": AUTOREPLY_CAP},
    )
