"""Queue and deliver notifications. This app is told what to send; it does not decide when."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import Notification, Suppression
from .threading import make_message_id, reply_address, thread_headers
from .transports import TransportError, transport_for

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
STUCK_AFTER = timedelta(minutes=10)
RETRY_FIRST = timedelta(seconds=30)
RETRY_MAX = timedelta(hours=1)


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after the ``attempts``-th failed try: 30 s, 1 min, 2 min ... capped at an hour.
    The same curve as ``notification_send``'s own retries, so the outbox sweep never retries sooner."""
    return min(RETRY_FIRST * 2 ** max(attempts - 1, 0), RETRY_MAX)


def _dispatch(notification_id: int) -> None:
    from .tasks import notification_send

    try:
        notification_send.delay(notification_id)
    except Exception:  # broker down: the row waits in the outbox and outbox_flush sends it later
        log.warning("broker unavailable; notification %s stays in the outbox", notification_id, exc_info=True)


def _dispatch_all(notification_ids: list[int]) -> None:
    for pk in notification_ids:
        _dispatch(pk)


def notification_queue(
    *,
    event: str,
    recipient: str,
    now: datetime,
    ticket=None,
    recipient_user=None,
    channel: str = Notification.Channel.EMAIL,
    context: dict | None = None,
    automatic: bool = True,
    dedupe_key: str | None = None,
    not_before: datetime | None = None,
) -> Notification | None:
    """Write an outbox row in the caller's transaction; hand it to a worker once that commits.

    A repeated ``dedupe_key`` returns ``None`` and queues nothing: the event was already told.
    """
    status = Notification.Status.PENDING
    if channel == Notification.Channel.EMAIL and Suppression.objects.filter(email__iexact=recipient).exists():
        status = Notification.Status.SUPPRESSED
    elif not_before is not None and not_before > now:
        status = Notification.Status.HELD
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                event=event,
                ticket=ticket,
                recipient=recipient,
                recipient_user=recipient_user,
                channel=channel,
                context=context or {},
                automatic=automatic,
                dedupe_key=dedupe_key,
                status=status,
                not_before=not_before,
                created_at=now,
            )
    except IntegrityError:
        if dedupe_key and Notification.objects.filter(dedupe_key=dedupe_key).exists():
            return None
        raise
    if status == Notification.Status.PENDING:
        transaction.on_commit(lambda: _dispatch(notification.pk))
    return notification


