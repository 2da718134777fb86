"""IMAP IDLE: ``manage.py mailboxes_idle`` fetches mail the moment Dovecot announces it, with no poll running.

The watcher runs as the real command in its own process on pytest-django's PostgreSQL test database;
nothing else fetches (no beat, no worker), so a ticket appearing is the watcher's doing.
"""

from __future__ import annotations

import queue
import signal
import subprocess
import threading
import time
from datetime import timedelta

import pytest

from mailboxes.idle import MailboxWatch, new_mail
from mailboxes.models import Mailbox, MailboxMessage
from tests.mailboxes.conftest import mailbox_on
from tests.notifications.mailkit import raw_mail
from tests.reliability.realenv import PYTHON, ROOT, require_postgres, subprocess_env, test_database_url
from tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)


class Watcher:
    """The command in a subprocess, its output read line by line in a thread."""

    def __init__(self):
        self.process = subprocess.Popen(
            [PYTHON, "manage.py", "mailboxes_idle", "--refresh", "0.5"],
            cwd=ROOT,
            env=subprocess_env(DATABASE_URL=test_database_url(), LOG_LEVEL="INFO"),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line)

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"the watcher never said {text!r}:\n{''.join(self.seen)[-3000:]}")

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise


def _wait(predicate, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def watcher():
    require_postgres()
    running = Watcher()
    yield running
    if running.process.poll() is None:
        running.stop()


def test_mail_is_fetched_as_it_arrives_in_a_mailbox_added_while_the_watcher_runs(
    watcher, dovecot, imap_user, imap, priorities, plan
):
    watcher.wait_for("watching the active mailboxes")
    # Added in the admin after the watcher started: picked up at its next re-read.
    mailbox = mailbox_on(dovecot, imap_user)
    watcher.wait_for("idling on INBOX")
    assert Ticket.objects.count() == 0

    imap.append("INBOX", raw_mail(subject="Printer on fire", message_id="<idle-1@acme.test>"))
    assert _wait(lambda: Ticket.objects.filter(subject="Printer on fire").exists()), "".join(watcher.seen)
    # The same door as the poll: recorded by UID, and marked seen on the server only after intake took it.
    assert MailboxMessage.objects.filter(mailbox=mailbox).count() == 1
    imap.select_folder("INBOX", readonly=True)
    assert _wait(lambda: imap.search("UNSEEN") == [])

    imap.append("INBOX", raw_mail(subject="Second one", message_id="<idle-2@acme.test>"))
    assert _wait(lambda: Ticket.objects.filter(subject="Second one").exists())
    assert Ticket.objects.count() == 2 and MailboxMessage.objects.count() == 2

    assert watcher.stop() == 0  # SIGTERM ends the IDLE sessions and the process cleanly


def test_mail_that_arrived_while_nobody_watched_is_fetched_when_the_watcher_starts(
    mailbox, imap, priorities, plan, watcher
):
    # The fixture order starts the watcher after the mailbox exists; the mail was appended before it
    # connected or after, either way the catch-up fetch or the IDLE takes it, once.
    imap.append("INBOX", raw_mail(subject="Sent overnight", message_id="<idle-3@acme.test>"))
    assert _wait(lambda: Ticket.objects.filter(subject="Sent overnight").exists()), "".join(watcher.seen)
    time.sleep(1)
    assert Ticket.objects.count() == 1


def test_a_switched_off_mailbox_is_let_go(watcher, mailbox, imap, priorities, plan):
    watcher.wait_for("idling on INBOX")
    Mailbox.objects.filter(pk=mailbox.pk).update(active=False)
    time.sleep(2.5)  # several re-reads: the watch is stopped
    imap.append("INBOX", raw_mail(subject="Nobody home", message_id="<idle-4@acme.test>"))
    time.sleep(3)
    assert not Ticket.objects.filter(subject="Nobody home").exists()


def test_a_wrong_password_keeps_the_watch_alive_and_retrying(dovecot, imap_user, monkeypatch):
    """In-process: the session's failure is logged and waited out (backoff), the thread does not die."""
    require_postgres()
    mailbox = mailbox_on(dovecot, imap_user, secret="not-the-password", name="Wrong")
    monkeypatch.setattr("mailboxes.idle.backoff", lambda failures: timedelta(seconds=0.5))
    watch = MailboxWatch(mailbox.pk, fetch=lambda **kw: 0)
    watch.start()
    assert _wait(lambda: watch.failures >= 2, timeout=20)
    assert watch.is_alive() and not watch.unsupported
    watch.stop.set()
    watch.join(10)
    assert not watch.is_alive()


def test_only_a_new_message_wakes_the_fetch():
    assert new_mail([(3, b"EXISTS")])
    assert new_mail([(b"OK", b"Still here"), (1, b"RECENT")])
    assert not new_mail([(2, b"EXPUNGE"), (1, b"FETCH", (b"FLAGS", (b"\\Seen",)))])
    assert not new_mail([(b"OK", b"Still here")])
    assert not new_mail([])
