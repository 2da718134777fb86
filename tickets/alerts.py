"""Alert rules: which rules an SLA event of a ticket matches, whom they reach, and when.

Rules are rows of ``sla.AlertRule`` edited by admins (and loaded by the presets). An event fires
every active rule for its event and the ticket's priority (or any priority); each rule names an
audience (the on-call rota at ``now``, all engineers, duty staff, the assignee, team leads,
directors, the managing director, leadership, a webhook), a channel (email, page, webhook) and a
timing (at once; only out of office hours; only in office hours, else held to the next opening).

A sweep loads the rules, audiences and calendars once through one ``Alerts`` object, so alerting
on a hundred tickets costs a handful of reads plus the outbox rows themselves.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import DatabaseError
from django.db.models import Q

from accounts.models import Role, User
from notifications.models import Notification
from notifications.services import notification_queue
from sla.calendars import BusinessCalendar, add_business_time, is_open, next_opening
from sla.models import DEFAULT_WARN_PERCENT, AlertRule, EscalationContact, SLATarget
from sla.selectors import Deadlines, calendar_build, on_call_now, sla_target_for

from .models import Ticket, TicketEvent
from .signals import ticket_event_send
from .snapshot import ticket_context, ticket_snapshot

log = logging.getLogger(__name__)


TEMPLATES = {
    AlertRule.Event.CREATED: "sla_alert",
    AlertRule.Event.WARNING: "sla_warning",
    AlertRule.Event.BREACH: "sla_breach",
    AlertRule.Event.UNASSIGNED: "unassigned_alert",
    AlertRule.Event.ESCALATED: "sla_alert",
}

TECHNICIANS_GROUP = Role.TECHNICIANS


@dataclass(frozen=True)
class Recipient:
    address: str
    channel: str  # a Notification.Channel
    user: User | None = None
    name: str = ""


def warn_percent(*, priority_id: int, target: str) -> int | None:
    """The earliest warning threshold of the active rules for this priority and target.

    ``DEFAULT_WARN_PERCENT`` when no rule says otherwise; ``None`` when the rules ask for no warning
    before the deadline itself (a threshold of 100% or more).
    """
    values = [
        pct
        for rule_target, pct in AlertRule.objects.filter(active=True, event=AlertRule.Event.WARNING)
        .filter(Q(priority__isnull=True) | Q(priority_id=priority_id))
        .values_list("target", "threshold_percent")
        if rule_target in (AlertRule.Target.ANY, target)
    ]
    pct = min(values) if values else DEFAULT_WARN_PERCENT
    return pct if pct < 100 else None


def sla_warn_instants(
    *, ticket: Ticket, deadlines: Deadlines, start: datetime
) -> tuple[datetime | None, datetime | None]:
    """When each running target of ``ticket`` becomes "close", counted like its deadline: the first
    response from ``start``, the resolution from its own clock start with its pauses left out."""
    target, cal = deadlines.target, deadlines.calendar
    if target is None or cal is None:
        return None, None
    out: list[datetime | None] = []
    for name, duration, due in (
        ("first_response", target.first_response, deadlines.first_response_due_at),
        ("resolution", target.resolution, deadlines.resolution_due_at),
    ):
        pct = warn_percent(priority_id=ticket.priority_id, target=name) if duration and due else None
        if pct is None:
            out.append(None)
        elif name == "resolution" and deadlines.resolution_start is not None:
            out.append(deadlines.resolution_at(duration * pct / 100))
        else:
            out.append(add_business_time(start, duration * pct / 100, cal))
    return out[0], out[1]


def dedupe_key(head: str, *tail: object) -> str:
    """An outbox dedupe key under the column's 200 characters: ``head`` kept readable, the rest
    (addresses, URLs of any length) hashed."""
    return f"{head}:{hashlib.sha256(':'.join(str(p) for p in tail).encode()).hexdigest()[:32]}"


class Alerts:
    """Rules, audiences and calendars for one pass at one ``now``; loaded lazily, once."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._rules: list[AlertRule] | None = None
        self._groups: dict[str, list[User]] = {}
        self._contacts: dict[str, list[EscalationContact]] = {}
        self._on_call: list[EscalationContact] | None = None
        self._gaps_recorded: set[tuple[int, str]] = set()
        self._sla_calendars: dict[tuple[int, int], BusinessCalendar | None] = {}
        self._calendars: dict[int, BusinessCalendar] = {}
        self._zones: dict[tuple[int, int], str] | None = None

    # --- lookups -------------------------------------------------------------------------------
    def rules(self, event: str, ticket: Ticket, target: str | None = None) -> list[AlertRule]:
        if self._rules is None:
            self._rules = list(
                AlertRule.objects.filter(active=True)
                .select_related("office_calendar")
                .prefetch_related("office_calendar__hours", "office_calendar__holidays")
                .order_by("pk")
            )
        return [
            r
            for r in self._rules
            if r.event == event
            and r.priority_id in (None, ticket.priority_id)
            and (target is None or r.target in (AlertRule.Target.ANY, target))
        ]

    def sla_calendar(self, ticket: Ticket) -> BusinessCalendar | None:
        """The calendar the ticket's SLA targets count on (``always_open`` for a 24x7 priority)."""
        key = (ticket.plan_id, ticket.priority_id)
        if key not in self._sla_calendars:
            target = sla_target_for(plan=ticket.plan, priority=ticket.priority)
            self._sla_calendars[key] = calendar_build(target.calendar) if target else None
        return self._sla_calendars[key]

    def calendar_zone(self, ticket: Ticket) -> str:
        """The zone the ticket's SLA targets count in ("" without a target), so each alert mail can name
        it beside its reader's own zone. Every target's zone is read at once, the first time a pass asks
        (one small query: plans x priorities), so a pass costs the same however many tickets it tells."""
        if self._zones is None:
            self._zones = {
                (plan_id, priority_id): zone
                for plan_id, priority_id, zone in SLATarget.objects.values_list(
                    "plan_id", "priority_id", "calendar__timezone"
                )
            }
        return self._zones.get((ticket.plan_id, ticket.priority_id), "")

    def office_calendar(self, rule: AlertRule, ticket: Ticket) -> BusinessCalendar | None:
        if rule.office_calendar_id is None:
            return self.sla_calendar(ticket)
        if rule.office_calendar_id not in self._calendars:
            self._calendars[rule.office_calendar_id] = calendar_build(rule.office_calendar)
        return self._calendars[rule.office_calendar_id]

    def _group(self, name: str) -> list[User]:
        if name not in self._groups:
            self._groups[name] = list(
                User.objects.filter(is_active=True, is_staff=True, groups__name=name)
                .distinct()
                .order_by("pk")
            )
        return self._groups[name]

    def _team_leads(self) -> list[User]:
        if Role.TEAM_LEADS not in self._groups:
            self._groups[Role.TEAM_LEADS] = list(User.objects.team_leads().order_by("pk"))
        return self._groups[Role.TEAM_LEADS]

    def _role(self, role: str) -> list[EscalationContact]:
        if role not in self._contacts:
            self._contacts[role] = list(
                EscalationContact.objects.filter(active=True, role=role).order_by("pk")
            )
        return self._contacts[role]

    def _rota(self) -> list[EscalationContact]:
        """Whoever holds an on-call shift at ``now``."""
        if self._on_call is None:
            self._on_call = list(on_call_now(self.now))
        return self._on_call

    def rota_gap(self) -> bool:
        """No on-call shift covers ``now``: an on-call page goes to ``_rota_fallback`` instead."""
        return not self._rota()

    def _rota_fallback(self) -> list[User | EscalationContact]:
        """Who an on-call page reaches when the rota has a gap: the on-call escalation contacts, else
        the team leads (never nobody while anyone is configured)."""
        return list(self._role(EscalationContact.Role.ON_CALL)) or self.people(
            AlertRule.Audience.TEAM_LEADS, None
        )

    def people(self, audience: str, ticket: Ticket | None) -> list[User | EscalationContact]:
        A, R = AlertRule.Audience, EscalationContact.Role
        if audience == A.ON_CALL:
            return list(self._rota()) or self._rota_fallback()
        if audience == A.ENGINEERS:
            return [*self._group(TECHNICIANS_GROUP), *self._role(R.ENGINEER)]
        if audience == A.DUTY:
            # The duty rota when one is kept; otherwise whoever works the queue.
            return list(self._role(R.DUTY)) or list(self._group(TECHNICIANS_GROUP))
        if audience == A.ASSIGNEE:
            return [ticket.assignee] if ticket and ticket.assignee_id and ticket.assignee.is_active else []
        if audience == A.TEAM_LEADS:
            return [*self._team_leads(), *self._role(R.TEAM_LEAD)]
        if audience == A.DIRECTORS:
            return list(self._role(R.DIRECTOR))
        if audience == A.MANAGING_DIRECTOR:
            return list(self._role(R.MANAGING_DIRECTOR))
        if audience == A.LEADERSHIP:
            return list(self._role(R.LEADERSHIP))
        return []

    def recipients(self, rule: AlertRule, ticket: Ticket) -> list[Recipient]:
        """Addresses for a rule: emails for the email channel, webhook URLs for paging and webhooks."""
        hook = Notification.Channel.WEBHOOK
        if rule.audience == AlertRule.Audience.WEBHOOK:
            return [Recipient(rule.webhook_url, hook, name="webhook")] if rule.webhook_url else []
        out: list[Recipient] = []
        for person in self.people(rule.audience, ticket):
            user = person if isinstance(person, User) else None
            name = person.display_name if user else person.name
            if rule.channel == AlertRule.Channel.EMAIL:
                if person.email:
                    out.append(Recipient(person.email, Notification.Channel.EMAIL, user, name))
            else:
                # A pager is the contact's own hook when it has one, else the rule's (e.g. a paging service).
                url = getattr(person, "webhook_url", "") or rule.webhook_url
                if url:
                    out.append(Recipient(url, hook, user, name))
        return out

    # --- firing --------------------------------------------------------------------------------
    def fire(
        self,
        *,
        event: str,
        ticket: Ticket,
        link: str,
        discriminator: str,
        target: str | None = None,
        context: dict | None = None,
        default_audience: str | None = None,
    ) -> list[Notification]:
        """Queue the notifications of every rule matching ``event`` for ``ticket`` (see ``messages``)."""
        queued: list[Notification] = []
        for item in self.messages(
            event=event,
            ticket=ticket,
            link=link,
            discriminator=discriminator,
            target=target,
            context=context,
            default_audience=default_audience,
        ):
            n = notification_queue(**item, now=self.now)
            if n is not None:
                queued.append(n)
        return queued

    def messages(
        self,
        *,
        event: str,
        ticket: Ticket,
        link: str,
        discriminator: str,
        target: str | None = None,
        context: dict | None = None,
        default_audience: str | None = None,
    ) -> list[dict]:
        """The outbox items (``notification_queue`` keyword arguments) of every rule matching ``event``
        for ``ticket``, for a sweep to write many tickets' alerts with one ``notification_queue_many``.

        ``discriminator`` names the occurrence (e.g. the due instant), so the outbox's unique
        ``dedupe_key`` turns any repeat of the same occurrence into nothing. When no rule matches,
        ``default_audience`` (if given) is told by email at once.
        """
        rules = self.rules(event, ticket, target)
        if not rules and default_audience:
            rules = [
                AlertRule(
                    event=event, audience=default_audience, channel=AlertRule.Channel.EMAIL, name="default"
                )
            ]
        template = TEMPLATES[event]
        snapshot = ticket_snapshot(ticket) if rules else None
        zone = self.calendar_zone(ticket) if rules else ""
        items: list[dict] = []
        seen: set[tuple[str, str]] = set()
        for rule in rules:
            try:
                not_before = self._timing(rule, ticket)
                people = self.recipients(rule, ticket)
            except DatabaseError:
                raise
            except Exception:  # e.g. a rule's calendar that never opens: the other rules still fire
                log.exception("alert rule %s could not be evaluated for ticket %s", rule.pk, ticket.pk)
                continue
            if not_before is False:
                continue
            gap = rule.audience == AlertRule.Audience.ON_CALL and self.rota_gap()
            if gap:
                self._record_rota_gap(rule, ticket, people, event)
            for rcpt in people:
                if (rcpt.channel, rcpt.address.lower()) in seen:
                    continue
                seen.add((rcpt.channel, rcpt.address.lower()))
                items.append(
                    {
                        "event": template,
                        "recipient": rcpt.address,
                        "recipient_user": rcpt.user,
                        "channel": rcpt.channel,
                        "ticket": ticket,
                        "not_before": not_before or None,
                        "dedupe_key": dedupe_key(
                            f"{template}:{ticket.pk}:{discriminator}", rcpt.channel, rcpt.address.lower()
                        ),
                        "context": {
                            **ticket_context(ticket, url=link, snapshot=snapshot),
                            # The mail words its headline from the event (``alert`` is English, for
                            # integrations) and names the SLA calendar's zone beside the reader's.
                            "event": event,
                            "calendar_zone": zone,
                            "audience": rule.get_audience_display(),
                            "recipient_name": rcpt.name,
                            "paged": rule.channel == AlertRule.Channel.PAGE,
                            "rota_gap": gap,
                            **(context or {}),
                        },
                    }
                )
            if rule.channel == AlertRule.Channel.PAGE:
                # Integrations hear the page too (a paging service's own rota reaches the engineers).
                ticket_event_send(
                    ticket,
                    "paged",
                    now=self.now,
                    discriminator=f"{template}:{discriminator}:{rule.pk}",
                    not_before=not_before or None,
                    alert={
                        "rule": rule.name or str(rule),
                        "event": event,
                        "target": target,
                        "audience": rule.get_audience_display(),
                        "recipients": [
                            p.display_name if isinstance(p, User) else p.name
                            for p in self.people(rule.audience, ticket)
                        ],
                        "rota_gap": gap,
                        "text": (context or {}).get("alert", ""),
                    },
                )
        return items

    def _record_rota_gap(self, rule: AlertRule, ticket: Ticket, people: list[Recipient], event: str) -> None:
        """A gap in the rota is never silent: logged, and written on the ticket's history."""
        if (ticket.pk, event) in self._gaps_recorded:
            return
        self._gaps_recorded.add((ticket.pk, event))
        names = [r.name or r.address for r in people]
        log.warning(
            "no on-call shift covers %s: rule %r for ticket %s goes to %s",
            self.now.isoformat(),
            rule.name or rule.pk,
            ticket.pk,
            ", ".join(names) or "nobody",
        )
        TicketEvent.objects.create(
            ticket=ticket,
            kind=TicketEvent.Kind.ALERT,
            new_value="rota_gap",
            created_at=self.now,
            reason=(
                f"No on-call shift covers {fmt(self.now)}; "
                + (f"paged the fallback instead: {', '.join(names)}." if names else "nobody could be paged.")
            ),
            data={"rule": rule.name, "event": event, "fallback": names},
        )

    def _timing(self, rule: AlertRule, ticket: Ticket) -> datetime | None | bool:
        """``None`` to send now, an instant to hold it until, ``False`` to skip the rule."""
        if rule.timing == AlertRule.Timing.ALWAYS:
            return None
        cal = self.office_calendar(rule, ticket)
        open_now = cal is None or is_open(self.now, cal)
        if rule.timing == AlertRule.Timing.OUT_OF_HOURS:
            return False if open_now else None
        return None if open_now else next_opening(self.now, cal)


