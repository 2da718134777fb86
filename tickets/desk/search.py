"""The desk's search results: the queue's filters and tabs over every visible ticket (resolved and closed
too: "has anyone seen this before?"), ranked, with snippets. Three queries whatever the page size: the
candidates (id, rank and one flag per tab, for the newest matches), the page's rows, their snippets."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from ..models import Ticket
from ..search import RANK_WINDOW, SearchResults, best_first, candidates, snippets
from .queue import PAGE_SIZE, VIEWS, QueueFilters, queue_filter, view_q

MAX_PAGE = RANK_WINDOW // PAGE_SIZE


def page_number(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() and 1 <= int(raw) <= MAX_PAGE else 1


def search_page(
    *, agent, now: datetime, filters: QueueFilters, page: int = 1, page_size: int = PAGE_SIZE
) -> tuple[SearchResults, dict[str, int]]:
    """One page of results for ``filters.q`` under every other queue filter, and the tabs' counts."""
    base = queue_filter(
        Ticket.objects.visible_to(agent), agent=agent, now=now, filters=replace(filters, q="")
    )
    names = list(VIEWS)
    rows = candidates(
        base, text=filters.q, reader=agent, flags={n: view_q(n, agent=agent, now=now) for n in names}
    )
    counts = {name: sum(r[2 + i] for r in rows) for i, name in enumerate(names)}
    tab = 2 + names.index(filters.view)
    in_tab = best_first([r for r in rows if r[tab]], filters.q)
    start = (page - 1) * page_size
    ids = [r[0] for r in in_tab[start : start + page_size]]
    by_id = Ticket.objects.select_related(
        "organization", "plan", "priority", "assignee", "requester"
    ).in_bulk(ids)
    return (
        SearchResults(
            rows=[by_id[i] for i in ids if i in by_id],
            snippets=snippets(ids, text=filters.q, reader=agent),
            matched=len(rows),
            capped=len(rows) >= RANK_WINDOW,
            page=page,
            has_next=len(in_tab) > start + page_size,
        ),
        counts,
    )
