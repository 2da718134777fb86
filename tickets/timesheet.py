"""Time logged on tickets, for billing: totals per ticket, organization or technician over a period.

Reads only. The minutes are written with the message they belong to (``message_add``), under the plan's
time-tracking rule (``policy.check_minutes``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from .models import Message

GROUPS = {
    "organization": ("ticket__organization__customer_number", "ticket__organization__name"),
    "agent": ("author__email", "author__full_name"),
    "ticket": ("ticket_id", "ticket__subject"),
}


@dataclass(frozen=True)
class Period:
    """Whole days in the desk's time zone, ``last`` included."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.first, time.min))

    @property
    def end(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.last + timedelta(days=1), time.min))

    @classmethod
    def month_of(cls, now: datetime) -> Period:
        today = timezone.localdate(now)
        return cls(today.replace(day=1), today)


def time_entries(period: Period) -> QuerySet[Message]:
    """Every message with logged minutes in the period, oldest first, with what a billing line shows."""
    return (
        Message.objects.filter(minutes__isnull=False, created_at__gte=period.start, created_at__lt=period.end)
        .select_related("ticket__organization", "author")
        .order_by("created_at", "pk")
    )


def time_totals(period: Period, group: str) -> list[dict]:
    """Minutes and entries per ``group`` (organization, agent or ticket), most minutes first."""
    key, label = GROUPS[group]
    rows = (
        Message.objects.filter(minutes__isnull=False, created_at__gte=period.start, created_at__lt=period.end)
        .values(key, label)
        .annotate(minutes=Sum("minutes"), entries=Count("pk"))
        .order_by("-minutes", key)
    )
    prefix = f"{settings.HELPDESK_TICKET_PREFIX}-" if group == "ticket" else ""
    return [
        {
            "key": row[key],
            "label": f"{prefix}{row[key]} {row[label]}" if prefix else (row[label] or str(row[key])),
            "minutes": row["minutes"],
            "entries": row["entries"],
        }
        for row in rows
    ]
