"""Tagging: adding and removing free tags on a ticket, an event per tag that changed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction

from accounts.models import User

from .. import policy
from ..models import Tag, Ticket, TicketEvent, TicketTag
from ..reasons import Reason
from ._common import _event, _lock


def _names(raw: Iterable[str] | str) -> list[str]:
    """Tag names in the order given, each once; a comma-separated string is a list too."""
    if isinstance(raw, str):
        raw = raw.split(",")
    names: list[str] = []
    for item in raw or ():
        if str(item).strip():
            name = policy.tag_name(item)
            if name not in names:
                names.append(name)
    return names


@transaction.atomic
def ticket_tags_change(
    *,
    ticket: Ticket,
    add: Iterable[str] | str = (),
    remove: Iterable[str] | str = (),
    by: User | None,
    now: datetime,
    reason: str | Reason = "",
) -> Ticket:
    """Add and remove tags (free: a new name becomes a tag), recording an event for each one that
    actually changed. ``by`` is the technician, or ``None`` for automation (then ``reason`` names the
    rule). A name in both lists is removed. Raises ``TicketError`` for a bad name, a customer, or too
    many tags; nothing changes then."""
    add_names, remove_names = _names(add), _names(remove)
    add_names = [n for n in add_names if n not in remove_names]
    policy.check_tags(by=by, count=0)
    ticket = _lock(ticket)
    have = dict(TicketTag.objects.filter(ticket=ticket).values_list("tag__name", "pk"))
    adding = [n for n in add_names if n not in have]
    removing = [n for n in remove_names if n in have]
    if not adding and not removing:
        return ticket
    policy.check_tags(by=by, count=len(have) + len(adding) - len(removing))
    if removing:
        TicketTag.objects.filter(pk__in=[have[n] for n in removing]).delete()
    if adding:
        Tag.objects.bulk_create([Tag(name=n) for n in adding], ignore_conflicts=True)
        tags = Tag.objects.filter(name__in=adding)
        TicketTag.objects.bulk_create(
            [TicketTag(ticket=ticket, tag=tag, added_by=by, added_at=now) for tag in tags]
        )
    for kind, names in ((TicketEvent.Kind.TAG_ADDED, adding), (TicketEvent.Kind.TAG_REMOVED, removing)):
        for name in names:
            _event(
                ticket,
                kind,
                now=now,
                actor=by,
                old=name if kind == TicketEvent.Kind.TAG_REMOVED else "",
                new=name if kind == TicketEvent.Kind.TAG_ADDED else "",
                reason=reason,
            )
    ticket.save(update_fields=["updated_at"])
    return ticket


@transaction.atomic
def ticket_tags_set(
    *, ticket: Ticket, names: Iterable[str] | str, by: User | None, now: datetime, reason: str = ""
) -> Ticket:
    """Make the ticket's tags exactly ``names`` (the API's PATCH), through ``ticket_tags_change``."""
    wanted = _names(names)
    ticket = _lock(ticket)
    have = set(TicketTag.objects.filter(ticket=ticket).values_list("tag__name", flat=True))
    return ticket_tags_change(
        ticket=ticket,
        add=[n for n in wanted if n not in have],
        remove=sorted(have - set(wanted)),
        by=by,
        now=now,
        reason=reason,
    )
