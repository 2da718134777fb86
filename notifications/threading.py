"""Threading for outbound mail: a signed ticket token in Message-ID and in a plus-addressed Reply-To.

The token is ``t<ticket id>-<12 hex of HMAC-SHA256(SECRET_KEY, id)>``: short, lower case (some
providers lower-case local parts), and impossible to forge for another ticket, so a reply that
carries it threads onto that ticket and nothing else.

The Reply-To token is also bound to the address it was sent to (the HMAC covers ``id:recipient``), so
the intake can tell "the person we mailed answered" from "someone holding a forwarded or CC'd copy
answered": only the first carries that recipient's rights. The Message-ID token is not bound (one
message may reach several people); it is a key to the ticket, never an identity.
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


def _signature(ticket_id: int, recipient: str = "") -> str:
    key = hashlib.sha256(_SALT + settings.SECRET_KEY.encode()).digest()
    signed = str(int(ticket_id)) + (f":{recipient.strip().lower()}" if recipient else "")
    return hmac.new(key, signed.encode(), hashlib.sha256).hexdigest()[:12]


def ticket_token(ticket_id: int, recipient: str = "") -> str:
    """The ticket's token; with ``recipient``, bound to that address (for the Reply-To of their mail)."""
    return f"t{int(ticket_id)}-{_signature(ticket_id, recipient)}"


def ticket_id_from_text(text: str) -> int | None:
    """The ticket of the first validly signed unbound token in ``text`` (headers, addresses), else None."""
    for match in _TOKEN_RE.finditer(text or ""):
        ticket_id = int(match.group(1))
        if hmac.compare_digest(_signature(ticket_id), match.group(2).lower()):
            return ticket_id
    return None


def token_candidates(text: str) -> list[tuple[int, str]]:
    """(ticket id, signature) of every token-shaped string in ``text``; check them with ``token_signed_for``."""
    return [(int(m.group(1)), m.group(2).lower()) for m in _TOKEN_RE.finditer(text or "")][:20]


def token_signed_for(ticket_id: int, signature: str, recipient: str = "") -> bool:
    """True when ``signature`` is ours for this ticket, bound to ``recipient`` (or unbound for "")."""
    return hmac.compare_digest(_signature(ticket_id, recipient), signature.lower())


def _reply_parts() -> tuple[str, str]:
    address = settings.HELPDESK_REPLY_ADDRESS
    local, _, domain = address.rpartition("@")
    return local.split("+", 1)[0], domain


def message_domain() -> str:
    return _reply_parts()[1] or "helpdesk.invalid"


def reply_address(ticket_id: int, recipient: str = "") -> str:
    """``support+t123-<sig>@domain`` from settings.HELPDESK_REPLY_ADDRESS, bound to ``recipient``."""
    local, domain = _reply_parts()
    return f"{local}+{ticket_token(ticket_id, recipient)}@{domain}"


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
