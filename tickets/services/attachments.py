"""Attachments, whichever way they arrive (portal, desk, API, email): one set of rules.

- The type comes from the bytes, never from the name or the sender's label.
- Web content (HTML, SVG, XML with markup) and programs (PE, ELF, Mach-O, ``#!`` scripts) are refused
  where a person uploads them; from mail, where refusing would lose what the customer sent, they are
  kept as ``application/octet-stream``.
- Sizes and counts are limited by ``HELPDESK_MAX_ATTACHMENT_BYTES`` / ``HELPDESK_MAX_ATTACHMENTS``.
- Files are stored under a random name (``tickets.models.attachment_path``); the uploader's name is for
  display only, and every download is a scoped view answering with
  ``tickets.attachments.attachment_response`` (the read side: who may see which file, and the download).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..models import Attachment, Message, Ticket
from ..policy import TicketError

SNIFF_BYTES = 4096

_SIGNATURES: list[tuple[bytes, str]] = [
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"PK\x05\x06", "application/zip"),
    (b"\x1f\x8b", "application/gzip"),
    (b"BZh", "application/x-bzip2"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (b"Rar!", "application/vnd.rar"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/vnd.ms-office"),
    (b"-----BEGIN PGP", "application/pgp"),
    (b"OggS", "audio/ogg"),
    (b"ID3", "audio/mpeg"),
]
# Zip containers named more precisely when the declared type agrees with the bytes.
_ZIP_FAMILY = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
}
_EXECUTABLES = (
    b"MZ",
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"#!",
)
_MARKUP = re.compile(rb"<\s*(!doctype\s+html|html|head|body|svg|script|iframe|\?xml|object|embed)\b", re.I)
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


class UploadRefused(ValueError):
    """A file we will not keep under its own type; the message is fit for the uploader."""


def sniff_content_type(head: bytes, declared: str = "") -> str:
    """The content type the first bytes say, or UploadRefused for web content and programs."""
    for magic in _EXECUTABLES:
        if head.startswith(magic):
            raise UploadRefused(_("programs and scripts cannot be attached"))
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[4:8] == b"ftyp":
        return "video/mp4"
    for magic, content_type in _SIGNATURES:
        if head.startswith(magic):
            return declared if content_type == "application/zip" and declared in _ZIP_FAMILY else content_type
    sample = head[:SNIFF_BYTES]
    if b"\x00" in sample:
        return "application/octet-stream"
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 3:  # not merely a character cut off by the sniff window
            return "application/octet-stream"
        text = sample[: exc.start].decode("utf-8")
    if _MARKUP.search(text.lstrip("\ufeff \t\r\n").encode()[:512]):
        raise UploadRefused(
            _("web pages and SVG images cannot be attached; attach a screenshot (PNG or JPEG) instead")
        )
    return "text/plain"


def stored_content_type(head: bytes, declared: str = "") -> str:
    """For mail: never refuse what a customer sent, but never keep a dangerous type either."""
    try:
        return sniff_content_type(head, declared)
    except UploadRefused:
        return "application/octet-stream"


def clean_filename(name: str) -> str:
    """For display and Content-Disposition only; the stored path is always ours."""
    name = os.path.basename((name or "").replace("\\", "/"))
    name = _UNSAFE_NAME.sub("_", name).strip(" .")
    return name[-200:] or "attachment"


def _head(upload) -> bytes:
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    return head


def validate_uploads(files: list) -> list[tuple[object, str]]:
    """Check count, size and content; return each file with its sniffed type, or ValidationError."""
    limit = settings.HELPDESK_MAX_ATTACHMENTS
    if len(files) > limit:
        raise ValidationError(
            ngettext("Attach at most %(n)d file at a time.", "Attach at most %(n)d files at a time.", limit)
            % {"n": limit}
        )
    errors, checked = [], []
    for upload in files:
        name = clean_filename(upload.name)
        if not upload.size:
            errors.append(_("“%(name)s” is empty.") % {"name": name})
            continue
        if upload.size > settings.HELPDESK_MAX_ATTACHMENT_BYTES:
            errors.append(
                _("“%(name)s” is %(size)s; the limit is %(limit)s per file.")
                % {
                    "name": name,
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(settings.HELPDESK_MAX_ATTACHMENT_BYTES),
                }
            )
            continue
        try:
            checked.append((upload, sniff_content_type(_head(upload))))
        except UploadRefused as exc:
            errors.append(_("“%(name)s” was not accepted: %(why)s.") % {"name": name, "why": exc})
    if errors:
        raise ValidationError(errors)
    return checked


def attachments_save(
    *, ticket: Ticket, message: Message | None, uploads: Iterable[tuple[object, str]], by
) -> list[Attachment]:
    """Store validated uploads under random names; call inside the transaction that wrote the message."""
    saved = []
    for upload, content_type in uploads:
        attachment = Attachment(
            ticket=ticket,
            message=message,
            filename=clean_filename(upload.name),
            content_type=content_type,
            size=upload.size,
            uploaded_by=by,
        )
        attachment.file.save("upload", upload, save=False)
        attachment.save()
        saved.append(attachment)
    return saved


def attachment_save_bytes(
    *, ticket: Ticket, message: Message | None, filename: str, content: bytes, declared: str = "", by=None
) -> Attachment:
    """Keep a file that came by mail (never refused: a dangerous type is stored as octet-stream)."""
    attachment = Attachment(
        ticket=ticket,
        message=message,
        filename=clean_filename(filename),
        content_type=stored_content_type(content[:SNIFF_BYTES], declared),
        size=len(content),
        uploaded_by=by,
    )
    attachment.file.save("upload", ContentFile(content), save=False)
    attachment.save()
    return attachment


def attachment_add(*, ticket: Ticket, upload, by, message: Message | None = None) -> Attachment:
    """Store one uploaded file (the API), or TicketError with a message fit for the uploader."""
    try:
        checked = validate_uploads([upload])
    except ValidationError as exc:
        raise TicketError(" ".join(exc.messages)) from None
    with transaction.atomic():
        return attachments_save(ticket=ticket, message=message, uploads=checked, by=by)[0]
