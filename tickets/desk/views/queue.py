"""The queue page and the rows its poller refreshes."""

from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import render

from accounts.models import Organization
from sla.models import PriorityLevel, SupportPlan

from ...models import Status
from ...querysets import OPEN_STATUSES
from ...search import snippets
from ..queue import SORTS, VIEWS, QueueFilters, queue_page
from ._common import current_time, sla_clock, staff_required

POLL_SECONDS = 20
ORGANIZATION_SELECT_MAX = 200


def _queue_context(request) -> dict:
    now = current_time()
    filters = QueueFilters.from_query(request.GET)
    page = queue_page(agent=request.user, now=now, filters=filters)
    if filters.q:  # the words that matched, under each subject (one query for the page)
        found = snippets([t.pk for t in page.rows], text=filters.q, reader=request.user)
        for t in page.rows:
            t.search_snippet = found.get(t.pk)
    rows = [(t, sla_clock(t, now)) for t in page.rows]
    here = filters.query()
    return {
        "filters": filters,
        "rows": rows,
        "page": page,
        "now": now,
        "views": [
            (key, label, page.counts.get(key, 0), urlencode(filters.query(view=key, after="")))
            for key, label in VIEWS.items()
        ],
        "sorts": SORTS,
        "here_qs": urlencode(here),
        "next_qs": urlencode(filters.query(after=page.next_after)) if page.next_after else "",
        "first_qs": urlencode(filters.query(after="")),
        "poll_seconds": POLL_SECONDS,
    }


def _organization_choices() -> list[Organization] | None:
    """The organizations for the filter's select, or None when there are too many to list."""
    choices = list(Organization.objects.only("pk", "name", "customer_number")[: ORGANIZATION_SELECT_MAX + 1])
    return None if len(choices) > ORGANIZATION_SELECT_MAX else choices


@staff_required
def queue(request):
    context = _queue_context(request)
    context.update(
        statuses=[(s.value, s.label) for s in Status if s.value in OPEN_STATUSES],
        priorities=PriorityLevel.objects.all(),
        # A short list is a select; thousands of customers are typed by customer number instead
        # (5,000 options were 250 KB of HTML and 160 ms of rendering on every queue load).
        organizations=_organization_choices(),
        plans=SupportPlan.objects.only("pk", "name"),
    )
    return render(request, "tickets/desk/queue.html", context)


@staff_required
def queue_rows(request):
    """The rows (and the tab counts, out of band) for the poller: same filters, same page."""
    return render(request, "tickets/desk/_queue_rows.html", _queue_context(request))
