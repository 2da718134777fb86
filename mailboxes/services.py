"""Fetching mailboxes: every write of the poller.

Per mailbox, under a lease (a conditional ``update()``, so two workers never fetch one mailbox at once):
select the folder; if its UIDVALIDITY changed, start again from UID 1 (intake's dedupe answers mail it has);
then for each UID above the last one done, in order: fetch it without marking it seen (``BODY.PEEK[]``),
hand the bytes to ``email_ingest`` and record the UID in the same transaction, and only then mark it seen
(or move it to the processed folder) and advance the folder's last UID. A worker killed anywhere in that
loses nothing (the mail is still unseen, its UID not advanced) and doubles nothing (the recorded UID, and
intake's Message-ID dedupe behind it, answer the second fetch).
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Greatest
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from tickets.intake.service import Landing, email_ingest

from .imap import imap_connect
from .models import Mailbox, MailboxFolder, MailboxMessage
from .oauth import OAuthError

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=15)  # far longer than a batch takes; a killed worker's lease lapses after it
BATCH = 200  # UIDs per mailbox per run: the next minute's run takes the rest
BACKOFF_FIRST = timedelta(minutes=1)  # a failing mailbox is tried after 1, 2, 4 ... minutes
BACKOFF_LONGEST = timedelta(hours=1)
SEEN = b"\\Seen"


def backoff(failures: int) -> timedelta:
    return min(BACKOFF_FIRST * (2 ** max(0, failures - 1)), BACKOFF_LONGEST)


def error_text(exc: BaseException) -> str:
    """The server's own words where it gave some (imaplib hands them over as bytes)."""
    text = " ".join(a.decode(errors="replace") if isinstance(a, bytes) else str(a) for a in exc.args)
    return f"{exc.__class__.__name__}: {text or exc}"[:2000]


def mailbox_lease_claim(*, mailbox_id: int, now: datetime) -> str | None:
    """Take the mailbox for this run; ``None`` when another worker holds it."""
    token = uuid.uuid4().hex
    claimed = (
        Mailbox.objects.filter(pk=mailbox_id, active=True)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
        .update(lease_token=token, lease_until=now + LEASE)
    )
    return token if claimed == 1 else None


def mailbox_lease_release(*, mailbox_id: int, token: str) -> None:
    Mailbox.objects.filter(pk=mailbox_id, lease_token=token).update(lease_token="", lease_until=None)


def mailboxes_poll(*, now: datetime) -> int:
    """The timed job: fetch every mailbox that is due. Returns how many mails were handed to intake."""
    total = 0
    for mailbox_id in Mailbox.objects.due(now).values_list("pk", flat=True):
        total += mailbox_poll(mailbox_id=mailbox_id, now=now)
    return total


def mailbox_poll(*, mailbox_id: int, now: datetime) -> int:
    """Fetch one mailbox under its lease; a failure is recorded on it (with backoff), never raised."""
    token = mailbox_lease_claim(mailbox_id=mailbox_id, now=now)
    if token is None:
        return 0
    mailbox = Mailbox.objects.select_related("team", "request_type").get(pk=mailbox_id)
    try:
        taken = _fetch(mailbox, now=now)
    except (IMAPClientError, OAuthError, OSError) as exc:  # refused, unreachable, timed out, TLS
        _record_failure(mailbox, error_text(exc), now=now)
        taken = 0
    except Exception as exc:  # our bug or a server answer we did not expect: still visible, still retried
        log.exception("mailbox %s: fetch failed", mailbox.name)
        _record_failure(mailbox, error_text(exc), now=now)
        taken = 0
    else:
        Mailbox.objects.filter(pk=mailbox.pk).update(
            last_polled_at=now,
            last_success_at=now,
            last_error="",
            failing_since=None,
            failures=0,
            next_poll_at=None,
        )
    mailbox_lease_release(mailbox_id=mailbox.pk, token=token)
    return taken


