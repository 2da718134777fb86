"""The technician queue: filters, counts per view, keyset pages, on top of ``selectors.ticket_queue``.

Two orders: the managed-IT policy's "priority, then arrival" (keyset on the ``ticket_queue_open`` index
columns) and "due soonest" (the earliest running due time, then id).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import F, Q, QuerySet
from django.http import QueryDict
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from accounts.models import Team

from ..models import SavedView, Status, Ticket
from ..policy import DUE_SOON, TicketError, breached_q, breaching_q, tag_name
from ..querysets import next_due_expression
from ..search import candidates, search_filter
from ..selectors import (
    QueueCursor,
    person_rows_attach,
    queue_after,
    tag_names_attach,
    tagged_q,
    tags_prefetch,
    ticket_queue,
)

PAGE_SIZE = 25
VIEWS = {
    "all": _("All open"),
    "mine": _("Mine"),
    "unassigned": _("Unassigned"),
    "team": _("My team"),
    "breaching": _("Breaching in 60 min"),
    "breached": _("Breached"),
    "escalated": _("Escalated"),
}
SORTS = {"priority": _("Priority, then arrival"), "due": _("Due soonest")}


def team_q(agent) -> Q:
    """Tickets of one of my teams, or assigned to a member of one of them."""
    teams = Team.objects.filter(members=agent).values("pk")
    # Subqueries, not joins: a join through the membership table would repeat rows and skew the counts.
    # ``in_array`` (= ANY(ARRAY(...)) on PostgreSQL): each arm of the OR is an index condition on
    # ``ticket_open_team`` / ``ticket_open_assignee``; a plain IN (SELECT ...) ORed is a sequential scan.
    members = Team.members.through.objects.filter(team__in=teams).values("user_id")
    return Q(team_id__in_array=teams) | Q(assignee_id__in_array=members)


@dataclass
class QueueFilters:
    view: str = "all"
    status: str = ""
    priority: str = ""
    organization: str = ""
    customer: str = ""  # an organization's customer number, where there are too many to list
    plan: str = ""
    breaching: int | None = None
    tag: str = ""
    q: str = ""
    sort: str = "priority"
    after: str = ""
    saved: int | None = None  # the saved view these filters came from (``saved_view_filters``)
    errors: list = field(default_factory=list)  # messages (lazy: worded when shown)

    @classmethod
    def from_query(cls, params) -> QueueFilters:
        f = cls()
        f.view = params.get("view", "all") if params.get("view") in VIEWS else "all"
        f.sort = params.get("sort") if params.get("sort") in SORTS else "priority"
        f.status = params.get("status", "") if params.get("status") in {s.value for s in Status} else ""
        f.priority = params.get("priority", "")[:50]
        for name in ("organization", "plan"):
            value = params.get(name, "")
            setattr(f, name, value if value.isdigit() and len(value) <= 12 else "")
        f.customer = params.get("customer", "").strip()[:32]
        raw = params.get("breaching", "").strip()
        if raw:
            if raw.isdigit() and 0 < int(raw) <= 7 * 24 * 60:
                f.breaching = int(raw)
            else:
                f.errors.append(_("'Breaching within' takes minutes, from 1 to 10080."))
        f.tag = _tag_param(params.get("tag", ""), f.errors)
        f.q = params.get("q", "").strip()[:200]
        f.after = params.get("after", "")[:100]
        return f

    def query(self, **overrides) -> dict:
        """The filters as query-string pairs (empty ones left out), for links and the poller."""
        values = {
            "view": self.view,
            "status": self.status,
            "priority": self.priority,
            "organization": self.organization,
            "customer": self.customer,
            "plan": self.plan,
            "breaching": self.breaching or "",
            "tag": self.tag,
            "q": self.q,
            "sort": self.sort,
            "after": self.after,
            "saved": self.saved or "",
        }
        values.update(overrides)
        return {
            k: v
            for k, v in values.items()
            if v not in ("", None)
            and not (k == "view" and v == "all")
            and not (k == "sort" and v == "priority")
        }


def queue_base(*, agent, now: datetime, filters: QueueFilters) -> QuerySet[Ticket]:
    """The queue with every filter but the view tab and the page (what the counts are taken over)."""
    include_waiting = filters.status == Status.WAITING or not filters.status
    qs = ticket_queue(agent=agent, now=now, include_waiting=include_waiting)
    return queue_filter(qs, agent=agent, now=now, filters=filters)


def queue_filter(qs: QuerySet[Ticket], *, agent, now: datetime, filters: QueueFilters) -> QuerySet[Ticket]:
    """Every filter of the form but the view tab, on any visible set: the queue's, or the search page's
    (which also finds resolved and closed tickets)."""
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.priority:
        qs = qs.filter(priority__slug=filters.priority)
    if filters.organization:
        qs = qs.filter(organization_id=int(filters.organization))
    if filters.customer:
        qs = qs.filter(organization__customer_number=filters.customer)
    if filters.plan:
        qs = qs.filter(plan_id=int(filters.plan))
    if filters.breaching:
        qs = qs.filter(breaching_q(now, timedelta(minutes=filters.breaching)))
    if filters.tag:
        qs = qs.filter(tagged_q(filters.tag))
    if filters.q:  # full-text, as the search page: one rule for "matches" (tickets.search)
        qs = search_filter(qs, text=filters.q, reader=agent)
    return qs


def _tag_param(raw: str, errors: list[str]) -> str:
    if not raw.strip():
        return ""
    try:
        return tag_name(raw[:60])
    except TicketError as exc:
        errors.append(str(exc))
        return ""


_VIEW_QS = {
    "all": lambda agent, now: Q(),
    "mine": lambda agent, now: Q(assignee=agent),
    "unassigned": lambda agent, now: Q(assignee__isnull=True),
    "team": lambda agent, now: team_q(agent),
    "breaching": lambda agent, now: breaching_q(now, DUE_SOON),
    "breached": lambda agent, now: breached_q(now),
    "escalated": lambda agent, now: Ticket.objects.escalated_q(),
}


def view_q(view: str, *, agent, now: datetime) -> Q:
    """One tab's condition (built alone: every tab's, subqueries included, on each call was a twentieth
    of the queue page's time)."""
    return _VIEW_QS[view](agent, now)


