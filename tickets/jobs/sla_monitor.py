"""The SLA monitor: warn once when a target is close, record a breach once when it passes.

Each target has two stored instants (``*_warn_at``, ``*_due_at``) set with the deadlines, and a
partial index per event holding only the tickets that still owe it. A pass reads the rows whose
instant has passed, so it costs what is due, not what is open. Rows are locked with
``select_for_update(skip_locked=True)`` and claimed by a conditional update before any alert is
queued; the outbox's unique ``dedupe_key`` is the second guard.

Writes are batched: per batch of due tickets one conditional claim UPDATE, one multi-row insert of
the SLA events and one bulk outbox write (``notification_queue_many``); rules, people and calendars
are read once per pass. A pass costs a fixed number of queries, not one round trip per message.

After an outage the next pass catches up with one event per ticket: a target that was close and is
now breached is recorded as breached only (a late "close" warning would be noise).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from notifications.services import notification_queue_many
from sla.models import AlertRule

from ..models import Ticket, TicketEvent
from ..reasons import Reason, stored
from ..signals import tickets_event_send
from ..snapshot import ticket_url
from ._common import BATCH, MAX_PER_PASS, Pass

TARGETS = ("first_response", "resolution")
# English here (history and integrations); the alert mail says them in its reader's language.
LABELS = {"first_response": gettext_noop("first response"), "resolution": gettext_noop("resolution")}
# The history's reasons, kept as messages (``tickets.reasons``): each reader reads them in their language.
PASSED = {
    "first_response": Reason(_("first response target passed")),
    "resolution": Reason(_("resolution target passed")),
}
CLOSE = {
    "first_response": Reason(_("first response target close")),
    "resolution": Reason(_("resolution target close")),
}


def _running(kind: str) -> Q:
    """The target's clock still runs (a resolution clock stops while waiting on the customer)."""
    if kind == "first_response":
        return Q(first_responded_at__isnull=True)
    return Q(resolved_at__isnull=True, sla_paused_at__isnull=True)


def breach_due(kind: str, now: datetime):
    """Tickets whose ``kind`` target has passed unrecorded (served by ``ticket_*_breach_pending``)."""
    return Ticket.objects.open().filter(
        _running(kind), **{f"{kind}_breached_at__isnull": True, f"{kind}_due_at__lte": now}
    )


def warning_due(kind: str, now: datetime):
    """Tickets whose ``kind`` target is close (served by ``ticket_*_warn_pending``).

    Deliberately no ``due_at > now`` here: that condition would tempt the planner into scanning every
    on-track ticket through the breach index. The breaches run first in a pass, so a row here whose
    target has passed is rare; it is claimed without a warning and breached on the next pass.
    """
    return Ticket.objects.open().filter(
        _running(kind),
        **{
            f"{kind}_warned_at__isnull": True,
            f"{kind}_breached_at__isnull": True,
            f"{kind}_warn_at__lte": now,
        },
    )


def _default_audience(ticket: Ticket) -> str:
    # Without a rule: the owner, or, while nobody owns the ticket, the team leads.
    return AlertRule.Audience.ASSIGNEE if ticket.assignee_id else AlertRule.Audience.TEAM_LEADS


def _lock_batch(qs, order: str) -> list[Ticket]:
    return list(
        qs.select_for_update(skip_locked=True, of=("self",))
        .select_related("priority", "plan", "assignee", "organization", "requester")  # + the mail's snapshot
        .order_by(order, "pk")[:BATCH]
    )


class ClaimLost(RuntimeError):
    """Rows this pass locked were changed under it: the batch is rolled back and the next pass retries."""


def _check_claimed(claimed: int, batch: list[Ticket], kind: str) -> None:
    # The rows are locked (FOR UPDATE), so every claim must succeed. Where locks are not real (SQLite)
    # or something bypassed them, raising rolls the whole batch back: no event or alert goes out for
    # a row another worker has already told.
    if claimed != len(batch):
        raise ClaimLost(f"{kind}: claimed {claimed} of {len(batch)} locked tickets; the batch is rolled back")


