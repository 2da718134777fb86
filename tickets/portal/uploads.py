"""Customer uploads: size and count limits, the content type sniffed from the bytes, and storage.

Rules (the name the customer gave is never trusted):
- Recognised images, PDF, zip and gzip are stored with their real type; plain text as text/plain.
- Web content (HTML, SVG, XML with markup) and executables (PE, ELF, Mach-O, ``#!`` scripts) are
  refused with a message, because a browser or a desktop could run them.
- Anything else binary is stored as ``application/octet-stream``.
Every download is served by a scoped view with ``Content-Disposition: attachment`` and ``nosniff``,
so even a mis-sniffed file is never rendered by the browser.
"""

from __future__ import annotations

import os
import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat

from ..models import Attachment, Message, Ticket

SNIFF_BYTES = 2048

_SIGNATURES: list[tuple[bytes, str]] = [
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"\x1f\x8b", "application/gzip"),
]
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


class UploadRefused(ValueError):
    pass


def sniff_content_type(head: bytes) -> str:
    """The content type of a file from its first bytes, or UploadRefused for web content and programs."""
    for magic in _EXECUTABLES:
        if head.startswith(magic):
            raise UploadRefused("programs and scripts cannot be attached")
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    for magic, content_type in _SIGNATURES:
        if head.startswith(magic):
            return content_type
    if b"\x00" in head:
        return "application/octet-stream"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not merely a character cut off by the sniff window
            return "application/octet-stream"
        text = head[: exc.start].decode("utf-8")
    if _MARKUP.search(text.lstrip("\ufeff \t\r\n").encode()[:512]):
        raise UploadRefused(
            "web pages and SVG images cannot be attached; attach a screenshot (PNG or JPEG) instead"
        )
    return "text/plain"


def clean_filename(name: str) -> str:
    name = os.path.basename((name or "").replace("\\", "/"))
    name = re.sub(r'[\x00-\x1f\x7f/\\:*?"<>|]', "_", name).strip(" .")
    return name[:200] or "attachment"


def validate_uploads(files: list[UploadedFile]) -> list[tuple[UploadedFile, str]]:
    """Check count, size and content of the files; return each with its sniffed content type."""
    limit = settings.HELPDESK_MAX_ATTACHMENTS
    if len(files) > limit:
        raise ValidationError(f"Attach at most {limit} files at a time.")
    errors, checked = [], []
    for upload in files:
        name = clean_filename(upload.name)
        if upload.size == 0:
            errors.append(f"“{name}” is empty.")
            continue
        if upload.size > settings.HELPDESK_MAX_ATTACHMENT_BYTES:
            errors.append(
                f"“{name}” is {filesizeformat(upload.size)}; the limit is "
                f"{filesizeformat(settings.HELPDESK_MAX_ATTACHMENT_BYTES)} per file."
            )
            continue
        upload.seek(0)
        head = upload.read(SNIFF_BYTES)
        upload.seek(0)
        try:
            checked.append((upload, sniff_content_type(head)))
        except UploadRefused as exc:
            errors.append(f"“{name}” was not accepted: {exc}.")
    if errors:
        raise ValidationError(errors)
    return checked


def attachments_save(
    *, ticket: Ticket, message: Message | None, uploads: list[tuple[UploadedFile, str]], by
) -> list[Attachment]:
    """Store validated uploads under random names; call inside the transaction that made the message."""
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


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several files in one input; cleans to a list of (file, sniffed content type)."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            return []
        for upload in files:
            super().clean(upload, initial)
        return validate_uploads(files)

    def bound_data(self, data, initial):
        return initial

    def has_changed(self, initial, data):
        return bool(data)