COUNT_CAP = 1000  # a tab shows its exact count up to here, then "1,000+"


def count_label(n: int, *, at_least: bool = False) -> str:
    """A tab's count as shown: exact up to ``COUNT_CAP``, then "1,000+" (the probe stopped there); "37+"
    when it was counted among the newest matches of a search only (``at_least``)."""
    if n > COUNT_CAP:
        return f"{COUNT_CAP:,}+"
    return f"{n:,}+" if at_least else str(n)


def _probe(base: QuerySet[Ticket], view: str, *, agent, now: datetime, cap: int) -> QuerySet[Ticket]:
    qs = base.filter(view_q(view, agent=agent, now=now))
    if view == "breaching":
        # Redundant with breaching_q (a clock not yet breached runs out in [now, now + 60 min] exactly when
        # the earliest running due time does), but spelled as ``ticket_next_due_open`` is, so the probe is
        # a range scan of that index instead of a walk over every open ticket looking for the rare match.
        qs = qs.alias(next_due=next_due_expression()).filter(next_due__gte=now, next_due__lte=now + DUE_SOON)
        qs = qs.order_by()
    elif view in ("all", "breached"):
        # Common: walk ``ticket_queue_open`` in order and stop at the cap (a bitmap scan cannot stop early
        # and would read every open ticket). The planner still takes a bitmap when it expects few matches.
        qs = qs.order_by("priority_rank", "received_at", "id")
    else:
        qs = qs.order_by()
    return qs.values("pk")[: cap + 1]


def queue_counts(base: QuerySet[Ticket], *, agent, now: datetime, cap: int = COUNT_CAP) -> dict[str, int]:
    """Every tab's count in one query: per tab a probe that stops at ``cap + 1`` rows.

    A count up to ``cap`` is exact; ``cap + 1`` means "more than cap" (``count_label``). Each probe walks
    a partial index of the open tickets (``ticket_queue_open``, ``ticket_open_assignee``,
    ``ticket_open_team``, ``ticket_open_escalated``, ``ticket_next_due_open``) and reads at most
    ``cap + 1`` entries, so a poll costs the same at ten thousand or a million tickets, needs no cache,
    and is always live: every process answers from the database, and every writer (they all go
    through the services) is seen at once.
    """
    db = connections[base.db]
    base = base.select_related(None)  # seven clones of the rows' joins for id-only probes: none
    parts, params = [], []
    for name in VIEWS:
        try:
            sql, p = _probe(base, name, agent=agent, now=now, cap=cap).query.sql_with_params()
        except EmptyResultSet:  # nothing can match (e.g. the queryset is .none())
            return dict.fromkeys(VIEWS, 0)
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) {db.ops.quote_name('probe_' + name)})")
        params.extend(p)
    with db.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return dict(zip(VIEWS, (int(n) for n in row), strict=True))


