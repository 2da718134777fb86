"""Each mail's ``InboundEmail`` record before it is acted on: the lookup that answers bytes we already
have, and the failure record that keeps the raw bytes and schedules the next try (``store.py`` runs the
retries; ``service.py`` writes the outcome of a mail it acted on)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.core.files.base import ContentFile

from ..models import InboundEmail
from .parse import ParsedEmail

RECEIVED_GRACE = timedelta(minutes=2)  # a stored webhook mail no worker took by then: the retry job takes it
RETRY_FIRST = timedelta(minutes=1)  # failed mail is retried after 1, 2, 4 ... minutes
RETRY_LONGEST = timedelta(hours=6)
RETRY_MAX_ATTEMPTS = 12  # about two days of retries; then it waits for a person (counted on /healthz)
RETRY_BATCH = 100


def retry_backoff(attempts: int) -> timedelta:
    """1, 2, 4 ... minutes after each failed attempt, at most six hours apart."""
    return min(RETRY_FIRST * (2 ** max(0, attempts - 1)), RETRY_LONGEST)


def already_ingested(raw: bytes) -> InboundEmail | None:
    return (
        InboundEmail.objects.filter(raw_sha256=hashlib.sha256(raw).hexdigest())
        .exclude(outcome__in=[InboundEmail.Outcome.FAILED, InboundEmail.Outcome.RECEIVED])
        .first()
    )


def record_failure(
    raw: bytes,
    *,
    now: datetime,
    detail: str,
    source: str,
    parsed: ParsedEmail | None = None,
    stored: InboundEmail | None = None,
) -> InboundEmail:
    """Keep the bytes and schedule an automatic retry (the ``inbound_retry`` job, with backoff)."""
    fields = {
        "message_id": (parsed.message_id if parsed else "")[:998],
        "sender": (parsed.from_email if parsed else "")[:320],
        "subject": (parsed.subject if parsed else "")[:998],
        "received_at": now,
        "outcome": InboundEmail.Outcome.FAILED,
        "detail": f"{source}: {detail}"[:5000] if source else detail[:5000],
        "raw_sha256": hashlib.sha256(raw).hexdigest(),
    }
    if stored is not None:  # the claim already counted the attempt and set the next one
        InboundEmail.objects.filter(pk=stored.pk).update(**fields)
        stored.refresh_from_db()
        return stored
    key = parsed.dedupe_key if parsed else f"sha256:{hashlib.sha256(raw).hexdigest()}"
    row, _ = InboundEmail.objects.update_or_create(
        dedupe_key=key, defaults={**fields, "next_attempt_at": now + retry_backoff(1)}
    )
    if not row.raw:
        row.raw.save(f"{key.strip('<>').replace('/', '_')[:80]}.eml", ContentFile(raw), save=True)
    return row
