"""Erase a person: their identity, their words and their files go; the service figures stay.

The account row is kept as a placeholder ("Erased person", ``erased-<id>@erased.invalid``, no password,
inactive), because tickets point at their requester and the SLA history of those tickets is the
company's record (README: "What an erase keeps").
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q

from accounts.models import ApiToken, Invitation, User
from automation.models import Macro, Rule
from notifications.models import Notification, Suppression
from notifications.services import suppression_add
from tickets.models import (
    Attachment,
    FilingKey,
    InboundEmail,
    Message,
    SenderHold,
    SurveyResponse,
    Ticket,
    TicketEvent,
)

from ..models import PrivacyRequest
from ..scrub import ERASED_NAME, ERASED_TEXT, Scrubber
from ..signals import tickets_anonymised
from ._common import (
    PrivacyError,
    Stripped,
    audit,
    check_may_request,
    files_delete,
    inbound_scrub,
    is_system_reason,
    notifications_scrub,
    text_fields_kept,
    ticket_strip,
)

ERASED_DOMAIN = "erased.invalid"  # RFC 2606: never delivered anywhere


def erased_address(user: User) -> str:
    return f"erased-{user.pk}@{ERASED_DOMAIN}"


def is_erased(user: User) -> bool:
    return user.email.lower().endswith("@" + ERASED_DOMAIN)


def _their_texts(person: User, requested) -> list[str]:
    """Everything the person typed, so copies of it in other people's words can be found."""
    texts = list(Message.objects.filter(author=person, from_staff=False).values_list("body", flat=True))
    for ticket in requested.select_related("request_type").only(
        "subject", "description", "request_fields", "request_type__fields"
    ):
        texts += [ticket.subject, ticket.description]
        kept = text_fields_kept(ticket)  # a form's own choices are not their words: "Fuse" stays in replies
        texts += [
            v for k, v in (ticket.request_fields or {}).items() if isinstance(v, str) and kept.get(k) != v
        ]
    texts += list(SurveyResponse.objects.filter(ticket__in=requested).values_list("comment", flat=True))
    texts += [
        r
        for r in TicketEvent.objects.filter(actor=person).exclude(reason="").values_list("reason", flat=True)
        if not is_system_reason(r)
    ]
    return texts


def _tickets_naming(email: str) -> set[int]:
    """Tickets an address reaches: mail it sent, a copy list, or text that spells it (a rare, deliberate
    scan: an address is exact enough to look for everywhere)."""
    ids = set(
        InboundEmail.objects.filter(sender__iexact=email, ticket__isnull=False).values_list(
            "ticket_id", flat=True
        )
    )
    ids |= set(
        Ticket.objects.filter(
            Q(cc_emails__icontains=email) | Q(subject__icontains=email) | Q(description__icontains=email)
        ).values_list("pk", flat=True)
    )
    ids |= set(
        Message.objects.filter(Q(body__icontains=email) | Q(quoted_text__icontains=email)).values_list(
            "ticket_id", flat=True
        )
    )
    return ids


def _their_other_tickets(person: User, email: str, requested_ids: set[int]) -> list[int]:
    """Tickets of others that hold something of theirs: copied, wrote, uploaded, acted, or named by address."""
    ids = set(Ticket.cc.through.objects.filter(user_id=person.pk).values_list("ticket_id", flat=True))
    ids |= set(Message.objects.filter(author=person).values_list("ticket_id", flat=True))
    ids |= set(Attachment.objects.filter(uploaded_by=person).values_list("ticket_id", flat=True))
    ids |= set(TicketEvent.objects.filter(actor=person).values_list("ticket_id", flat=True))
    ids |= _tickets_naming(email)
    return sorted(ids - requested_ids)


def _sessions_end(person: User, now: datetime) -> int:
    """Sign the person out everywhere (the session rows hold only their id, but they are theirs)."""
    doomed = []
    for session in Session.objects.filter(expire_date__gt=now).iterator(chunk_size=500):
        try:
            data = session.get_decoded()
        except Exception:  # a corrupt row: not ours to judge
            continue
        if str(data.get("_auth_user_id", "")) == str(person.pk):
            doomed.append(session.pk)
    Session.objects.filter(pk__in=doomed).delete()
    return len(doomed)


