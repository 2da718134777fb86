import secrets
import shutil
import tempfile
from pathlib import Path

import pytest
from imapclient import IMAPClient

from mailboxes.models import Mailbox, Security
from tests.mailboxes.dovecot import PASSWORD, start_dovecot


@pytest.fixture(scope="session")
def dovecot():
    # Not pytest's tmp_path: its parents are private to us, and Dovecot's own users must reach the mail.
    root = Path(tempfile.mkdtemp(prefix="helpdesk-dovecot-"))
    root.chmod(0o755)
    server, process, httpd = start_dovecot(root)
    yield server
    process.terminate()
    try:
        process.wait(10)
    except Exception:
        process.kill()
    httpd.shutdown()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def imap_user():
    """A fresh IMAP account for this test (Dovecot accepts any name with the test password)."""
    return f"support-{secrets.token_hex(4)}@helpdesk.test"


@pytest.fixture
def imap(dovecot, imap_user):
    """An IMAP session on the test's account, for appending mail and checking flags as a person would."""
    client = IMAPClient(dovecot.host, port=dovecot.port, ssl=False, timeout=10)
    client.login(imap_user, PASSWORD)
    yield client
    client.logout()


def mailbox_on(dovecot, user: str, *, secret: str = PASSWORD, name: str = "Support") -> Mailbox:
    """A mailbox as an admin would add it for ``user``'s account on the test Dovecot."""
    return Mailbox.objects.create(
        name=name,
        address=user,
        host=dovecot.host,
        port=dovecot.port,
        security=Security.NONE,
        username=user,
        secret=secret,
    )


@pytest.fixture
def mailbox(db, dovecot, imap_user, imap):
    return mailbox_on(dovecot, imap_user)
