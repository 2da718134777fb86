"""Stored inbound mail: the webhook keeps the raw bytes and answers at once; a worker parses them; the
``inbound_retry`` job takes again what failed or what no worker picked up. Each step claims the row
first (a conditional update on ``attempts``), so a queued task and the job never act on one mail twice."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F

from ..models import InboundEmail
from .record import RECEIVED_GRACE, RETRY_BATCH, RETRY_MAX_ATTEMPTS, retry_backoff
from .service import email_ingest


def email_receive(*, raw: bytes, now: datetime, source: str = "") -> InboundEmail:
    """The webhook's part: keep the bytes durably (a RECEIVED row) and queue the parse for a worker.

    The ESP gets its quick 200 once this commits. If the worker never runs (broker down, worker killed),
    the retry job takes the row at ``next_attempt_at``.
    """
    digest = hashlib.sha256(raw).hexdigest()
    known = (
        InboundEmail.objects.filter(raw_sha256=digest).exclude(outcome=InboundEmail.Outcome.FAILED).first()
    )
    if known is not None:
        return known  # the ESP retried a delivery we already hold
    with transaction.atomic():
        row = InboundEmail(
            dedupe_key=f"received:{uuid.uuid4().hex}",
            received_at=now,
            outcome=InboundEmail.Outcome.RECEIVED,
            detail=source[:500],
            raw_sha256=digest,
            next_attempt_at=now + RECEIVED_GRACE,
        )
        row.raw.save(f"received-{digest[:32]}.eml", ContentFile(raw), save=False)
        row.save()
        from ..tasks import inbound_process  # imported here: tasks -> jobs -> this module

        transaction.on_commit(lambda: inbound_process.delay(row.pk))
    return row


def email_process_stored(*, row_id: int, now: datetime, release: bool = False) -> InboundEmail | None:
    """Parse and act on a stored mail (RECEIVED, FAILED or HELD): claim it first, so two workers (the
    queued task and the retry job) never act on it twice. None when someone else holds it."""
    row = InboundEmail.objects.filter(pk=row_id).first()
    if row is None or not row.raw:
        return None
    claimable = [InboundEmail.Outcome.RECEIVED, InboundEmail.Outcome.FAILED]
    if release:
        claimable.append(InboundEmail.Outcome.HELD)
    # The next try is set before this one runs, so a worker killed mid-parse is retried too; after the
    # last try the mail waits for a person (still counted as failed on /healthz and the desk).
    last = row.attempts + 1 >= RETRY_MAX_ATTEMPTS
    claimed = InboundEmail.objects.filter(pk=row.pk, outcome__in=claimable, attempts=row.attempts).update(
        attempts=F("attempts") + 1, next_attempt_at=None if last else now + retry_backoff(row.attempts + 1)
    )
    if not claimed:
        return None
    row.refresh_from_db()
    with row.raw.open("rb") as fh:
        raw = fh.read()
    return email_ingest(
        raw=raw, now=now, source=row.detail[:200] or "stored mail", stored=row, release=release
    )


def inbound_retry(*, now: datetime) -> int:
    """The timed job: take again every stored mail whose retry is due (failed, or never picked up)."""
    due = list(
        InboundEmail.objects.filter(
            outcome__in=[InboundEmail.Outcome.FAILED, InboundEmail.Outcome.RECEIVED],
            next_attempt_at__lte=now,
            attempts__lt=RETRY_MAX_ATTEMPTS,
        )
        .exclude(raw="")
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:RETRY_BATCH]
    )
    done = 0
    for pk in due:
        row = email_process_stored(row_id=pk, now=now)
        done += int(row is not None and row.outcome != InboundEmail.Outcome.FAILED)
    return done
