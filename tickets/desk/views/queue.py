"""The queue page and the rows its poller refreshes."""

from __future__ import annotations

import csv
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.locale import export_locale, export_time, zoned_header
from accounts.models import Organization
from sla.models import PriorityLevel, SupportPlan

from ...models import Status
from ...querysets import OPEN_STATUSES
from ...search import snippets
from ...selectors import saved_views_for
from ...services import BULK_ACTIONS, BULK_MAX, TicketError, tickets_bulk_apply
from ..forms import assignee_choices
from ..queue import (
    SORTS,
    VIEWS,
    QueueFilters,
    count_label,
    queue_export,
    queue_ids,
    queue_page,
    saved_view_counts,
    saved_view_filters,
)
from ..rows import queue_row_words
from ._common import current_time, sla_clock, staff_required

POLL_SECONDS = 20
ORGANIZATION_SELECT_MAX = 200


def _queue_context(request) -> dict:
    now = current_time()
    saved_views = list(saved_views_for(request.user))
    filters = QueueFilters.from_query(request.GET)
    if "saved" in request.GET:  # a saved view's tab: its own filters and order (only views one sees)
        view = next((v for v in saved_views if str(v.pk) == request.GET["saved"]), None)
        if view is None:
            raise Http404
        filters = saved_view_filters(view, after=request.GET.get("after", ""))
    page = queue_page(agent=request.user, now=now, filters=filters)
    saved_counts = saved_view_counts(saved_views, agent=request.user, now=now)
    if filters.q:  # the words that matched, under each subject (one query for the page)
        found = snippets([t.pk for t in page.rows], text=filters.q, reader=request.user)
        for t in page.rows:
            t.search_snippet = found.get(t.pk)
    rows = queue_row_words(page.rows, now=now)
    here = filters.query()
    return {
        "filters": filters,
        "rows": rows,
        "page": page,
        "now": now,
        "views": [
            (
                key,
                label,
                count_label(page.counts.get(key, 0), at_least=page.counts_at_least),
                urlencode(filters.query(view=key, after="", saved="")),
            )
            for key, label in VIEWS.items()
        ],
        "saved_tabs": [(v, count_label(saved_counts[v.pk]), urlencode({"saved": v.pk})) for v in saved_views],
        "save_query": urlencode(filters.query(after="", saved="")),
        "sorts": SORTS,
        "here_qs": urlencode(here),
        "next_qs": urlencode(filters.query(after=page.next_after)) if page.next_after else "",
        "first_qs": urlencode(filters.query(after="")),
        "filter_pairs": list(filters.query(after="").items()),
        "bulk_total": count_label(page.counts.get(filters.view, 0), at_least=page.counts_at_least),
        "csv_qs": urlencode(filters.query(after="")),
        "poll_seconds": POLL_SECONDS,
    }


def _organization_choices() -> list[tuple[str, str]] | None:
    """The organizations for the filter's select as (id, name), or None when there are too many to list
    (read as plain tuples: 201 model instances on every queue load only to learn that there are more
    than 200 was a twentieth of the page at a million tickets)."""
    choices = [
        (str(pk), name)
        for pk, name in Organization.objects.order_by("name").values_list("pk", "name")[
            : ORGANIZATION_SELECT_MAX + 1
        ]
    ]
    return None if len(choices) > ORGANIZATION_SELECT_MAX else choices


@staff_required
def queue(request):
    context = _queue_context(request)
    my_teams = list(request.user.teams.only("pk", "name"))
    context.update(
        statuses=[(s.value, s.label) for s in Status if s.value in OPEN_STATUSES],
        priorities=PriorityLevel.objects.all(),
        # A short list is a select; thousands of customers are typed by customer number instead
        # (5,000 options were 250 KB of HTML and 160 ms of rendering on every queue load).
        organizations=_organization_choices(),
        plans=SupportPlan.objects.only("pk", "name"),
        bulk_actions=[(a.name, a.label) for a in BULK_ACTIONS.values()],
        bulk_max=BULK_MAX,
        # The bulk bar's picker: my teams (at most PICKER_MAX), anyone else by address; listing all
        # 200 technicians of a large desk was a query and 200 options on every queue load.
        staff=assignee_choices(ticket=None, viewer=request.user, viewer_teams=my_teams),
        my_teams=my_teams,
    )
    return render(request, "tickets/desk/queue.html", context)


