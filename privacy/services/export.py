"""Export what we hold about a person, as a zip of JSON files and their files (an access request).

What is theirs: their account, keys, invitations and holds; the tickets they filed, are copied on or wrote
on, with the public thread (never internal notes); the events about them; their survey answers; the
mail we sent them and the mail they sent us, with its raw message. What others wrote is not theirs: a
colleague's message on the same thread is listed as withheld, with its time only, and a colleague's
files are left out (a copy of someone else's data is a leak, not an answer).
"""

from __future__ import annotations

import json
import zipfile
from datetime import datetime
from typing import BinaryIO

from django.db.models import Q

from accounts.models import ApiToken, Invitation, User
from notifications.models import Notification, Suppression
from notifications.services import notification_render
from tickets.events import API_CUSTOMER_EVENT_KINDS
from tickets.models import Attachment, InboundEmail, Message, SenderHold, SurveyResponse, Ticket, TicketEvent

from ..models import PrivacyRequest
from ._common import audit, check_may_request, check_self_export_rate

WITHHELD = "withheld: written by someone else"
README = """\
This archive holds the personal data the helpdesk keeps about one person, as of generated_at.

manifest.json       what is here, when it was made and on whose request
profile.json        the account, API keys (never the keys themselves), invitations, holds, mail suppression
tickets.json        the tickets they filed, are copied on or wrote on: the public thread, the events about
                    them, survey answers and SLA times. Another person's words are marked as withheld.
notifications.json  the mail we sent them (as it was rendered)
inbound_email.json  the mail they sent us (raw messages under inbound/)
attachments/        the files of those tickets they or support added, by ticket reference
"""


