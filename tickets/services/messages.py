"""Replies and internal notes: the first response, the resume of a waiting ticket, a customer's reopen."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from .. import policy
from ..models import Channel, Message, Status, Ticket
from ..policy import TicketError
from ..reasons import Reason
from ..schedule import next_actions_mark
from ..signals import ticket_event_send
from ._common import _first_response_met, _lock, _notify_requester, _notify_staff
from .status import _set_status, _status_notice


@transaction.atomic
def message_add(
    *,
    ticket: Ticket,
    author: User | None,
    body: str,
    now: datetime,
    kind: str = Message.Kind.PUBLIC,
    channel: str = Channel.WEB,
    body_html: str = "",
    quoted_text: str = "",
    email_message_id: str = "",
    set_status: str | None = None,
    minutes: int | None = None,
    automatic: bool = False,
) -> Message:
    """Add a reply or internal note. A staff reply is the first response; a customer's answer to a
    ticket that waits on them resumes its clock; a customer's reply to a resolved or closed ticket
    reopens it."""
    ticket = _lock(ticket)
    # ``automatic``: written by the desk itself (an automation rule), on the staff side; it meets no
    # response target and fires no reply rules.
    from_staff = bool(author and author.is_staff) or automatic
    status_at_start = ticket.status
    if kind == Message.Kind.INTERNAL and not from_staff:
        raise TicketError(_("Only staff can add internal notes."))
    if kind == Message.Kind.PUBLIC and not from_staff and ticket.status in policy.DONE_STATUSES:
        policy.check_reopen(ticket, now, by=author)  # a customer's reply reopens: the same window applies
    if not (body or "").strip() and not body_html:
        raise TicketError(_("The message is empty."))
    policy.check_minutes(ticket, minutes, from_staff=from_staff, channel=channel)
    message = Message.objects.create(
        ticket=ticket,
        kind=kind,
        author=author,
        from_staff=from_staff,
        channel=channel,
        body=body,
        body_html=body_html,
        quoted_text=quoted_text,
        email_message_id=email_message_id,
        minutes=minutes,
        created_at=now,
    )
    if kind == Message.Kind.PUBLIC:
        ticket.last_activity_at = now
        if from_staff and automatic:
            pass  # the desk's own answer: the customer is told (below), the clocks are not stopped
        elif from_staff:
            ticket.last_staff_activity_at = now
            _first_response_met(ticket, now=now, actor=author, how="reply")
            if ticket.status == Status.NEW:
                _set_status(ticket, Status.OPEN, now=now, actor=author)
        if from_staff:
            _notify_requester(
                ticket, "staff_reply", now=now, automatic=automatic, message_id=message.pk, body=body
            )
        else:
            ticket.last_customer_activity_at = now
            if ticket.status == Status.WAITING:
                _set_status(
                    ticket, Status.OPEN, now=now, actor=author, reason=Reason(_("the customer replied"))
                )
            elif ticket.status in policy.DONE_STATUSES:
                _set_status(
                    ticket,
                    Status.OPEN,
                    now=now,
                    actor=author,
                    reason=Reason(_("reopened: the customer replied")),
                )
            if ticket.assignee_id:
                _notify_staff(ticket, "customer_reply", [ticket.assignee], now=now, body=body)
    elif from_staff:
        ticket.last_staff_activity_at = now
    status_before = ticket.status
    if set_status:
        _set_status(ticket, set_status, now=now, actor=author)
    next_actions_mark(ticket, now=now)
    ticket.save()
    if set_status and ticket.status != status_before:
        _status_notice(ticket, ticket.status, now=now)
    if kind == Message.Kind.PUBLIC and not automatic:
        ticket_event_send(
            ticket, "staff_replied" if from_staff else "customer_replied", now=now, message=message
        )
    elif kind == Message.Kind.INTERNAL:
        ticket_event_send(ticket, "note_added", now=now, message=message)
    if ticket.status != status_at_start:
        ticket_event_send(ticket, "status_changed", now=now, old=status_at_start)
    return message
