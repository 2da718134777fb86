"""The retention sweep as a timed job (``job(*, now) -> int``, like ``tickets.jobs``)."""

from datetime import datetime

from .services import retention_apply as _retention_apply


def retention_apply(*, now: datetime) -> int:
    """Closed tickets past ``HELPDESK_RETENTION_MONTHS``: files deleted, customers anonymised."""
    return _retention_apply(now=now)
