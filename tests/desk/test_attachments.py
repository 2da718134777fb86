import pytest

from tickets.services.attachments import UploadRefused, sniff_content_type, stored_content_type


@pytest.mark.parametrize(
    "head, expected",
    [
        (b"%PDF-1.7\n", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n....", "image/png"),
        (b"\xff\xd8\xff\xe0", "image/jpeg"),
        (b"PK\x03\x04", "application/zip"),
        (b"plain log line\n", "text/plain"),
        (("é" * 255).encode()[:511], "text/plain"),  # a character cut by the window is still text
        (b"\xc3\x28 invalid utf-8 early" + b"x" * 40, "application/octet-stream"),
    ],
)
def test_the_type_comes_from_the_bytes_not_the_name(head, expected):
    assert sniff_content_type(head) == expected


@pytest.mark.parametrize(
    "head",
    [
        b"MZ\x90\x00\x03\x00",
        b"\x7fELF\x02",
        b"#!/bin/sh\nrm -rf /",
        b"<!DOCTYPE html><script>",
        b"<svg onload=x>",
    ],
)
def test_programs_and_web_content_are_refused_from_people_and_defused_from_mail(head):
    with pytest.raises(UploadRefused):
        sniff_content_type(head)
    assert stored_content_type(head) == "application/octet-stream"
