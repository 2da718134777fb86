"""Every write to a ticket. HTML views, the API, admin actions, email intake and timed jobs call these.

Each service is keyword-only, takes ``now`` and runs in one transaction; notifications are written
to the outbox in that same transaction and handed to a worker once it commits.
"""

from __future__ import annotations

import json
from datetime import datetime

from django.conf import settings
from django.db import transaction

from accounts.models import Organization, User
from notifications.services import notification_queue
from sla.calendars import business_time_between
from sla.models import PriorityLevel, SupportPlan

from . import policy
from .alerts import alerts_ticket_created, alerts_ticket_escalated
from .clocks import ClockHistory, Clocks, clock_history, first_response_restarts, ticket_clocks
from .models import Channel, Message, Status, Ticket, TicketEvent
from .policy import TicketError

__all__ = ["TicketError"]  # re-exported: callers catch the policy's refusals from here
from .schedule import next_actions_mark
from .snapshot import ticket_snapshot

# The lifecycle: which status may follow which. Reopening goes back to open.
TRANSITIONS: dict[str, set[str]] = {
    Status.NEW: {Status.OPEN, Status.WAITING, Status.RESOLVED, Status.CLOSED},
    Status.OPEN: {Status.WAITING, Status.RESOLVED, Status.CLOSED},
    Status.WAITING: {Status.OPEN, Status.RESOLVED, Status.CLOSED},
    Status.RESOLVED: {Status.OPEN, Status.CLOSED},
    Status.CLOSED: {Status.OPEN},
}


def ticket_url(ticket: Ticket, *, staff: bool = False) -> str:
    path = f"/desk/tickets/{ticket.pk}/" if staff else f"/tickets/{ticket.pk}/"
    return f"{settings.SITE_URL}{path}"


def _event(ticket: Ticket, kind: str, *, now: datetime, actor=None, old="", new="", reason="", data=None) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket, kind=kind, actor=actor, old_value=str(old or "")[:255], new_value=str(new or "")[:255],
        reason=reason or "", data=data or {}, created_at=now,
    )


def _notify_requester(ticket: Ticket, event: str, *, now: datetime, automatic: bool = True, **context) -> None:
    snapshot = ticket_snapshot(ticket)
    for address, user in policy.customers(ticket):
        notification_queue(
            event=event,
            recipient=address,
            recipient_user=user,
            ticket=ticket,
            now=now,
            automatic=automatic,
            context={"ticket_reference": ticket.reference, "ticket_url": ticket_url(ticket), "ticket": snapshot, **context},
        )


def _notify_staff(ticket: Ticket, event: str, users, *, now: datetime, **context) -> None:
    snapshot = ticket_snapshot(ticket)
    for user in users:
        if user and user.email:
            notification_queue(
                event=event, recipient=user.email, recipient_user=user, ticket=ticket, now=now,
                context={"ticket_reference": ticket.reference, "ticket_url": ticket_url(ticket, staff=True),
                         "ticket": snapshot, **context},
            )


def _apply_deadlines(
    ticket: Ticket,
    *,
    now: datetime,
    history: ClockHistory | None = None,
    actor=None,
    reason: str = "",
    resolution_ran_until: datetime | None = None,
    record: bool = True,
) -> Clocks:
    """Store both deadlines as the ticket's history makes them (``tickets.clocks``), and record why.

    Every event that moves a deadline comes through here. A due time that changes gets a fresh
    warning and breach claim; a met or breached one stays as it was.
    """
    history = history or clock_history(ticket)
    clocks = ticket_clocks(ticket, history=history, now=now, resolution_ran_until=resolution_ran_until)
    ticket.first_response_due_at, ticket.resolution_due_at = clocks.first_response_due_at, clocks.resolution_due_at
    ticket.first_response_warn_at, ticket.resolution_warn_at = clocks.first_response_warn_at, clocks.resolution_warn_at
    if clocks.first_response_moved:
        ticket.first_response_warned_at = ticket.first_response_breached_at = None
    if not record:  # a resume: the same promise, paused; a "target close" warning already sent stands
        return clocks
    if clocks.resolution_moved:
        ticket.resolution_warned_at = ticket.resolution_breached_at = None
    target = clocks.deadlines.target
    _event(
        ticket, TicketEvent.Kind.SLA_DUE, now=now, actor=actor, reason=reason,
        new=ticket.resolution_due_at.isoformat() if ticket.resolution_due_at else "",
        data={
            "start": history.started_at.isoformat(),
            "received_at": history.received_at.isoformat(),
            "first_response_start": history.first_response_from.isoformat(),
            "reopened": history.reopened,
            "pauses": [[a.isoformat(), b.isoformat()] for a, b in history.pauses],
            "plan": ticket.plan.slug,
            "priority": ticket.priority.slug,
            "calendar": target.calendar.name if target else None,
            "first_response_target": str(target.first_response) if target and target.first_response else None,
            "resolution_target": str(target.resolution) if target and target.resolution else None,
            "first_response_due_at": ticket.first_response_due_at.isoformat() if ticket.first_response_due_at else None,
            "resolution_due_at": ticket.resolution_due_at.isoformat() if ticket.resolution_due_at else None,
            "first_response_kept": not clocks.first_response_moved and ticket.first_response_due_at is not None,
            "resolution_kept": not clocks.resolution_moved and ticket.resolution_due_at is not None,
        },
    )
    return clocks


