"""Every message of the shared real-world corpus (../shared/emails/) goes through the inbound service:
none raises or hangs, and no bounce or auto-reply makes a ticket or a reply. Skipped when absent."""

import time
from pathlib import Path

import pytest

from notifications.models import Notification
from tests.conftest import NOW
from tests.notifications.mailkit import CORPUS
from tickets.intake.service import email_ingest
from tickets.models import InboundEmail, Ticket

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CORPUS.is_dir(), reason="shared email corpus (../shared/emails/) not present"),
]
PER_MESSAGE_SECONDS = 15  # the service bounds parsing at 10 s; the slowest real file takes ~1.5 s
SISIMAI = "sisimai_set_of_emails/maildir/"


def corpus_files() -> list[Path]:
    skip_suffixes = {".json", ".png", ".raw", ".md"}
    files = []
    for path in sorted(CORPUS.rglob("*")):
        rel = path.relative_to(CORPUS).as_posix()
        if not path.is_file() or path.suffix in skip_suffixes:
            continue
        if rel.startswith("flanker/") and not rel.startswith("flanker/messages/"):
            continue  # address lists, not mail
        files.append(path)
    return files


def expected(rel: str) -> str:
    if rel.startswith(SISIMAI + "not/"):
        return "not-bounce"
    if "/rfc3834-" in rel and rel.startswith(SISIMAI):
        return "auto"
    if rel.startswith(SISIMAI) and not rel.startswith(SISIMAI + "err/"):
        return "bounce"
    if rel.startswith(("flanker/messages/bounce/", "flanker/messages/complaints/")):
        return "bounce"
    return "any"


def test_the_whole_corpus_ingests_and_no_bounce_or_auto_reply_makes_a_ticket(
    customer, priorities, mailoutbox
):
    files = corpus_files()
    assert len(files) > 1000
    problems = []
    outcomes = {}
    for path in files:
        rel = path.relative_to(CORPUS).as_posix()
        notifications_before, tickets_before = Notification.objects.count(), Ticket.objects.count()
        started = time.monotonic()
        row = email_ingest(raw=path.read_bytes(), now=NOW, source=rel)
        elapsed = time.monotonic() - started
        outcomes[row.outcome] = outcomes.get(row.outcome, 0) + 1
        if elapsed > PER_MESSAGE_SECONDS:
            problems.append(f"{rel}: took {elapsed:.1f}s")
        if row.outcome == InboundEmail.Outcome.FAILED:
            problems.append(f"{rel}: failed ({row.detail[:120]})")
        kind = expected(rel)
        if kind in ("bounce", "auto"):
            if (
                Ticket.objects.count() != tickets_before
                or Notification.objects.count() != notifications_before
            ):
                problems.append(f"{rel}: a {kind} made a ticket or a reply ({row.outcome})")
            if row.outcome not in (InboundEmail.Outcome.BOUNCE, InboundEmail.Outcome.IGNORED_AUTO):
                problems.append(f"{rel}: a {kind} was taken for {row.outcome}")
        if kind == "auto" and row.outcome != InboundEmail.Outcome.IGNORED_AUTO:
            problems.append(f"{rel}: an auto-reply was taken for {row.outcome}")
        if kind == "not-bounce" and row.outcome == InboundEmail.Outcome.BOUNCE:
            problems.append(f"{rel}: not a bounce, but treated as one")
    assert problems == []
    assert mailoutbox == []  # nothing is sent until a transaction commits; bounces queued nothing at all
    # Real mail from people made tickets: the corpus is not all dropped.
    assert (
        outcomes.get(InboundEmail.Outcome.NEW_TICKET, 0) + outcomes.get(InboundEmail.Outcome.REPLY, 0) > 150
    ), outcomes
