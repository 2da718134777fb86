"""Filing a ticket once per attempt: the Back button, a double click or a retried API call finds the
ticket the first attempt filed instead of filing another (with its own mail and SLA clock).

The key is a new-ticket form's one-time token or an API client's ``Idempotency-Key``, stored per person
in ``FilingKey`` (unique on person and key), so the guard holds across processes and restarts.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction

from accounts.models import User

from ..models import FilingKey, Ticket
from ..policy import TicketError
from .create import ticket_create


class FilingKeyReused(TicketError):
    """The key already filed a ticket from a different request."""

    def __init__(self, ticket: Ticket):
        self.ticket = ticket
        super().__init__(
            f"This Idempotency-Key already filed {ticket.reference} from a different request. "
            "Send a new key to file a new ticket."
        )


@dataclass(frozen=True)
class Filed:
    ticket: Ticket
    created: bool  # False: an earlier attempt with this key filed it


def request_fingerprint(data) -> str:
    """A stable hash of a request's fields, so a repeated key with a different body is told apart."""
    if hasattr(data, "lists"):  # a QueryDict: every value of every field
        data = {k: v if len(v) > 1 else v[0] for k, v in data.lists()}
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def ticket_file_once(*, key: str, by: User, now: datetime, fingerprint: str = "", **filing) -> Filed:
    """``ticket_create(by=by, now=now, **filing)`` unless ``key`` already filed a ticket for ``by``.

    Without a key this simply files. A repeat returns the first ticket (``created=False``); with a
    ``fingerprint`` (the API), a repeat whose fingerprint differs raises ``FilingKeyReused``. The claim
    is written before the ticket, in the same transaction: a concurrent repeat waits on the unique index
    and then finds the committed ticket; a refused filing rolls the claim back, so a corrected retry
    with the same key files.
    """
    if not key:  # no transaction of its own: ticket_create has one (a savepoint here costs two queries)
        return Filed(ticket_create(by=by, now=now, **filing), created=True)
    return _file_with_key(key=key, by=by, now=now, fingerprint=fingerprint, **filing)


@transaction.atomic
def _file_with_key(*, key: str, by: User, now: datetime, fingerprint: str, **filing) -> Filed:
    try:
        with transaction.atomic():
            claim = FilingKey.objects.create(user=by, key=key, fingerprint=fingerprint, created_at=now)
    except IntegrityError:
        earlier = FilingKey.objects.select_related("ticket").get(user=by, key=key)
        if fingerprint and earlier.fingerprint != fingerprint:
            raise FilingKeyReused(earlier.ticket) from None
        return Filed(earlier.ticket, created=False)
    ticket = ticket_create(by=by, now=now, **filing)
    claim.ticket = ticket
    claim.save(update_fields=["ticket"])
    return Filed(ticket, created=True)
