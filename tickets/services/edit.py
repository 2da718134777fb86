"""Editing what was asked (subject, description, form fields), with the old text kept in the audit."""

from __future__ import annotations

import json
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from .. import policy
from ..models import Ticket, TicketEvent
from ..policy import TicketError
from ..signals import ticket_event_send
from ._common import _event, _lock


@transaction.atomic
def ticket_edit_request(
    *,
    ticket: Ticket,
    by: User,
    now: datetime,
    subject: str | None = None,
    description: str | None = None,
    request_fields: dict | None = None,
) -> Ticket:
    """Change what was asked (subject, description, form fields), keeping the old text in the audit.

    Staff may correct any ticket that is not closed. The requester may rewrite it while it is still new
    (nobody has acted on the old text) and, as the telephony policy allows, once a response target is
    breached.
    """
    ticket = _lock(ticket)
    policy.check_edit(ticket, now, by=by)
    changes: dict[str, tuple] = {}
    new_values = {
        "subject": (subject or "").strip()[:255] if subject is not None else None,
        "description": description,
        "request_fields": request_fields,
    }
    for field, value in new_values.items():
        if value is None or value == getattr(ticket, field):
            continue
        if field == "subject" and not value:
            raise TicketError(_("The subject cannot be empty."))
        changes[field] = (getattr(ticket, field), value)
        setattr(ticket, field, value)
    if not changes:
        return ticket
    ticket.last_activity_at = now
    if not by.is_staff:
        ticket.last_customer_activity_at = now
    ticket.save()
    for field, (old, new) in changes.items():  # one audit row per field, old text kept in full
        # Text as it is; form fields (a dict) as JSON, never a Python repr.
        _event(
            ticket,
            TicketEvent.Kind.EDITED,
            now=now,
            actor=by,
            old=old if isinstance(old, str) else json.dumps(old, ensure_ascii=False),
            new=new if isinstance(new, str) else json.dumps(new, ensure_ascii=False),
            data={"field": field, "old": old, "new": new},
        )
    ticket_event_send(
        ticket,
        "updated",
        now=now,
        changes={field: {"old": old, "new": new} for field, (old, new) in changes.items()},
    )
    return ticket
