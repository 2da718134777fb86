"""The search results page: every visible ticket (resolved and closed too), ranked, with snippets."""

from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import redirect, render
from django.urls import reverse

from sla.models import PriorityLevel, SupportPlan

from ...models import Status
from ..queue import VIEWS, QueueFilters
from ..search import page_number, search_page
from ._common import current_time, sla_clock, staff_required
from .queue import _organization_choices


@staff_required
def search(request):
    filters = QueueFilters.from_query(request.GET)
    if not filters.q:  # nothing to search for: the queue, with the other filters kept
        query = urlencode(filters.query())
        return redirect(reverse("desk:queue") + (f"?{query}" if query else ""))
    now = current_time()
    page = page_number(request.GET.get("page"))
    results, counts = search_page(agent=request.user, now=now, filters=filters, page=page)
    here = filters.query(after="")
    return render(
        request,
        "tickets/desk/search.html",
        {
            "search": results,
            "filters": filters,
            "rows": [(t, sla_clock(t, now), results.snippets.get(t.pk)) for t in results.rows],
            "views": [
                (key, label, counts.get(key, 0), urlencode(filters.query(view=key, after="")))
                for key, label in VIEWS.items()
            ],
            "next_qs": urlencode({**here, "page": page + 1}) if results.has_next else "",
            "previous_qs": urlencode({**here, "page": page - 1}) if page > 1 else "",
            "statuses": [(s.value, s.label) for s in Status],
            "priorities": PriorityLevel.objects.all(),
            "organizations": _organization_choices(),
            "plans": SupportPlan.objects.only("pk", "name"),
        },
    )
