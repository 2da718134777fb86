"""The one inbound service: raw RFC 822 from ``ingest_email`` and anymail's inbound webhooks end here.

Order of work: parse (time-bounded, no database) -> dedupe -> classify (auto-replies and bounces stop
here, bounces feeding the suppression list) -> thread (signed token, stored Message-IDs, [HD-n] tag for
people on the ticket) -> reply / reopen / follow-up / new ticket. Whatever goes wrong, the mail is
recorded on ``InboundEmail``; a failure keeps the raw bytes so it can be ingested again.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.parser import BytesParser
from email.policy import compat32

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q

from accounts.models import Organization, User
from notifications.models import Notification
from notifications.services import automatic_mail_count, notification_queue, suppression_add
from notifications.threading import is_our_message_id, message_domain, ticket_id_from_text
from sla.models import PriorityLevel, SupportPlan
from sla.services import job_policy_for

from ..attachments import attachment_save_bytes
from ..models import Channel, InboundEmail, Message, Status, Ticket, TicketEvent
from ..services import TicketError, message_add, ticket_create, ticket_escalate
from ..snapshot import ticket_snapshot
from .classify import Kind, classify
from .parse import ParsedEmail, ParseTimeout, message_ids, parse_message, parse_raw, time_limit
from .subject import bare_level, parse_subject, strip_reply_prefix, ticket_number_tag
from .text import asks_to_escalate, split_quoted, template_fields

log = logging.getLogger(__name__)

PARSE_SECONDS = 10  # per message; the corpus' worst real input parses in ~1.5 s
DEFAULT_REOPEN_WINDOW = timedelta(days=30)  # when no job policy sets one: a month covers "it broke again"
TRIAGE_CUSTOMER_NUMBER = "UNKNOWN"
AUTOREPLY_CAP = 10  # automatic mails to one sender ...
AUTOREPLY_CAP_WINDOW = timedelta(hours=3)  # ... per this window (FreeScout's 10 per 180 minutes)
# Acknowledgements of distinct requests pass that cap, up to this many automatic mails to one address
# per window: no person files fifty requests in three hours, and a forged sender must not turn the
# desk into a mail cannon aimed at someone else's inbox.
ACKNOWLEDGEMENT_CAP = 50


@dataclass
class _Thread:
    ticket: Ticket | None
    how: str = ""


def email_ingest(*, raw: bytes, now: datetime, message=None, source: str = "") -> InboundEmail:
    """Ingest one mail. Never raises for bad mail: the outcome is recorded on the returned row."""
    known = _already_ingested(raw) if message is None else None
    if known is not None:
        return known  # a re-delivery: answered from the headers, without parsing the whole message
    try:
        with time_limit(PARSE_SECONDS):
            parsed = parse_message(message, raw=raw) if message is not None else parse_raw(raw)
    except (Exception, ParseTimeout) as exc:  # broken beyond the parser, or too slow: try a plain reading
        log.warning("inbound mail did not parse (%s): %s", source, exc)
        parsed = _fallback_parse(raw)
        if parsed is not None:
            parsed.note = f"read as plain text: {exc.__class__.__name__}"
        if parsed is None:
            return _record_failure(
                raw, now=now, detail=f"parse: {exc.__class__.__name__}: {exc}", source=source
            )
    try:
        return _ingest_parsed(parsed, raw=raw, now=now, source=source)
    except Exception as exc:
        log.exception("inbound mail failed (%s)", source)
        return _record_failure(
            raw, now=now, detail=f"{exc.__class__.__name__}: {exc}", source=source, parsed=parsed
        )


def _already_ingested(raw: bytes) -> InboundEmail | None:
    try:
        head = re.split(rb"\r?\n\r?\n", raw[:256_000], maxsplit=1)[0]
        value = BytesParser(policy=compat32).parsebytes(head, headersonly=True).get("Message-ID")
        ids = message_ids(str(value)) if value else []
    except Exception:
        return None
    if not ids:
        return None
    return (
        InboundEmail.objects.filter(dedupe_key=ids[0][:255])
        .exclude(outcome=InboundEmail.Outcome.FAILED)
        .first()
    )


def _fallback_parse(raw: bytes) -> ParsedEmail | None:
    """Headers only (lenient compat32 policy, fast) and the undecoded body as text: for mail the MIME
    parser choked on or took too long over, so its words still reach a person."""
    try:
        msg = BytesParser(policy=compat32).parsebytes(raw, headersonly=True)
        parsed = ParsedEmail(content_hash=hashlib.sha256(raw).hexdigest())
        for name, value in msg.items():
            parsed.headers.setdefault(name.lower(), []).append(" ".join(str(value).split()))
        parsed.subject = parsed.header("subject")[:998]
        ids = re.findall(r"<[^<>\s]{1,900}>", parsed.header("message-id"))
        parsed.message_id = ids[0] if ids else ""
        parsed.in_reply_to = re.findall(r"<[^<>\s]{1,900}>", parsed.header("in-reply-to"))
        parsed.references = re.findall(r"<[^<>\s]{1,900}>", parsed.header("references"))
        sender = re.search(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", parsed.header("from"))
        parsed.from_email = sender.group(0).lower() if sender else ""
        parsed.content_type = (parsed.header("content-type").split(";")[0].strip() or "text/plain").lower()
        body = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)
        parsed.text = body[1][:200_000].decode("utf-8", "replace") if len(body) == 2 else ""
        return parsed
    except Exception:
        return None


def _record_failure(
    raw: bytes, *, now: datetime, detail: str, source: str, parsed: ParsedEmail | None = None
) -> InboundEmail:
    key = parsed.dedupe_key if parsed else f"sha256:{hashlib.sha256(raw).hexdigest()}"
    row, _ = InboundEmail.objects.update_or_create(
        dedupe_key=key,
        defaults={
            "message_id": (parsed.message_id if parsed else "")[:998],
            "sender": (parsed.from_email if parsed else "")[:320],
            "subject": (parsed.subject if parsed else "")[:998],
            "received_at": now,
            "outcome": InboundEmail.Outcome.FAILED,
            "detail": f"{source}: {detail}"[:5000] if source else detail[:5000],
        },
    )
    if not row.raw:
        row.raw.save(f"{key.strip('<>').replace('/', '_')[:80]}.eml", ContentFile(raw), save=True)
    return row


def _ingest_parsed(parsed: ParsedEmail, *, raw: bytes, now: datetime, source: str) -> InboundEmail:
    key = parsed.dedupe_key
    existing = InboundEmail.objects.filter(dedupe_key=key).first()
    if existing is not None and existing.outcome != InboundEmail.Outcome.FAILED:
        return existing  # the same mail again (webhook retry, re-run import): one ticket
    try:
        with transaction.atomic():
            row = _act(parsed, now=now)
            row.dedupe_key = key
            row.message_id = parsed.message_id[:998]
            row.sender = parsed.from_email[:320]
            row.subject = parsed.subject[:998]
            row.received_at = now
            if parsed.note:
                row.detail = f"{parsed.note}; {row.detail}".strip("; ")
            if existing is not None:  # a retry of a failed mail: the same row, now done
                row.pk = existing.pk
                row.raw = existing.raw
            row.save()
            return row
    except IntegrityError:
        duplicate = InboundEmail.objects.filter(dedupe_key=key).first()
        if duplicate is not None:
            return duplicate
        raise


def _act(mail: ParsedEmail, *, now: datetime) -> InboundEmail:
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
        sender = User.objects.filter(email__iexact=mail.from_email).first() if mail.from_email else None
        thread = _find_thread(mail, sender)
        return InboundEmail(
            outcome=InboundEmail.Outcome.IGNORED_AUTO,
            ticket=thread.ticket,
            detail="automatic mail: no ticket, no reply",
        )
    if _is_own_mail(mail):
        return InboundEmail(outcome=InboundEmail.Outcome.IGNORED_AUTO, detail="our own mail came back")
    if not mail.from_email:
        if not (mail.subject or mail.text.strip() or mail.attachments):
            return _reject(mail, "no sender address and nothing to read")
        # Readable but unanswerable: a triage ticket, so a person sees it; nobody gets mailed.
        mail.from_email = _no_sender_address()
    sender = User.objects.filter(email__iexact=mail.from_email).select_related("organization").first()
    new_text, quoted = split_quoted(mail.text)
    if not new_text and not quoted and not mail.attachments:
        new_text = "(empty message)"

    thread = _find_thread(mail, sender)
    if thread.ticket is not None:
        ticket = thread.ticket
        if ticket.status in (Status.RESOLVED, Status.CLOSED) and not _within_reopen_window(ticket, now):
            return _new_ticket(mail, sender, new_text, quoted, now=now, reopened_from=ticket)
        return _reply(mail, ticket, sender, new_text, quoted, now=now, how=thread.how)
    return _new_ticket(mail, sender, new_text, quoted, now=now)


def _reject(mail: ParsedEmail, why: str) -> InboundEmail:
    return InboundEmail(outcome=InboundEmail.Outcome.REJECTED, detail=why)


def _is_own_mail(mail: ParsedEmail) -> bool:
    ours = {settings.HELPDESK_REPLY_ADDRESS.lower()}
    from_default = re.search(r"[\w.+-]+@[\w.-]+", settings.DEFAULT_FROM_EMAIL)
    if from_default:
        ours.add(from_default.group(0).lower())
    if mail.from_email in ours:
        return True
    return is_our_message_id(mail.message_id) and mail.from_email.endswith("@" + message_domain().lower())


# --- threading ---------------------------------------------------------------------------------


def _live(ticket: Ticket | None) -> Ticket | None:
    hops = 0
    while ticket is not None and ticket.merged_into_id and hops < 10:
        ticket = ticket.merged_into
        hops += 1
    return ticket


def _find_thread(mail: ParsedEmail, sender: User | None) -> _Thread:
    # 1. Our signed token: only we can mint it, so it threads whoever sends it.
    for how, values in (
        ("token in In-Reply-To", mail.in_reply_to),
        ("token in References", list(reversed(mail.references))),
        ("token in Message-ID", [mail.message_id]),
        ("token in address", mail.to + mail.cc + mail.reply_to),
    ):
        for value in values:
            ticket_id = ticket_id_from_text(value)
            if ticket_id:
                ticket = _live(Ticket.objects.filter(pk=ticket_id).first())
                if ticket is not None:
                    return _Thread(ticket, how)
    # 2. A Message-ID we stored (a mail we received or sent on a ticket).
    ids = [i for i in [*mail.in_reply_to, *reversed(mail.references)] if i][:50]
    if ids:
        message = (
            Message.objects.filter(email_message_id__in=ids)
            .select_related("ticket")
            .order_by("-created_at")
            .first()
        )
        if message is not None:
            return _Thread(_live(message.ticket), "stored Message-ID")
        sent = (
            Notification.objects.filter(message_id__in=ids, ticket__isnull=False)
            .select_related("ticket")
            .first()
        )
        if sent is not None:
            return _Thread(_live(sent.ticket), "stored Message-ID")
    # 3. The [HD-123] subject tag, trusted only from someone already on that ticket.
    number = ticket_number_tag(mail.subject)
    if number:
        ticket = _live(Ticket.objects.filter(pk=number).select_related("requester").first())
        if ticket is not None and _is_on_ticket(ticket, mail.from_email, sender):
            return _Thread(ticket, "subject tag")
    return _Thread(None)


def _is_on_ticket(ticket: Ticket, address: str, sender: User | None) -> bool:
    if sender is not None:
        if sender.pk == ticket.requester_id or (
            sender.organization_id and sender.organization_id == ticket.organization_id
        ):
            return True
        if ticket.cc.filter(pk=sender.pk).exists():
            return True
    return address.lower() in {e.lower() for e in ticket.cc_emails}


def _within_reopen_window(ticket: Ticket, now: datetime) -> bool:
    window = job_policy_for(ticket.plan).reopen_window or DEFAULT_REOPEN_WINDOW
    done_at = max([t for t in (ticket.closed_at, ticket.resolved_at) if t], default=None)
    return done_at is None or now - done_at <= window


# --- acting ------------------------------------------------------------------------------------


def _reply(
    mail: ParsedEmail, ticket: Ticket, sender: User | None, new_text: str, quoted: str, *, now, how
) -> InboundEmail:
    if sender is None:
        sender = _customer_for(mail, organization=_domain_org(mail.from_email))
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
        ticket_escalate(
            ticket=ticket, by=sender, now=now, reason="The customer asked to escalate by email.", force=True
        )
    _cap_automatic_replies(mail.from_email, now=now, ticket=ticket)
    reopened = was in (Status.RESOLVED, Status.CLOSED)
    return InboundEmail(
        outcome=InboundEmail.Outcome.REOPENED if reopened else InboundEmail.Outcome.REPLY,
        ticket=ticket,
        detail=how,
    )


def _new_ticket(mail, sender, new_text, quoted, *, now, reopened_from: Ticket | None = None) -> InboundEmail:
    subject = parse_subject(mail.subject)
    needs_help = subject.malformed
    organization = None
    if subject.customer_number:
        organization = Organization.objects.filter(customer_number__iexact=subject.customer_number).first()
        needs_help = needs_help or organization is None
        # A customer number is a claim; a sender who belongs elsewhere keeps their own organization.
        if (
            organization is not None
            and sender is not None
            and sender.organization_id not in (None, organization.pk)
        ):
            organization = sender.organization
    organization = organization or (sender.organization if sender else None) or _domain_org(mail.from_email)
    if organization is None:
        organization = _triage_org()
        needs_help = True
    if sender is None:
        sender = _customer_for(
            mail,
            organization=None if organization.customer_number == TRIAGE_CUSTOMER_NUMBER else organization,
        )

    priority = None
    if subject.level:
        priority = _level(subject.level)
        needs_help = needs_help or priority is None
    elif not subject.syntax:
        priority = _level(bare_level(subject.description)) if bare_level(subject.description) else None
    title = subject.description if subject.syntax else strip_reply_prefix(mail.subject)
    fields = template_fields(new_text)
    description = new_text or ("(see attachments)" if mail.attachments else quoted)
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
        cc_emails=_cc_addresses(mail),
    )
    try:
        ticket = ticket_create(priority=priority, **kwargs)
    except TicketError:  # e.g. an organization barred from the top level: file it at the default instead
        ticket = ticket_create(priority=None, **kwargs)
    if quoted:
        Message.objects.filter(ticket=ticket).update(quoted_text=quoted)
    if reopened_from is not None:
        Ticket.objects.filter(pk=ticket.pk).update(reopened_from=reopened_from)
        ticket.reopened_from = reopened_from
    message = ticket.messages.first()
    _save_attachments(mail, ticket, message, sender)
    if not sender.is_staff and asks_to_escalate(new_text):
        ticket_escalate(
            ticket=ticket, by=sender, now=now, reason="The customer asked to escalate by email.", force=True
        )
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
        acknowledge=_distinct_request(mail, ticket, reopened_from, now=now),
    )
    detail = f"follow-up to {reopened_from.reference} (reopen window passed)" if reopened_from else ""
    if needs_help:
        detail = (detail + "; subject syntax not understood").strip("; ")
    return InboundEmail(outcome=InboundEmail.Outcome.NEW_TICKET, ticket=ticket, detail=detail)


def _level(text: str) -> PriorityLevel | None:
    text = (text or "").strip().strip("\"'“”").strip()
    if not text:
        return None
    return PriorityLevel.objects.filter(Q(slug__iexact=text) | Q(name__iexact=text)).first()


def _domain_org(address: str) -> Organization | None:
    domain = address.rpartition("@")[2].lower()
    if not domain:
        return None
    # email_domains is a JSON list; a containment lookup is portable enough via a text match, then exact check.
    for org in Organization.objects.filter(email_domains__icontains=domain).exclude(
        customer_number=TRIAGE_CUSTOMER_NUMBER
    ):
        if domain in [d.lower() for d in org.email_domains]:
            return org
    return None


def _no_sender_address() -> str:
    address = f"no-sender@{message_domain()}"
    suppression_add(
        email=address, reason="manual", detail="placeholder requester for mail without a sender address"
    )
    return address


def _triage_org() -> Organization:
    org = Organization.objects.filter(customer_number=TRIAGE_CUSTOMER_NUMBER).first()
    if org is None:
        org, _ = Organization.objects.get_or_create(
            customer_number=TRIAGE_CUSTOMER_NUMBER,
            defaults={
                "name": "Unknown senders (triage)",
                "plan": SupportPlan.default(),
                "shares_tickets": False,
            },
        )
    return org


def _customer_for(mail: ParsedEmail, *, organization: Organization | None) -> User:
    """A customer account for an unknown sender (no usable password: they can reset it to sign in)."""
    user = User.objects.filter(email__iexact=mail.from_email).first()
    if user is None:
        user = User.objects.create_user(
            email=mail.from_email,
            password=None,
            full_name=mail.from_name[:150],
            organization=organization,
            is_active=mail.from_email != f"no-sender@{message_domain()}",
        )
    return user


def _cc_addresses(mail: ParsedEmail) -> list[str]:
    ours = message_domain().lower()
    seen = []
    for address in mail.to + mail.cc:
        if address.endswith("@" + ours) or address == mail.from_email or address in seen:
            continue
        seen.append(address)
    return seen[:20]


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
                ticket=ticket, message=message, filename=item.filename, content=item.content,
                declared=item.declared_type, by=author,
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


def _distinct_request(
    mail: ParsedEmail, ticket: Ticket, reopened_from: Ticket | None, *, now: datetime
) -> bool:
    """A new request a person wrote, not mail answering ours or repeating itself: it answers none of our
    mails (no follow-up of an old ticket, none of our Message-IDs in In-Reply-To or References), and
    the sender filed nothing with the same subject and text within the loop guard's window. A mail
    loop fails one of these; a customer filing their eleventh ticket during an outage passes."""
    if reopened_from is not None:
        return False
    if any(is_our_message_id(value) for value in [*mail.in_reply_to, *mail.references]):
        return False
    return not (
        Ticket.objects.filter(
            requester_id=ticket.requester_id,
            received_at__gte=now - AUTOREPLY_CAP_WINDOW,
            subject=ticket.subject,
            description=ticket.description,
        )
        .exclude(pk=ticket.pk)
        .exists()
    )


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
