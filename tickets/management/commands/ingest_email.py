"""Ingest raw RFC 822 mail: ``manage.py ingest_email PATH...`` (files, ``-`` for stdin, maildirs, mbox).

For pipe delivery (``| manage.py ingest_email -``), IMAP fetchers and migrations. Each message goes to
``tickets.intake.service.email_ingest``, the same service as the inbound webhooks.
"""

from __future__ import annotations

import mailbox
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tickets.intake.service import email_ingest
from tickets.models import InboundEmail


def _is_mbox(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(5) == b"From "


def iter_messages(target: str) -> Iterator[tuple[str, bytes]]:
    """(label, raw bytes) for each message a path names."""
    if target == "-":
        yield "<stdin>", sys.stdin.buffer.read()
        return
    path = Path(target)
    if path.is_dir():
        if (path / "cur").is_dir() or (path / "new").is_dir():
            box = mailbox.Maildir(path, factory=None, create=False)
            for key in sorted(box.keys()):
                yield f"{path}:{key}", box.get_bytes(key)
            return
        for child in sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")):
            yield from iter_messages(str(child))
        return
    if not path.is_file():
        raise CommandError(f"No such file or directory: {path}")
    if _is_mbox(path):
        box = mailbox.mbox(path, factory=None, create=False)
        for key in box.keys():
            yield f"{path}#{key}", box.get_bytes(key)
        return
    yield str(path), path.read_bytes()


def failed_messages() -> Iterator[tuple[str, bytes]]:
    for row in InboundEmail.objects.filter(outcome=InboundEmail.Outcome.FAILED).exclude(raw=""):
        with row.raw.open("rb") as fh:
            yield f"retry of {row.dedupe_key}", fh.read()


class Command(BaseCommand):
    help = "Ingest raw email (files, '-' for stdin, maildir folders, mbox files) into tickets."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", help="Files, '-' for stdin, maildir or mbox paths.")
        parser.add_argument(
            "--retry-failed",
            action="store_true",
            help="Ingest again the mail that failed earlier (kept with its bytes).",
        )

    def handle(self, *args, **options):
        if not options["paths"] and not options["retry_failed"]:
            raise CommandError("Give at least one path ('-' for stdin), or --retry-failed.")
        outcomes: Counter[str] = Counter()
        sources = [iter_messages(target) for target in options["paths"]]
        if options["retry_failed"]:
            sources.append(failed_messages())
        for source in sources:
            for label, raw in source:
                row = email_ingest(raw=raw, now=timezone.now(), source=label)
                outcomes[row.outcome] += 1
                if options["verbosity"] > 1:
                    self.stdout.write(f"{label}: {row.outcome} {row.ticket_id or ''}")
        summary = ", ".join(f"{name} {count}" for name, count in sorted(outcomes.items())) or "nothing"
        self.stdout.write(f"Ingested {sum(outcomes.values())} message(s): {summary}")
