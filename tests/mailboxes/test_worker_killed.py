"""A real worker process SIGKILLed after intake took the mail and before it marked it seen: the next run
(after the dead worker's lease lapses) makes no second ticket and marks the mail seen. PostgreSQL only:
the subprocess shares pytest-django's test database."""

from __future__ import annotations

import subprocess
import textwrap

import pytest

from mailboxes.models import MailboxFolder, MailboxMessage
from mailboxes.services import LEASE, mailbox_poll
from tests.conftest import NOW
from tests.notifications.mailkit import raw_mail
from tests.reliability.realenv import PYTHON, ROOT, require_postgres, subprocess_env, test_database_url
from tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)

WORKER = textwrap.dedent(
    """
    import os, signal, sys
    from datetime import datetime
    import django
    django.setup()
    from mailboxes import services

    def killed(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)  # no cleanup, no lease release, no mark-seen

    services._mark_done = killed
    services.mailbox_poll(mailbox_id=int(sys.argv[1]), now=datetime.fromisoformat(sys.argv[2]))
    """
)


def test_a_sigkilled_worker_between_ingest_and_mark_seen_loses_and_doubles_nothing(
    mailbox, imap, priorities, plan
):
    require_postgres()
    imap.append("INBOX", raw_mail(subject="Survives a kill", message_id="<kill@acme.test>"))

    done = subprocess.run(
        [PYTHON, "-c", WORKER, str(mailbox.pk), NOW.isoformat()],
        cwd=ROOT,
        env=subprocess_env(DATABASE_URL=test_database_url()),
        capture_output=True,
        timeout=120,
    )

    assert done.returncode == -9, done.stderr.decode()[-2000:]
    assert Ticket.objects.count() == 1 and MailboxMessage.objects.count() == 1
    imap.select_folder("INBOX", readonly=True)
    assert imap.search("UNSEEN") == [1]  # still unseen on the server: nothing lost

    assert mailbox_poll(mailbox_id=mailbox.pk, now=NOW + LEASE) == 1

    assert Ticket.objects.count() == 1  # nothing doubled
    imap.select_folder("INBOX", readonly=True)
    assert imap.search("UNSEEN") == [] and MailboxFolder.objects.get(mailbox=mailbox).last_uid == 1