@transaction.atomic
def ticket_create(
    *,
    requester: User,
    subject: str,
    now: datetime,
    description: str = "",
    organization: Organization | None = None,
    priority: PriorityLevel | None = None,
    channel: str = Channel.WEB,
    request_type=None,
    request_fields: dict | None = None,
    by: User | None = None,
    received_at: datetime | None = None,
    description_html: str = "",
    email_message_id: str = "",
    about_incident: bool = False,
    incident=None,
    cc_emails: list[str] | None = None,
    triage: bool = False,
) -> Ticket:
    """Open a ticket, set its SLA deadlines, and tell the requester what to expect.

    Refused when whoever files it has not verified their address (mail is its own identity), when the
    requester is not a member of the organization, or when a required field of the request form is
    empty. A barred organization's request at a guarded level is filed one level lower.
    """
    policy.check_filer(requester=requester, by=by, channel=channel)
    organization = organization or requester.organization
    policy.check_requester(requester=requester, organization=organization, triage=triage)
    subject = (subject or "").strip()[:255] or "(no subject)"
    if priority is None:
        priority = PriorityLevel.default()
    if priority is None:
        raise TicketError("No priority levels are configured.")
    policy.check_request_form(request_type=request_type, priority=priority, fields=request_fields or {})
    filing = policy.filing_priority(organization, priority)
    priority = filing.priority
    received_at = received_at or now
    plan = organization.plan or SupportPlan.default()
    ticket = Ticket(
        organization=organization,
        requester=requester,
        subject=subject,
        description=description or "",
        request_type=request_type,
        request_fields=request_fields or {},
        priority=priority,
        priority_rank=priority.rank,
        plan=plan,
        channel=channel,
        received_at=received_at,
        last_activity_at=now,
        last_customer_activity_at=now,
        about_incident=about_incident,
        incident=incident,
        cc_emails=cc_emails or [],
    )
    next_actions_mark(ticket, now=now)
    ticket.save()
    actor = by or requester
    _event(ticket, TicketEvent.Kind.CREATED, now=now, actor=actor, new=priority.slug, data={"channel": channel})
    downgrade = {}
    if filing.downgraded_from is not None:
        reason = (
            f"Filed as {priority.name} instead of {filing.downgraded_from.name}: {organization.name} is barred from "
            f"the {filing.downgraded_from.name} level after abuse of the top priorities."
        )
        _event(ticket, TicketEvent.Kind.PRIORITY, now=now, actor=None, old=filing.downgraded_from.slug,
               new=priority.slug, reason=reason)
        downgrade = {"downgraded_from": filing.downgraded_from.name, "downgrade_reason": reason}
    # A new ticket's history is its arrival alone: no query needed to read it.
    _apply_deadlines(ticket, now=now, history=ClockHistory(received_at=received_at, started_at=received_at), reason="created")
    ticket.save(update_fields=["first_response_due_at", "resolution_due_at", "first_response_warn_at", "resolution_warn_at"])
    Message.objects.create(
        ticket=ticket, kind=Message.Kind.PUBLIC, author=requester, from_staff=False, channel=channel,
        body=description or "", body_html=description_html, email_message_id=email_message_id, created_at=now,
    )
    _notify_requester(ticket, "ticket_received", now=now, **downgrade)
    alerts_ticket_created(ticket=ticket, now=now, link=ticket_url(ticket, staff=True))
    return ticket


