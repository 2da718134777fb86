"""Helpers for email tests: the hand-written fixtures in tests/fixtures/email/, and small raw mails."""

from __future__ import annotations

import os
from email.message import EmailMessage
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "email"
_ROOT = Path(__file__).resolve().parents[2]


def _corpus() -> Path:
    """The shared real-world mail (../shared/emails/ next to the checkout; HELPDESK_EMAIL_CORPUS overrides)."""
    if os.environ.get("HELPDESK_EMAIL_CORPUS"):
        return Path(os.environ["HELPDESK_EMAIL_CORPUS"])
    for base in (_ROOT.parent, _ROOT.parent.parent):
        if (base / "shared" / "emails").is_dir():
            return base / "shared" / "emails"
    return _ROOT.parent / "shared" / "emails"


CORPUS = _corpus()


def fixture(name: str, **replace: str) -> bytes:
    raw = (FIXTURES / name).read_bytes()
    for old, new in replace.items():
        raw = raw.replace(old.encode(), new.encode())
    return raw


def raw_mail(
    *,
    sender: str = "Casey Customer <casey@acme.test>",
    to: str = "support@helpdesk.test",
    subject: str = "Help",
    body: str = "Please help.",
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    if message_id:
        msg["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    return msg.as_bytes()
