"""Abuse of the top priorities (telephony policy: "abuse of Urgent and High categories will result in all
tickets from your organization being downgraded").

The decision is recorded on the organization (who, when, why), its open tickets at the levels marked
``abuse_guarded`` drop one level each through ``ticket_reclassify`` (reason on the audit trail, customer
told, deadlines recomputed), and until the bar is lifted every new request at a guarded level is filed
one level lower (``policy.filing_priority``, on every channel).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, User
from sla.models import PriorityLevel

from ..models import Ticket
from ..policy import TicketError, level_below
from ..reasons import Reason
from .classify import ticket_reclassify


@dataclass(frozen=True)
class AbuseDecision:
    organization: Organization
    downgraded: list[tuple[Ticket, str, str]]  # (ticket, old level name, new level name)


def abuse_downgrades(organization: Organization) -> list[tuple[Ticket, PriorityLevel]]:
    """The organization's open tickets at levels guarded against abuse, each with the level just below
    (what a bar would do; the decision page previews it)."""
    below = {level.pk: level_below(level) for level in PriorityLevel.objects.filter(abuse_guarded=True)}
    below = {pk: level for pk, level in below.items() if level is not None}
    tickets = (
        Ticket.objects.open()
        .filter(organization=organization, priority_id__in=below.keys())
        .select_related("priority")
        .order_by("priority_rank", "received_at", "id")
    )
    return [(ticket, below[ticket.priority_id]) for ticket in tickets]


@transaction.atomic
def organization_bar_top_priority(
    *, organization: Organization, by: User | None, reason: str, now: datetime
) -> AbuseDecision:
    """Record the abuse decision, downgrade the organization's open top-level tickets, bar the top level."""
    reason = (reason or "").strip()
    if not reason:
        raise TicketError(_("Give a reason for the abuse decision; the customer is told it."))
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    who = by.display_name if by else "system"
    organization.may_file_top_priority = False
    organization.top_priority_barred_reason = f"{now:%Y-%m-%d %H:%M} UTC, {who}: {reason}"
    organization.save(update_fields=["may_file_top_priority", "top_priority_barred_reason"])
    downgraded = []
    for ticket, new in abuse_downgrades(organization):
        old = ticket.priority
        ticket_reclassify(
            ticket=ticket,
            priority=new,
            by=by,
            now=now,
            # kept as a message and its values (``tickets.reasons``): each reader reads it in their language
            reason=Reason(
                _("Organization-wide downgrade for abuse of the %(level)s category: %(reason)s"),
                level=old.name,
                reason=reason,
            ),
        )
        downgraded.append((ticket, old.name, new.name))
    return AbuseDecision(organization=organization, downgraded=downgraded)


@transaction.atomic
def organization_lift_top_priority_bar(
    *, organization: Organization, by: User | None, now: datetime
) -> Organization:
    """Let the organization file the top level again (downgraded tickets keep their level)."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if organization.may_file_top_priority:
        return organization
    organization.may_file_top_priority = True
    who = by.display_name if by else "system"
    organization.top_priority_barred_reason = (
        f"Lifted {now:%Y-%m-%d %H:%M} UTC by {who}. Was: {organization.top_priority_barred_reason}"
    )[:5000]
    organization.save(update_fields=["may_file_top_priority", "top_priority_barred_reason"])
    return organization