def alerts_ticket_created(*, ticket: Ticket, now: datetime, link: str) -> list[Notification]:
    """Fire the "ticket created" rules (e.g. page the on-call engineers for a new Urgent)."""
    return Alerts(now).fire(
        event=AlertRule.Event.CREATED,
        ticket=ticket,
        link=link,
        discriminator="created",
        context={"alert": f"New {ticket.priority.name} ticket", "subject": ticket.subject},
    )


def alerts_ticket_escalated(
    *, ticket: Ticket, now: datetime, link: str, reason: str = "", escalated: bool = True
) -> list[Notification]:
    """Fire the "escalated" rules (e.g. flag support leadership). ``escalated=False``: the customer asked
    but the plan's policy does not allow it yet (the mail says so in its reader's language)."""
    return Alerts(now).fire(
        event=AlertRule.Event.ESCALATED,
        ticket=ticket,
        link=link,
        discriminator=f"escalated:{now.isoformat()}",
        context={
            "alert": "Escalated by the customer",
            "subject": ticket.subject,
            "reason": reason,
            "not_escalated": not escalated,
        },
    )


def fmt(ts: datetime | None) -> str:
    return ts.strftime("%a %d %b %Y %H:%M UTC") if ts else ""


def fmt_delta(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = [
        f"{days}d" if days else "",
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes or not (days or hours) else "",
    ]
    return " ".join(p for p in parts if p)
