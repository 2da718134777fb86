"""Files a technician attaches to a reply or note: the type is sniffed from the bytes, never trusted."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile

from accounts.models import User

from ..models import Attachment, Message

SIGNATURES = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"PK\x03\x04", "application/zip"),
    (b"RIFF", "audio/wav"),
    (b"ID3", "audio/mpeg"),
]


def sniff_content_type(head: bytes) -> str:
    for magic, content_type in SIGNATURES:
        if head.startswith(magic):
            return content_type
    if b"\x00" in head:
        return "application/octet-stream"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not just a character cut in half by the 512-byte window
            return "application/octet-stream"
    return "text/plain"


def attachments_store(*, message: Message, files: list[UploadedFile], by: User | None) -> list[Attachment]:
    """Keep the files with the message (call inside the transaction that wrote the message)."""
    stored = []
    for upload in files:
        upload.seek(0)
        head = upload.read(512)
        upload.seek(0)
        attachment = Attachment(
            ticket_id=message.ticket_id,
            message=message,
            filename=(upload.name or "file")[:255],
            content_type=sniff_content_type(head),
            size=upload.size,
            uploaded_by=by,
        )
        attachment.file.save(upload.name or "file", upload, save=False)
        attachment.save()
        stored.append(attachment)
    return stored
