"""Bad input gets a clear error and leaves nothing half-saved: no ticket, no message, no stray file.

Covered elsewhere and not repeated: portal form errors (tests/tickets/test_portal.py), API validation,
malformed JSON and fuzzing (tests/api/test_tickets_api.py, tests/api/test_fuzz.py), garbage mail
(tests/tickets/test_email_intake.py::test_garbage_never_raises) and sla_import
(tests/sla/test_config.py::test_a_bad_field_is_named_with_its_line_and_nothing_changes)."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.conftest import NOW
from tests.factories import portal_filing
from tickets.models import Attachment, Message, Ticket
from tickets.services import ticket_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def casey(client, customer, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.HELPDESK_MAX_ATTACHMENTS = 2
    settings.HELPDESK_MAX_ATTACHMENT_BYTES = 1000
    customer.email_verified_at = NOW
    customer.save()
    client.force_login(customer)
    return customer


def _filing(priorities, files):
    return portal_filing(priorities["normal"], subject="Upload", rf_details="See file", attachments=files)


def _files(tmp_path) -> list[Path]:
    return [p for p in Path(tmp_path).rglob("*") if p.is_file()]


@pytest.mark.parametrize(
    "files,message",
    [
        (lambda: [SimpleUploadedFile(f"f{n}.txt", b"x\n") for n in range(3)], "at most 2"),
        (
            lambda: [SimpleUploadedFile("ok.txt", b"x\n"), SimpleUploadedFile("big.txt", b"x" * 1001)],
            "big.txt",
        ),
        (
            lambda: [
                SimpleUploadedFile("ok.txt", b"x\n"),
                SimpleUploadedFile("run.exe", b"MZ\x90\x00" + b"\x00" * 60),
            ],
            "cannot be attached",
        ),
    ],
)
def test_a_filing_with_one_bad_file_saves_nothing_and_says_why(
    client, casey, priorities, tmp_path, files, message
):
    response = client.post(reverse("portal:ticket_new"), _filing(priorities, files()))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Ticket.objects.exists() and not Attachment.objects.exists() and _files(tmp_path) == []


def test_a_reply_with_a_bad_file_adds_no_message(client, casey, priorities, tmp_path):
    ticket = ticket_create(requester=casey, subject="Calls drop", priority=priorities["normal"], now=NOW)
    before = Message.objects.count()
    response = client.post(
        reverse("portal:ticket_detail", args=[ticket.pk]),
        {
            "body": "Here are the logs",
            "attachments": [SimpleUploadedFile("ok.txt", b"x\n"), SimpleUploadedFile("big.txt", b"x" * 1001)],
        },
    )
    assert response.status_code == 400 and "big.txt" in response.content.decode()
    assert Message.objects.count() == before and not Attachment.objects.exists() and _files(tmp_path) == []
