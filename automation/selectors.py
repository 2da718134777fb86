"""Reads: which macros a technician may use, and which rules match a ticket at an event."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet

from sla.calendars import is_open
from sla.selectors import calendar_build, sla_target_for
from tickets.intake.text import mentions
from tickets.models import Ticket

from .models import Macro, Rule


def macros_for(user) -> QuerySet[Macro]:
    """The active macros ``user`` may apply: global ones, their team's, and their own."""
    if not (user and user.is_authenticated and user.is_staff):
        return Macro.objects.none()
    # The team arm as a subquery of the person's teams: a join through the membership table repeats
    # rows and needed DISTINCT over the whole list (on every queue and ticket page).
    return Macro.objects.filter(
        Q(scope=Macro.Scope.GLOBAL)
        | Q(scope=Macro.Scope.TEAM, team_id__in=user.teams.values("pk"))
        | Q(scope=Macro.Scope.PERSONAL, owner=user),
        active=True,
    )


def rules_for(event: str) -> list[Rule]:
    """The active rules of one event in their order: one indexed query (``rule_event_order``)."""
    return list(Rule.objects.filter(event=event, active=True).order_by("position", "pk"))


def _in_hours(rule: Rule, ticket: Ticket, now: datetime) -> bool:
    if rule.calendar_id is not None:
        calendar = calendar_build(rule.calendar)
    else:
        target = sla_target_for(plan=ticket.plan, priority=ticket.priority)
        calendar = calendar_build(target.calendar) if target and target.calendar_id else None
    return calendar is None or is_open(now, calendar)


def ticket_tag_names(ticket: Ticket) -> frozenset[str]:
    return frozenset(ticket.tags.values_list("name", flat=True))


def rule_matches(
    rule: Rule, ticket: Ticket, *, now: datetime, message=None, tags: frozenset[str] | None = None
) -> bool:
    """Every condition the rule sets holds for this ticket at ``now`` (text: the subject, and the new
    message's text for reply events, else the description). ``tags``: the ticket's tag names, read once
    by the caller for all its rules (read here when not given and a rule asks)."""
    if rule.channel and ticket.channel != rule.channel:
        return False
    for field in ("organization", "plan", "priority", "request_type"):
        wanted = getattr(rule, f"{field}_id")
        if wanted is not None and getattr(ticket, f"{field}_id") != wanted:
            return False
    fields = ticket.request_fields or {}
    for key, value in (rule.request_fields or {}).items():
        have = fields.get(key)
        if (value not in have) if isinstance(have, list) else (str(have or "") != str(value)):
            return False
    if rule.words:
        text = ticket.subject + "\n" + (message.body if message is not None else ticket.description)
        if not mentions(text, rule.words.split(",")):
            return False
    if rule.has_tag:
        if rule.has_tag not in (tags if tags is not None else ticket_tag_names(ticket)):
            return False
    if rule.hours:
        inside = _in_hours(rule, ticket, now)
        if inside != (rule.hours == Rule.Hours.INSIDE):
            return False
    return True
