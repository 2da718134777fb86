"""What an authenticator app does with the secret it was given (RFC 6238, SHA-1, 6 digits, 30 s),
written here from the RFC, not taken from the library under test."""

import base64
import hashlib
import hmac
import struct
import time


def secret_from_page(html: str) -> bytes:
    """The key the set-up page shows for typing in (``id="totp-secret"``), as an app would store it."""
    import re

    text = re.search(r'id="totp-secret"[^>]*>([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    return base64.b32decode(text + "=" * (-len(text) % 8))


def totp(key: bytes, *, at: float | None = None, step_offset: int = 0) -> str:
    counter = int((time.time() if at is None else at) // 30) + step_offset
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"
