"""The queue's rows as the page shows them: every cell's words worked out once, in Python.

The template only places the words (``_queue_rows.html``). Rendering each row's cells through template
lookups, a ``{% url %}``, two ``{% blocktranslate %}`` and two ``date`` filters cost about a third of
the queue page (25 rows, every 20 s for every technician); here a row costs a few dictionary writes.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict
from urllib.parse import quote

from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from ..models import Status, Ticket
from .views._common import sla_clock

_STATUS_LABELS = dict(Status.choices)
ROW_TIME = "D j M H:i"


_SENTINEL = 987654321


def url_for_ids(name: str):
    """``reverse(name, args=[pk])`` for many pks at the price of one reverse (rows and threads)."""
    template = reverse(name, args=[_SENTINEL])
    return lambda pk: template.replace(str(_SENTINEL), str(pk))


class QueueRow(TypedDict):
    """One row's words (a dict: the template's first lookup, so no attribute fallback per cell)."""

    ticket: Ticket
    url: str
    reference: str
    select_label: str
    escalated_title: str  # "" when not escalated
    subject: str
    requester: str
    tags: list[tuple[str, str]]  # (name, the query string that filters by it)
    snippet: str
    organization: str
    plan: str
    priority: str
    colour: str
    status: str
    assignee: str
    received_title: str
    age: str
    state: str
    clock: str


def queue_row_words(tickets: list[Ticket], *, now: datetime) -> list[QueueRow]:
    """The page's tickets (``queue_page``'s rows: people and tag names attached, the organization's,
    plan's and level's words as ``QUEUE_ROW_LOOKUPS``) as rows of words, in the reader's language and
    time zone (both active for the request)."""
    ticket_url = url_for_ids("desk:ticket_detail")
    select = _("Select %(reference)s")
    escalated = _("Escalated by the customer %(when)s")
    received = _("received %(when)s")
    statuses = {value: str(label) for value, label in _STATUS_LABELS.items()}
    names: dict[str, str] = {}

    def level_name(name: str) -> str:
        """A preset level's name is a message id (as in the portal and the mails); an admin's own stays.
        Looked up once per level, not per row."""
        if name not in names:
            names[name] = _(name)
        return names[name]

    rows = []
    for t in tickets:
        sla = sla_clock(t, now)
        reference = t.reference
        assignee = t.assignee_row
        rows.append(
            QueueRow(
                ticket=t,
                url=ticket_url(t.pk),
                reference=reference,
                select_label=select % {"reference": reference},
                escalated_title=(
                    escalated % {"when": date_filter(localtime(t.escalated_at), ROW_TIME)}
                    if t.escalated_at
                    else ""
                ),
                subject=t.subject,
                requester=t.requester_row.email if t.requester_row else "",
                tags=[(name, "tag=" + quote(name, safe="/")) for name in t.tag_names],
                snippet=getattr(t, "search_snippet", None) or "",
                organization=t.row_organization or "",
                plan=t.row_plan or "",
                priority=level_name(t.row_priority) if t.row_priority else "",
                colour=t.row_colour or "",
                status=statuses.get(t.status, t.status),
                assignee=assignee.display_name if assignee is not None else "—",
                received_title=received % {"when": date_filter(localtime(t.received_at), ROW_TIME)},
                age=sla["age"],
                state=sla["state"],
                clock=sla.get("clock") or sla["label"],
            )
        )
    return rows
