"""Attachments uploaded through the API: size-limited, type sniffed from the bytes and matched
against an allow-listed extension, stored under a server-generated name."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from django.conf import settings
from django.db import transaction

from accounts.models import User

from .models import Attachment, Ticket
from .services import TicketError

# content type -> the extensions a file of that type may carry
ALLOWED_TYPES: dict[str, tuple[str, ...]] = {
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "application/pdf": (".pdf",),
    "application/zip": (".zip",),
    "text/plain": (".txt", ".log", ".csv", ".json"),
}
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def sniff_content_type(head: bytes) -> str | None:
    """The type the bytes say they are, or None when they are nothing we accept."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "application/zip"
    if b"\x00" in head:
        return None
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        if exc.start < len(head) - 3:
            return None
    return "text/plain"


def clean_filename(name: str) -> str:
    """For display and Content-Disposition only; the stored path is always ours."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_NAME.sub("_", name).strip(" .")
    return name[-200:] or "attachment"


def attachment_add(*, ticket: Ticket, upload, by: User, now: datetime) -> Attachment:
    """Store one uploaded file on a ticket, or refuse it with a message fit for the uploader."""
    limit = settings.HELPDESK_MAX_ATTACHMENT_BYTES
    if upload.size is None or upload.size == 0:
        raise TicketError("The file is empty.")
    if upload.size > limit:
        raise TicketError(f"The file is larger than the limit of {limit // (1024 * 1024)} MiB.")
    filename = clean_filename(upload.name)
    upload.seek(0)
    content_type = sniff_content_type(upload.read(2048))
    upload.seek(0)
    if content_type is None:
        raise TicketError("This type of file is not accepted; send images, PDF, ZIP or plain text.")
    extension = ("." + filename.rsplit(".", 1)[-1].lower()) if "." in filename else ""
    if extension not in ALLOWED_TYPES[content_type]:
        raise TicketError(
            f"The file's content is {content_type}, which does not match its name; "
            f"use one of {', '.join(ALLOWED_TYPES[content_type])}."
        )
    with transaction.atomic():
        attachment = Attachment(
            ticket=ticket, filename=filename, content_type=content_type, size=upload.size, uploaded_by=by
        )
        attachment.file.save(filename, upload, save=False)
        attachment.save()
    return attachment
