"""Helpers for the timed-job tests: London office-hours instants around the house ``NOW``.

``NOW`` is Friday 2026-03-06 15:30 UTC; London is on GMT until 29 March, so local = UTC here.
"""

from datetime import UTC, datetime, timedelta

from notifications.models import Notification
from sla.models import JobPolicy
from tickets.models import TicketEvent


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant in March 2026 (6 = Friday, 9 = Monday, 10 = Tuesday)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def sent(event: str, **filters) -> list[Notification]:
    return list(Notification.objects.filter(event=event, **filters).order_by("pk"))


def recipients(event: str, **filters) -> list[str]:
    return sorted(n.recipient for n in sent(event, **filters))


def events(ticket, kind: str) -> list[TicketEvent]:
    return list(ticket.events.filter(kind=kind).order_by("pk"))


def policy(plan=None, **values) -> JobPolicy:
    row, _ = JobPolicy.objects.update_or_create(plan=plan, defaults=values)
    return row


DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
