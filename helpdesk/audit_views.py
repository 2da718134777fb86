"""The desk's audit export page: pick a period and a format, download. Helpdesk admins only."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit import FORMATS, audit_export, may_export_audit


def _day(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        return default


@login_required
def audit_export_page(request):
    if not may_export_audit(request.user):
        raise Http404("No such page.")  # staff who are not admins and customers see no sign of it
    today = timezone.localdate()
    start = _day(request.GET.get("from"), today - timedelta(days=30))
    end = _day(request.GET.get("to"), today)
    fmt = request.GET.get("format", "")
    if fmt in FORMATS and start <= end:
        zone = ZoneInfo(settings.TIME_ZONE)
        since = datetime.combine(start, time.min, tzinfo=zone)
        until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)  # "to" day included
        response = StreamingHttpResponse(
            audit_export(since=since, until=until, fmt=fmt),
            content_type="text/csv; charset=utf-8" if fmt == "csv" else "application/json",
        )
        response["Content-Disposition"] = f'attachment; filename="audit-{start}-{end}.{fmt}"'
        return response
    error = _("The start day is after the end day.") if start > end else ""
    return render(request, "helpdesk/audit_export.html", {"start": start, "end": end, "error": error})
