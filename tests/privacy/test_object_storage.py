"""With files in S3-compatible storage (S3_BUCKET), an export reads them from the bucket and an erase or
the retention sweep deletes them there (a real S3 server on loopback, tests/objectstore.py)."""

import io
import zipfile
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from privacy.services import person_erase, privacy_export, retention_apply
from tests.conftest import NOW
from tests.objectstore import s3_server  # noqa: F401  (fixture)
from tickets.services import attachment_add, ticket_close, ticket_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def bucket(settings, s3_server, tmp_path):  # noqa: F811
    name = s3_server.new_bucket()
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {**settings.STORAGES, "default": s3_server.storage_settings(name)}
    return name


def _filed(customer, priorities, content: bytes, *, now=NOW):
    ticket = ticket_create(requester=customer, subject="Fax silent", priority=priorities["normal"], now=now)
    attachment_add(ticket=ticket, upload=SimpleUploadedFile("trace.txt", content), by=customer)
    return ticket


def test_export_reads_and_erase_deletes_the_persons_files_in_the_bucket(
    s3_server,  # noqa: F811
    bucket,
    customer,
    colleague,
    admin_user,
    priorities,
    django_capture_on_commit_callbacks,
):
    _filed(customer, priorities, b"casey's trace")
    kept = _filed(colleague, priorities, b"chris's trace")
    assert len(s3_server.keys(bucket)) == 2

    out = io.BytesIO()
    privacy_export(person=customer, by=admin_user, now=NOW, channel="admin", out=out)
    archive = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    assert [archive.read(n) for n in archive.namelist() if n.startswith("attachments/")] == [b"casey's trace"]

    with django_capture_on_commit_callbacks(execute=True):
        person_erase(person=customer, by=admin_user, now=NOW, channel="admin")
    assert s3_server.keys(bucket) == [kept.attachments.get().file.name]


def test_retention_deletes_old_files_in_the_bucket(
    s3_server,  # noqa: F811
    bucket,
    customer,
    tech,
    priorities,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.HELPDESK_RETENTION_MONTHS = 6
    old = _filed(customer, priorities, b"old trace", now=NOW - timedelta(days=300))
    ticket_close(ticket=old, by=tech, now=NOW - timedelta(days=290))
    recent = _filed(customer, priorities, b"new trace", now=NOW - timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        assert retention_apply(now=NOW) == 1
    assert s3_server.keys(bucket) == [recent.attachments.get().file.name]
