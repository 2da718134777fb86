"""The audit trail in words: who did what and why, and why each SLA deadline is what it is."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.dateparse import parse_datetime, parse_duration
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from notifications.timewords import due_words
from sla.models import Calendar, PriorityLevel

from ..dashboard import duration_words
from ..models import Channel, Status, Ticket, TicketEvent
from ..reasons import event_reason

_ENDED = (Status.RESOLVED, Status.CLOSED)
# Why deadlines were computed again: the codes ``tickets.services`` store on an SLA event, in words.
_RECOMPUTED = {
    "priority re-classified": gettext_lazy("priority re-classified"),
    "reopened": gettext_lazy("reopened"),
}


def _when(value: str | datetime | None) -> str:
    if not value:
        return ""
    moment = parse_datetime(value) if isinstance(value, str) else value
    if moment is None:
        return str(value)
    local = timezone.localtime(moment)
    return date_format(local, "D j M H:i T")  # "Mon 2 Feb 10:00 GMT", day and month in the reader's language


def _target_words(raw: str | None, calendar: Calendar | None) -> str | None:
    if not raw:
        return None
    delta = parse_duration(raw)
    if delta is None:
        return raw
    # Targets read in hours ("40 h"), never in days that could be taken for calendar days.
    hours, rest = divmod(int(delta.total_seconds()), 3600)
    if hours:
        if rest:
            words = _("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": rest // 60}
        else:
            words = _("%(hours)d h") % {"hours": hours}
    else:
        words = _("%(minutes)d min") % {"minutes": rest // 60}
    if calendar is None or calendar.always_open:
        return _("%(time)s round the clock") % {"time": words}
    return _("%(time)s of business time on the '%(calendar)s' calendar (%(zone)s)") % {
        "time": words,
        "calendar": calendar.name,
        "zone": calendar.timezone,
    }


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
            channel = e.data.get("channel", "web")
            channel = Channel(channel).label.lower() if channel in Channel.values else channel
            text = _("Logged as %(priority)s via %(channel)s") % {
                "priority": levels.get(e.new_value, e.new_value),
                "channel": channel,
            }
        elif kind == TicketEvent.Kind.STATUS:
            text = _("Status: %(old)s → %(new)s") % {"old": _status(e.old_value), "new": _status(e.new_value)}
        elif kind == TicketEvent.Kind.PRIORITY:
            change = {
                "old": levels.get(e.old_value, e.old_value),
                "new": levels.get(e.new_value, e.new_value),
            }
            text = _("Priority re-classified: %(old)s → %(new)s") % change
        elif kind == TicketEvent.Kind.ASSIGNEE:
            if not e.new_value:
                text = _("Unassigned")
            elif e.old_value:
                text = _("Assigned to %(new)s (was %(old)s)") % {"new": e.new_value, "old": e.old_value}
            else:
                text = _("Assigned to %(new)s") % {"new": e.new_value}
        elif kind == TicketEvent.Kind.MERGED:
            if e.old_value == ticket.reference:
                text = _("Merged into %(target)s; this ticket closed and points there") % {
                    "target": e.new_value
                }
            else:
                text = _("%(source)s merged into this ticket") % {"source": e.old_value}
            if "messages" in e.data:
                messages, files = e.data["messages"], e.data.get("files", 0)
                moved = {"source": e.old_value, "target": e.new_value}
                detail = (
                    ngettext("%(n)d message", "%(n)d messages", messages) % {"n": messages}
                    + " "
                    + ngettext(
                        "and %(n)d file moved from %(source)s to %(target)s; %(source)s's requester and copies "
                        "now follow %(target)s",
                        "and %(n)d files moved from %(source)s to %(target)s; %(source)s's requester and copies "
                        "now follow %(target)s",
                        files,
                    )
                    % {"n": files, **moved}
                )
        elif kind == TicketEvent.Kind.INCIDENT:
            text = _("Linked to incident: %(incident)s") % {"incident": e.new_value}
        elif kind == TicketEvent.Kind.TAG_ADDED:
            text = _("Tagged %(tag)s") % {"tag": e.new_value}
        elif kind == TicketEvent.Kind.TAG_REMOVED:
            text = _("Tag %(tag)s removed") % {"tag": e.old_value}
        elif kind == TicketEvent.Kind.SLA_DUE:
            d = e.data
            cal = calendars.get(d.get("calendar"))
            level = levels.get(d.get("priority"), d.get("priority"))
            parts = []
            if d.get("first_response_due_at"):
                parts.append(_("first response due %(when)s") % {"when": _when(d["first_response_due_at"])})
            if d.get("resolution_due_at"):
                parts.append(_("resolution due %(when)s") % {"when": _when(d["resolution_due_at"])})
            label = (
                _("SLA")
                if e.reason in ("", "created")
                else _("SLA recomputed (%(why)s)") % {"why": _RECOMPUTED.get(e.reason, e.reason)}
            )
            text = _("%(label)s: %(deadlines)s") % {
                "label": label,
                "deadlines": ", ".join(parts) if parts else _("no target for this plan and priority"),
            }
            if d.get("reopened") or e.reason == "reopened":
                why = [_("reopened %(when)s") % {"when": _when(d.get("start"))}]
                fr_from = d.get("first_response_start") or d.get("received_at")
                if fr_from and fr_from != d.get("start"):
                    why.append(_("first response counted from receipt %(when)s") % {"when": _when(fr_from)})
            else:
                why = [_("received %(when)s") % {"when": _when(d.get("received_at") or d.get("start"))}]
            fr_words = _target_words(d.get("first_response_target"), cal)
            res_words = _target_words(d.get("resolution_target"), cal)
            if fr_words:
                why.append(
                    _("%(priority)s first response = %(target)s") % {"priority": level, "target": fr_words}
                )
            if res_words:
                why.append(
                    _("%(priority)s resolution = %(target)s") % {"priority": level, "target": res_words}
                )
            if d.get("plan"):
                why.append(_("plan '%(plan)s'") % {"plan": d["plan"]})
            detail = _("because: %(reasons)s") % {"reasons": ", ".join(why)}
        elif kind == TicketEvent.Kind.SLA_PAUSED:
            text = _("SLA clock paused")
        elif kind == TicketEvent.Kind.SLA_RESUMED:
            excluded = timedelta(seconds=e.data.get("excluded_seconds") or 0)
            if e.new_value:
                text = _("SLA clock resumed: resolution now due %(when)s") % {"when": _when(e.new_value)}
            else:
                text = _("SLA clock resumed")
            detail = _("paused since %(when)s; %(time)s of business time not counted") % {
                "when": _when(e.data.get("paused_at")),
                "time": duration_words(excluded),
            }
        elif kind in (TicketEvent.Kind.SLA_MET, TicketEvent.Kind.SLA_BREACHED):
            missed = e.data.get("missed_by_seconds") or 0
            met = kind == TicketEvent.Kind.SLA_MET
            if e.new_value == "first_response":
                text = _("SLA first response target met") if met else _("SLA first response target missed")
            elif e.new_value == "resolution":
                text = _("SLA resolution target met") if met else _("SLA resolution target missed")
            else:
                target = e.new_value.replace("_", " ")
                text = f"SLA {target} target {'met' if met else 'missed'}"
            times = {
                "due": _when(e.data.get("due_at")),
                "done": _when(e.data.get("done_at")),
                "by": e.data.get("by"),
            }
            if e.data.get("by"):
                detail = _("due %(due)s, done %(done)s by %(by)s") % times
            else:
                detail = _("due %(due)s, done %(done)s") % times
            if missed:
                detail += _(", late by %(time)s") % {"time": duration_words(missed)}
        elif e.old_value or e.new_value:
            text = f"{text}: {e.old_value} → {e.new_value}".replace(":  → ", ": ")  # noqa: RUF001
        lines.append(
            {
                "event": e,
                "at": e.created_at,
                "actor": e.actor.display_name if e.actor else _("system"),
                "text": text,
                "detail": detail,
                "sla": kind.startswith("sla_"),
                "reason": "" if kind == TicketEvent.Kind.SLA_DUE else event_reason(e),
                "change": change if kind == TicketEvent.Kind.PRIORITY else None,
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
            span = {"start": _when(e.data.get("paused_at")), "end": _when(e.created_at)}
            pauses.append((_("%(start)s to %(end)s") % span, excluded))
        elif e.kind == TicketEvent.Kind.PRIORITY:
            moved = {
                **line["change"],
                "when": _when(e.created_at),
                "actor": line["actor"],
                "reason": line["reason"],
            }
            if line["reason"]:
                words = _('re-classified %(old)s → %(new)s on %(when)s by %(actor)s ("%(reason)s")') % moved
            else:
                words = _("re-classified %(old)s → %(new)s on %(when)s by %(actor)s") % moved
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
    first = due == ticket.first_response_due_at and not ticket.first_responded_at
    words = {"due": due_words(due, last.get("calendar_zone"), fmt="D j M H:i"), "detail": last["detail"]}
    if first:
        text = _("First response due %(due)s %(detail)s") % words
    else:
        text = _("Resolution due %(due)s %(detail)s") % words
    moved = moved_fr if first else moved_res
    if moved:
        text += "; " + "; ".join(moved)
    total = sum((d for _, d in pauses), timedelta(0))
    if pauses and not first:
        spans = ", ".join(f"{span}: {duration_words(d)}" for span, d in pauses)
        text += _("; paused %(time)s waiting on the customer, not counted (%(spans)s)") % {
            "time": duration_words(total),
            "spans": spans,
        }
    if ticket.sla_paused_at:
        text += _("; clock paused since %(when)s (waiting on the customer)") % {
            "when": _when(ticket.sla_paused_at)
        }
    return text
