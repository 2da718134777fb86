"""Time logged on tickets (team leads): totals by organization, technician or ticket, and a CSV."""

from __future__ import annotations

import csv
from datetime import date

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.locale import zoned_header
from helpdesk.db import replica_reads

from ...timesheet import GROUPS, Period, time_entries, time_totals
from ._common import current_time, lead_required


def _csv_header(zone_name: str) -> list[str]:
    """The export's header in the reader's language; the day is the reader's (named in the header)."""
    return [
        zoned_header(_("Date"), zone_name),
        _("Ticket"),
        _("Organization"),
        _("Customer number"),
        _("Technician"),
        _("Kind"),
        _("Minutes"),
    ]


# What the page calls each way of adding up (the keys are the URL's words).
GROUP_LABELS = {
    "organization": gettext_lazy("organization"),
    "agent": gettext_lazy("technician"),
    "ticket": gettext_lazy("ticket"),
}
CSV_COLUMNS = ["date", "ticket", "organization", "customer_number", "technician", "kind", "minutes"]


def _period(request) -> Period:
    default = Period.month_of(current_time())
    try:
        first = date.fromisoformat(request.GET["from"]) if request.GET.get("from") else default.first
        last = date.fromisoformat(request.GET["to"]) if request.GET.get("to") else default.last
    except ValueError:
        messages.error(request, _("Dates are written YYYY-MM-DD; showing this month."))
        return default
    if last < first:
        messages.error(request, _("The period ends before it starts; showing this month."))
        return default
    return Period(first, last)


@lead_required
@replica_reads()
def timesheet(request):
    period = _period(request)
    group = request.GET.get("group") if request.GET.get("group") in GROUPS else "organization"
    totals = time_totals(period, group)
    return render(
        request,
        "tickets/desk/timesheet.html",
        {
            "active": "time",
            "period": period,
            "group": group,
            "groups": [(g, GROUP_LABELS[g]) for g in GROUPS],
            "group_label": GROUP_LABELS[group],
            "totals": totals,
            "total_minutes": sum(row["minutes"] for row in totals),
        },
    )


@lead_required
@replica_reads()
def timesheet_csv(request):
    period = _period(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="time-{period.first}-{period.last}.csv"'
    writer = csv.writer(response)
    zone = timezone.get_current_timezone()
    writer.writerow(_csv_header(timezone.get_current_timezone_name()))
    for m in time_entries(period).iterator(chunk_size=2000):
        org = m.ticket.organization
        writer.writerow(
            [
                m.created_at.astimezone(zone).date().isoformat(),
                m.ticket.reference,
                org.name,
                org.customer_number,
                m.author.email if m.author else "",
                m.kind,
                m.minutes,
            ]
        )
    return response
