"""Opening a ticket: who may file it and at which level, its first deadlines, and the requester's receipt."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, User
from sla.models import PriorityLevel, SupportPlan

from .. import policy
from ..alerts import alerts_ticket_created
from ..clocks import ClockHistory
from ..models import Channel, Message, Ticket, TicketEvent
from ..policy import TicketError
from ..schedule import next_actions_mark
from ..signals import ticket_event_send
from ..snapshot import ticket_url
from ._common import _apply_deadlines, _event, _notify_requester
from .routing import ticket_route


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
    team=None,
) -> Ticket:
    """Open a ticket, set its SLA deadlines, and tell the requester what to expect.

    Refused when whoever files it has not verified their address (mail is its own identity), when the
    requester is not a member of the organization, or when a required field of the request form is
    empty. A barred organization's request at a guarded level is filed one level lower. ``team``: the
    channel's own team (an IMAP mailbox's); otherwise routing picks it by the form.
    """
    policy.check_filer(requester=requester, by=by, channel=channel)
    organization = organization or requester.organization
    policy.check_requester(requester=requester, organization=organization, triage=triage)
    subject = (subject or "").strip()[:255] or "(no subject)"
    if priority is None:
        priority = PriorityLevel.default()
    if priority is None:
        raise TicketError(_("No priority levels are configured."))
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
        team=team,
    )
    next_actions_mark(ticket, now=now)
    ticket.save()
    actor = by or requester
    _event(
        ticket, TicketEvent.Kind.CREATED, now=now, actor=actor, new=priority.slug, data={"channel": channel}
    )
    downgrade = {}
    if filing.downgraded_from is not None:
        reason = (
            f"Filed as {priority.name} instead of {filing.downgraded_from.name}: {organization.name} is barred from "
            f"the {filing.downgraded_from.name} level after abuse of the top priorities."
        )
        _event(
            ticket,
            TicketEvent.Kind.PRIORITY,
            now=now,
            actor=None,
            old=filing.downgraded_from.slug,
            new=priority.slug,
            reason=reason,
        )
        downgrade = {"downgraded_from": filing.downgraded_from.name, "downgrade_reason": reason}
    # A new ticket's history is its arrival alone: no query needed to read it.
    _apply_deadlines(
        ticket,
        now=now,
        history=ClockHistory(received_at=received_at, started_at=received_at),
        reason="created",
    )
    ticket.save(
        update_fields=[
            "first_response_due_at",
            "resolution_due_at",
            "first_response_warn_at",
            "resolution_warn_at",
        ]
    )
    Message.objects.create(
        ticket=ticket,
        kind=Message.Kind.PUBLIC,
        author=requester,
        from_staff=False,
        channel=channel,
        body=description or "",
        body_html=description_html,
        email_message_id=email_message_id,
        created_at=now,
    )
    _notify_requester(ticket, "ticket_received", now=now, **downgrade)
    alerts_ticket_created(ticket=ticket, now=now, link=ticket_url(ticket, staff=True))
    if ticket_event_send(ticket, "created", now=now):  # rules may set the team or the owner first
        ticket.refresh_from_db()
    return ticket_route(ticket=ticket, now=now)