def _cursor_encode(ticket: Ticket, sort: str) -> str:
    if sort == "due":
        due = ticket.next_due.isoformat() if ticket.next_due else ""
        return f"d~{due}~{ticket.pk}"
    return f"p~{ticket.priority_rank}~{ticket.received_at.isoformat()}~{ticket.pk}"


def _id(value: str) -> bool:
    return value.isdigit() and len(value) <= 15


def _after_due(qs: QuerySet[Ticket], after: str) -> QuerySet[Ticket]:
    parts = after.split("~")
    if len(parts) != 3 or parts[0] != "d" or not _id(parts[2]):
        return qs
    pk = int(parts[2])
    if not parts[1]:
        return qs.filter(next_due__isnull=True, pk__gt=pk)
    try:
        due = parse_datetime(parts[1])
    except ValueError:
        due = None
    if due is None:
        return qs
    return qs.filter(Q(next_due__gt=due) | Q(next_due=due, pk__gt=pk) | Q(next_due__isnull=True))


def _after_priority(qs: QuerySet[Ticket], after: str) -> QuerySet[Ticket]:
    parts = after.split("~")
    if len(parts) != 4 or parts[0] != "p" or not parts[1].isdigit() or len(parts[1]) > 4 or not _id(parts[3]):
        return qs
    try:
        received = parse_datetime(parts[2])
    except ValueError:  # well-formed but impossible, e.g. month 13
        received = None
    if received is None:
        return qs
    return queue_after(qs, QueueCursor(priority_rank=int(parts[1]), received_at=received, id=int(parts[3])))


@dataclass
class QueuePage:
    rows: list[Ticket]
    next_after: str | None
    counts: dict[str, int]
    counts_at_least: bool = False  # with words: counted among the newest COUNT_CAP matches only


def queue_counts_matching(
    base: QuerySet[Ticket], *, agent, now: datetime, text: str, cap: int = COUNT_CAP
) -> tuple[dict[str, int], list[int] | None]:
    """With words, the tabs are counted as the search page counts them: among the newest ``cap`` + 1
    matches (``tickets.search.candidates``: a bounded walk of the newest tickets, then the full-text
    index), never by walking the open queue document by document (a rare word made every tab's probe
    recheck all 100,000 open tickets at a million). ``base``: the queue without the words.

    Returns the counts and, when no more than ``cap`` tickets match, their ids (the whole result, so the
    page's rows need not search again); None when more match (each count is then a lower bound)."""
    flags = {name: view_q(name, agent=agent, now=now) for name in VIEWS}
    rows = candidates(base, text=text, reader=agent, flags=flags, window=cap + 1)
    counts = {name: sum(r[2 + i] for r in rows) for i, name in enumerate(flags)}
    return counts, (None if len(rows) > cap else [r[0] for r in rows])


# What a queue row reads (``rows.queue_row_words``, ``policy.sla_state``, the page cursor): building
# every column of a ticket and of its three lookups for 25 rows was two thirds of the rows' read.
QUEUE_ROW_COLUMNS = (
    "id",
    "priority_rank",
    "received_at",
    "subject",
    "status",
    "escalated_at",
    "requester_id",
    "assignee_id",
    "first_response_due_at",
    "resolution_due_at",
    "first_responded_at",
    "resolved_at",
    "sla_paused_at",
)
# ... and of its organization, plan and level, as joined columns (not three model instances per row).
QUEUE_ROW_LOOKUPS = {
    "row_organization": F("organization__name"),
    "row_plan": F("plan__name"),
    "row_priority": F("priority__name"),
    "row_colour": F("priority__colour"),
}


def queue_page(*, agent, now: datetime, filters: QueueFilters, page_size: int = PAGE_SIZE) -> QueuePage:
    """One keyset page of the filtered queue plus the tab counts: two queries, whatever the page size."""
    base = queue_base(agent=agent, now=now, filters=filters)
    at_least = False
    if filters.q:
        without_words = queue_base(agent=agent, now=now, filters=replace(filters, q=""))
        counts, matches = queue_counts_matching(
            without_words, agent=agent, now=now, text=filters.q, cap=COUNT_CAP
        )
        if matches is None:
            at_least = True
        else:  # every match is known: the page is read from them, not searched again
            base = without_words.filter(pk__in=matches)
    else:
        counts = queue_counts(base, agent=agent, now=now)
    qs = base.filter(view_q(filters.view, agent=agent, now=now))
    qs = qs.annotate(next_due=next_due_expression())
    if filters.sort == "due":
        qs = _after_due(qs, filters.after).order_by(F("next_due").asc(nulls_last=True), "id")
    else:
        qs = _after_priority(qs, filters.after)
    # The rows' tags: one more query for the whole page (none when it is empty); the people: one more.
    qs = qs.select_related(None).only(*QUEUE_ROW_COLUMNS).annotate(**QUEUE_ROW_LOOKUPS)
    rows = list(qs[: page_size + 1])
    more = len(rows) > page_size
    rows = tag_names_attach(person_rows_attach(rows[:page_size]))
    return QueuePage(
        rows=rows,
        next_after=_cursor_encode(rows[-1], filters.sort) if more else None,
        counts=counts,
        counts_at_least=at_least,
    )


