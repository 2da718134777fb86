"""The audit export (issue 21): ticket events and admin actions over a period, as CSV or JSON.

One stream of rows, oldest first, read in chunks (a year of events does not sit in memory), shared by
the desk page (``/desk/audit/``) and ``manage.py audit_export``. Only helpdesk admins may read it
(``may_export_audit``): it names every actor and every change. It lives in the project package
because it joins two sources no app owns together (``tickets`` and Django's admin log).
"""

from __future__ import annotations

import csv
import heapq
import io
import json
from collections.abc import Iterator
from datetime import datetime

from django.contrib.admin.models import LogEntry
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.locale import PersonLocale, export_time, zoned_header
from tickets.models import TicketEvent

COLUMNS = ["at", "source", "actor", "action", "object", "old_value", "new_value", "detail"]
FORMATS = ("csv", "json")
CHUNK = 2000


def may_export_audit(user) -> bool:
    return bool(
        user and user.is_authenticated and user.is_active and (user.is_superuser or user.is_helpdesk_admin)
    )


def _ticket_rows(since: datetime, until: datetime) -> Iterator[tuple[datetime, dict]]:
    events = (
        TicketEvent.objects.filter(created_at__gte=since, created_at__lt=until)
        .select_related("actor", "ticket")
        .order_by("created_at", "id")
    )
    for e in events.iterator(chunk_size=CHUNK):
        yield (
            e.created_at,
            {
                "at": e.created_at.isoformat(),
                "source": "ticket",
                "actor": e.actor.email if e.actor else "system",
                "action": e.kind,
                "object": e.ticket.reference,
                "old_value": e.old_value,
                "new_value": e.new_value,
                "detail": e.reason,
            },
        )


def _admin_rows(since: datetime, until: datetime) -> Iterator[tuple[datetime, dict]]:
    entries = (
        LogEntry.objects.filter(action_time__gte=since, action_time__lt=until)
        .select_related("user", "content_type")
        .order_by("action_time", "id")
    )
    actions = {1: "added", 2: "changed", 3: "deleted"}
    for e in entries.iterator(chunk_size=CHUNK):
        model = f"{e.content_type.app_label}.{e.content_type.model}" if e.content_type else ""
        yield (
            e.action_time,
            {
                "at": e.action_time.isoformat(),
                "source": "admin",
                "actor": e.user.email,
                "action": actions.get(e.action_flag, str(e.action_flag)),
                "object": f"{model} #{e.object_id} {e.object_repr}".strip()
                if e.object_id
                else f"{model} {e.object_repr}",
                "old_value": "",
                "new_value": "",
                "detail": e.get_change_message(),
            },
        )


def audit_rows(*, since: datetime, until: datetime) -> Iterator[dict]:
    """Every ticket event and admin action with ``since <= time < until``, oldest first."""
    merged = heapq.merge(_ticket_rows(since, until), _admin_rows(since, until), key=lambda pair: pair[0])
    for _at, row in merged:
        yield row


def csv_header(zone_name: str) -> list[str]:
    """The CSV's header for a person (the desk page): in their language, the time naming their zone.
    The command and the JSON keep the column names of ``COLUMNS``."""
    return [
        zoned_header(_("Time"), zone_name),
        _("Source"),
        _("Actor"),
        _("Action"),
        _("Object"),
        _("Old value"),
        _("New value"),
        _("Detail"),
    ]


def audit_export(
    *, since: datetime, until: datetime, fmt: str, reader: PersonLocale | None = None
) -> Iterator[str]:
    """The rows as CSV (a header, then one line each) or JSON (an array), in pieces to stream.

    For a ``reader`` (a person downloading from the desk) the CSV's header is in their language and its
    times on their wall clock (``accounts.locale.export_time``); without one (the command, and JSON) the
    header is ``COLUMNS`` and the times ISO 8601 in UTC."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    rows = audit_rows(since=since, until=until)
    if fmt == "json":
        yield "["
        for n, row in enumerate(rows):
            yield ("," if n else "") + "\n" + json.dumps(row, ensure_ascii=False)
        yield "\n]\n"
        return
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    if reader is None:
        writer.writeheader()
    else:
        with translation.override(reader.language):
            csv.writer(buffer).writerow(csv_header(reader.time_zone))
    for row in rows:
        if reader is not None:
            row["at"] = export_time(datetime.fromisoformat(row["at"]), reader.zone)
        # Cells a spreadsheet would run as a formula are quoted with a leading apostrophe.
        writer.writerow(
            {k: ("'" + v if isinstance(v, str) and v and v[0] in "=+-@\t\r" else v) for k, v in row.items()}
        )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()
