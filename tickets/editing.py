"""Editing a ticket's request (subject, description, form fields) after it was filed."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from accounts.models import User

from .models import Status, Ticket, TicketEvent
from .services import TicketError, _event, _lock


def ticket_edit(
    *,
    ticket: Ticket,
    by: User,
    now: datetime,
    subject: str | None = None,
    description: str | None = None,
    request_fields: dict | None = None,
) -> Ticket:
    """Change what was asked. Customers may do so while the ticket is still new (nobody has worked
    on it, so nobody acted on the old text); staff may correct any ticket that is not closed.
    Every change is recorded as an ``edited`` event with the old and new values."""
    with transaction.atomic():
        ticket = _lock(ticket)
        if ticket.status == Status.CLOSED:
            raise TicketError("A closed ticket cannot be edited; reopen it first.")
        if not by.is_staff and ticket.status != Status.NEW:
            raise TicketError("The request can only be edited while the ticket is new; add a reply instead.")
        changes = {}
        if subject is not None:
            subject = subject.strip()[:255]
            if not subject:
                raise TicketError("The subject cannot be empty.")
            if subject != ticket.subject:
                changes["subject"] = (ticket.subject, subject)
                ticket.subject = subject
        if description is not None and description != ticket.description:
            changes["description"] = (ticket.description, description)
            ticket.description = description
        if request_fields is not None and request_fields != ticket.request_fields:
            changes["request_fields"] = (ticket.request_fields, request_fields)
            ticket.request_fields = request_fields
        if not changes:
            return ticket
        ticket.save()
        for field, (old, new) in changes.items():
            _event(
                ticket, TicketEvent.Kind.EDITED, now=now, actor=by, old=old, new=new, data={"field": field}
            )
        return ticket
