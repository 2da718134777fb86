"""The writes of automation: applying a macro, and running the rules of an event. Every change goes
through the ticket services (so every rule of ``tickets.policy``, every event and every notice applies as
if a person had made it), and names the macro or rule that made it."""

from __future__ import annotations

import contextvars
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from notifications.models import Notification
from notifications.services import notification_queue
from tickets.desk.selectors import placeholders_filled
from tickets.models import Status, Ticket, TicketEvent
from tickets.policy import TicketError
from tickets.reasons import Reason, stored
from tickets.services import (
    message_add,
    ticket_assign,
    ticket_change_status,
    ticket_reclassify,
    ticket_tags_change,
)
from tickets.services.routing import ticket_auto_assign
from tickets.snapshot import ticket_context

from .models import Macro, Rule, tag_list
from .permissions import may_manage_macro, may_manage_rules
from .selectors import macros_for, rule_matches, rules_for, ticket_tag_names

# (rule id, ticket id) pairs whose actions are running: a change a rule makes never fires that rule
# again on the same ticket, however its own events cascade (so no rule can loop).
_running: contextvars.ContextVar[frozenset] = contextvars.ContextVar(
    "automation_running", default=frozenset()
)
MAX_DEPTH = 3  # rules firing because of rules firing: a chain longer than this is cut


@transaction.atomic
def macro_save(*, macro: Macro, by) -> Macro:
    """Create or change a macro, checked as the admin checks it (``Macro.clean``), if ``by`` may manage it
    as it was and as it will be (``permissions.may_manage_macro``)."""
    if macro.pk is not None:
        before = Macro.objects.select_for_update().filter(pk=macro.pk).first()
        if before is None or not may_manage_macro(by, before):
            raise TicketError(_("You may not change this macro."))
    if not may_manage_macro(by, macro):
        raise TicketError(_("You may not make a macro with this scope."))
    macro.full_clean()
    macro.save()
    return macro


@transaction.atomic
def macro_delete(*, macro: Macro, by) -> None:
    if not may_manage_macro(by, macro):
        raise TicketError(_("You may not delete this macro."))
    macro.delete()


@transaction.atomic
def rule_save(*, rule: Rule, by) -> Rule:
    """Create or change a rule, checked as the admin checks it (``Rule.clean``); leads and admins only."""
    if not may_manage_rules(by):
        raise TicketError(_("Only team leads and admins change rules."))
    rule.full_clean()
    rule.save()
    return rule


@transaction.atomic
def rule_delete(*, rule: Rule, by) -> None:
    if not may_manage_rules(by):
        raise TicketError(_("Only team leads and admins change rules."))
    rule.delete()


def macro_preview(*, macro: Macro, ticket: Ticket, by) -> list[str]:
    """What applying the macro would do, in words, before anything is sent."""
    lines = []
    if macro.reply and macro.body:
        kind = _("Public reply") if macro.reply == Macro.Reply.PUBLIC else _("Internal note")
        lines.append(
            _("%(kind)s: %(text)s")
            % {"kind": kind, "text": placeholders_filled(macro.body, ticket=ticket, agent=by)}
        )
    if macro.set_priority_id and macro.set_priority_id != ticket.priority_id:
        lines.append(
            _("Priority: %(old)s -> %(new)s (%(reason)s)")
            % {"old": ticket.priority.name, "new": macro.set_priority.name, "reason": macro.priority_reason}
        )
    if macro.set_team_id:
        lines.append(_("Team: %(team)s") % {"team": macro.set_team.name})
    if macro.assign_to_me and by is not None:
        lines.append(_("Assignee: %(name)s") % {"name": by.display_name})
    if macro.add_tags:
        lines.append(_("Add tags: %(tags)s") % {"tags": ", ".join(tag_list(macro.add_tags))})
    if macro.remove_tags:
        lines.append(_("Remove tags: %(tags)s") % {"tags": ", ".join(tag_list(macro.remove_tags))})
    if macro.set_status:
        lines.append(_("Status: %(status)s") % {"status": Status(macro.set_status).label})
    return lines or [_("Nothing: the macro has no actions.")]