def notification_queue_many(items, *, now: datetime) -> list[Notification]:
    """Write many outbox rows at once, exactly as ``notification_queue`` would one by one.

    ``items`` are dicts of ``notification_queue``'s keyword arguments (without ``now``). Costs a
    fixed handful of queries however many items: one suppression lookup, one lookup of dedupe keys
    already told, one multi-row insert (``ON CONFLICT DO NOTHING`` / ``INSERT OR IGNORE`` on the
    unique ``dedupe_key``) and one read-back of the new rows; then one ``on_commit`` dispatches
    every new pending row. Returns the new rows in the order of ``items``; an item whose
    ``dedupe_key`` was already used (earlier, or by an earlier item of the same call) queues nothing.
    """
    items = list(items)
    if not items:
        return []
    email = Notification.Channel.EMAIL
    addresses = {i["recipient"].lower() for i in items if i.get("channel", email) == email}
    suppressed = (
        set(
            Suppression.objects.annotate(address=Lower("email"))
            .filter(address__in=addresses)
            .values_list("address", flat=True)
        )
        if addresses
        else set()
    )
    keys = {i["dedupe_key"] for i in items if i.get("dedupe_key")}
    told = (
        set(Notification.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True))
        if keys
        else set()
    )
    rows: list[Notification] = []
    for item in items:
        key = item.get("dedupe_key")
        if key:
            if key in told:
                continue
            told.add(key)  # a repeat later in this call is a repeat too
        channel = item.get("channel", email)
        not_before = item.get("not_before")
        status = Notification.Status.PENDING
        if channel == email and item["recipient"].lower() in suppressed:
            status = Notification.Status.SUPPRESSED
        elif not_before is not None and not_before > now:
            status = Notification.Status.HELD
        rows.append(
            Notification(
                event=item["event"],
                ticket=item.get("ticket"),
                recipient=item["recipient"],
                recipient_user=item.get("recipient_user"),
                channel=channel,
                context=item.get("context") or {},
                automatic=item.get("automatic", True),
                dedupe_key=key,
                status=status,
                not_before=not_before,
                created_at=now,
            )
        )
    if not rows:
        return []
    keyed = [n for n in rows if n.dedupe_key]
    unkeyed = [n for n in rows if not n.dedupe_key]
    out = rows
    if keyed:
        # A key another transaction committed after our lookup is skipped by the database, not raised;
        # the insert then returns no ids, so read back which of our keys are now stored (and under which
        # id). Should another worker have stored one of them at this same ``now`` meanwhile, its row is
        # dispatched twice, which is harmless: ``notification_deliver`` claims a row only once.
        Notification.objects.bulk_create(keyed, ignore_conflicts=True)
        stored = {
            key: (pk, status)
            for key, pk, status in Notification.objects.filter(
                dedupe_key__in=[n.dedupe_key for n in keyed], created_at=now
            ).values_list("dedupe_key", "pk", "status")
        }
        for n in keyed:
            if n.dedupe_key in stored:
                n.pk, n.status = stored[n.dedupe_key]
                n._state.adding, n._state.db = False, Notification.objects.db
        out = [n for n in rows if n.pk is not None or not n.dedupe_key]
    if unkeyed:
        Notification.objects.bulk_create(unkeyed)  # no conflict possible: primary keys come back
    pending = [n.pk for n in out if n.status == Notification.Status.PENDING]
    if pending:
        transaction.on_commit(lambda: _dispatch_all(pending))
    return out


def _thread_ids(notification: Notification) -> list[str]:
    """Message-IDs of this ticket's thread as this recipient saw it, oldest first: the mails we received
    (stored on the ticket's messages) and the ones we sent to the same address."""
    ticket = notification.ticket
    if ticket is None:
        return []
    stamped = [
        (created, mid)
        for created, mid in ticket.messages.exclude(email_message_id="").values_list(
            "created_at", "email_message_id"
        )
    ]
    stamped += list(
        Notification.objects.filter(
            ticket=ticket, recipient__iexact=notification.recipient, channel=notification.channel
        )
        .exclude(pk=notification.pk)
        .exclude(message_id="")
        .filter(status=Notification.Status.SENT)
        .values_list("created_at", "message_id")
    )
    stamped.sort(key=lambda pair: pair[0])
    return [mid for _, mid in stamped]


# Mail queued before the mails were worded per reader (one release) carries English text where the
# templates now expect instants and seconds: "Mon 02 Feb 2026 10:00 UTC" and "2d 19h 30m". Read both, so
# a reminder waiting in the outbox across an upgrade still says its dates. Old key -> the key that replaced it.
_LEGACY_TEXT_FORMAT = "%a %d %b %Y %H:%M UTC"
_LEGACY_KEYS = {
    "waiting_since": "waiting_since_at",
    "last_activity": "last_activity_at",
    "idle_for": "idle_for_seconds",
    "deadline": "deadline_seconds",
    "missed_by": "missed_by_seconds",
    "left": "left_seconds",
}
_LEGACY_DELTA = re.compile(r"^(?:(\d+)d)?\s*(?:(\d+)h)?\s*(?:(\d+)m)?$")


