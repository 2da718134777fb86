"""manage.py ingest_email: files, '-' for stdin, maildir folders and mbox files."""

import io
import mailbox
import sys

import pytest
from django.core.management import CommandError, call_command

from sla.models import PriorityLevel
from tests.notifications.mailkit import fixture, raw_mail
from tickets.models import InboundEmail, Ticket


def _run(*args, stdin: bytes | None = None, monkeypatch=None) -> str:
    out = io.StringIO()
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    call_command("ingest_email", *args, stdout=out)
    return out.getvalue()


def test_it_ingests_files(tmp_path, customer, priorities):
    (tmp_path / "a.eml").write_bytes(fixture("new_request_syntax.eml"))
    (tmp_path / "b.eml").write_bytes(fixture("out_of_office.eml"))
    out = _run(str(tmp_path / "a.eml"), str(tmp_path / "b.eml"))
    assert "Ingested 2 message(s): ignored_auto 1, new_ticket 1" in out
    assert Ticket.objects.count() == 1


def test_it_reads_stdin(customer, priorities, monkeypatch):
    out = _run("-", stdin=fixture("new_request_syntax.eml"), monkeypatch=monkeypatch)
    assert "new_ticket 1" in out and Ticket.objects.get().subject == "Calls drop after ten seconds"


def test_it_reads_a_maildir(tmp_path, customer, priorities):
    box = mailbox.Maildir(tmp_path / "Mail", create=True)
    box.add(raw_mail(subject="First", message_id="<m1@acme.test>"))
    box.add(raw_mail(subject="Second", message_id="<m2@acme.test>"))
    box.add(fixture("bounce_dsn.eml"))
    out = _run(str(tmp_path / "Mail"))
    assert "Ingested 3 message(s): bounce 1, new_ticket 2" in out
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["First", "Second"]


def test_it_reads_an_mbox(tmp_path, customer, priorities):
    box = mailbox.mbox(tmp_path / "archive.mbox", create=True)
    for i in range(3):
        box.add(raw_mail(subject=f"Archived {i}", message_id=f"<mb{i}@acme.test>"))
    box.flush()
    out = _run(str(tmp_path / "archive.mbox"))
    assert "new_ticket 3" in out and Ticket.objects.count() == 3
    # Importing the archive again is harmless.
    _run(str(tmp_path / "archive.mbox"))
    assert Ticket.objects.count() == 3 and InboundEmail.objects.count() == 3


def test_a_missing_path_is_a_clear_error(db):
    with pytest.raises(CommandError, match="No such file"):
        _run("/nonexistent/mail.eml")


def test_retry_failed_ingests_kept_mail_again(tmp_path, customer, priorities):
    (tmp_path / "a.eml").write_bytes(fixture("new_request_syntax.eml"))
    levels = list(PriorityLevel.objects.values("slug", "name", "rank", "is_default"))
    PriorityLevel.objects.all().delete()
    assert "failed 1" in _run(str(tmp_path / "a.eml"))
    for level in levels:
        PriorityLevel.objects.create(**level)
    assert "Ingested 1 message(s): new_ticket 1" in _run("--retry-failed")
    assert (
        InboundEmail.objects.get().outcome == InboundEmail.Outcome.NEW_TICKET and Ticket.objects.count() == 1
    )


def test_no_arguments_is_a_clear_error(db):
    with pytest.raises(CommandError, match="at least one path"):
        _run()
