"""Threading for outbound mail: a signed ticket token in Message-ID and in a plus-addressed Reply-To.

The token is ``t<ticket id>-<12 hex of HMAC-SHA256(SECRET_KEY, id)>``: short, lower case (some
providers lower-case local parts), and impossible to forge for another ticket, so a reply that
carries it threads onto that ticket and nothing else.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid

from django.conf import settings

_SALT = b"helpdesk.notifications.thread-token"
_TOKEN_RE = re.compile(r"(?<![0-9a-z])t(\d{1,18})-([0-9a-f]{12})(?![0-9a-f])", re.IGNORECASE)
REFERENCES_KEEP = 10  # the first id plus the newest ones; enough to thread, small enough for any MTA


def _signature(ticket_id: int) -> str:
    key = hashlib.sha256(_SALT + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, str(int(ticket_id)).encode(), hashlib.sha256).hexdigest()[:12]


def ticket_token(ticket_id: int) -> str:
    return f"t{int(ticket_id)}-{_signature(ticket_id)}"


def ticket_id_from_text(text: str) -> int | None:
    """The ticket of the first validly signed token in ``text`` (headers, addresses), else None."""
    for match in _TOKEN_RE.finditer(text or ""):
        ticket_id = int(match.group(1))
        if hmac.compare_digest(_signature(ticket_id), match.group(2).lower()):
            return ticket_id
    return None


def _reply_parts() -> tuple[str, str]:
    address = settings.HELPDESK_REPLY_ADDRESS
    local, _, domain = address.rpartition("@")
    return local.split("+", 1)[0], domain


def message_domain() -> str:
    return _reply_parts()[1] or "helpdesk.invalid"


def reply_address(ticket_id: int) -> str:
    """``support+t123-<sig>@domain`` from settings.HELPDESK_REPLY_ADDRESS."""
    local, domain = _reply_parts()
    return f"{local}+{ticket_token(ticket_id)}@{domain}"


def make_message_id(ticket_id: int | None) -> str:
    """A unique Message-ID; for a ticket it carries the signed token before the random part."""
    unique = uuid.uuid4().hex[:20]
    left = f"{ticket_token(ticket_id)}.{unique}" if ticket_id else f"hd.{unique}"
    return f"<{left}@{message_domain()}>"


def is_our_message_id(message_id: str) -> bool:
    return bool(message_id) and message_id.strip().rstrip(">").lower().endswith(
        "@" + message_domain().lower()
    )


def thread_headers(previous_ids: list[str]) -> dict[str, str]:
    """In-Reply-To the newest message of the thread, References the first plus the newest ones."""
    ids = [i for i in dict.fromkeys(previous_ids) if i]
    if not ids:
        return {}
    refs = ids if len(ids) <= REFERENCES_KEEP else [ids[0], *ids[-(REFERENCES_KEEP - 1) :]]
    return {"In-Reply-To": ids[-1], "References": " ".join(refs)}