def _resume_clock(ticket: Ticket, *, now: datetime, actor=None) -> None:
    """End the pause: the resolution clock counts again, the paused span left out (``tickets.clocks``)."""
    if ticket.sla_paused_at is None:
        return
    paused_at = ticket.sla_paused_at
    history = clock_history(ticket).resumed(now)
    # The clock last ran at the pause: a due time before it was already breached and stays.
    clocks = _apply_deadlines(ticket, now=now, history=history, actor=actor, resolution_ran_until=paused_at, record=False)
    cal = clocks.deadlines.calendar
    excluded = business_time_between(paused_at, now, cal) if cal is not None else now - paused_at
    ticket.sla_paused_at = None
    _event(
        ticket, TicketEvent.Kind.SLA_RESUMED, now=now, actor=actor,
        new=ticket.resolution_due_at.isoformat() if ticket.resolution_due_at else "",
        data={"paused_at": paused_at.isoformat(), "excluded_seconds": excluded.total_seconds()},
    )


def _set_status(ticket: Ticket, new: str, *, now: datetime, actor=None, reason: str = "") -> None:
    old = ticket.status
    if new == old:
        return
    if new not in TRANSITIONS.get(old, set()):
        raise TicketError(
            f"A ticket that is {Status(old).label.lower()} cannot become {Status(new).label.lower()}."
        )
    if old == Status.WAITING:
        _resume_clock(ticket, now=now, actor=actor)
        ticket.waiting_since = None
        ticket.customer_reminders_sent = 0
        ticket.customer_reminded_at = None
    if new == Status.WAITING:
        ticket.sla_paused_at = now
        ticket.waiting_since = now
        ticket.customer_reminders_sent = 0
        ticket.customer_reminded_at = None
        _event(ticket, TicketEvent.Kind.SLA_PAUSED, now=now, actor=actor, reason="waiting on the customer")
    if new == Status.RESOLVED:
        ticket.resolved_at = now
        if ticket.resolution_due_at:
            _event(
                ticket, TicketEvent.Kind.SLA_MET if now <= ticket.resolution_due_at else TicketEvent.Kind.SLA_BREACHED,
                now=now, new="resolution", data={"due_at": ticket.resolution_due_at.isoformat(), "done_at": now.isoformat(),
                                                 "missed_by_seconds": max(0, (now - ticket.resolution_due_at).total_seconds())},
            )
    if new == Status.CLOSED:
        ticket.closed_at = now
        if ticket.resolved_at is None:
            ticket.resolved_at = now
    if new == Status.OPEN and old in (Status.RESOLVED, Status.CLOSED):
        restarts = first_response_restarts(
            met_at=ticket.first_responded_at, due=ticket.first_response_due_at,
            ended_at=ticket.resolved_at or ticket.closed_at, at=now,
        )
        ticket.resolved_at = None
        ticket.closed_at = None
        ticket.close_reason = ""
        ticket.resolution_warned_at = None
        ticket.resolution_breached_at = None
        ticket.survey_sent_at = None
        # A fresh resolution clock from now; the first response keeps its due time (met, or missed
        # while the ticket was open) or, closed unanswered before it fell due, starts afresh too.
        ticket.resolution_due_at = ticket.resolution_warn_at = None
        if restarts:
            ticket.first_response_due_at = ticket.first_response_warn_at = None
        history = clock_history(ticket).reopened_at(now, first_response_restarts=restarts)
        _apply_deadlines(ticket, now=now, history=history, actor=actor, reason="reopened")
    ticket.status = new
    _event(ticket, TicketEvent.Kind.STATUS, now=now, actor=actor, old=old, new=new, reason=reason)


