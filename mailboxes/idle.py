"""Push instead of poll: IMAP IDLE wakes the fetch the moment mail arrives (``manage.py mailboxes_idle``).

One thread per active mailbox holds an IDLE session on the mailbox's folder (read-only: it never touches a
flag). When the server says a message EXISTS, the thread runs the same ``mailbox_poll`` the minute job
runs, under the same lease, so the watcher and the job never fetch one mailbox at once and intake sees
every mail through one door. The watcher only decides *when* to fetch, never *what*.

The minute poll stays on: it is how a server without IDLE is fetched (the thread says so and ends), and the
safety net while the watcher is down or reconnecting. On connecting, the thread fetches once to catch up on
what arrived while nobody watched. An IDLE is renewed every few minutes (RFC 2177: servers may drop one
after 29 minutes, NAT boxes sooner). A broken session reconnects after the poller's backoff (1, 2, 4 ...
minutes); the fetch records its own failures on the mailbox as the poll does (/healthz, admin, desk).
The supervisor re-reads the mailboxes every ``refresh`` seconds: a mailbox added, changed or switched off
in the admin is watched, re-connected or let go without a restart.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from django.db import close_old_connections, connection
from django.utils import timezone
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from .imap import imap_connect
from .models import Mailbox
from .oauth import OAuthError
from .services import backoff, error_text, mailbox_poll

log = logging.getLogger(__name__)

RENEW_SECONDS = 5 * 60  # end and restart an IDLE this often, well inside RFC 2177's 29 minutes
CHECK_SECONDS = 1.0  # how long one idle_check waits: also how fast a stop is noticed
WAKING = {b"EXISTS", b"RECENT"}  # "* 3 EXISTS": a new message is in the folder

Fetch = Callable[..., int]


def idle_offered(client: IMAPClient) -> bool:
    return client.has_capability("IDLE")


def new_mail(responses: list) -> bool:
    """Whether an IDLE's untagged responses (e.g. ``(3, b'EXISTS')``) announce a new message."""
    return any(isinstance(r, tuple) and len(r) > 1 and r[1] in WAKING for r in responses)


def fingerprint(mailbox: Mailbox) -> tuple:
    """What, when changed in the admin, needs a new session (the watcher reconnects)."""
    return (
        mailbox.host,
        mailbox.port,
        mailbox.security,
        mailbox.auth,
        mailbox.username,
        mailbox.secret,
        mailbox.folder,
    )


class MailboxWatch(threading.Thread):
    """Holds one mailbox's IDLE session until ``stop`` is set, the mailbox goes, or the server lacks IDLE."""

    def __init__(self, mailbox_id: int, *, fetch: Fetch = mailbox_poll):
        super().__init__(name=f"mailbox-idle-{mailbox_id}", daemon=True)
        self.mailbox_id = mailbox_id
        self.fetch = fetch
        self.stop = threading.Event()
        self.unsupported = False
        self.failures = 0

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                mailbox = Mailbox.objects.filter(pk=self.mailbox_id, active=True).first()
                if mailbox is None:
                    return
                try:
                    self._session(mailbox)
                except (IMAPClientError, OAuthError, OSError) as exc:
                    self.failures += 1
                    wait = backoff(self.failures)
                    log.warning(
                        "mailbox %s: IDLE session failed (%s); reconnecting in %s",
                        mailbox.name,
                        error_text(exc),
                        wait,
                    )
                    self.stop.wait(wait.total_seconds())
                if self.unsupported:
                    return
        finally:
            connection.close()  # this thread's own database connection

    def _session(self, mailbox: Mailbox) -> None:
        client = imap_connect(mailbox, now=timezone.now())
        try:
            if not idle_offered(client):
                self.unsupported = True
                log.info("mailbox %s: the server offers no IDLE; the minute poll fetches it", mailbox.name)
                return
            client.select_folder(mailbox.folder, readonly=True)
            self.failures = 0
            self._fetch()  # what arrived while nobody watched
            log.info("mailbox %s: idling on %s", mailbox.name, mailbox.folder)
            self._idle(client)
        finally:
            try:
                client.logout()
            except Exception:  # the session may be gone already; the socket is closed either way
                client.shutdown()

    def _idle(self, client: IMAPClient) -> None:
        client.idle()
        renew_at = time.monotonic() + RENEW_SECONDS
        while not self.stop.is_set():
            responses = client.idle_check(timeout=CHECK_SECONDS)
            if new_mail(responses):
                client.idle_done()
                self._fetch()
                client.idle()
                renew_at = time.monotonic() + RENEW_SECONDS
            elif time.monotonic() >= renew_at:
                client.idle_done()
                client.noop()
                client.idle()
                renew_at = time.monotonic() + RENEW_SECONDS
        client.idle_done()  # stopping: end the IDLE before the logout

    def _fetch(self) -> None:
        close_old_connections()
        taken = self.fetch(mailbox_id=self.mailbox_id, now=timezone.now())
        if taken:
            log.info("mailbox %s: %d mail(s) handed to intake", self.mailbox_id, taken)


def mailboxes_watch(*, stop: threading.Event, refresh: float = 60.0, fetch: Fetch = mailbox_poll) -> None:
    """Supervise one ``MailboxWatch`` per active mailbox until ``stop`` is set."""
    watches: dict[int, tuple[tuple, MailboxWatch]] = {}
    try:
        while not stop.is_set():
            close_old_connections()
            wanted = {m.pk: fingerprint(m) for m in Mailbox.objects.filter(active=True)}
            for pk, (print_, watch) in list(watches.items()):
                gone = pk not in wanted or wanted[pk] != print_
                if gone or (not watch.is_alive() and not watch.unsupported):
                    watch.stop.set()
                    del watches[pk]
            for pk, print_ in wanted.items():
                if pk not in watches:
                    watch = MailboxWatch(pk, fetch=fetch)
                    watches[pk] = (print_, watch)
                    watch.start()
            stop.wait(refresh)
    finally:
        for _, watch in watches.values():
            watch.stop.set()
        for _, watch in watches.values():
            watch.join(timeout=CHECK_SECONDS * 5)
        connection.close()
