"""Bulk actions: one change applied to many tickets in one request, each ticket through the same service a
person uses on the ticket page (so every rule, event and notice applies per ticket), each in its own
transaction (a ticket is changed whole or not at all; one refusal does not undo the others).

An action checks its inputs once, before any ticket is touched (``prepare``: a bad input refuses the
whole request), then runs per ticket. Apps add actions at start-up (``bulk_action_register``): automation
adds "apply a macro", so tickets never imports automation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext

from sla.models import PriorityLevel

from .. import policy
from ..models import Incident, Status, Ticket
from ..policy import TicketError
from .assign import ticket_assign
from .classify import ticket_reclassify
from .incidents import incident_link_ticket
from .merge import ticket_merge
from .status import ticket_change_status
from .tags import ticket_tags_change

BULK_MAX = 500  # tickets per request: an outage's worth, and what one request may spend on notices

# run(ticket=, by=, now=) -> anything; raises TicketError to refuse this ticket.
Run = Callable[..., Any]


@dataclass(frozen=True)
class BulkAction:
    name: str
    label: str
    # (inputs, user) -> run. Checks the inputs once; raises TicketError when they are wrong.
    prepare: Callable[[Mapping[str, Any], Any], Run]


BULK_ACTIONS: dict[str, BulkAction] = {}


def bulk_action_register(action: BulkAction) -> None:
    BULK_ACTIONS[action.name] = action


@dataclass
class Refusal:
    ticket_id: int
    reference: str
    reason: str


@dataclass
class BulkResult:
    changed: list[int] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)

    def summary(self, *, reasons: int = 10) -> str:
        """ "48 changed, 2 refused: HD-7: why; HD-9: why" (the first ``reasons`` reasons)."""
        text = ngettext("%(n)d changed", "%(n)d changed", len(self.changed)) % {"n": len(self.changed)}
        if self.refused:
            why = "; ".join(f"{r.reference}: {r.reason}" for r in self.refused[:reasons])
            if len(self.refused) > reasons:
                why += pgettext("bulk refusals", "; and %(n)d more") % {"n": len(self.refused) - reasons}
            text += ngettext(", %(n)d refused: %(why)s", ", %(n)d refused: %(why)s", len(self.refused)) % {
                "n": len(self.refused),
                "why": why,
            }
        return text


def tickets_bulk_apply(
    *, action: str, inputs: Mapping[str, Any], ids: Iterable[int], by, now: datetime
) -> BulkResult:
    """Apply ``action`` to each ticket in ``ids`` that ``by`` may see, one transaction per ticket.

    Raises ``TicketError`` before touching anything when the action or its inputs are wrong, or there are
    more than ``BULK_MAX`` tickets. Ids ``by`` may not see are refused like missing ones ("no such ticket").
    Runs outside any transaction of the caller's on purpose: each ticket commits on its own.
    """
    if not (by is not None and by.is_active and by.is_staff):
        raise TicketError(_("Only staff act on many tickets at once."))
    chosen = BULK_ACTIONS.get(action)
    if chosen is None:
        raise TicketError(_("Unknown action: choose one of %(actions)s."), actions=", ".join(BULK_ACTIONS))
    ids = list(dict.fromkeys(int(i) for i in ids))
    if not ids:
        raise TicketError(_("Select at least one ticket."))
    if len(ids) > BULK_MAX:
        raise TicketError(
            _("%(n)d tickets selected; act on at most %(max)d at once."), n=len(ids), max=BULK_MAX
        )
    run = chosen.prepare(inputs, by)
    found = {t.pk: t for t in Ticket.objects.visible_to(by).filter(pk__in=ids)}
    result = BulkResult()
    for pk in ids:
        ticket = found.get(pk)
        if ticket is None:
            result.refused.append(Refusal(pk, f"#{pk}", "no such ticket"))
            continue
        try:
            with transaction.atomic():
                run(ticket=ticket, by=by, now=now)
        except TicketError as exc:
            result.refused.append(Refusal(pk, ticket.reference, str(exc)))
        else:
            result.changed.append(pk)
    return result


# --- the ticket services' actions ----------------------------------------------------------------


def _text(inputs: Mapping[str, Any], name: str) -> str:
    value = inputs.get(name)
    return "" if value is None else str(value).strip()


def _assign(inputs, user) -> Run:
    # "someone else": an address (or id) typed beside the picker, which lists only the nearby people
    ref = _text(inputs, "assignee_other") or _text(inputs, "assignee")
    if ref == "me":
        agent = user
    elif ref in ("", "none"):
        agent = None
    else:
        lookup = {"pk": int(ref)} if ref.isdigit() and len(ref) < 15 else {"email__iexact": ref}
        agent = get_user_model().objects.filter(is_active=True, is_staff=True, **lookup).first()
        if agent is None:
            raise TicketError(_("No active staff member with this id or email address."))
    return lambda *, ticket, by, now: ticket_assign(ticket=ticket, agent=agent, by=by, now=now)


def _status(inputs, user) -> Run:
    status = _text(inputs, "status")
    if status not in Status.values or status == Status.NEW:
        raise TicketError(_("Choose the new status: open, waiting, resolved or closed."))
    reason = _text(inputs, "reason")[:255]
    return lambda *, ticket, by, now: ticket_change_status(
        ticket=ticket, status=status, by=by, now=now, reason=reason
    )


def _reclassify(inputs, user) -> Run:
    priority = PriorityLevel.objects.filter(slug=_text(inputs, "priority")).first()
    if priority is None:
        raise TicketError(_("Choose the new priority."))
    reason = _text(inputs, "reason")[:2000]
    if not reason:
        raise TicketError(_("Give a reason for changing the priority (the customers are told)."))
    return lambda *, ticket, by, now: ticket_reclassify(
        ticket=ticket, priority=priority, by=by, reason=reason, now=now
    )


def _tag(inputs, user) -> Run:
    def names(name: str) -> list[str]:
        raw = inputs.get(name) or []
        items = raw.split(",") if isinstance(raw, str) else list(raw)
        return [policy.tag_name(i) for i in items if str(i).strip()]

    add, remove = names("add"), names("remove")
    if not add and not remove:
        raise TicketError(_("Name a tag to add or remove."))
    return lambda *, ticket, by, now: ticket_tags_change(
        ticket=ticket, add=add, remove=remove, by=by, now=now
    )


def _incident(inputs, user) -> Run:
    ref = _text(inputs, "incident")
    incident = Incident.objects.filter(pk=int(ref)).first() if ref.isdigit() and len(ref) < 15 else None
    if incident is None or not incident.is_open:
        raise TicketError(_("Choose an open incident."))
    return lambda *, ticket, by, now: incident_link_ticket(incident=incident, ticket=ticket, by=by, now=now)


def _merge(inputs, user) -> Run:
    pk = policy.parse_reference(_text(inputs, "target"))
    target = Ticket.objects.visible_to(user).filter(pk=pk).first() if pk else None
    if target is None:
        raise TicketError(_("Name the ticket to merge into (e.g. HD-123)."))

    def run(*, ticket, by, now):
        if ticket.pk != target.pk:  # the target itself stays as it is
            ticket_merge(source=ticket, target=target, by=by, now=now)

    return run


for _action in (
    BulkAction("assign", _("Assign"), _assign),
    BulkAction("status", _("Change status"), _status),
    BulkAction("reclassify", _("Re-classify (reason required)"), _reclassify),
    BulkAction("tag", _("Tag / untag"), _tag),
    BulkAction("incident", _("Link to incident"), _incident),
    BulkAction("merge", _("Merge into one ticket"), _merge),
):
    bulk_action_register(_action)
