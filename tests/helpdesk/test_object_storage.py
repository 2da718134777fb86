"""Files in S3-compatible object storage (S3_BUCKET): what several web nodes and workers share.

Against a real S3 server on loopback (tests/objectstore.py): an attachment uploaded on the portal and the
raw bytes of an inbound mail land in the bucket, not on this machine's disk, and come back through the
same scoped download views, for the people allowed and nobody else.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.api.conftest import token_client
from tests.conftest import NOW
from tests.objectstore import s3_server  # noqa: F401  (fixture)
from tickets.intake.store import email_receive
from tickets.models import Attachment, InboundEmail, Ticket
from tickets.services import ticket_create

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 100


@pytest.fixture
def bucket(settings, s3_server, tmp_path):  # noqa: F811
    name = s3_server.new_bucket()
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {**settings.STORAGES, "default": s3_server.storage_settings(name)}
    return name


def test_an_attachment_lives_in_the_bucket_and_comes_back_through_the_ticket(
    s3_server,  # noqa: F811
    bucket,
    settings,
    customer,
    colleague,
    stranger,
    tech,
    priorities,
):
    ticket = ticket_create(requester=customer, subject="Numbers down", priority=priorities["urgent"], now=NOW)
    response = token_client(customer).post(
        f"/api/tickets/{ticket.pk}/attachments/",
        {"file": SimpleUploadedFile("screen.png", PNG)},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    stored = Attachment.objects.get(pk=response.json()["id"])

    # In the bucket, under our own name; nothing on this machine's disk.
    assert s3_server.keys(bucket) == [stored.file.name]
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]

    download = f"/api/tickets/{ticket.pk}/attachments/{stored.pk}/download/"
    for person in (tech, colleague):  # staff, and a colleague who may see the organization's tickets
        got = token_client(person).get(download)
        assert got.status_code == 200
        assert b"".join(got.streaming_content) == PNG
    # Another tenant never gets it, bucket or not.
    assert token_client(stranger).get(download).status_code == 404


def test_the_raw_bytes_of_an_inbound_mail_are_kept_in_the_bucket_and_filed_from_there(
    s3_server,  # noqa: F811
    bucket,
    customer,
    priorities,
    django_capture_on_commit_callbacks,
):
    raw = (
        b"From: Casey Customer <casey@acme.test>\r\nTo: support@helpdesk.test\r\n"
        b"Subject: Fax line crackles\r\nMessage-ID: <s3-test-1@acme.test>\r\n"
        b"Date: Mon, 07 Dec 2026 09:00:00 +0000\r\n\r\nSince this morning.\r\n"
    )
    with django_capture_on_commit_callbacks(execute=True):  # the queued parse runs, as a worker would
        row = email_receive(raw=raw, now=NOW)  # the webhook's part: keep the bytes, queue the parse
    row.refresh_from_db()
    assert row.raw.name in s3_server.keys(bucket)
    assert s3_server.client().get_object(Bucket=bucket, Key=row.raw.name)["Body"].read() == raw
    # The parse read the bytes back from the bucket and filed them.
    row.refresh_from_db()
    assert row.outcome == InboundEmail.Outcome.NEW_TICKET, row.detail
    assert Ticket.objects.get(subject="Fax line crackles").requester == customer


def test_the_portal_download_link_streams_from_the_bucket_only_to_the_people_allowed(
    s3_server,  # noqa: F811
    bucket,
    customer,
    stranger,
    priorities,
):
    ticket = ticket_create(requester=customer, subject="Numbers down", priority=priorities["urgent"], now=NOW)
    token_client(customer).post(
        f"/api/tickets/{ticket.pk}/attachments/",
        {"file": SimpleUploadedFile("trace.log", b"line one\n")},
        format="multipart",
    )
    attachment = Attachment.objects.get(ticket=ticket)
    url = reverse("portal:attachment_download", args=[ticket.pk, attachment.pk])
    owner, other = Client(), Client()
    owner.force_login(customer)
    other.force_login(stranger)
    got = owner.get(url)
    assert got.status_code == 200 and b"".join(got.streaming_content) == b"line one\n"
    assert other.get(url).status_code in (403, 404)
