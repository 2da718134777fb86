"""What export, erase and retention share: the rule on who may ask, the audit row, and the stripping of
a ticket (every place a person's words and identifiers sit on it)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q

from accounts.identity import is_verified
from notifications.models import Notification
from tickets.models import Attachment, InboundEmail, Message, SurveyResponse, Ticket, TicketEvent
from webhooks.models import Delivery

from ..models import PrivacyRequest
from ..scrub import ERASED_TEXT, Scrubber

log = logging.getLogger("privacy")


class PrivacyError(Exception):
    """A refused privacy request, with a message fit for the person who asked."""


def is_privacy_admin(user) -> bool:
    """Admins run privacy requests: superusers and the "Admins" group (``User.is_helpdesk_admin``)."""
    return bool(user and user.is_active and user.is_staff and (user.is_superuser or user.is_helpdesk_admin))


def check_may_request(*, kind: str, person, by) -> None:
    """The one rule: an admin may export or erase anyone; a person may export their own data once their
    address is proved (``accounts.identity``: an account someone else made with it exports nothing).

    ``by=None`` is the operator at the server's shell (the management command) or the timed job."""
    if by is None or is_privacy_admin(by):
        return
    if kind == PrivacyRequest.Kind.EXPORT and person is not None and by.pk == person.pk and is_verified(by):
        return
    raise PrivacyError("Only an administrator can do this.")


class TooSoon(PrivacyError):
    """A person asked for their own archive too often (each one reads and zips everything they have)."""


SELF_EXPORTS_PER_DAY = 5


def check_self_export_rate(*, person, by, now: datetime) -> None:
    """A person may download their own archive ``SELF_EXPORTS_PER_DAY`` times a day; admins are not
    counted. Counted from the audit rows, so every web process agrees."""
    if by is None or by.pk != person.pk or is_privacy_admin(by):
        return
    recent = PrivacyRequest.objects.filter(
        kind=PrivacyRequest.Kind.EXPORT, requested_by=by, created_at__gt=now - timedelta(days=1)
    ).count()
    if recent >= SELF_EXPORTS_PER_DAY:
        raise TooSoon(
            f"You have downloaded your data {recent} times in the last day. Please try again tomorrow."
        )


def audit(
    *, kind: str, channel: str, person, by, now: datetime, summary: dict, note: str = ""
) -> PrivacyRequest:
    return PrivacyRequest.objects.create(
        kind=kind,
        channel=channel,
        subject=person,
        subject_ref=str(person.pk) if person is not None else "",
        requested_by=by,
        requested_by_ref=str(by.pk) if by is not None else "",
        note=(note or "")[:255],
        created_at=now,
        summary=summary,
    )


def delete_files_after_commit(names: list[str], storage) -> None:
    """Remove stored files once the rows that named them are gone for good (a rollback keeps both)."""
    if not names:
        return

    def _remove() -> None:
        for name in names:
            try:
                storage.delete(name)  # a missing file is no error (disk and S3 alike)
            except Exception:
                # The rows are gone; a file left behind still holds personal data: say so loudly, by
                # name (a random path, never the person's), so the operator removes it.
                log.error("privacy: could not delete stored file %s; remove it by hand", name, exc_info=True)

    transaction.on_commit(_remove)


