"""How the portal words SLA targets and states for customers ("first response within 4 business hours"),
and the deadlines in the reader's time zone, naming the SLA calendar's zone too where it differs
("Fri 6 Mar, 10:00 London, 05:00 your time")."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q
from django.utils.timesince import timeuntil
from django.utils.translation import gettext as _

from notifications.timewords import due_words
from sla.models import SLATarget, SupportPlan
from sla.selectors import duration_text

from .. import policy
from ..models import Ticket
from ..selectors import sla_state


def target_phrase(delta: timedelta | None, calendar_always_open: bool) -> str:
    if delta is None:
        return ""
    if calendar_always_open:
        return _("within %(duration)s, around the clock") % {"duration": duration_text(delta)}
    return _("within %(duration)s") % {"duration": duration_text(delta, business=True)}


def target_lines(target: SLATarget | None) -> list[str]:
    if target is None:
        return []
    always = target.calendar.always_open
    lines = []
    if target.first_response:
        lines.append(
            _("First response %(within)s") % {"within": target_phrase(target.first_response, always)}
        )
    if target.resolution:
        lines.append(_("Resolution %(within)s") % {"within": target_phrase(target.resolution, always)})
    return lines


def priority_options(levels, plan: SupportPlan, organization=None) -> list[dict]:
    levels = list(levels)
    targets = {
        t.priority_id: t
        for t in SLATarget.objects.filter(plan=plan, priority__in=levels).select_related("calendar")
    }
    options = []
    for level in levels:
        filed = policy.filing_priority(organization, level) if organization is not None else None
        options.append(
            {
                "level": level,
                "targets": target_lines(targets.get(level.pk)),
                "filed_as": filed.priority if filed and filed.downgraded_from else None,
            }
        )
    return options


def sla_target(ticket: Ticket) -> SLATarget | None:
    return (
        SLATarget.objects.select_related("calendar")
        .filter(plan_id=ticket.plan_id, priority_id=ticket.priority_id)
        .first()
    )


def first_response_text(ticket: Ticket, target: SLATarget | None = None) -> str:
    target = target or sla_target(ticket)
    if target is None or not target.first_response:
        return ""
    return target_phrase(target.first_response, target.calendar.always_open)


def calendar_zones(tickets) -> dict[tuple[int, int], str]:
    """The SLA calendar's zone for each (plan, priority) of ``tickets``: one query for a whole page."""
    pairs = {(t.plan_id, t.priority_id) for t in tickets}
    if not pairs:
        return {}
    match = Q()
    for plan_id, priority_id in pairs:
        match |= Q(plan_id=plan_id, priority_id=priority_id)
    return {
        (plan_id, priority_id): zone
        for plan_id, priority_id, zone in SLATarget.objects.filter(match).values_list(
            "plan_id", "priority_id", "calendar__timezone"
        )
    }


def state_label(state: str) -> str:
    """An SLA state (``policy.SLAState.state``) in the reader's language (the portal and the desk show it)."""
    return str(policy.SlaState.LABELS[state])


def sla_view(ticket: Ticket, now: datetime, calendar_zone: str | None = None) -> dict:
    """The SLA state as the customer list shows it: on track, due in, breached, paused or done, in the
    reader's language; ``due_words`` is the deadline in the reader's zone (and the calendar's)."""
    state = sla_state(ticket, now)
    state["label"] = state_label(state["state"])
    due = state.get("due_at")
    if state["state"] == "done":
        state["text"] = _("Done: no clock running")
        return state
    if state["state"] == "paused":
        state["label"] = state["text"] = _("Paused (waiting on you)")
        return state
    if due is None:
        state["text"] = state["label"]
        return state
    first = state["target"] == "first_response"
    state["due_words"] = due_words(due, calendar_zone)
    if state["state"] == "breached":
        ago = timeuntil(now, due, depth=1)
        state["text"] = (
            _("First response was due %(time)s ago") if first else _("Resolution was due %(time)s ago")
        ) % {"time": ago}
    else:
        left = timeuntil(due, now, depth=1 if state["state"] == "due_soon" else 2)
        state["text"] = (
            _("First response due in %(time)s") if first else _("Resolution due in %(time)s")
        ) % {"time": left}
    return state