def _first_response_met(ticket: Ticket, *, now: datetime, actor=None, how: str) -> None:
    """Record the first response (once): a public staff reply always; an assignment when the plan says
    "prioritized and assigned" meets it (``SupportPlan.first_response_met_by``). Its due time stays."""
    if ticket.first_responded_at is not None:
        return
    if how == "assignment" and ticket.plan.first_response_met_by != SupportPlan.FirstResponse.ASSIGNMENT:
        return
    ticket.first_responded_at = now
    if ticket.first_response_due_at:
        met = now <= ticket.first_response_due_at
        by = f"assignment to {ticket.assignee.display_name}" if how == "assignment" else "a public staff reply"
        _event(
            ticket, TicketEvent.Kind.SLA_MET if met else TicketEvent.Kind.SLA_BREACHED, now=now, actor=actor,
            new="first_response",
            data={"due_at": ticket.first_response_due_at.isoformat(), "done_at": now.isoformat(), "by": by,
                  "missed_by_seconds": max(0, (now - ticket.first_response_due_at).total_seconds())},
        )


def _lock(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().select_related("plan", "priority", "requester", "organization").get(pk=ticket.pk)


@transaction.atomic
def message_add(
    *,
    ticket: Ticket,
    author: User | None,
    body: str,
    now: datetime,
    kind: str = Message.Kind.PUBLIC,
    channel: str = Channel.WEB,
    body_html: str = "",
    quoted_text: str = "",
    email_message_id: str = "",
    set_status: str | None = None,
) -> Message:
    """Add a reply or internal note. A staff reply is the first response; a customer's answer to a
    ticket that waits on them resumes its clock; a customer's reply to a resolved or closed ticket
    reopens it."""
    ticket = _lock(ticket)
    from_staff = bool(author and author.is_staff)
    if kind == Message.Kind.INTERNAL and not from_staff:
        raise TicketError("Only staff can add internal notes.")
    if kind == Message.Kind.PUBLIC and not from_staff and ticket.status in policy.DONE_STATUSES:
        policy.check_reopen(ticket, now, by=author)  # a customer's reply reopens: the same window applies
    if not (body or "").strip() and not body_html:
        raise TicketError("The message is empty.")
    message = Message.objects.create(
        ticket=ticket, kind=kind, author=author, from_staff=from_staff, channel=channel, body=body,
        body_html=body_html, quoted_text=quoted_text, email_message_id=email_message_id, created_at=now,
    )
    if kind == Message.Kind.PUBLIC:
        ticket.last_activity_at = now
        if from_staff:
            ticket.last_staff_activity_at = now
            _first_response_met(ticket, now=now, actor=author, how="reply")
            if ticket.status == Status.NEW:
                _set_status(ticket, Status.OPEN, now=now, actor=author)
            _notify_requester(ticket, "staff_reply", now=now, automatic=False, message_id=message.pk, body=body)
        else:
            ticket.last_customer_activity_at = now
            if ticket.status == Status.WAITING:
                _set_status(ticket, Status.OPEN, now=now, actor=author, reason="the customer replied")
            elif ticket.status in policy.DONE_STATUSES:
                _set_status(ticket, Status.OPEN, now=now, actor=author, reason="reopened: the customer replied")
            if ticket.assignee_id:
                _notify_staff(ticket, "customer_reply", [ticket.assignee], now=now, body=body)
    elif from_staff:
        ticket.last_staff_activity_at = now
    status_before = ticket.status
    if set_status:
        _set_status(ticket, set_status, now=now, actor=author)
    next_actions_mark(ticket, now=now)
    ticket.save()
    if set_status and ticket.status != status_before:
        _status_notice(ticket, ticket.status, now=now)
    return message


@transaction.atomic
def ticket_assign(*, ticket: Ticket, agent: User | None, by: User | None, now: datetime) -> Ticket:
    """Give the ticket an owner and tell the customer who it is (and the new name on reassignment)."""
    ticket = _lock(ticket)
    if agent is not None and not agent.is_staff:
        raise TicketError("Tickets can only be assigned to staff.")
    old = ticket.assignee
    if old == agent:
        return ticket
    ticket.assignee = agent
    ticket.last_staff_activity_at = now
    if agent is not None and ticket.is_open:
        _first_response_met(ticket, now=now, actor=by, how="assignment")
    if ticket.status == Status.NEW and agent is not None:
        _set_status(ticket, Status.OPEN, now=now, actor=by)
    next_actions_mark(ticket, now=now)
    ticket.save()
    _event(ticket, TicketEvent.Kind.ASSIGNEE, now=now, actor=by, old=old.display_name if old else "",
           new=agent.display_name if agent else "")
    if agent is not None:
        event = "ticket_reassigned" if old is not None else "ticket_assigned"
        _notify_requester(ticket, event, now=now, agent_name=agent.display_name, agent_email=agent.email,
                          previous_agent_name=old.display_name if old else "")
        if by != agent:
            _notify_staff(ticket, "assigned_to_you", [agent], now=now, by_name=by.display_name if by else "")
    return ticket


@transaction.atomic
def ticket_reclassify(*, ticket: Ticket, priority: PriorityLevel, by: User | None, reason: str, now: datetime) -> Ticket:
    """Change the priority with a mandatory reason; running deadlines are recomputed from the clock start."""
    reason = (reason or "").strip()
    if not reason:
        raise TicketError("Give a reason for changing the priority.")
    ticket = _lock(ticket)
    old = ticket.priority
    if old.pk == priority.pk:
        return ticket
    ticket.priority = priority
    ticket.priority_rank = priority.rank
    _event(ticket, TicketEvent.Kind.PRIORITY, now=now, actor=by, old=old.slug, new=priority.slug, reason=reason)
    if ticket.is_open:
        # Recomputed from the clock start with every pause left out; a met or breached target stays.
        _apply_deadlines(ticket, now=now, actor=by, reason="priority re-classified")
    next_actions_mark(ticket, now=now)
    ticket.save()
    _notify_requester(ticket, "priority_changed", now=now, old_priority=old.name, new_priority=priority.name, reason=reason)
    return ticket


@transaction.atomic
def ticket_change_status(
    *, ticket: Ticket, status: str, by: User | None, now: datetime, reason: str = "", notify: bool = True
) -> Ticket:
    ticket = _lock(ticket)
    _set_status(ticket, status, now=now, actor=by, reason=reason)
    if by is not None and by.is_staff:
        ticket.last_staff_activity_at = now
    if status == Status.CLOSED and reason:
        ticket.close_reason = reason[:255]
    next_actions_mark(ticket, now=now)
    ticket.save()
    if notify:  # else the caller tells the customer itself (e.g. the auto-close job's own message)
        _status_notice(ticket, status, now=now, reason=reason)
    return ticket


def _status_notice(ticket: Ticket, status: str, *, now: datetime, reason: str = "") -> None:
    """What the customer is told when a ticket reaches a status, whichever path took it there (the status
    form, a reply with "then set status", the API, the admin): "When we consider an issue resolved we
    will send you a mail saying so" (telephony policy)."""
    if status == Status.RESOLVED:
        _notify_requester(ticket, "ticket_resolved", now=now, reason=reason)
    elif status == Status.CLOSED:
        _notify_requester(ticket, "ticket_closed", now=now, reason=reason)


def ticket_resolve(*, ticket: Ticket, by: User | None, now: datetime) -> Ticket:
    return ticket_change_status(ticket=ticket, status=Status.RESOLVED, by=by, now=now)


def ticket_close(*, ticket: Ticket, by: User | None, now: datetime, reason: str = "", notify: bool = True) -> Ticket:
    return ticket_change_status(ticket=ticket, status=Status.CLOSED, by=by, now=now, reason=reason, notify=notify)


@transaction.atomic
def ticket_reopen(*, ticket: Ticket, by: User | None, now: datetime, reason: str = "") -> Ticket:
    """Reopen a resolved or closed ticket: customers within the plan's reopen window, staff at any time."""
    ticket = _lock(ticket)
    policy.check_reopen(ticket, now, by=by)
    return ticket_change_status(ticket=ticket, status=Status.OPEN, by=by, now=now, reason=reason or "reopened")


@transaction.atomic
def ticket_escalate(*, ticket: Ticket, by: User | None, now: datetime, reason: str = "") -> Ticket:
    """Flag the ticket for leadership (once) and tell the team leads, when ``policy.may_escalate`` allows."""
    ticket = _lock(ticket)
    policy.check_escalate(ticket, now)
    if not Ticket.objects.filter(pk=ticket.pk, escalated_at__isnull=True).update(escalated_at=now):
        return ticket
    ticket.escalated_at = now
    _event(ticket, TicketEvent.Kind.ESCALATED, now=now, actor=by, reason=reason)
    leads = User.objects.team_leads()
    _notify_staff(ticket, "escalation", leads, now=now, reason=reason, by_name=by.display_name if by else "")
    alerts_ticket_escalated(ticket=ticket, now=now, link=ticket_url(ticket, staff=True), reason=reason)
    return ticket


@transaction.atomic
def ticket_escalation_request(*, ticket: Ticket, by: User | None, now: datetime, reason: str = "") -> bool:
    """A customer asked for escalation in words (email): leadership is always told (the SaaS policy: "any
    use of the words escalate or escalation flags leadership"), but the ticket is marked escalated only
    where ``policy.may_escalate`` allows. Returns whether it was marked."""
    ticket = _lock(ticket)
    if not ticket.is_open or ticket.escalated_at:
        return False
    if policy.may_escalate(ticket, now):
        ticket_escalate(ticket=ticket, by=by, now=now, reason=reason)
        return True
    _event(ticket, TicketEvent.Kind.ESCALATED, now=now, actor=by, reason=reason,
           data={"requested_only": True, "why": "the plan's escalation policy does not allow it yet"})
    _notify_staff(ticket, "escalation", User.objects.team_leads(), now=now, reason=reason,
                  by_name=by.display_name if by else "")
    alerts_ticket_escalated(ticket=ticket, now=now, link=ticket_url(ticket, staff=True),
                            reason=f"{reason} Not escalated: the plan's escalation policy does not allow it yet.")
    return False


@transaction.atomic
def ticket_merge(*, source: Ticket, target: Ticket, by: User | None, now: datetime) -> Ticket:
    """Fold a duplicate into another ticket of the same organization: its thread moves over and it closes,
    pointing at the target."""
    if source.pk == target.pk:
        raise TicketError("A ticket cannot be merged into itself.")
    source, target = _lock(source), _lock(target)
    policy.check_merge(source, target)
    moved = {"messages": Message.objects.filter(ticket=source).update(ticket=target),
             "files": source.attachments.update(ticket=target)}
    for user in source.cc.all():
        target.cc.add(user)
    if source.requester_id != target.requester_id:
        target.cc.add(source.requester)
    Message.objects.create(
        ticket=target, kind=Message.Kind.SYSTEM, author=by, from_staff=True, body=f"{source.reference} was merged into this ticket.",
        created_at=now,
    )
    _event(target, TicketEvent.Kind.MERGED, now=now, actor=by, old=source.reference, new=target.reference, data=moved)
    source.merged_into = target
    if source.status != Status.CLOSED:
        _set_status(source, Status.CLOSED, now=now, actor=by, reason=f"merged into {target.reference}")
    source.close_reason = f"Merged into {target.reference}"
    next_actions_mark(source, now=now)
    source.save()
    _event(source, TicketEvent.Kind.MERGED, now=now, actor=by, old=source.reference, new=target.reference, data=moved)
    target.save(update_fields=["updated_at"])
    return target


def priority_rank_sync(*, priority: PriorityLevel) -> int:
    """Keep the denormalised rank on tickets in step when the levels are re-ordered (admin, YAML, API:
    ``tickets.receivers`` calls this whenever a level is saved)."""
    return Ticket.objects.filter(priority=priority).exclude(priority_rank=priority.rank).update(priority_rank=priority.rank)


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
    new_values = {"subject": (subject or "").strip()[:255] if subject is not None else None,
                  "description": description, "request_fields": request_fields}
    for field, value in new_values.items():
        if value is None or value == getattr(ticket, field):
            continue
        if field == "subject" and not value:
            raise TicketError("The subject cannot be empty.")
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
        _event(ticket, TicketEvent.Kind.EDITED, now=now, actor=by,
               old=old if isinstance(old, str) else json.dumps(old, ensure_ascii=False),
               new=new if isinstance(new, str) else json.dumps(new, ensure_ascii=False),
               data={"field": field, "old": old, "new": new})
    return ticket