@dataclass
class Stripped:
    tickets: int = 0
    messages_erased: int = 0
    attachments_deleted: int = 0
    events_scrubbed: int = 0
    notifications_scrubbed: int = 0
    inbound_scrubbed: int = 0
    surveys_cleared: int = 0
    files: list = field(default_factory=list)

    def add(self, other: Stripped) -> None:
        for name in (
            "tickets",
            "messages_erased",
            "attachments_deleted",
            "events_scrubbed",
            "notifications_scrubbed",
            "inbound_scrubbed",
            "surveys_cleared",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.files += other.files

    def counts(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "files"}


def _delete_attachments(qs) -> tuple[int, list]:
    rows = list(qs.values_list("pk", "file"))
    if rows:
        Attachment.objects.filter(pk__in=[pk for pk, _ in rows]).delete()
    return len(rows), [(Attachment, name) for _, name in rows if name]


# Reasons the services write themselves on a person's action: the desk's words, not the person's, and
# the SLA dashboard counts reopened tickets by the first (``tickets.dashboard``, index event_breach_reasons).
SYSTEM_REASONS = frozenset(
    {
        "reopened",
        "reopened: the customer replied",
        "the customer replied",
        "created",
        "waiting on the customer",
        "priority re-classified",
    }
)


def is_system_reason(reason: str) -> bool:
    return (reason or "") in SYSTEM_REASONS


def text_fields_kept(ticket: Ticket) -> dict:
    """Request-form answers as the erased ticket keeps them: choices stay (they are the form's words,
    used in reports and rules), what the person typed goes."""
    declared = {
        f.get("name"): f.get("type") for f in (ticket.request_type.fields if ticket.request_type else [])
    }
    return {
        key: (value if declared.get(key) == "choice" else ("" if isinstance(value, str) else None))
        for key, value in (ticket.request_fields or {}).items()
    }


def ticket_strip(
    ticket: Ticket,
    *,
    scrub: Scrubber,
    author_ids: set[int],
    addresses: set[str],
    whole: bool,
    address_placeholder: str,
) -> Stripped:
    """Take a person's data off one ticket (call inside a transaction, with the ticket locked).

    ``whole``: the ticket is theirs (they asked): its subject, description, typed form answers, quoted
    history, survey comment and every file go. Otherwise only what ``author_ids`` wrote or uploaded goes.
    Either way their address leaves the copy list, and their names and words are replaced wherever
    others wrote them (messages, audit rows, queued notices, inbound mail rows). Every timestamp, flag,
    count and deadline stays, so SLA figures do not move.
    """
    out = Stripped(tickets=1)
    lowered = {a.lower() for a in addresses}

    # The ticket row, by update(): SLA columns, updated_at and the jobs' instants are not touched.
    fields = {
        "cc_emails": [e for e in (ticket.cc_emails or []) if (e or "").lower() not in lowered],
        "close_reason": scrub.text(ticket.close_reason),
    }
    if whole:
        fields.update(subject=ERASED_TEXT, description="", request_fields=text_fields_kept(ticket))
    else:
        fields.update(subject=scrub.text(ticket.subject), description=scrub.text(ticket.description))
    Ticket.objects.filter(pk=ticket.pk).update(**fields)
    if author_ids:
        ticket.cc.remove(*author_ids)

    # Files: all of their own ticket's; elsewhere, the ones they uploaded or sent.
    files = Attachment.objects.filter(ticket=ticket)
    if not whole:
        files = files.filter(
            Q(uploaded_by_id__in=author_ids) | Q(message__author_id__in=author_ids, message__from_staff=False)
        )
    n, names = _delete_attachments(files)
    out.attachments_deleted += n
    out.files += names

    for message in Message.objects.filter(ticket=ticket).only(
        "pk", "author_id", "from_staff", "body", "body_html", "quoted_text", "email_message_id"
    ):
        theirs = message.author_id in author_ids and not message.from_staff
        if theirs:
            new = {"body": ERASED_TEXT, "body_html": "", "quoted_text": "", "email_message_id": ""}
            out.messages_erased += 1
        else:
            new = {
                "body": scrub.text(message.body),
                "body_html": scrub.text(message.body_html),
                # Quoted history repeats earlier mails of the thread: on their ticket it goes whole.
                "quoted_text": "" if whole else scrub.text(message.quoted_text),
            }
        changed = {k: v for k, v in new.items() if getattr(message, k, v) != v}
        if changed:
            Message.objects.filter(pk=message.pk).update(**changed)

    for event in TicketEvent.objects.filter(ticket=ticket):
        new = {
            "reason": ""
            if event.actor_id in author_ids and not is_system_reason(event.reason)
            else scrub.text(event.reason),
            "old_value": scrub.text(event.old_value),
            "new_value": scrub.text(event.new_value),
            "data": scrub.value(event.data),
        }
        if event.kind == TicketEvent.Kind.EDITED and (whole or event.actor_id in author_ids):
            # The old and new text of an edit are the person's words: the row keeps who, when, which field.
            new.update(
                old_value="",
                new_value="",
                data={"field": (event.data or {}).get("field", ""), "erased": True},
            )
        changed = {k: v for k, v in new.items() if getattr(event, k) != v}
        if changed:
            TicketEvent.objects.filter(pk=event.pk).update(**changed)
            out.events_scrubbed += 1

    if whole:
        out.surveys_cleared += (
            SurveyResponse.objects.filter(ticket=ticket).exclude(comment="").update(comment="")
        )

    out.notifications_scrubbed += notifications_scrub(
        Notification.objects.filter(ticket=ticket),
        scrub=scrub,
        addresses=lowered,
        placeholder=address_placeholder,
    )
    # Webhook deliveries keep the payload they were signed with (the log, and replay): the same words go.
    for delivery in Delivery.objects.filter(ticket=ticket).only("pk", "payload"):
        payload = scrub.value(delivery.payload)
        if payload != delivery.payload:
            Delivery.objects.filter(pk=delivery.pk).update(payload=payload)
            out.events_scrubbed += 1
    inbound = InboundEmail.objects.filter(ticket=ticket)
    if not whole:
        inbound = inbound.filter(sender__in=list(addresses) or [""])
    n, names = inbound_scrub(inbound, scrub=scrub, addresses=lowered, placeholder=address_placeholder)
    out.inbound_scrubbed += n
    out.files += names
    return out


def notifications_scrub(qs, *, scrub: Scrubber, addresses: set[str], placeholder: str) -> int:
    """Outbox rows: the person's address becomes the placeholder (and mail still waiting for it is never
    sent); their names and words leave the frozen context the mail is rendered from."""
    done = 0
    for n in qs.only("pk", "recipient", "context", "status", "dedupe_key", "error"):
        ours = n.recipient.lower() in addresses
        new = {
            "recipient": placeholder if ours else n.recipient,
            "context": scrub.value(n.context),
            "dedupe_key": scrub.text(n.dedupe_key) if n.dedupe_key else n.dedupe_key,
            "error": scrub.text(n.error),
        }
        if ours and n.status in (Notification.Status.PENDING, Notification.Status.HELD):
            new["status"] = Notification.Status.SUPPRESSED
        changed = {k: v for k, v in new.items() if getattr(n, k) != v}
        if changed:
            Notification.objects.filter(pk=n.pk).update(**changed)
            done += 1
    return done


def inbound_scrub(qs, *, scrub: Scrubber, addresses: set[str], placeholder: str) -> tuple[int, list]:
    """Inbound mail rows: the raw message goes (it is the person's mail, headers and all); the row stays
    for idempotency (its key is a hash) and the count of what arrived."""
    done, names = 0, []
    for row in qs.only("pk", "raw", "sender", "subject", "detail", "notes", "message_id"):
        if row.raw:
            names.append((InboundEmail, row.raw.name))
        InboundEmail.objects.filter(pk=row.pk).update(
            raw="",
            message_id="",  # written by their mail program: it often carries their name or host
            sender=placeholder if row.sender.lower() in addresses else row.sender,
            subject="",
            detail=scrub.text(row.detail),
            notes=scrub.value(row.notes),  # the same words kept as message ids and values (an address)
        )
        done += 1
    return done, names


def files_delete(names: list) -> None:
    by_storage: dict = {}
    for model, name in names:
        storage = model._meta.get_field("raw" if model is InboundEmail else "file").storage
        by_storage.setdefault(id(storage), (storage, []))[1].append(name)
    for storage, paths in by_storage.values():
        delete_files_after_commit(paths, storage)
