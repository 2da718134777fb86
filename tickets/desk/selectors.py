"""Reads for the technician workspace that are not view logic."""

from __future__ import annotations

from ..models import CannedReply, Ticket


def canned_replies_filled(*, ticket: Ticket, agent) -> list[tuple[CannedReply, str]]:
    """Active canned replies with their placeholders filled in for this ticket and agent (plain
    replacement, no template engine: a reply's text is never run as a template)."""
    values = {
        "{{ ticket.reference }}": ticket.reference,
        "{{ requester }}": ticket.requester.display_name,
        "{{ agent }}": agent.display_name,
    }
    out = []
    for reply in CannedReply.objects.filter(active=True):
        body = reply.body
        for key, value in values.items():
            body = body.replace(key, value).replace(key.replace(" ", ""), value)
        out.append((reply, body))
    return out