def _admin_log_scrub(person: User | None, scrub: Scrubber, needles: list[str], ticket_ids: list[int]) -> int:
    """The admin's history names objects by their text at the time ("HD-4 Casey's phone"): rewrite it."""
    user_ct = ContentType.objects.get_for_model(User)
    ticket_ct = ContentType.objects.get_for_model(Ticket)
    match = Q(content_type=ticket_ct, object_id__in=[str(i) for i in ticket_ids])
    if person is not None:
        match |= Q(content_type=user_ct, object_id=str(person.pk))
    for needle in needles:
        match |= Q(object_repr__icontains=needle) | Q(change_message__icontains=needle)
    done = 0
    for entry in LogEntry.objects.filter(match):
        repr_ = scrub.text(entry.object_repr)
        if person is not None and entry.content_type_id == user_ct.pk and entry.object_id == str(person.pk):
            repr_ = ERASED_NAME
        elif entry.content_type_id == ticket_ct.pk and entry.object_id in {str(i) for i in ticket_ids}:
            repr_ = f"#{entry.object_id} {ERASED_TEXT}"
        LogEntry.objects.filter(pk=entry.pk).update(
            object_repr=repr_[:200], change_message=scrub.text(entry.change_message)
        )
        done += 1
    return done


def person_erase(
    *, person: User, by: User | None, now: datetime, channel: str, note: str = ""
) -> PrivacyRequest:
    """Erase ``person`` (a customer account): see the module docstring and the README for what stays.

    Idempotent: erasing an erased person finds nothing more to take and records the request again.
    Refused for staff accounts: take their staff rights away first (an admin decision, on purpose).
    """
    check_may_request(kind=PrivacyRequest.Kind.ERASE, person=person, by=by)
    if person.is_staff or person.is_superuser:
        raise PrivacyError(
            "This is a staff account. Remove its staff status first; staff replies stay as the company's record."
        )
    if by is not None and by.pk == person.pk:
        raise PrivacyError("An administrator erases accounts; you cannot erase your own.")
    with transaction.atomic():
        person = User.objects.select_for_update().get(pk=person.pk)
        email = person.email
        placeholder = erased_address(person)
        names = [person.full_name, person.first_name, person.last_name, person.get_full_name()]
        names = [n for n in names if n and n != ERASED_NAME]
        addresses = {email.lower()} if not is_erased(person) else set()
        requested = Ticket.objects.filter(requester=person)
        scrub = Scrubber(
            names=names,
            addresses=addresses,
            texts=_their_texts(person, requested),
            address_placeholder=placeholder,
        )
        requested_ids = sorted(requested.values_list("pk", flat=True))
        other_ids = _their_other_tickets(person, email, set(requested_ids)) if not is_erased(person) else []
        stripped = Stripped(tickets=0)
        author_ids = {person.pk}
        for ids, whole in ((requested_ids, True), (other_ids, False)):
            for ticket in (
                Ticket.objects.select_for_update(of=("self",))
                .select_related("request_type")
                .filter(pk__in=ids)
                .order_by("pk")
            ):
                stripped.add(
                    ticket_strip(
                        ticket,
                        scrub=scrub,
                        author_ids=author_ids,
                        addresses=addresses,
                        whole=whole,
                        address_placeholder=placeholder,
                    )
                )
        # Anything else addressed to them or sent by them, on no ticket of theirs.
        stripped.notifications_scrubbed += notifications_scrub(
            Notification.objects.filter(Q(recipient__iexact=email) | Q(recipient_user=person)),
            scrub=scrub,
            addresses=addresses | {placeholder},
            placeholder=placeholder,
        )
        n, names_ = inbound_scrub(
            InboundEmail.objects.filter(sender__iexact=email),
            scrub=scrub,
            addresses=addresses,
            placeholder=placeholder,
        )
        stripped.inbound_scrubbed += n
        stripped.files += names_
        files_delete(stripped.files)

        account = {
            "api_tokens_deleted": ApiToken.objects.filter(user=person).delete()[0],
            "sessions_ended": _sessions_end(person, now),
            "invitations_deleted": Invitation.objects.filter(email__iexact=email).delete()[0],
            "sender_holds_deleted": SenderHold.objects.filter(user=person).delete()[0],
            "filing_keys_deleted": FilingKey.objects.filter(user=person).delete()[0],
            "macros_deleted": Macro.objects.filter(owner=person, scope=Macro.Scope.PERSONAL).delete()[0],
            "suppressions_deleted": Suppression.objects.filter(email__iexact=email).delete()[0]
            if addresses
            else 0,
            "admin_log_rewritten": _admin_log_scrub(
                person, scrub, [n for n in [*names, email] if n and len(n) >= 3], requested_ids
            ),
        }
        Macro.objects.filter(owner=person).update(owner=None)
        for rule in Rule.objects.filter(notify_emails__icontains=email) if addresses else []:
            rule.notify_emails = [e for e in rule.notify_emails if (e or "").lower() not in addresses]
            rule.save(update_fields=["notify_emails"])
        person.teams.clear()
        person.groups.clear()
        person.user_permissions.clear()

        person.email = person.username = placeholder
        person.full_name, person.first_name, person.last_name, person.phone = ERASED_NAME, "", "", ""
        person.organization = None
        person.is_org_admin = False
        person.is_active = False
        person.email_verified_at = None
        person.last_login = None
        person.set_unusable_password()  # also ends password-reset and sign-in links made before
        person.save()
        # Mail about their old tickets (a late staff reply) must never go to the placeholder.
        suppression_add(
            email=placeholder, reason=Suppression.Reason.MANUAL, detail="erased at the person's request"
        )

        request = audit(
            kind=PrivacyRequest.Kind.ERASE,
            channel=channel,
            person=person,
            by=by,
            now=now,
            note=scrub.text(note),
            summary={
                "tickets_requested": len(requested_ids),
                "tickets_participated": len(other_ids),
                **stripped.counts(),
                **account,
            },
        )
        changed = requested_ids + other_ids
        transaction.on_commit(lambda: tickets_anonymised.send(sender=PrivacyRequest, ticket_ids=changed))
    return request


