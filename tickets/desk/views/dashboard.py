"""The SLA dashboard (team leads) and its CSV export."""

from __future__ import annotations

import csv

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from helpdesk.db import replica_reads

from ...dashboard import _pct, duration_words, sla_dashboard
from ._common import current_time, lead_required

WEEK_CHOICES = [4, 8, 13, 26, 52]


def _csv_header() -> list[str]:
    """The export's header in the reader's language (its cells are counts and ISO weeks: no times)."""
    return [
        _("Week"),
        _("Plan"),
        _("Priority"),
        _("Tickets"),
        _("First response met"),
        _("First response breached"),
        _("First response pending"),
        _("First response compliance %"),
        _("Resolution met"),
        _("Resolution breached"),
        _("Resolution pending"),
        _("Resolution compliance %"),
    ]


def _weeks(request) -> int:
    raw = request.GET.get("weeks", "8")
    return min(max(int(raw), 1), 52) if raw.isdigit() else 8


def _chart_data(data: dict) -> dict:
    return {
        "weeks": [c.key for c in data["by_week"]],
        "fr_by_week": [c.fr_pct for c in data["by_week"]],
        "res_by_week": [c.res_pct for c in data["by_week"]],
        "priorities": [c.key for c in data["by_priority"]],
        "fr_by_priority": [c.fr_pct for c in data["by_priority"]],
        "res_by_priority": [c.res_pct for c in data["by_priority"]],
        "age_buckets": data["age_buckets"],
        "backlog": [
            {"label": b["priority"], "colour": b["colour"], "data": b["counts"]} for b in data["backlog"]
        ],
        "csat": data["csat"]["distribution"],
    }


@lead_required
@replica_reads()
def dashboard(request):
    data = sla_dashboard(now=current_time(), weeks=_weeks(request))
    medians = [
        {
            **m,
            "first_response_words": duration_words(m["first_response"]),
            "resolution_words": duration_words(m["resolution"]),
        }
        for m in data["medians"]
    ]
    return render(
        request,
        "tickets/desk/dashboard.html",
        {
            **data,
            "medians": medians,
            "chart_data": _chart_data(data),
            "week_choices": WEEK_CHOICES,
            "compliance_groups": [
                (_("Priority"), data["by_priority"]),
                (_("Plan"), data["by_plan"]),
                (_("Week"), data["by_week"]),
            ]
            if data["rows"]
            else [],
            "csv_url": reverse("desk:dashboard_csv") + f"?weeks={data['weeks']}",
        },
    )


def _csv_pct(met: int, breached: int) -> str:
    """The dashboard's compliance percentage (one definition: ``tickets.dashboard._pct``), "" when none is due."""
    pct = _pct(met, breached)
    return "" if pct is None else f"{pct:.1f}"


@lead_required
@replica_reads()
def dashboard_csv(request):
    data = sla_dashboard(now=current_time(), weeks=_weeks(request))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="sla-{data["since"]:%Y-%m-%d}-{data["weeks"]}w.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(_csv_header())
    for r in data["rows"]:
        writer.writerow(
            [
                r["week"],
                r["plan"],
                r["priority"],
                r["tickets"],
                r["fr_met"],
                r["fr_breached"],
                r["fr_pending"],
                _csv_pct(r["fr_met"], r["fr_breached"]),
                r["res_met"],
                r["res_breached"],
                r["res_pending"],
                _csv_pct(r["res_met"], r["res_breached"]),
            ]
        )
    return response
