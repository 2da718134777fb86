"""The audit trail in words: who did what and why, and why each SLA deadline is what it is."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_datetime, parse_duration

from sla.models import Calendar, PriorityLevel

from ..dashboard import duration_words
from ..models import Status, Ticket, TicketEvent
from ..timewords import due_words

_ENDED = (Status.RESOLVED, Status.CLOSED)


def _when(value: str | datetime | None) -> str:
    if not value:
        return ""
    moment = parse_datetime(value) if isinstance(value, str) else value
    if moment is None:
        return str(value)
    local = timezone.localtime(moment)
    return f"{local:%a} {local.day} {local:%b %H:%M %Z}"


def _target_words(raw: str | None, calendar: Calendar | None) -> str | None:
    if not raw:
        return None
    delta = parse_duration(raw)
    if delta is None:
        return raw
    # Targets read in hours ("40 h"), never in days that could be taken for calendar days.
    hours, rest = divmod(int(delta.total_seconds()), 3600)
    words = f"{hours} h" + (f" {rest // 60:02d} min" if rest else "") if hours else f"{rest // 60} min"
    if calendar is None or calendar.always_open:
        return f"{words} round the clock"
    return f"{words} of business time on the '{calendar.name}' calendar ({calendar.timezone})"


def _status(value: str) -> str:
    try:
        return Status(value).label.lower()
    except ValueError:
        return value


def explain_events(ticket: Ticket, levels: list[PriorityLevel] | None = None) -> list[dict]:
    """Each event as a line a person can read, oldest first (three queries, whatever the length)."""
    events = list(ticket.events.select_related("actor"))
    calendars = {
        c.name: c for c in Calendar.objects.all()
    }  # a handful of rows; one query whatever the events
    levels = {p.slug: p.name for p in (PriorityLevel.objects.all() if levels is None else levels)}
    lines = []
    for e in events:
        text, detail = e.get_kind_display(), ""
        kind = e.kind
        if kind == TicketEvent.Kind.CREATED:
            text = f"Logged as {levels.get(e.new_value, e.new_value)} via {e.data.get('channel', 'web')}"
        elif kind == TicketEvent.Kind.STATUS:
            text = f"Status: {_status(e.old_value)} → {_status(e.new_value)}"
        elif kind == TicketEvent.Kind.PRIORITY:
            text = f"Priority re-classified: {levels.get(e.old_value, e.old_value)} → {levels.get(e.new_value, e.new_value)}"
        elif kind == TicketEvent.Kind.ASSIGNEE:
            text = (
                f"Assigned to {e.new_value}" + (f" (was {e.old_value})" if e.old_value else "")
                if e.new_value
                else "Unassigned"
            )
        elif kind == TicketEvent.Kind.MERGED:
            if e.old_value == ticket.reference:
                text = f"Merged into {e.new_value}; this ticket closed and points there"
            else:
                text = f"{e.old_value} merged into this ticket"
            if "messages" in e.data:
                messages, files = e.data["messages"], e.data.get("files", 0)
                detail = (
                    f"{messages} message{'s' if messages != 1 else ''} and {files} file{'s' if files != 1 else ''} "
                    f"moved from {e.old_value} to {e.new_value}; {e.old_value}'s requester and copies now follow "
                    f"{e.new_value}"
                )
        elif kind == TicketEvent.Kind.INCIDENT:
            text = f"Linked to incident: {e.new_value}"
        elif kind == TicketEvent.Kind.TAG_ADDED:
            text = f"Tagged {e.new_value}"
        elif kind == TicketEvent.Kind.TAG_REMOVED:
            text = f"Tag {e.old_value} removed"
        elif kind == TicketEvent.Kind.SLA_DUE:
            d = e.data
            cal = calendars.get(d.get("calendar"))
            level = levels.get(d.get("priority"), d.get("priority"))
            parts = []
            if d.get("first_response_due_at"):
                parts.append(f"first response due {_when(d['first_response_due_at'])}")
            if d.get("resolution_due_at"):
                parts.append(f"resolution due {_when(d['resolution_due_at'])}")
            label = "SLA" if e.reason in ("", "created") else f"SLA recomputed ({e.reason})"
            text = f"{label}: " + (", ".join(parts) if parts else "no target for this plan and priority")
            if d.get("reopened") or e.reason == "reopened":
                why = [f"reopened {_when(d.get('start'))}"]
                fr_from = d.get("first_response_start") or d.get("received_at")
                if fr_from and fr_from != d.get("start"):
                    why.append(f"first response counted from receipt {_when(fr_from)}")
            else:
                why = [f"received {_when(d.get('received_at') or d.get('start'))}"]
            fr_words = _target_words(d.get("first_response_target"), cal)
            res_words = _target_words(d.get("resolution_target"), cal)
            if fr_words:
                why.append(f"{level} first response = {fr_words}")
            if res_words:
                why.append(f"{level} resolution = {res_words}")
            if d.get("plan"):
                why.append(f"plan '{d['plan']}'")
            detail = "because: " + ", ".join(why)
        elif kind == TicketEvent.Kind.SLA_PAUSED:
            text = "SLA clock paused"
        elif kind == TicketEvent.Kind.SLA_RESUMED:
            excluded = timedelta(seconds=e.data.get("excluded_seconds") or 0)
            text = "SLA clock resumed" + (f": resolution now due {_when(e.new_value)}" if e.new_value else "")
            detail = f"paused since {_when(e.data.get('paused_at'))}; {duration_words(excluded)} of business time not counted"
        elif kind in (TicketEvent.Kind.SLA_MET, TicketEvent.Kind.SLA_BREACHED):
            target = e.new_value.replace("_", " ")
            missed = e.data.get("missed_by_seconds") or 0
            text = f"SLA {target} target {'met' if kind == TicketEvent.Kind.SLA_MET else 'missed'}"
            by = f" by {e.data['by']}" if e.data.get("by") else ""
            detail = f"due {_when(e.data.get('due_at'))}, done {_when(e.data.get('done_at'))}{by}" + (
                f", late by {duration_words(missed)}" if missed else ""
            )
        elif e.old_value or e.new_value:
            text = f"{text}: {e.old_value} → {e.new_value}".replace(":  → ", ": ")
        lines.append(
            {
                "event": e,
                "at": e.created_at,
                "actor": e.actor.display_name if e.actor else "system",
                "text": text,
                "detail": detail,
                "sla": kind.startswith("sla_"),
                "reason": "" if kind == TicketEvent.Kind.SLA_DUE else e.reason,
                # The calendar the deadline was counted on (its zone names the due time in both zones).
                "calendar_zone": getattr(calendars.get(e.data.get("calendar")), "timezone", None)
                if kind == TicketEvent.Kind.SLA_DUE
                else None,
            }
        )
    return lines


def due_explanation(ticket: Ticket, lines: list[dict]) -> str | None:
    """ "Why is this due at 14:30": the last deadline calculation, then every re-classification and
    every pause that moved it, as ``tickets.clocks`` counts them (the first response counts from the
    arrival and never pauses; the resolution counts from the arrival or the last reopen, pauses left out).
    """
    last = None
    pauses: list[tuple[str, timedelta]] = []
    moved_fr: list[str] = []
    moved_res: list[str] = []
    for line in lines:
        e = line["event"]
        if e.kind == TicketEvent.Kind.SLA_DUE:
            last = line
        elif e.kind == TicketEvent.Kind.STATUS and e.old_value in _ENDED and e.new_value == Status.OPEN:
            pauses, moved_res = [], []  # a fresh resolution clock
        elif e.kind == TicketEvent.Kind.SLA_RESUMED:
            excluded = timedelta(seconds=e.data.get("excluded_seconds") or 0)
            pauses.append((f"{_when(e.data.get('paused_at'))} to {_when(e.created_at)}", excluded))
        elif e.kind == TicketEvent.Kind.PRIORITY:
            words = line["text"].replace("Priority re-classified: ", "re-classified ", 1)
            words += f" on {_when(e.created_at)} by {line['actor']}" + (
                f' ("{e.reason}")' if e.reason else ""
            )
            moved_fr.append(words)
            moved_res.append(words)
    if last is None or not ticket.is_open:
        return None
    due = (
        ticket.first_response_due_at
        if not ticket.first_responded_at and ticket.first_response_due_at
        else ticket.resolution_due_at
    )
    if due is None:
        return None
    which = (
        "First response"
        if due == ticket.first_response_due_at and not ticket.first_responded_at
        else "Resolution"
    )
    text = f"{which} due {due_words(due, last.get('calendar_zone'), fmt='D j M H:i')} {last['detail']}"
    moved = moved_fr if which == "First response" else moved_res
    if moved:
        text += "; " + "; ".join(moved)
    total = sum((d for _, d in pauses), timedelta(0))
    if pauses and which == "Resolution":
        spans = ", ".join(f"{span}: {duration_words(d)}" for span, d in pauses)
        text += f"; paused {duration_words(total)} waiting on the customer, not counted ({spans})"
    if ticket.sla_paused_at:
        text += f"; clock paused since {_when(ticket.sla_paused_at)} (waiting on the customer)"
    return text
