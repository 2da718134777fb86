"""Reads the health page, the admin list and the desk banner share."""

from __future__ import annotations

from .models import Mailbox


def mailboxes_failing() -> list[dict]:
    """Active mailboxes whose last fetch failed, with the server's message (one query)."""
    return [
        {
            "name": m.name,
            "address": m.address,
            "error": m.last_error,
            "failing_since": m.failing_since.isoformat() if m.failing_since else None,
            "failures": m.failures,
            "next_try": m.next_poll_at.isoformat() if m.next_poll_at else None,
        }
        for m in Mailbox.objects.failing().only(
            "name", "address", "last_error", "failing_since", "failures", "next_poll_at"
        )
    ]
