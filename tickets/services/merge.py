"""Merging a duplicate ticket into another of the same organization."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from .. import policy
from ..models import Message, Status, Ticket, TicketEvent
from ..policy import TicketError
from ..reasons import Reason, body_fields
from ..schedule import next_actions_mark
from ._common import _event, _lock
from .status import _close_reason, _set_status


@transaction.atomic
def ticket_merge(*, source: Ticket, target: Ticket, by: User | None, now: datetime) -> Ticket:
    """Fold a duplicate into another ticket of the same organization: its thread moves over and it closes,
    pointing at the target."""
    if source.pk == target.pk:
        raise TicketError(_("A ticket cannot be merged into itself."))
    source, target = _lock(source), _lock(target)
    policy.check_merge(source, target)
    moved = {
        "messages": Message.objects.filter(ticket=source).update(ticket=target),
        "files": source.attachments.update(ticket=target),
    }
    for user in source.cc.all():
        target.cc.add(user)
    if source.requester_id != target.requester_id:
        target.cc.add(source.requester)
    Message.objects.create(
        ticket=target,
        kind=Message.Kind.SYSTEM,
        author=by,
        from_staff=True,
        **body_fields(Reason(_("%(reference)s was merged into this ticket."), reference=source.reference)),
        created_at=now,
    )
    source.merged_into = target
    if source.status != Status.CLOSED:
        _set_status(
            source,
            Status.CLOSED,
            now=now,
            actor=by,
            reason=Reason(_("merged into %(reference)s"), reference=target.reference),
        )
    _close_reason(source, Reason(_("Merged into %(reference)s"), reference=target.reference))
    next_actions_mark(source, now=now)
    source.save()
    for ticket in (target, source):  # both histories say what moved where
        _event(
            ticket,
            TicketEvent.Kind.MERGED,
            now=now,
            actor=by,
            old=source.reference,
            new=target.reference,
            data=moved,
        )
    target.save(update_fields=["updated_at"])
    return target
