"""How the portal words SLA targets and states for customers ("first response within 4 business hours")."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils.timesince import timeuntil

from sla.models import SLATarget, SupportPlan

from .. import policy
from ..models import Ticket
from ..selectors import sla_state

TARGET_NAMES = {"first_response": "first response", "resolution": "resolution"}


def duration_text(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours, rest = divmod(minutes, 60)
    text = f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{text} {rest} minutes" if rest else text


def target_phrase(delta: timedelta | None, calendar_always_open: bool) -> str:
    if delta is None:
        return ""
    text = duration_text(delta)
    if calendar_always_open:
        return f"within {text}, around the clock"
    unit_at = text.find(" ") + 1  # "4 hours" -> "4 business hours"
    return f"within {text[:unit_at]}business {text[unit_at:]}"


def target_lines(target: SLATarget | None) -> list[str]:
    if target is None:
        return []
    always = target.calendar.always_open
    lines = []
    if target.first_response:
        lines.append(f"First response {target_phrase(target.first_response, always)}")
    if target.resolution:
        lines.append(f"Resolution {target_phrase(target.resolution, always)}")
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


def first_response_text(ticket: Ticket) -> str:
    target = (
        SLATarget.objects.select_related("calendar")
        .filter(plan=ticket.plan, priority=ticket.priority)
        .first()
    )
    if target is None or not target.first_response:
        return ""
    return target_phrase(target.first_response, target.calendar.always_open)


def sla_view(ticket: Ticket, now: datetime) -> dict:
    """The SLA state as the customer list shows it: on track, due in, breached, paused or done."""
    state = sla_state(ticket, now)
    due = state.get("due_at")
    if state["state"] == "done":
        state["text"] = "Done: no clock running"
        return state
    if state["state"] == "paused":
        state["label"] = state["text"] = "Paused (waiting on you)"
        return state
    if due is None:
        state["text"] = state.get("label", "")
        return state
    name = TARGET_NAMES[state["target"]]
    if state["state"] == "breached":
        state["text"] = f"{name.capitalize()} was due {timeuntil(now, due, depth=1)} ago"
    elif state["state"] == "due_soon":
        state["text"] = f"{name.capitalize()} due in {timeuntil(due, now, depth=1)}"
    else:
        state["text"] = f"{name.capitalize()} due in {timeuntil(due, now, depth=2)}"
    return state
