import pytest

from tickets.desk.attachments import sniff_content_type


@pytest.mark.parametrize(
    "head, expected",
    [
        (b"%PDF-1.7\n", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n....", "image/png"),
        (b"\xff\xd8\xff\xe0", "image/jpeg"),
        (b"PK\x03\x04", "application/zip"),
        (b"plain log line\n", "text/plain"),
        (("é" * 255).encode()[:511], "text/plain"),  # a character cut by the window is still text
        (b"MZ\x90\x00\x03\x00", "application/octet-stream"),
        (b"\xc3\x28 invalid utf-8 early" + b"x" * 40, "application/octet-stream"),
    ],
)
def test_the_type_comes_from_the_bytes_not_the_name(head, expected):
    assert sniff_content_type(head) == expected
