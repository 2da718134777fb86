"""Every rule about a ticket, written once: who may do what, and what state its SLA clocks are in.

Each decision is a predicate on one ticket and, where lists are filtered by it, the matching ``Q`` (the
Wagtail ``live_q()`` pattern). The services in ``tickets/services/`` call the ``check_*`` functions
before they write and raise ``TicketError``, the way Zulip's actions call ``access_*`` themselves; views,
serializers, templates, the dashboard, the jobs and the admin only *ask* the predicates (to draw a button,
filter a list, choose a word). A new channel cannot forget a rule because the rule sits inside the write.

| rule | predicate | queryset form |
| --- | --- | --- |
| open | ``is_open`` | ``open_q`` |
| in the queue (new or open) | ``QUEUE_STATUSES`` | ``queue_q`` |
| may see | ``may_see`` | ``Ticket.objects.visible_to`` |
| SLA state, breached | ``sla_state``, ``is_breached`` | ``breached_q``, ``breaching_q`` |
| may file at a level | ``filing_priority`` / ``check_file`` | ``priorities_offered`` |
| may reopen | ``may_reopen`` | |
| may escalate | ``may_escalate`` | |
| may edit the request | ``may_edit`` | |
| may merge | ``may_merge`` | |
| time logged on a staff message | ``time_tracking`` / ``check_minutes`` | |
| the ticket's customers | ``customers`` | |
| may tag, a tag's spelling | ``may_tag`` / ``check_tags``, ``tag_name`` | |
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy, pgettext_lazy

from accounts.identity import UNVERIFIED_DETAIL, is_verified
from sla.models import PriorityLevel, SupportPlan
from sla.selectors import job_policy_for

from .models import Channel, Status, Ticket
from .querysets import OPEN_STATUSES
from .reasons import Reason, reworded


class TicketError(Exception):
    """A refused action, with a message fit to show the person who tried it.

    Raise it with a marked message and its values by name, never with words already filled in:
    ``TicketError(_("%(email)s is not a member of %(organization)s."), email=..., organization=...)`` with
    ``_`` as ``gettext_lazy``. The message is worded when it is read (``str(exc)``), in the language then
    active, i.e. the reader's. Where a refusal is kept (an event's reason), store ``reason()`` as any stored
    reason is stored (``tickets.reasons``): English text beside its message id and values.
    """

    def __init__(self, message, **params):
        super().__init__(message)
        self.message = message
        self.params = params

    def __str__(self) -> str:
        # A lazy message translates here; ``%`` on a lazy plural picks its form from the named number.
        return self.message % self.params if self.params else str(self.message)

    def english(self) -> str:
        """The refusal in the source language, for text that is stored (every reader then rewords it)."""
        with translation.override(None):
            return str(self)

    def reason(self) -> Reason:
        """The refusal as a stored reason (``tickets.reasons``): worded again for each later reader."""
        return Reason(self.message, **self.params)

    def kept(self) -> dict:
        """What a stored record keeps of the refusal: its message id and values (JSON), so that each
        later reader reads it in their own language (``TicketError.reworded``)."""
        return self.reason().kept()

    @staticmethod
    def reworded(kept: dict) -> str:
        """A kept refusal (``kept()``) in the active language."""
        return reworded(kept)


# --- status sets ---------------------------------------------------------------------------------

QUEUE_STATUSES = (Status.NEW, Status.OPEN)  # what technicians work next; waiting tickets sit aside
DONE_STATUSES = (Status.RESOLVED, Status.CLOSED)


def is_open(ticket: Ticket) -> bool:
    return ticket.status in OPEN_STATUSES


def open_q() -> Q:
    return Q(status__in=OPEN_STATUSES)


def queue_q(*, include_waiting: bool = False) -> Q:
    return Q(status__in=[*QUEUE_STATUSES, *([Status.WAITING] if include_waiting else [])])


# --- references ----------------------------------------------------------------------------------

_REFERENCE = re.compile(r"^\s*(?:([A-Za-z]+)\s*-?\s*)?#?\s*(\d{1,12})\s*$")


def parse_reference(text: str) -> int | None:
    """A ticket number from what a person types: ``HD-12``, ``hd12``, ``#12`` or ``12``.

    The one grammar for the portal search, the desk search and merge box, and the admin search. A prefix
    other than ours is not a reference (``INC-12`` is text to search for).
    """
    match = _REFERENCE.match(text or "")
    if not match:
        return None
    prefix = match.group(1)
    if prefix and prefix.upper() != settings.HELPDESK_TICKET_PREFIX.upper():
        return None
    return int(match.group(2))


# --- SLA state -----------------------------------------------------------------------------------

DUE_SOON = timedelta(hours=1)  # "due soon" in the portal, the desk tab and the API


@dataclass(frozen=True)
class SlaState:
    """One answer to "how are this ticket's clocks doing?", read by the portal, desk, API and dashboard.

    ``state`` describes the next running target: ``on_track``, ``due_soon``, ``breached``; or ``paused``
    (waiting on the customer), ``done`` (resolved or closed), ``none`` (no target running).
    ``breached`` is true when any target was missed, even one met late since: a breach stays a breach.
    """

    state: str
    breached: bool
    target: str | None = None
    due_at: datetime | None = None
    seconds: int | None = None

    # What a person reads (the API's ``label``, the portal and the desk); ``state`` is the stable code.
    LABELS = {
        "done": pgettext_lazy("sla state", "Done"),
        "paused": pgettext_lazy("sla state", "Paused"),
        "none": pgettext_lazy("sla state", "No target"),
        "breached": pgettext_lazy("sla state", "Breached"),
        "due_soon": pgettext_lazy("sla state", "Due soon"),
        "on_track": pgettext_lazy("sla state", "On track"),
    }

    def as_dict(self) -> dict:
        """The state with its ``label`` worded in the active language (the reader's)."""
        out = {"state": self.state, "breached": self.breached, "label": str(self.LABELS[self.state])}
        if self.target:
            out.update(target=self.target, due_at=self.due_at, seconds=self.seconds)
        return out


def _first_response_missed(ticket: Ticket, now: datetime) -> bool:
    due = ticket.first_response_due_at
    return due is not None and (ticket.first_responded_at or now) > due


def _resolution_missed(ticket: Ticket, now: datetime) -> bool:
    """Late when resolved after the due time, or overdue while the clock runs. A paused clock counts up to
    the pause only: a ticket waiting on the customer is not breached by the customer's silence."""
    due = ticket.resolution_due_at
    if due is None:
        return False
    return (ticket.resolved_at or ticket.sla_paused_at or now) > due


def is_breached(ticket: Ticket, now: datetime) -> bool:
    """A response target was missed: overdue while running, or met late."""
    return _first_response_missed(ticket, now) or _resolution_missed(ticket, now)


def breached_q(now: datetime) -> Q:
    """``is_breached`` as a query (the desk's Breached tab, the API's ``breached=true``, the dashboard)."""
    first = Q(first_response_due_at__isnull=False) & (
        Q(first_responded_at__isnull=True, first_response_due_at__lt=now)
        | Q(first_responded_at__gt=F("first_response_due_at"))
    )
    resolution = Q(resolution_due_at__isnull=False) & (
        Q(resolved_at__isnull=True, sla_paused_at__isnull=True, resolution_due_at__lt=now)
        | Q(resolved_at__isnull=True, sla_paused_at__gt=F("resolution_due_at"))
        | Q(resolved_at__gt=F("resolution_due_at"))
    )
    return first | resolution


def first_response_breached_q(now: datetime) -> Q:
    return Q(first_response_due_at__isnull=False) & (
        Q(first_responded_at__gt=F("first_response_due_at"))
        | Q(first_responded_at__isnull=True, first_response_due_at__lt=now)
    )


def resolution_breached_q(now: datetime) -> Q:
    return Q(resolution_due_at__isnull=False) & (
        Q(resolved_at__gt=F("resolution_due_at"))
        | Q(resolved_at__isnull=True, sla_paused_at__isnull=True, resolution_due_at__lt=now)
        | Q(resolved_at__isnull=True, sla_paused_at__gt=F("resolution_due_at"))
    )


def first_response_met_q() -> Q:
    return Q(first_responded_at__isnull=False, first_responded_at__lte=F("first_response_due_at"))


def resolution_met_q() -> Q:
    return Q(
        resolved_at__isnull=False, resolution_due_at__isnull=False, resolved_at__lte=F("resolution_due_at")
    )


def breaching_q(now: datetime, within: timedelta = DUE_SOON) -> Q:
    """Not breached yet, but a running clock runs out within ``within`` (paused clocks do not run)."""
    until = now + within
    running = Q(
        first_responded_at__isnull=True, first_response_due_at__gte=now, first_response_due_at__lte=until
    ) | Q(
        resolved_at__isnull=True,
        sla_paused_at__isnull=True,
        resolution_due_at__gte=now,
        resolution_due_at__lte=until,
    )
    return running & ~breached_q(now)


def sla_state(ticket: Ticket, now: datetime) -> SlaState:
    """On track, due soon or breached for the next running target (first response, then resolution)."""
    breached = is_breached(ticket, now)
    if not is_open(ticket):
        return SlaState("done", breached)
    if ticket.sla_paused_at and ticket.first_responded_at is not None:
        return SlaState("paused", breached)
    for name, due, done in (
        ("first_response", ticket.first_response_due_at, ticket.first_responded_at),
        ("resolution", ticket.resolution_due_at, ticket.resolved_at),
    ):
        if due is None or done is not None:
            continue
        if name == "resolution" and ticket.sla_paused_at:
            return SlaState("paused", breached)
        seconds = int((due - now).total_seconds())
        state = (
            "breached" if seconds < 0 else ("due_soon" if seconds < DUE_SOON.total_seconds() else "on_track")
        )
        return SlaState(state, breached, name, due, seconds)
    return SlaState("none", breached)


# --- who is who --------------------------------------------------------------------------------


def customers(ticket: Ticket) -> list[tuple[str, object]]:
    """The ticket's customers as (address, user or None): requester, copied users, copied addresses, once
    each (case-insensitive). Customer notifications and reminders go to exactly these."""
    found = [(ticket.requester.email, ticket.requester)]
    found += [(u.email, u) for u in ticket.cc.all()]
    found += [(e, None) for e in ticket.cc_emails]
    seen: set[str] = set()
    out = []
    for address, user in found:
        if address and address.lower() not in seen:
            seen.add(address.lower())
            out.append((address, user))
    return out


def is_on_ticket(ticket: Ticket, user) -> bool:
    """The requester or a copied person (not merely someone of the same organization)."""
    if user is None or not user.is_authenticated:
        return False
    return ticket.requester_id == user.pk or ticket.cc.filter(pk=user.pk).exists()


def may_see(user, ticket: Ticket) -> bool:
    return Ticket.objects.visible_to(user).filter(pk=ticket.pk).exists()


# --- filing ------------------------------------------------------------------------------------


def top_level() -> PriorityLevel | None:
    return PriorityLevel.objects.order_by("rank", "slug").first()


def level_below(level: PriorityLevel) -> PriorityLevel | None:
    return PriorityLevel.objects.filter(rank__gt=level.rank).order_by("rank", "slug").first() or (
        PriorityLevel.objects.filter(rank=level.rank, slug__gt=level.slug).order_by("slug").first()
    )


def priorities_offered(request_type=None):
    """The levels a customer may pick on this form. A barred organization still sees every level; what a
    guarded level is filed as comes from ``filing_priority``, and the portal says so beside it."""
    qs = PriorityLevel.objects.all()
    if request_type is not None:
        offered = [p.pk for p in request_type.priorities.all()]
        if offered:
            qs = qs.filter(pk__in=offered)
    return qs.order_by("rank", "slug")


@dataclass(frozen=True)
class Filing:
    priority: PriorityLevel
    downgraded_from: PriorityLevel | None = None


def filing_priority(organization, asked: PriorityLevel) -> Filing:
    """The level a ticket is filed at. While an organization is barred for abuse, a request at a guarded
    level is filed one level lower (telephony policy: "all tickets from your organization being
    downgraded"), on every channel."""
    if organization.may_file_top_priority or not asked.abuse_guarded:
        return Filing(asked)
    below = level_below(asked)
    return Filing(below, downgraded_from=asked) if below is not None else Filing(asked)


def check_filer(*, requester, by=None, channel: str = "") -> None:
    """Who files must have proved their address (staff filing on a customer's behalf count as the filer);
    mail is its own channel of identity (see the intake's trust rules)."""
    if channel != Channel.EMAIL and not is_verified(by or requester):
        raise TicketError(UNVERIFIED_DETAIL)


def check_requester(*, requester, organization, triage: bool = False) -> None:
    """A ticket belongs to its requester's organization. Only mail intake may file a stranger's mail under
    an organization, and only for staff triage (``triage=True``): that makes the sender no member."""
    if organization is None:
        raise TicketError(_("The requester belongs to no organization."))
    if requester.is_staff or triage:
        return
    if requester.organization_id != organization.pk:
        raise TicketError(
            _("%(email)s is not a member of %(organization)s."),
            email=requester.email,
            organization=organization.name,
        )


def missing_request_fields(request_type, fields: dict) -> list[str]:
    """The labels of the form's required fields left empty."""
    if request_type is None:
        return []
    missing = []
    for spec in request_type.fields or []:
        if spec.get("required") and fields.get(spec.get("name")) in (None, "", []):
            missing.append(spec.get("label") or spec.get("name"))
    return missing


def check_request_form(*, request_type, priority: PriorityLevel, fields: dict) -> None:
    if request_type is None:
        return
    if request_type.priorities.exists() and not request_type.priorities.filter(pk=priority.pk).exists():
        raise TicketError(
            _("The form “%(form)s” does not offer the priority %(priority)s."),
            form=request_type.name,
            priority=priority.name,
        )
    missing = missing_request_fields(request_type, fields)
    if missing:
        raise TicketError(
            ngettext_lazy(
                "Fill in the required field: %(fields)s.", "Fill in the required fields: %(fields)s.", "n"
            ),
            n=len(missing),
            fields=", ".join(missing),
        )


# --- acting on a ticket -------------------------------------------------------------------------


DEFAULT_REOPEN_WINDOW = timedelta(days=30)  # when no job policy sets one: a month covers "it broke again"


def reopen_window(ticket: Ticket) -> timedelta:
    return job_policy_for(ticket.plan).reopen_window or DEFAULT_REOPEN_WINDOW


def may_reopen(ticket: Ticket, now: datetime, *, by=None) -> bool:
    """A resolved or closed ticket may be reopened by a customer (a button, a reply, an API call or a mail)
    within the plan's reopen window after it was done; staff may reopen at any time."""
    if ticket.status not in DONE_STATUSES or ticket.merged_into_id:
        return False
    if by is not None and by.is_staff:
        return True
    done_at = max([t for t in (ticket.closed_at, ticket.resolved_at) if t], default=None)
    return done_at is None or now - done_at <= reopen_window(ticket)


def check_reopen(ticket: Ticket, now: datetime, *, by=None) -> None:
    if ticket.status not in DONE_STATUSES:
        raise TicketError(_("Only a resolved or closed ticket can be reopened."))
    if ticket.merged_into_id:
        raise TicketError(_("This ticket was merged into another; reply on that one."))
    if not may_reopen(ticket, now, by=by):
        raise TicketError(
            _(
                "This ticket was closed too long ago to reopen. Please file a new ticket and mention "
                "%(reference)s."
            ),
            reference=ticket.reference,
        )


def may_escalate(ticket: Ticket, now: datetime) -> bool:
    """A customer may escalate an open ticket once: at any time at a level that allows it, otherwise once a
    response target is breached (a paused clock does not breach)."""
    if not is_open(ticket) or ticket.escalated_at:
        return False
    if ticket.priority.escalate_any_time:
        return True
    return is_breached(ticket, now)


def check_escalate(ticket: Ticket, now: datetime) -> None:
    if not is_open(ticket):
        raise TicketError(_("Only an open ticket can be escalated."))
    if not ticket.escalated_at and not may_escalate(ticket, now):
        raise TicketError(_("This ticket can be escalated once its response target is breached."))


def may_edit(ticket: Ticket, now: datetime, *, by=None) -> bool:
    """May ``by`` rewrite the request (subject, description, form fields)? Staff may while it is not closed.
    The requester may once a response target is breached ("If the above response times have been
    breached you may use this portal ... to edit your request", telephony policy) and, where the plan's
    ``customer_edit`` allows it, while the ticket is still new (nobody has acted on the old text)."""
    if ticket.status == Status.CLOSED:
        return False
    if by is not None and by.is_staff:
        return True
    if by is not None and ticket.requester_id != by.pk:
        return False
    if not is_open(ticket):
        return False
    if is_breached(ticket, now):
        return True
    return (
        ticket.status == Status.NEW and ticket.plan.customer_edit == SupportPlan.CustomerEdit.NEW_OR_BREACHED
    )


def check_edit(ticket: Ticket, now: datetime, *, by) -> None:
    if ticket.status == Status.CLOSED:
        raise TicketError(_("A closed ticket cannot be edited; reopen it first."))
    if not by.is_staff and ticket.requester_id != by.pk:
        raise TicketError(_("Only the person who filed the request can edit it; add a reply instead."))
    if not may_edit(ticket, now, by=by):
        raise TicketError(_("You can edit the request once its response time has passed without an answer."))


def may_merge(source: Ticket, target: Ticket) -> bool:
    return not merge_refusal(source, target)


def merge_refusal(source: Ticket, target: Ticket) -> str:
    """Why ``source`` cannot be folded into ``target`` ("" when it can). Never across organizations: the
    source's requester would then read another organization's thread."""
    if source.pk == target.pk:
        return _("A ticket cannot be merged into itself.")
    if source.organization_id != target.organization_id:
        return _("Tickets of different organizations cannot be merged.")
    if target.merged_into_id:
        return _("The target was itself merged; merge into the ticket it points to.")
    if source.merged_into_id:
        return _("This ticket was already merged.")
    return ""


def check_merge(source: Ticket, target: Ticket) -> None:
    refusal = merge_refusal(source, target)
    if refusal:
        raise TicketError(refusal)


# --- tags ----------------------------------------------------------------------------------------

TAGS_PER_TICKET_MAX = 20
_TAG_NAME = re.compile(r"^[a-z0-9][a-z0-9_.:-]{0,49}$")


def tag_name(raw: str) -> str:
    """A tag as stored: trimmed, lower case, inner spaces as hyphens ("Billing Issue" -> "billing-issue");
    letters, digits and ``- _ . :``, at most 50 characters. Anything else is refused, not mangled."""
    name = "-".join(str(raw or "").strip().lower().split())
    if not _TAG_NAME.match(name):
        raise TicketError(
            _(
                "“%(tag)s” is not a tag: up to 50 letters, digits and - _ . :, starting with a "
                "letter or digit."
            ),
            tag=str(raw)[:60],
        )
    return name


def may_tag(user) -> bool:
    """Technicians tag tickets (and automation, acting as nobody); customers never see or set tags."""
    return user is None or bool(user.is_active and user.is_staff)


def check_tags(*, by, count: int) -> None:
    if not may_tag(by):
        raise TicketError(_("Only staff tag tickets."))
    if count > TAGS_PER_TICKET_MAX:
        raise TicketError(_("A ticket carries at most %(max)d tags."), max=TAGS_PER_TICKET_MAX)


# --- saved queue views ---------------------------------------------------------------------------------

SAVED_VIEWS_PER_OWNER_MAX = 20  # each tab costs one capped count per queue load and poll


def saved_views_visible_q(user) -> Q:
    """The saved views a person sees: their own, and those shared with a team they belong to."""
    return Q(owner=user) | Q(team__in=user.teams.values("pk"))


def may_edit_saved_view(user, view) -> bool:
    """Its owner; for a view shared with a team, also a lead of that team (a team lead who is a member)
    or a helpdesk admin. Renaming, re-filtering, sharing and deleting all ask this."""
    if not (user and user.is_active and user.is_staff):
        return False
    if view.owner_id == user.pk:
        return True
    if view.team_id is None:
        return False
    return user.is_helpdesk_admin or (user.is_team_lead and view.team_id in _team_ids(user))


def _team_ids(user) -> frozenset[int]:
    """The teams a person belongs to, read once per request (a list of views asks for each row)."""
    ids = getattr(user, "_policy_team_ids", None)
    if ids is None:
        ids = user._policy_team_ids = frozenset(user.teams.values_list("pk", flat=True))
    return ids


def check_saved_view_edit(user, view) -> None:
    if not may_edit_saved_view(user, view):
        raise TicketError(
            _("Only the view's owner, a lead of the team it is shared with, or an admin may change it.")
        )


# --- time tracking -----------------------------------------------------------------------------------

MINUTES_MAX = 24 * 60  # one message logs at most a day; more is a typo, not work


def time_tracking(ticket: Ticket) -> str:
    """The plan's time-tracking setting (``SupportPlan.TimeTracking``): off, optional or required."""
    plan = ticket.plan
    return plan.time_tracking if plan is not None else SupportPlan.TimeTracking.OPTIONAL


#: Where a person types the message and can say how long it took. A technician's reply by email has no
#: field for minutes: it is kept without them (never refused: mail that is refused is lost).
MINUTES_ASKED_ON = (Channel.WEB, Channel.API)


def check_minutes(
    ticket: Ticket, minutes: int | None, *, from_staff: bool, channel: str = Channel.WEB
) -> None:
    """Minutes are staff work on a plan that tracks time; a plan that bills by time requires them on the
    desk and the API."""
    mode = time_tracking(ticket)
    if minutes is None:
        if from_staff and mode == SupportPlan.TimeTracking.REQUIRED and channel in MINUTES_ASKED_ON:
            raise TicketError(
                _("Log the minutes you spent: the %(plan)s plan bills by time."), plan=ticket.plan.name
            )
        return
    if not from_staff:
        raise TicketError(_("Only staff log time on a ticket."))
    if mode == SupportPlan.TimeTracking.OFF:
        raise TicketError(_("The %(plan)s plan does not track time."), plan=ticket.plan.name)
    if not 0 <= minutes <= MINUTES_MAX:
        raise TicketError(_("Minutes must be between 0 and %(max)d."), max=MINUTES_MAX)