@transaction.atomic
def macro_apply(*, macro: Macro, ticket: Ticket, by, now: datetime, reason: Reason | None = None) -> Ticket:
    """Apply every part of the macro, through the services, all or nothing. ``by`` is the technician
    (``None`` when a rule applies it: then messages are the desk's own). The history names the macro
    (or ``reason``, the rule that applied it) as a ``Reason``: each reader reads it in their language."""
    why = reason or Reason(_("macro “%(macro)s”"), macro=macro.name)
    if macro.set_priority_id and macro.set_priority_id != ticket.priority_id:
        if not macro.priority_reason.strip():
            raise TicketError(
                _("The macro “%(macro)s” changes the priority but gives no reason."),
                macro=macro.name,
            )
        ticket = ticket_reclassify(
            ticket=ticket, priority=macro.set_priority, by=by, reason=macro.priority_reason, now=now
        )
    if macro.set_team_id and ticket.team_id != macro.set_team_id:
        Ticket.objects.filter(pk=ticket.pk).update(team=macro.set_team)
        ticket.team = macro.set_team
        _rule_event(
            ticket,
            now=now,
            actor=by,
            name=macro.set_team.name,
            reason=Reason(_("team set by %(by)s"), by=why),
        )
    if macro.assign_to_me and by is not None and ticket.assignee_id != by.pk:
        ticket = ticket_assign(ticket=ticket, agent=by, by=by, now=now, reason=why)
    if macro.add_tags or macro.remove_tags:
        ticket = ticket_tags_change(
            ticket=ticket,
            add=tag_list(macro.add_tags),
            remove=tag_list(macro.remove_tags),
            by=by,
            now=now,
            reason=why,
        )
    if macro.reply and macro.body.strip():
        message_add(
            ticket=ticket,
            author=by,
            body=placeholders_filled(macro.body, ticket=ticket, agent=by),
            kind=macro.reply,
            now=now,
            set_status=macro.set_status or None,
            automatic=by is None,
        )
    elif macro.set_status and ticket.status != macro.set_status:
        ticket_change_status(ticket=ticket, status=macro.set_status, by=by, now=now, reason=why)
    return Ticket.objects.get(pk=ticket.pk)


def bulk_macro_prepare(inputs, user):
    """The desk's and API's bulk "apply a macro" (``tickets.services.bulk``): a macro this person may use."""
    ref = str(inputs.get("macro") or "").strip()
    macro = macros_for(user).filter(pk=int(ref)).first() if ref.isdigit() and len(ref) < 15 else None
    if macro is None:
        raise TicketError(_("Choose a macro you may apply."))
    return lambda *, ticket, by, now: macro_apply(macro=macro, ticket=ticket, by=by, now=now)


def rules_run(*, ticket: Ticket, event: str, now: datetime, message=None, rules=None) -> list[Rule]:
    """Apply, in order, every active rule of ``event`` whose conditions the ticket meets; returns the rules
    that fired. Runs in the caller's transaction (the services send the event inside theirs). A rule
    whose actions are refused (e.g. an assignee who left) is recorded and skipped, never half-applied:
    each rule runs in its own savepoint."""
    running = _running.get()
    if len(running) >= MAX_DEPTH:
        return []
    fired = []
    tags = None  # the ticket's tag names: read once, when the first rule asks, and after a rule fires
    for rule in rules if rules is not None else rules_for(event):
        if (rule.pk, ticket.pk) in running:
            continue  # its own change: never re-fire
        if rule.has_tag and tags is None:
            tags = ticket_tag_names(ticket)
        if not rule_matches(rule, ticket, now=now, message=message, tags=tags):
            continue  # decided in memory: a rule that does not match costs no query
        token = _running.set(running | {(rule.pk, ticket.pk)})
        try:
            with transaction.atomic():
                _actions(rule, ticket, event=event, now=now)
            fired.append(rule)
        except TicketError as exc:
            # Kept in English whoever's action set the rule off, with its message ids and values: each
            # reader reads it in their own language (tickets.reasons.event_reason).
            _rule_event(
                ticket,
                now=now,
                name=rule.name,
                reason=Reason(_("rule “%(rule)s” not applied: %(why)s"), rule=rule.name, why=exc.reason()),
                data={"rule": rule.pk, "event": event, "refused": True, "refusal": exc.kept()},
            )
        finally:
            _running.reset(token)
        tags = None
        ticket = Ticket.objects.select_related("plan", "priority", "requester", "organization").get(
            pk=ticket.pk
        )
        if rule.stop:
            break
    return fired