def _instant(value: str) -> datetime | str:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        pass
    try:
        return datetime.strptime(value, _LEGACY_TEXT_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return value


def _legacy_seconds(value: str) -> int | str:
    match = _LEGACY_DELTA.match(value.strip())
    if not value.strip() or not match:
        return value
    days, hours, minutes = (int(g or 0) for g in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60


def _legacy(context: dict) -> dict:
    """An old notification's words under the keys (and in the form) today's templates read."""
    upgraded = dict(context)
    for old, new in _LEGACY_KEYS.items():
        if new in upgraded or not isinstance(upgraded.get(old), str):
            continue
        if new.endswith("_at"):
            upgraded[new] = upgraded[old]  # parsed by _snapshot like every instant
        elif isinstance(seconds := _legacy_seconds(upgraded[old]), int):
            upgraded[new] = seconds
    return upgraded


def _snapshot(value):
    """A notification's context (and the ticket snapshot in it) as the templates read it: values under
    keys ending in ``_at`` are ISO instants (JSON has no datetime), turned back into datetimes so
    ``|date`` formats them in the reader's zone and language."""
    if isinstance(value, dict):
        return {
            k: _instant(v) if k.endswith("_at") and isinstance(v, str) else _snapshot(v)
            for k, v in _legacy(value).items()
        }
    return value


def _reading_locale(notification: Notification) -> tuple[str, ZoneInfo]:
    """The recipient's language and zone, as the user model answers it (``User.reading_locale``, owned
    by accounts.locale); an address without an account reads the site's defaults."""
    reader = notification.recipient_user
    if reader is None and notification.channel == Notification.Channel.EMAIL:
        reader = get_user_model().objects.filter(email__iexact=notification.recipient).first()
    if reader is not None and hasattr(reader, "reading_locale"):
        chosen = reader.reading_locale()
        return chosen.language, chosen.zone
    return settings.LANGUAGE_CODE, ZoneInfo(settings.TIME_ZONE)


def notification_render(notification: Notification) -> dict:
    """Subject, bodies and headers. Every ticket mail carries the [HD-123] tag, threading headers and a
    Reply-To that routes back to the ticket; automatic mail says so (RFC 3834) so responders stay quiet.

    Templates read what the mail says from ``context`` as it was queued (``context["ticket"]`` is the
    ticket at the time of the event), so a retry never shows what changed since. Rows queued without
    a snapshot fall back to the ticket row."""
    ticket = notification.ticket
    context = {
        **_snapshot(notification.context),
        "notification": notification,
        "ticket": _snapshot(notification.context.get("ticket")) or ticket,
        "site_url": settings.SITE_URL,
        "helpdesk_name": settings.HELPDESK_NAME,
        "support_phone": getattr(settings, "HELPDESK_SUPPORT_PHONE", ""),
    }
    base = f"notifications/{notification.event}"
    language, zone = _reading_locale(notification)
    with translation.override(language), timezone.override(zone):
        subject = " ".join(render_to_string(f"{base}/subject.txt", context).split())
        text = render_to_string(f"{base}/body.txt", context)
        try:
            html = render_to_string(f"{base}/body.html", context)
        except TemplateDoesNotExist:  # an event may have no HTML body
            html = ""
    headers: dict[str, str] = {}
    reply_to: list[str] = []
    if ticket is not None and ticket.pk:
        tag = f"[{ticket.reference}]"
        if tag not in subject:
            subject = f"{tag} {subject}"
        headers.update(thread_headers(_thread_ids(notification)))
        reply_to = [reply_address(ticket.pk, recipient=notification.recipient)]
    if notification.message_id:
        headers["Message-ID"] = notification.message_id
    # Dated when the event happened, not when a worker got to it: two workers (or a retry) can send a
    # ticket's mails out of order, and mail clients sort by Date ("Resolved" before "Closed").
    written = max(filter(None, (notification.created_at, notification.not_before)), default=None)
    if written is not None:
        headers["Date"] = format_datetime(written.astimezone(UTC))
    if notification.automatic:
        headers["Auto-Submitted"] = "auto-generated"
        headers["X-Auto-Response-Suppress"] = "All"
    return {"subject": subject, "text": text, "html": html, "headers": headers, "reply_to": reply_to}


def notification_deliver(*, notification_id: int, now: datetime, claimant: str = "") -> Notification | None:
    """Claim one pending row, send it, record the outcome. Raises TransportError on temporary failure.

    ``claimant`` is the Celery task id. With acks late and reject-on-worker-lost, a worker killed while
    sending gets the *same* task message back; that run, and only that run, may take the row back from
    "sending" (its own earlier claim) and finish the job. Any other run finds it claimed and does nothing,
    and a row marked sent is never claimed again. Without this, the redelivered message found the row in
    "sending" and dropped it, so the mail waited for outbox_flush's ten-minute stuck sweep.
    """
    claimable = Q(status=Notification.Status.PENDING)
    if claimant:
        claimable |= Q(status=Notification.Status.SENDING, claimed_by=claimant)
    claimed = Notification.objects.filter(claimable, pk=notification_id).update(
        status=Notification.Status.SENDING, claimed_at=now, claimed_by=claimant
    )
    if not claimed:
        return None  # sent, being sent, or suppressed: never twice
    notification = Notification.objects.select_related("ticket", "recipient_user__organization").get(
        pk=notification_id
    )
    if not notification.message_id and notification.channel == Notification.Channel.EMAIL:
        # Chosen once and stored before sending, so a retry re-sends the same Message-ID.
        notification.message_id = make_message_id(notification.ticket_id)
        Notification.objects.filter(pk=notification.pk).update(message_id=notification.message_id)
    try:
        transport = transport_for(notification.channel)
        rendered = notification_render(notification) if transport.renders_templates else {}
        provider_id = transport.send(notification, rendered)
    except TransportError as exc:
        attempts = notification.attempts + 1
        permanent = exc.permanent or attempts >= MAX_ATTEMPTS
        Notification.objects.filter(pk=notification.pk).update(
            status=Notification.Status.FAILED if permanent else Notification.Status.PENDING,
            attempts=attempts,
            error=str(exc)[:2000],
            retry_at=None if permanent else now + retry_delay(attempts),
        )
        if permanent:
            return None
        raise
    Notification.objects.filter(pk=notification.pk).update(
        status=Notification.Status.SENT,
        sent_at=now,
        retry_at=None,
        attempts=notification.attempts + 1,
        provider_message_id=provider_id or "",
    )
    notification.refresh_from_db()
    return notification


def outbox_flush(*, now: datetime) -> int:
    """Re-dispatch what waits: pending rows, held rows whose hour has come, and rows stuck in sending."""
    Notification.objects.filter(status=Notification.Status.HELD, not_before__lte=now).update(
        status=Notification.Status.PENDING
    )
    Notification.objects.filter(status=Notification.Status.SENDING, claimed_at__lt=now - STUCK_AFTER).update(
        status=Notification.Status.PENDING
    )
    ids = list(
        Notification.objects.filter(status=Notification.Status.PENDING)
        .filter(Q(retry_at__isnull=True) | Q(retry_at__lte=now))  # a failed try waits out its backoff
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )
    for pk in ids:
        _dispatch(pk)
    return len(ids)


def suppression_add(*, email: str, reason: str, detail: str = "") -> Suppression | None:
    """Put an address on the suppression list (idempotent): queued mail to it is never sent."""
    email = (email or "").strip().lower()
    if not email or "@" not in email:
        return None
    suppression, created = Suppression.objects.get_or_create(
        email=email, defaults={"reason": reason, "detail": (detail or "")[:2000]}
    )
    if created:
        # Anything still waiting in the outbox for this address stops here too.
        Notification.objects.filter(
            recipient__iexact=email,
            channel=Notification.Channel.EMAIL,
            status__in=[Notification.Status.PENDING, Notification.Status.HELD],
        ).update(status=Notification.Status.SUPPRESSED)
    return suppression


def automatic_mail_count(*, recipient: str, since: datetime) -> int:
    """How many automatic mails we queued to one address since ``since`` (the per-sender reply cap)."""
    return Notification.objects.filter(
        recipient__iexact=recipient, automatic=True, created_at__gte=since, channel=Notification.Channel.EMAIL
    ).count()