def queue_export(*, agent, now: datetime, filters: QueueFilters) -> QuerySet[Ticket]:
    """Every ticket of the filtered view (not one page), in the view's order, for the CSV export: read
    in chunks with the rows' joins and tags, so memory stays flat at any size."""
    qs = queue_base(agent=agent, now=now, filters=filters).filter(view_q(filters.view, agent=agent, now=now))
    qs = qs.annotate(next_due=next_due_expression())
    if filters.sort == "due":
        qs = qs.order_by(F("next_due").asc(nulls_last=True), "id")
    return qs.prefetch_related(tags_prefetch())


def queue_ids(*, agent, now: datetime, filters: QueueFilters, limit: int) -> list[int]:
    """The ids of the filtered view, at most ``limit`` (a bulk action's "select all N matching")."""
    qs = queue_base(agent=agent, now=now, filters=filters).filter(view_q(filters.view, agent=agent, now=now))
    return list(qs.order_by().values_list("pk", flat=True)[:limit])


# --- saved views ------------------------------------------------------------------------------------

SAVED_QUERY_KEYS = frozenset(
    ("view", "status", "priority", "organization", "customer", "plan", "breaching", "tag", "q", "sort")
)
SAVED_QUERY_MAX = 500


def saved_query_clean(raw: str) -> tuple[str, str]:
    """A saved view's query string as the filter form spells it, and its sort, or a ``TicketError``
    naming what the form would not take: an unknown parameter, a repeated one, or a value the form
    drops or refuses. What is stored is what ``QueueFilters`` wrote back, never the raw text."""
    raw = (raw or "").strip().lstrip("?")
    if len(raw) > SAVED_QUERY_MAX:
        raise TicketError(_("A view's filters take at most %(max)d characters."), max=SAVED_QUERY_MAX)
    params = QueryDict(raw)
    unknown = sorted(set(params) - SAVED_QUERY_KEYS)
    if unknown:
        raise TicketError(_("Not a queue filter: %(names)s."), names=", ".join(k[:30] for k in unknown))
    repeated = sorted(k for k in params if len(params.getlist(k)) > 1)
    if repeated:
        raise TicketError(_("Give each filter once: %(names)s."), names=", ".join(repeated))
    filters = QueueFilters.from_query(params)
    if filters.errors:
        raise TicketError(" ".join(str(error) for error in filters.errors))
    kept = filters.query(after="", saved="")
    for key, value in params.items():
        value = value.strip()
        if value and key not in kept and (key, value) not in (("view", "all"), ("sort", "priority")):
            raise TicketError(
                _("“%(value)s” is not a value the %(filter)s filter takes."),
                value=value[:40],
                filter=key,
            )
    sort = kept.pop("sort", "priority")
    return urlencode(kept), sort


def saved_view_filters(view: SavedView, *, after: str = "") -> QueueFilters:
    """The queue filters a saved view stands for (its stored query, its sort), on page ``after``."""
    filters = QueueFilters.from_query(QueryDict(view.query))
    filters.sort = view.sort if view.sort in SORTS else "priority"
    filters.after = after[:100]
    filters.saved = view.pk
    return filters


def saved_view_counts(views: list[SavedView], *, agent, now: datetime) -> dict[int, int]:
    """Each saved view's ticket count, capped at ``COUNT_CAP`` + 1 as the built-in tabs are: one query per view,
    ``SELECT COUNT(*) FROM (SELECT id ... LIMIT 1001)``, so a broad view never counts the whole queue."""
    counts = {}
    for view in views:
        filters = saved_view_filters(view)
        qs = queue_base(agent=agent, now=now, filters=filters).filter(
            view_q(filters.view, agent=agent, now=now)
        )
        counts[view.pk] = qs.order_by().values("pk")[: COUNT_CAP + 1].count()
    return counts