def _rule_event(ticket: Ticket, *, now: datetime, name: str, reason: Reason, actor=None, data=None) -> None:
    """The history's line for automation (``TicketEvent.Kind.RULE``): the reason kept in English with its
    message id and values (``tickets.reasons``), so each reader reads it in their own language."""
    text, data = stored(reason, data)
    TicketEvent.objects.create(
        ticket=ticket,
        kind=TicketEvent.Kind.RULE,
        actor=actor,
        new_value=name[:255],
        reason=text,
        data=data,
        created_at=now,
    )


def _actions(rule: Rule, ticket: Ticket, *, event: str, now: datetime) -> None:
    why = Reason(_("rule “%(rule)s”"), rule=rule.name)
    # "rule “Outage words” (Ticket created)", in each reader's language
    on = Reason(
        _("rule “%(rule)s” (%(event)s)"),
        rule=rule.name,
        event=Rule.Event(event).label if event in Rule.Event.values else event.replace("_", " "),
    )
    _rule_event(ticket, now=now, name=rule.name, reason=on, data={"rule": rule.pk, "event": event})
    if rule.set_priority_id and rule.set_priority_id != ticket.priority_id:
        ticket = ticket_reclassify(
            ticket=ticket,
            priority=rule.set_priority,
            by=None,
            reason=Reason(_("set by %(by)s"), by=why),
            now=now,
        )
    if rule.set_team_id and ticket.team_id != rule.set_team_id:
        Ticket.objects.filter(pk=ticket.pk).update(team=rule.set_team)
        ticket.team = rule.set_team
    if rule.assign_to_id and ticket.assignee_id != rule.assign_to_id:
        ticket = ticket_assign(
            ticket=ticket,
            agent=rule.assign_to,
            by=None,
            now=now,
            reason=Reason(_("assigned by %(by)s"), by=why),
        )
    elif rule.set_team_id and ticket.assignee_id is None and event != "created":
        ticket_auto_assign(ticket=ticket, now=now)  # on creation, routing right after does it
    if rule.add_tags or rule.remove_tags:
        ticket = ticket_tags_change(
            ticket=ticket,
            add=tag_list(rule.add_tags),
            remove=tag_list(rule.remove_tags),
            by=None,
            now=now,
            reason=on,
        )
    if rule.apply_macro_id:
        ticket = macro_apply(macro=rule.apply_macro, ticket=ticket, by=None, now=now, reason=why)
    context = ticket_context(ticket, staff=True, rule_name=rule.name, rule_event=event)
    for address in rule.notify_emails or []:
        notification_queue(
            event="rule_notice",
            recipient=address,
            ticket=ticket,
            now=now,
            context=context,
            dedupe_key=f"rule:{rule.pk}:{ticket.pk}:{event}:{now.isoformat()}:{address.lower()}",
        )
    if rule.webhook_url:
        notification_queue(
            event="rule_notice",
            recipient=rule.webhook_url,
            channel=Notification.Channel.WEBHOOK,
            ticket=ticket,
            now=now,
            context=context,
            dedupe_key=f"rule:{rule.pk}:{ticket.pk}:{event}:{now.isoformat()}:hook",
        )
