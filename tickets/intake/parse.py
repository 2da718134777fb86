"""Turn raw mail into a ``ParsedEmail``: plain values only, no database, every step defensive.

Real mail is messy (broken MIME, unknown charsets, hostile nesting), so each accessor falls back to
something readable instead of raising, and undecodable bytes become replacement characters.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import signal
import threading
from dataclasses import dataclass, field
from datetime import datetime
from email.header import decode_header, make_header
from email.parser import BytesParser
from email.policy import compat32
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

from anymail.inbound import AnymailInboundMessage

from .charsets import decode_bytes, decode_header_text, recover_address, repair_header_block
from .html import html_sanitise, html_to_text

MAX_PARTS = 200  # enough for any real mail; stops "endless nesting" inputs
MAX_BODY_CHARS = 1_000_000


class ParseTimeout(BaseException):
    """A BaseException, so the many ``except Exception`` guards around messy mail cannot swallow it."""


@dataclass
class RawAttachment:
    filename: str
    content: bytes
    declared_type: str


@dataclass
class ParsedEmail:
    message_id: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    subject: str = ""
    from_email: str = ""
    from_name: str = ""
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    reply_to: list[str] = field(default_factory=list)
    date: datetime | None = None
    headers: dict[str, list[str]] = field(default_factory=dict)
    content_type: str = ""
    report_type: str = ""
    part_types: list[str] = field(default_factory=list)
    text: str = ""
    html: str = ""
    attachments: list[RawAttachment] = field(default_factory=list)
    failed_recipients: list[str] = field(default_factory=list)
    content_hash: str = ""  # everything we read (addresses, headers, body, parts)
    content_digest: str = ""  # what the sender wrote (subject, date, body, attachments), for dedupe
    note: str = ""  # set when only a degraded reading was possible

    def header(self, name: str) -> str:
        values = self.headers.get(name.lower())
        return values[0] if values else ""

    @property
    def dedupe_key(self) -> str:
        """Message-ID + sender + content digest: a re-delivery of one mail matches; another mail that
        reuses a Message-ID (buggy clients, re-sent drafts, a forger) does not, so it is never dropped."""
        if self.message_id:
            digest = hashlib.sha256(
                "\x00".join(
                    (self.message_id, self.from_email, self.content_digest or self.content_hash)
                ).encode("utf-8", "replace")
            ).hexdigest()
            return f"mid:{digest}"
        return f"sha256:{self.content_hash}"


@contextlib.contextmanager
def time_limit(seconds: float):
    """Raise ParseTimeout in the block after ``seconds`` (main thread only, where signals work)."""
    if (
        seconds <= 0
        or threading.current_thread() is not threading.main_thread()
        or not hasattr(signal, "setitimer")
    ):
        yield
        return

    def _alarm(signum, frame):
        raise ParseTimeout(f"parsing took longer than {seconds}s")

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _decode_words(value: str) -> str:
    try:
        return str(make_header(decode_header(value)))
    except Exception:
        return value


def _clean(value: str) -> str:
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", value or "")


# Headers people write (encoded words, addresses): decoded by the email policy. The rest stay raw.
_DECODED_HEADERS = {
    "subject",
    "from",
    "sender",
    "to",
    "cc",
    "reply-to",
    "delivered-to",
    "x-original-to",
    "return-path",
}


def _raw_headers(msg, hint: str = "") -> dict[str, list[str]]:
    """Header values as readable strings: the headers people write are decoded with superset codecs and
    per-word fallback (``charsets.decode_header_text``); trace and machine headers stay as written."""
    out: dict[str, list[str]] = {}
    for name, raw in getattr(msg, "_headers", [])[:500]:
        if str(name).lower() not in _DECODED_HEADERS:
            value = str(raw)  # trace and machine headers: compared as written, not worth a full parse
        else:
            try:
                value = decode_header_text(str(raw), hint=hint)
            except Exception:
                value = _decode_words(str(raw))
        out.setdefault(str(name).lower(), []).append(
            _clean(value.replace("\r", " ").replace("\n", " ")).strip()
        )
    return out


def _raw_values(msg, name: str) -> list[str]:
    return [str(v) for n, v in getattr(msg, "_headers", [])[:500] if str(n).lower() == name]


def _addresses(values: list[str], hint: str = "") -> list[tuple[str, str]]:
    """(display name, address) pairs from raw header values: addresses are split before the encoded words
    are decoded (a decoded name may hold commas), and an address the parser cannot read is recovered."""
    out = []
    for value in values:
        value = re.sub(r"\r?\n[ \t]+", " ", value)
        try:
            pairs = getaddresses([value])
        except Exception:
            pairs = [parseaddr(value)]
        good = [(n, a.strip()) for n, a in pairs if a and _PLAIN_ADDRESS.fullmatch(a.strip())]
        if not good:
            recovered = recover_address(decode_header_text(value, hint=hint))
            name = decode_header_text(re.sub(r"<[^<>]*>", "", value), hint=hint).replace(recovered, "")
            name = name.strip().strip("\"' ")
            good = [(name if "@" not in name else "", recovered)] if recovered else []
        for name, address in good:
            address = decode_header_text(address, hint=hint).strip()  # raw UTF-8 (RFC 6532) addresses
            out.append((_clean(decode_header_text(name, hint=hint)).strip(), address.lower()))
    return out


_PLAIN_ADDRESS = re.compile(r"[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+")


_MSGID_RE = re.compile(r"<[^<>\s]{1,900}>")


def message_ids(value: str) -> list[str]:
    found = _MSGID_RE.findall(value or "")
    if not found and value and "@" in value and " " not in value.strip():
        found = [f"<{value.strip().strip('<>')}>"]
    return found


def decode_payload(part) -> str:
    """A text part's content, read with its label's superset codec; a wrong or unknown label falls back
    to UTF-8, then to a Windows code page, never to an exception."""
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if payload is None:
        raw = part.get_payload()
        payload = raw.encode("utf-8", "replace") if isinstance(raw, str) else b""
    try:
        label = part.get_content_charset("") or ""
    except Exception:
        label = ""
    try:
        text = decode_bytes(payload, label)
    except Exception:
        text = payload.decode("utf-8", errors="replace")
    return re.sub(r"\r\n|\r", "\n", text)[:MAX_BODY_CHARS]


def _charset_hint(msg) -> str:
    """The first charset the message declares: how its raw 8-bit headers were most likely written."""
    for part, _ctype, _inside in _walk(msg):
        try:
            label = part.get_content_charset("")
        except Exception:
            label = ""
        if label and label.lower() not in ("us-ascii", "ascii", "utf-8"):
            return label
    return ""


def _walk(msg):
    """Depth-first (part, content type, inside an attached message) triples, at most MAX_PARTS, without
    recursion (no stack overflow on hostile nesting). The type is read once: each read re-parses the header."""
    stack = [(msg, False)]
    seen = 0
    while stack and seen < MAX_PARTS:
        part, inside = stack.pop()
        seen += 1
        try:
            ctype = part.get_content_type()
            payload = part.get_payload()
        except Exception:
            continue
        yield part, ctype, inside
        if isinstance(payload, list):
            nested = inside or ctype in ("message/rfc822", "message/global")
            stack.extend((child, nested) for child in reversed(payload))


def _is_attachment(part, ctype: str) -> bool:
    try:
        if part.get_content_disposition() == "attachment":
            return True
        return ctype.split("/")[0] not in ("text", "multipart", "message") and bool(part.get_filename())
    except Exception:
        return False


def parse_message(msg: AnymailInboundMessage, raw: bytes | None = None) -> ParsedEmail:
    parsed = ParsedEmail()
    hint = _charset_hint(msg)
    parsed.headers = headers = _raw_headers(msg, hint)

    ids = message_ids(" ".join(headers.get("message-id", [])))
    parsed.message_id = ids[0] if ids else ""
    parsed.in_reply_to = message_ids(" ".join(headers.get("in-reply-to", [])))
    parsed.references = message_ids(" ".join(headers.get("references", [])))
    parsed.subject = " ".join(" ".join(headers.get("subject", [])[:1]).split())[:998]
    senders = _addresses(_raw_values(msg, "from"), hint)
    if not senders:
        senders = _addresses(_raw_values(msg, "sender") + _raw_values(msg, "return-path"), hint)
    if senders:
        parsed.from_name, parsed.from_email = senders[0]
    parsed.to = [
        a
        for _, a in _addresses(
            _raw_values(msg, "to") + _raw_values(msg, "delivered-to") + _raw_values(msg, "x-original-to"),
            hint,
        )
    ]
    parsed.cc = [a for _, a in _addresses(_raw_values(msg, "cc"), hint)]
    parsed.reply_to = [a for _, a in _addresses(_raw_values(msg, "reply-to"), hint)]
    if headers.get("date"):
        with contextlib.suppress(Exception):
            parsed.date = parsedate_to_datetime(headers["date"][0])
    try:
        parsed.content_type = msg.get_content_type()
        parsed.report_type = (
            (msg.get_param("report-type") or "").lower() if parsed.content_type == "multipart/report" else ""
        )
    except Exception:
        parsed.content_type = "text/plain"
    failed = [
        a.strip().lower() for v in headers.get("x-failed-recipients", []) for a in v.split(",") if "@" in a
    ]

    text = html = nested_text = None
    for part, ctype, inside_attached_message in _walk(msg):
        parsed.part_types.append(ctype)
        if inside_attached_message:
            # A forwarded or bounced message's own body is not the sender's text, unless there is no other.
            if ctype == "text/plain" and nested_text is None and not _is_attachment(part, ctype):
                nested_text = decode_payload(part)
            continue
        if ctype in ("message/delivery-status", "message/global-delivery-status"):
            failed += _delivery_status_recipients(part)
            continue
        if _is_attachment(part, ctype):
            with contextlib.suppress(Exception):
                content = part.get_content_bytes() or b""
                parsed.attachments.append(
                    RawAttachment(
                        filename=_clean(_decode_words(part.get_filename() or "attachment"))[:255],
                        content=content,
                        declared_type=ctype,
                    )
                )
            continue
        if ctype == "text/plain" and text is None:
            text = decode_payload(part)
        elif ctype == "text/html" and html is None:
            html = decode_payload(part)
    parsed.failed_recipients = list(dict.fromkeys(failed))
    if html:
        parsed.html = html_sanitise(html)
    if text is not None and text.strip():
        parsed.text = _clean(text)
    elif html:
        parsed.text = html_to_text(html)
    elif nested_text:
        parsed.text = _clean(nested_text)
    parsed.content_hash = _content_hash(parsed, raw)
    parsed.content_digest = content_digest(parsed)
    return parsed


def content_digest(parsed: ParsedEmail) -> str:
    """What the sender wrote, independent of how it was framed or routed (Delivered-To, boundaries)."""
    digest = hashlib.sha256()
    for value in (parsed.subject, parsed.header("date"), parsed.text.strip(), parsed.html.strip()):
        digest.update(value.encode("utf-8", "replace") + b"\x00")
    for item in parsed.attachments:
        digest.update(item.filename.encode("utf-8", "replace") + hashlib.sha256(item.content).digest())
    return digest.hexdigest()


def _content_hash(parsed: ParsedEmail, raw: bytes | None) -> str:
    """For mail without a Message-ID: the same content hashes the same however it was framed (MIME
    boundaries, line ends, a webhook that rebuilds the message), so a retried delivery dedupes."""
    if raw is not None and not (
        parsed.from_email or parsed.subject or parsed.text.strip() or parsed.html.strip()
    ):
        return hashlib.sha256(raw).hexdigest()  # too little content to tell messages apart: the bytes decide
    digest = hashlib.sha256()
    for value in (
        parsed.from_email,
        ",".join(parsed.to),
        ",".join(parsed.cc),
        parsed.subject,
        parsed.header("date"),
        parsed.text.strip(),
        parsed.html.strip(),
        ",".join(parsed.part_types),
        ",".join(parsed.failed_recipients),
    ):
        digest.update(value.encode("utf-8", "replace") + b"\x00")
    for item in parsed.attachments:
        digest.update(item.filename.encode("utf-8", "replace") + hashlib.sha256(item.content).digest())
    return digest.hexdigest()


def _delivery_status_recipients(part) -> list[str]:
    """Final-Recipient / Original-Recipient addresses of an RFC 3464 report."""
    out = []
    try:
        payload = part.get_payload()
        blocks = payload if isinstance(payload, list) else []
        texts = [str(b) for b in blocks] or [decode_payload(part)]
    except Exception:
        return out
    for text in texts:
        for match in re.finditer(
            r"(?im)^(?:final|original)-recipient:\s*[^;\s]*;\s*<?([^\s<>]+@[^\s<>]+)>?", text
        ):
            out.append(match.group(1).lower())
    return out


def parse_raw(raw: bytes) -> ParsedEmail:
    repaired, repairs = repair_header_block(raw)
    msg = AnymailInboundMessage.parse_raw_mime_bytes(repaired)
    parsed = parse_message(msg, raw=raw)
    if repairs:
        parsed.note = f"headers repaired: {repairs}"
    return parsed


def fallback_parse(raw: bytes) -> ParsedEmail | None:
    """Headers only (lenient compat32 policy, fast) and the undecoded body as text: for mail the MIME
    parser choked on or took too long over, so its words still reach a person."""
    try:
        msg = BytesParser(policy=compat32).parsebytes(raw, headersonly=True)
        parsed = ParsedEmail(content_hash=hashlib.sha256(raw).hexdigest())
        for name, value in msg.items():
            parsed.headers.setdefault(name.lower(), []).append(" ".join(str(value).split()))
        parsed.subject = parsed.header("subject")[:998]
        ids = re.findall(r"<[^<>\s]{1,900}>", parsed.header("message-id"))
        parsed.message_id = ids[0] if ids else ""
        parsed.in_reply_to = re.findall(r"<[^<>\s]{1,900}>", parsed.header("in-reply-to"))
        parsed.references = re.findall(r"<[^<>\s]{1,900}>", parsed.header("references"))
        sender = re.search(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", parsed.header("from"))
        parsed.from_email = sender.group(0).lower() if sender else ""
        parsed.content_type = (parsed.header("content-type").split(";")[0].strip() or "text/plain").lower()
        body = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)
        parsed.text = body[1][:200_000].decode("utf-8", "replace") if len(body) == 2 else ""
        parsed.content_digest = content_digest(parsed)
        return parsed
    except Exception:
        return None