def _alert_batch(p: Pass, batch: list[Ticket], kind: str, event: str, state: str, extra) -> None:
    """The matching rules' messages for a claimed batch, in one multi-row outbox write."""
    messages = []
    for t in batch:
        due = getattr(t, f"{kind}_due_at")
        messages += p.alerts.messages(
            event=event,
            ticket=t,
            target=kind,
            link=ticket_url(t, staff=True),
            discriminator=f"{kind}:{due.isoformat()}",
            default_audience=_default_audience(t),
            context={
                "alert": f"{LABELS[kind].capitalize()} target {state}",
                "target": LABELS[kind],
                "subject": t.subject,
                "priority": t.priority.name,
                "due_at": due.isoformat(),  # an instant: the mail says it in its reader's zone
                **extra(due),
            },
        )
    notification_queue_many(messages, now=p.now)


def _breaches(p: Pass, kind: str) -> int:
    total = 0
    while total < MAX_PER_PASS:
        with transaction.atomic():
            batch = _lock_batch(breach_due(kind, p.now), f"{kind}_due_at")
            if not batch:
                break
            claimed = Ticket.objects.filter(
                pk__in=[t.pk for t in batch], **{f"{kind}_breached_at__isnull": True}
            ).update(
                **{
                    f"{kind}_breached_at": F(f"{kind}_due_at"),
                    # A warning not sent by now would arrive after the breach: retire it.
                    f"{kind}_warned_at": Coalesce(F(f"{kind}_warned_at"), Value(p.now)),
                }
            )
            _check_claimed(claimed, batch, kind)
            text, kept = stored(PASSED[kind])
            TicketEvent.objects.bulk_create(
                TicketEvent(
                    ticket=t,
                    kind=TicketEvent.Kind.SLA_BREACHED,
                    new_value=kind,
                    created_at=p.now,
                    reason=text,
                    data={
                        **kept,
                        "target": kind,
                        "due_at": getattr(t, f"{kind}_due_at").isoformat(),
                        "detected_at": p.now.isoformat(),
                        "missed_by_seconds": (p.now - getattr(t, f"{kind}_due_at")).total_seconds(),
                    },
                )
                for t in batch
            )
            _alert_batch(
                p,
                batch,
                kind,
                AlertRule.Event.BREACH,
                "breached",
                lambda due: {"missed_by_seconds": int((p.now - due).total_seconds())},
            )
            # In the claim's transaction: a rule's change lands with the breach, or neither.
            tickets_event_send(batch, "sla_breach", now=p.now, target=kind)
            total += len(batch)
    return total


def _warnings(p: Pass, kind: str) -> int:
    total = 0
    while total < MAX_PER_PASS:
        with transaction.atomic():
            batch = _lock_batch(warning_due(kind, p.now), f"{kind}_warn_at")
            if not batch:
                break
            claimed = Ticket.objects.filter(
                pk__in=[t.pk for t in batch], **{f"{kind}_warned_at__isnull": True}
            ).update(**{f"{kind}_warned_at": p.now})
            _check_claimed(claimed, batch, kind)
            batch = [
                t for t in batch if getattr(t, f"{kind}_due_at") > p.now
            ]  # passed meanwhile: no late warning
            text, kept = stored(CLOSE[kind])
            TicketEvent.objects.bulk_create(
                TicketEvent(
                    ticket=t,
                    kind=TicketEvent.Kind.SLA_WARNING,
                    new_value=kind,
                    created_at=p.now,
                    reason=text,
                    data={
                        **kept,
                        "target": kind,
                        "warn_at": getattr(t, f"{kind}_warn_at").isoformat(),
                        "due_at": getattr(t, f"{kind}_due_at").isoformat(),
                    },
                )
                for t in batch
            )
            _alert_batch(
                p,
                batch,
                kind,
                AlertRule.Event.WARNING,
                "close",
                lambda due: {"left_seconds": int((due - p.now).total_seconds())},
            )
            tickets_event_send(batch, "sla_warning", now=p.now, target=kind)
            total += len(batch)
    return total


def sla_monitor(*, now: datetime) -> int:
    """One pass: record and alert every passed target, then warn every close one. Returns the count."""
    p = Pass(now, refresh=False)  # the SLA instants are stored by the services themselves
    done = sum(_breaches(p, kind) for kind in TARGETS)
    return done + sum(_warnings(p, kind) for kind in TARGETS)
