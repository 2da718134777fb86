"""Who else has a ticket open on the desk, and who is typing a reply: collision detection.

Presence is advisory and short-lived, so it lives in a cache that every web process shares (the
``presence`` cache: a small table beside the sign-in throttle's), not in the ticket tables: each open ticket page
reports every ``POLL_SECONDS`` and an entry older than ``STALE_SECONDS`` is gone. The one thing that must
not be advisory (sending a reply over someone else's newer message) is enforced on the send itself
(``tickets.desk.views.tickets.ticket_reply``), not here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.cache import caches

POLL_SECONDS = 10
STALE_SECONDS = 3 * POLL_SECONDS  # two missed polls: the tab was closed or the laptop slept


@dataclass(frozen=True)
class Viewer:
    user_id: int
    name: str
    typing: bool


def _key(ticket_id: int) -> str:
    return f"desk-presence:{ticket_id}"


def presence_report(*, ticket_id: int, user, typing: bool, now: datetime) -> list[Viewer]:
    """Record that ``user`` has the ticket open (and whether they are typing); return the others."""
    cache = caches["presence"]
    key = _key(ticket_id)
    seen = {
        uid: entry
        for uid, entry in (cache.get(key) or {}).items()
        if now.timestamp() - entry[2] <= STALE_SECONDS
    }
    seen[user.pk] = (user.display_name, bool(typing), now.timestamp())
    cache.set(key, seen, STALE_SECONDS * 2)
    return [
        Viewer(uid, name, is_typing) for uid, (name, is_typing, _) in sorted(seen.items()) if uid != user.pk
    ]
