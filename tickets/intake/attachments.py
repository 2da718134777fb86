"""Attachments from mail are untrusted uploads: the type comes from the bytes, not the sender's label."""

from __future__ import annotations

_MAGIC = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
    (b"PK\x03\x04", "application/zip"),
    (b"\x1f\x8b", "application/gzip"),
    (b"BZh", "application/x-bzip2"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (b"Rar!", "application/vnd.rar"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/vnd.ms-office"),
    (b"-----BEGIN PGP", "application/pgp"),
    (b"OggS", "audio/ogg"),
    (b"ID3", "audio/mpeg"),
]
# Zip containers we can name more precisely when the sender's label agrees with the bytes.
_ZIP_FAMILY = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
}


def sniff_content_type(content: bytes, declared: str = "") -> str:
    head = content[:16]
    for magic, ctype in _MAGIC:
        if head.startswith(magic):
            if ctype == "application/zip" and declared in _ZIP_FAMILY:
                return declared
            return ctype
    if content[:12].startswith(b"RIFF") and content[8:12] == b"WAVE":
        return "audio/wav"
    if content[4:8] == b"ftyp":
        return "video/mp4"
    sample = content[:4096]
    if b"\x00" not in sample:
        try:
            sample.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(sample) - 4:  # not just a character cut at the sample's end
                return "application/octet-stream"
        lowered = sample.lstrip().lower()
        if lowered.startswith((b"<!doctype html", b"<html")):
            return "text/html"
        return "text/plain"
    return "application/octet-stream"