@staff_required
def queue_rows(request):
    """The rows (and the tab counts, out of band) for the poller: same filters, same page."""
    return render(request, "tickets/desk/_queue_rows.html", _queue_context(request))


def _csv_header(zone_name: str) -> list[str]:
    """The export's header in the reader's language, the time columns naming the reader's zone."""
    return [
        _("Reference"),
        _("Subject"),
        _("Status"),
        _("Priority"),
        _("Organization"),
        _("Customer number"),
        _("Plan"),
        _("Requester"),
        _("Assignee"),
        zoned_header(_("Received"), zone_name),
        zoned_header(_("First response due"), zone_name),
        zoned_header(_("Resolution due"), zone_name),
        _("SLA"),
        _("Tags"),
    ]


def _cell(value) -> str:
    """A spreadsheet never runs what a customer typed: a leading = + - @ (or tab/CR) is quoted."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class _Echo:
    def write(self, value: str) -> str:
        return value


@staff_required
def queue_csv(request):
    """The filtered view (every row, not one page) as CSV, with each ticket's tags; streamed in chunks."""
    now = current_time()
    filters = QueueFilters.from_query(request.GET)
    writer = csv.writer(_Echo())
    # Taken now: the rows stream after the request's language and zone are put back.
    reader = export_locale()
    header = [str(h) for h in _csv_header(reader.time_zone)]

    def lines():
        yield writer.writerow(header)
        for t in queue_export(agent=request.user, now=now, filters=filters).iterator(chunk_size=1000):
            yield writer.writerow(
                [
                    _cell(v)
                    for v in (
                        t.reference,
                        t.subject,
                        t.status,
                        t.priority.slug,
                        t.organization.name,
                        t.organization.customer_number,
                        t.plan.name,
                        t.requester.email,
                        t.assignee.email if t.assignee else "",
                        export_time(t.received_at, reader.zone),
                        export_time(t.first_response_due_at, reader.zone),
                        export_time(t.resolution_due_at, reader.zone),
                        sla_clock(t, now)["state"],
                        " ".join(tag.name for tag in t.tags.all()),
                    )
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="queue-{now:%Y-%m-%d}.csv"'
    return response


@require_POST
@staff_required
def queue_bulk(request):
    """One action on the ticked rows, or on every ticket the filters match ("select all N matching"),
    each ticket through its service; then back to the same view with the result summary."""
    filters = QueueFilters.from_query(request.POST)
    now = current_time()
    if request.POST.get("all_matching") == "1":
        ids = queue_ids(agent=request.user, now=now, filters=filters, limit=BULK_MAX + 1)
    else:
        ids = [int(v) for v in request.POST.getlist("ids") if v.isdigit() and len(v) < 15]
    try:
        action = request.POST.get("action", "")
        # Each action's inputs are named "<action>.<input>" on the page (two actions both take a reason).
        inputs = {k.split(".", 1)[1]: v for k, v in request.POST.items() if k.startswith(f"{action}.")}
        result = tickets_bulk_apply(action=action, inputs=inputs, ids=ids, by=request.user, now=now)
    except TicketError as exc:
        messages.error(request, _("Nothing changed: %(error)s") % {"error": exc})
    else:
        (messages.warning if result.refused else messages.success)(request, result.summary())
    # Back to the saved view's tab the action came from, if it was one (and still one this person sees).
    saved = request.POST.get("saved", "")
    if not (saved.isdigit() and len(saved) < 15 and saved_views_for(request.user).filter(pk=saved).exists()):
        saved = ""
    query = urlencode(filters.query(after="", saved=saved))
    return redirect(reverse("desk:queue") + (f"?{query}" if query else ""))