def _record_failure(mailbox: Mailbox, message: str, *, now: datetime) -> None:
    failures = mailbox.failures + 1
    log.warning("mailbox %s failed (%d in a row): %s", mailbox.name, failures, message)
    Mailbox.objects.filter(pk=mailbox.pk).update(
        last_polled_at=now,
        last_error=message,
        failing_since=mailbox.failing_since or now,
        failures=failures,
        next_poll_at=now + backoff(failures),
    )


def _fetch(mailbox: Mailbox, *, now: datetime) -> int:
    client = imap_connect(mailbox, now=now)
    try:
        info = client.select_folder(mailbox.folder)
        folder = _folder_state(mailbox, int(info[b"UIDVALIDITY"]))
        if mailbox.processed_folder and not client.folder_exists(mailbox.processed_folder):
            client.create_folder(mailbox.processed_folder)
        # "N:*" always matches the newest mail, even below N: keep only the UIDs above the last one done.
        uids = sorted(u for u in client.search(["UID", f"{folder.last_uid + 1}:*"]) if u > folder.last_uid)
        landing = Landing(
            team=mailbox.team,
            request_type=mailbox.request_type,
            own_addresses=tuple(Mailbox.objects.values_list("address", flat=True)),
        )
        for uid in uids[:BATCH]:
            _take(client, mailbox, folder, uid, landing=landing, now=now)
        return min(len(uids), BATCH)
    finally:
        try:
            client.logout()
        except Exception:  # the session may already be gone; the socket is closed either way
            client.shutdown()


def _folder_state(mailbox: Mailbox, uidvalidity: int) -> MailboxFolder:
    folder, _ = MailboxFolder.objects.get_or_create(mailbox=mailbox, name=mailbox.folder)
    if folder.uidvalidity != uidvalidity:
        if folder.uidvalidity:
            # The server renumbered the folder (restored, migrated, recreated): our UIDs mean nothing now.
            # Start again from the first mail; intake's dedupe answers the ones it already has.
            log.warning(
                "mailbox %s: UIDVALIDITY of %s changed from %s to %s, fetching the folder again",
                mailbox.name,
                folder.name,
                folder.uidvalidity,
                uidvalidity,
            )
        folder.uidvalidity = uidvalidity
        folder.last_uid = 0
        folder.save(update_fields=["uidvalidity", "last_uid"])
    return folder


def _take(
    client: IMAPClient, mailbox: Mailbox, folder: MailboxFolder, uid: int, *, landing: Landing, now: datetime
) -> None:
    seen_before = MailboxMessage.objects.filter(
        mailbox=mailbox, folder=folder.name, uidvalidity=folder.uidvalidity, uid=uid
    ).exists()
    if not seen_before:
        raw = client.fetch([uid], ["BODY.PEEK[]"]).get(uid, {}).get(b"BODY[]")
        if raw is not None:  # None: expunged by someone else since the search
            with transaction.atomic():
                inbound = email_ingest(
                    raw=bytes(raw), now=now, source=f"imap:{mailbox.name}", landing=landing
                )
                MailboxMessage.objects.create(
                    mailbox=mailbox,
                    folder=folder.name,
                    uidvalidity=folder.uidvalidity,
                    uid=uid,
                    inbound=inbound,
                    fetched_at=now,
                )
    _mark_done(client, mailbox, uid)
    MailboxFolder.objects.filter(pk=folder.pk).update(last_uid=Greatest("last_uid", uid))
    folder.last_uid = max(folder.last_uid, uid)


def _mark_done(client: IMAPClient, mailbox: Mailbox, uid: int) -> None:
    """Only after intake has the mail: seen, or moved to the processed folder."""
    client.add_flags([uid], [SEEN])
    if not mailbox.processed_folder:
        return
    if client.has_capability("MOVE"):
        client.move([uid], mailbox.processed_folder)
    else:  # RFC 3501 only: copy, then expunge this UID alone (UIDPLUS), never the whole folder
        client.copy([uid], mailbox.processed_folder)
        client.delete_messages([uid])
        client.uid_expunge([uid])