def _at(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _who(user: User | None, person: User) -> str:
    if user is None:
        return "system"
    if user.pk == person.pk:
        return "you"
    if user.is_staff:
        return f"support: {user.display_name}"
    return "another person"


def _their_tickets(person: User) -> list[Ticket]:
    """Filed by them, copied to them (as an account or an address), or with a message of theirs."""
    copied = set(Ticket.cc.through.objects.filter(user_id=person.pk).values_list("ticket_id", flat=True))
    wrote = set(Message.objects.filter(author=person).values_list("ticket_id", flat=True))
    address = person.email.lower()
    qs = Ticket.objects.filter(
        Q(requester=person) | Q(pk__in=copied | wrote) | Q(cc_emails__icontains=address)
    ).select_related("organization", "priority", "plan", "request_type")
    return [
        t
        for t in qs.order_by("pk")
        if t.requester_id == person.pk
        or t.pk in copied | wrote
        or address in {(e or "").lower() for e in t.cc_emails or []}  # icontains also finds longer ones
    ]


def _profile(person: User) -> dict:
    org = person.organization
    return {
        "account": {
            "id": person.pk,
            "email": person.email,
            "full_name": person.full_name,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "phone": person.phone,
            "organization": {"name": org.name, "customer_number": org.customer_number} if org else None,
            "is_org_admin": person.is_org_admin,
            "is_active": person.is_active,
            "date_joined": _at(person.date_joined),
            "last_login": _at(person.last_login),
            "email_verified_at": _at(person.email_verified_at),
        },
        "api_keys": [
            {
                "prefix": t.prefix,
                "name": t.name,
                "created_at": _at(t.created_at),
                "expires_at": _at(t.expires_at),
                "last_used_at": _at(t.last_used_at),
                "revoked_at": _at(t.revoked_at),
            }
            for t in ApiToken.objects.filter(user=person)
        ],
        "invitations_received": [
            {
                "organization": i.organization.name,
                "created_at": _at(i.created_at),
                "accepted_at": _at(i.accepted_at),
            }
            for i in Invitation.objects.filter(email__iexact=person.email).select_related("organization")
        ],
        # Whom they invited is the invitees' data: only that they did, and when.
        "invitations_sent": [
            {"organization": i.organization.name, "created_at": _at(i.created_at)}
            for i in Invitation.objects.filter(invited_by=person).select_related("organization")
        ],
        "sender_holds": [
            {"organization": h.organization.name, "state": h.state, "created_at": _at(h.created_at)}
            for h in SenderHold.objects.filter(user=person).select_related("organization")
        ],
        "mail_suppression": [
            {"reason": s.reason, "created_at": _at(s.created_at)}
            for s in Suppression.objects.filter(email__iexact=person.email)
        ],
    }


def _ticket(ticket: Ticket, person: User, files: list[tuple[str, Attachment]]) -> dict:
    requester = ticket.requester_id == person.pk
    role = "requester" if requester else "participant"
    thread = []
    messages = (
        Message.objects.filter(ticket=ticket, kind=Message.Kind.PUBLIC)
        .select_related("author")
        .prefetch_related("attachments")
    )
    for m in messages:
        ours = m.author_id == person.pk
        shown = ours or m.from_staff
        entry = {
            "at": _at(m.created_at),
            "from": _who(m.author, person) if m.author else ("support" if m.from_staff else "another person"),
            "channel": m.channel,
        }
        entry["body"] = m.body if shown else WITHHELD
        entry["attachments"] = []
        if shown:
            for a in m.attachments.all():
                path = f"attachments/{ticket.reference}/{a.pk}-{a.filename}"
                files.append((path, a))
                entry["attachments"].append(path)
        thread.append(entry)
    if requester:  # files added to the ticket outside any message (API uploads) by them or support
        for a in Attachment.objects.filter(ticket=ticket, message__isnull=True).select_related("uploaded_by"):
            if a.uploaded_by_id == person.pk or (a.uploaded_by and a.uploaded_by.is_staff):
                path = f"attachments/{ticket.reference}/{a.pk}-{a.filename}"
                files.append((path, a))
    events = TicketEvent.objects.filter(ticket=ticket).select_related("actor")
    events = (
        events.filter(Q(kind__in=API_CUSTOMER_EVENT_KINDS) | Q(actor=person))
        if requester
        else events.filter(actor=person)
    )
    out = {
        "reference": ticket.reference,
        "role": role,
        "organization": ticket.organization.name,
        "status": ticket.status,
        "priority": ticket.priority.name,
        "plan": ticket.plan.name,
        "channel": ticket.channel,
        "received_at": _at(ticket.received_at),
        "first_response_due_at": _at(ticket.first_response_due_at),
        "first_responded_at": _at(ticket.first_responded_at),
        "resolution_due_at": _at(ticket.resolution_due_at),
        "resolved_at": _at(ticket.resolved_at),
        "closed_at": _at(ticket.closed_at),
        "thread": thread,
        "events": [
            {
                "kind": e.kind,
                "at": _at(e.created_at),
                "by": _who(e.actor, person),
                # Another customer's edit is their text; a staff or system change is about the ticket.
                "old": e.old_value
                if (e.actor is None or e.actor.is_staff or e.actor_id == person.pk)
                else WITHHELD,
                "new": e.new_value
                if (e.actor is None or e.actor.is_staff or e.actor_id == person.pk)
                else WITHHELD,
                "reason": e.reason
                if (e.actor is None or e.actor.is_staff or e.actor_id == person.pk)
                else WITHHELD,
            }
            for e in events
        ],
    }
    if requester:
        out.update(
            subject=ticket.subject, description=ticket.description, request_fields=ticket.request_fields
        )
        survey = SurveyResponse.objects.filter(ticket=ticket).first()
        if survey is not None:
            out["survey"] = {
                "sent_at": _at(survey.sent_at),
                "answered_at": _at(survey.answered_at),
                "rating": survey.rating,
                "comment": survey.comment,
            }
    return out


def _notifications(person: User) -> list[dict]:
    rows = []
    qs = Notification.objects.filter(
        Q(recipient__iexact=person.email) | Q(recipient_user=person), channel=Notification.Channel.EMAIL
    ).select_related("ticket")
    for n in qs.order_by("created_at", "pk"):
        try:
            rendered = notification_render(n)
        except Exception:  # a template gone since: the row's facts are still theirs
            rendered = {"subject": "", "text": ""}
        rows.append(
            {
                "event": n.event,
                "ticket": n.ticket.reference if n.ticket else None,
                "to": n.recipient,
                "status": n.status,
                "created_at": _at(n.created_at),
                "sent_at": _at(n.sent_at),
                "subject": rendered["subject"],
                "text": rendered["text"],
            }
        )
    return rows


def privacy_export(
    *, person: User, by: User | None, now: datetime, channel: str, out: BinaryIO
) -> PrivacyRequest:
    """Write the person's archive to ``out`` (a binary file) and record who asked. Only an admin, or the
    person for themselves (``check_may_request``)."""
    check_may_request(kind=PrivacyRequest.Kind.EXPORT, person=person, by=by)
    check_self_export_rate(person=person, by=by, now=now)
    files: list[tuple[str, Attachment]] = []
    tickets = [_ticket(t, person, files) for t in _their_tickets(person)]
    inbound = list(InboundEmail.objects.filter(sender__iexact=person.email).order_by("received_at", "pk"))
    documents = {
        "profile.json": _profile(person),
        "tickets.json": tickets,
        "notifications.json": _notifications(person),
        "inbound_email.json": [
            {
                "received_at": _at(row.received_at),
                "subject": row.subject,
                "outcome": row.outcome,
                "ticket": f"#{row.ticket_id}" if row.ticket_id else None,
                "raw": f"inbound/{row.pk}.eml" if row.raw else None,
            }
            for row in inbound
        ],
    }
    written, missing = [], []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in documents.items():
            archive.writestr(name, json.dumps(data, indent=2, ensure_ascii=False, default=str))
            written.append(name)
        for path, attachment in files:
            try:
                with attachment.file.open("rb") as fh, archive.open(path, "w") as dest:
                    for chunk in iter(lambda: fh.read(1 << 16), b""):
                        dest.write(chunk)
                written.append(path)
            except FileNotFoundError:
                missing.append(path)
        for row in inbound:
            if row.raw:
                try:
                    with row.raw.open("rb") as fh:
                        archive.writestr(f"inbound/{row.pk}.eml", fh.read())
                    written.append(f"inbound/{row.pk}.eml")
                except FileNotFoundError:
                    missing.append(f"inbound/{row.pk}.eml")
        archive.writestr("README.txt", README)
        request = audit(
            kind=PrivacyRequest.Kind.EXPORT,
            channel=channel,
            person=person,
            by=by,
            now=now,
            summary={
                "tickets": len(tickets),
                "files": len(files) - len(missing),
                "missing_files": len(missing),
            },
        )
        archive.writestr(
            "manifest.json",
            json.dumps(
                {
                    "generated_at": now.isoformat(),
                    "person": person.pk,
                    "request": request.pk,
                    "requested_by": "the person"
                    if by is not None and by.pk == person.pk
                    else ("an administrator" if by else "the operator"),
                    "files": written,
                    "missing_files": missing,
                },
                indent=2,
            ),
        )
    return request