ERASED_ADDRESS = f"erased-address@{ERASED_DOMAIN}"


def address_erase(
    *, email: str, by: User | None, now: datetime, channel: str, note: str = ""
) -> PrivacyRequest:
    """Erase an address that has no account: someone copied on tickets by mail (``cc_emails``), mailed
    by the outbox or named in a thread, who never wrote in themselves. Their address leaves copy lists,
    the outbox, inbound mail, automation rules, the suppression list and every text that spells it."""
    check_may_request(kind=PrivacyRequest.Kind.ERASE, person=None, by=by)
    email = (email or "").strip().lower()
    if "@" not in email:
        raise PrivacyError("Give an email address.")
    if User.objects.filter(email__iexact=email).exists():
        raise PrivacyError("This address has an account: erase the account instead.")
    with transaction.atomic():
        addresses = {email}
        scrub = Scrubber(addresses=addresses, address_placeholder=ERASED_ADDRESS)
        ids = sorted(_tickets_naming(email))
        stripped = Stripped(tickets=0)
        for ticket in (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("request_type")
            .filter(pk__in=ids)
            .order_by("pk")
        ):
            stripped.add(
                ticket_strip(
                    ticket,
                    scrub=scrub,
                    author_ids=set(),
                    addresses=addresses,
                    whole=False,
                    address_placeholder=ERASED_ADDRESS,
                )
            )
        stripped.notifications_scrubbed += notifications_scrub(
            Notification.objects.filter(recipient__iexact=email),
            scrub=scrub,
            addresses=addresses,
            placeholder=ERASED_ADDRESS,
        )
        n, files = inbound_scrub(
            InboundEmail.objects.filter(sender__iexact=email),
            scrub=scrub,
            addresses=addresses,
            placeholder=ERASED_ADDRESS,
        )
        stripped.inbound_scrubbed += n
        files_delete(stripped.files + files)
        for rule in Rule.objects.filter(notify_emails__icontains=email):
            rule.notify_emails = [e for e in rule.notify_emails if (e or "").lower() != email]
            rule.save(update_fields=["notify_emails"])
        extra = {
            "invitations_deleted": Invitation.objects.filter(email__iexact=email).delete()[0],
            "suppressions_deleted": Suppression.objects.filter(email__iexact=email).delete()[0],
            "admin_log_rewritten": _admin_log_scrub(None, scrub, [email], []),
        }
        request = audit(
            kind=PrivacyRequest.Kind.ERASE,
            channel=channel,
            person=None,
            by=by,
            now=now,
            note=scrub.text(note),
            summary={"address_only": True, "tickets_participated": len(ids), **stripped.counts(), **extra},
        )
        transaction.on_commit(lambda: tickets_anonymised.send(sender=PrivacyRequest, ticket_ids=ids))
    return request
