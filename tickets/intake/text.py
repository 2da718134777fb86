"""The words of a mail: new text versus quoted history, the voice-platform body template, and whether
the customer asks us to escalate."""

from __future__ import annotations

import re

# A line that starts the quoted history. Everything from it on is history, kept but not "new".
_ON_WROTE = re.compile(
    r"^\s*(on\b.{0,300}\bwrote|le\b.{0,300}\ba écrit|am\b.{0,300}\bschrieb|el\b.{0,300}\bescribió|"
    r"op\b.{0,300}\bschreef|il\b.{0,300}\bha scritto)\s*:?\s*$",
    re.IGNORECASE,
)
_ORIGINAL = re.compile(
    r"^\s*-{2,}\s*(original message|forwarded message|ursprüngliche nachricht|message d'origine)\s*-{2,}",
    re.I,
)
_HEADER_BLOCK_START = re.compile(r"^\s*\*?(from|von|de)\s*:\*?\s+\S", re.I)
_HEADER_BLOCK_NEXT = re.compile(
    r"^\s*\*?(sent|date|to|subject|gesendet|an|betreff|envoyé|objet|cc)\s*:", re.I
)
_UNDERSCORES = re.compile(r"^\s*_{10,}\s*$")


def _next_text_line(lines: list[str], i: int) -> str:
    for line in lines[i : i + 3]:
        if line.strip():
            return line
    return ""


def split_quoted(text: str) -> tuple[str, str]:
    """(new text, quoted history) for Gmail/Apple "On ... wrote:" (in several languages, or any
    attribution line ending in ":" right above ``>`` lines), Outlook "-----Original Message-----" and
    "From:/Sent:" blocks, and ``>`` quotes. A reply written below the quote (bottom-posting) is found too."""
    lines = (text or "").split("\n")
    cut = None
    attribution = False
    for i, line in enumerate(lines):
        two = line + " " + lines[i + 1] if i + 1 < len(lines) else line
        if _ON_WROTE.match(line) or (line.strip().lower().startswith("on ") and _ON_WROTE.match(two)):
            cut, attribution = i, True
        elif line.rstrip().endswith(":") and _next_text_line(lines, i + 1).startswith(">"):
            cut, attribution = i, True
        elif (
            i + 1 < len(lines)
            and lines[i + 1].rstrip().endswith(":")
            and not line.startswith(">")
            and not lines[i + 1].startswith(">")
            and line.strip()
            and _next_text_line(lines, i + 2).startswith(">")
            and ("@" in line or line.rstrip().endswith("<"))  # the first half of "Name <address> wrote:"
            and not _ON_WROTE.match(lines[i + 1])  # the next line is a whole attribution by itself
        ):
            cut, attribution = i, True  # an attribution wrapped over two lines
        elif (
            _ORIGINAL.match(line)
            or _UNDERSCORES.match(line)
            and i + 1 < len(lines)
            and _HEADER_BLOCK_START.match(lines[i + 1])
        ):
            cut = i
        elif _HEADER_BLOCK_START.match(line) and any(
            _HEADER_BLOCK_NEXT.match(n) for n in lines[i + 1 : i + 4]
        ):
            cut = i
        elif line.startswith(">"):
            cut, attribution = i, True
        if cut is not None:
            break
    if cut is None:
        return (text or "").strip(), ""
    new = "\n".join(lines[:cut]).strip()
    quoted = "\n".join(lines[cut:]).strip()
    if not new and attribution:
        # Bottom-posting: the answer sits below the quote; the lines that are not quoted are it.
        first_quote = next((j for j in range(cut, len(lines)) if lines[j].startswith(">")), cut)
        below = [line for line in lines[first_quote:] if not line.startswith(">")]
        new = "\n".join(below).strip()
        quoted = "\n".join(
            lines[cut:first_quote] + [line for line in lines[first_quote:] if line.startswith(">")]
        ).strip()
    return new, quoted


_ESCALATE = re.compile(r"\bescalat(?:e|ion)\b", re.IGNORECASE)
_NEGATION = re.compile(
    r"\b(no|not|never|without|don'?t|doesn'?t|didn'?t|do not|does not|needn'?t|won'?t|shouldn'?t|"
    r"isn'?t|no need|nothing to|no reason to)\b",
    re.IGNORECASE,
)


def _said(text: str, pattern: re.Pattern) -> bool:
    """True when ``pattern`` appears in ``text`` not negated in its own clause ("no need to escalate",
    "it is not urgent" do not count; "not sure, but please escalate" does)."""
    text = (text or "").replace("’", "'")
    for match in pattern.finditer(text):
        before = text[max(0, match.start() - 60) : match.start()]
        clause = re.split(r"[.!?;\n]|\bbut\b", before)[-1]
        if not _NEGATION.search(clause):
            return True
    return False


def asks_to_escalate(new_text: str) -> bool:
    """True when "escalate"/"escalation" appears in the new text, not negated in its own clause."""
    return _said(new_text, _ESCALATE)


def mentions(text: str, phrases) -> bool:
    """True when any of ``phrases`` (whole words, any case) appears in ``text`` not negated in its own
    clause: the automation rules' word condition, with the escalate keyword's reading."""
    words = [p.strip() for p in phrases if p and p.strip()]
    if not words:
        return False
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b", re.IGNORECASE)
    return _said(text, pattern)


# The voice-platform body template: label -> request field. The names are the default request form's
# ("Report a problem", the portal's form), so a ticket filed by mail and one filed on the portal store the
# same answers under the same keys (tests/tickets/test_request_vocabulary.py holds the two together).
_FIELDS = [
    ("numbers_dialed", r"phone\s*number\s*(?:\(s\)|s)?\s*dialed(?:\s*\(list all that apply\))?"),
    (
        "numbers_calling",
        r"phone\s*number\s*(?:\(s\)|s)?\s*that\s*initiated\s*the\s*call(?:\s*\(list all that apply\))?",
    ),
    ("start_date", r"start\s*date\s*of\s*(?:the\s*)?issue"),
    ("pattern", r"is\s*the\s*issue\s*intermittent\s*or\s*consistent\s*\??"),
    ("frequency", r"how\s*often\s*is\s*the\s*issue\s*occurring\s*\??"),
    ("details", r"(?:list\s*all\s*)?details"),
    ("product", r"product"),
]
_LABEL = re.compile(
    "|".join(f"(?P<{name}>(?<![\\w-]){pattern}\\s*:?)" for name, pattern in _FIELDS), re.IGNORECASE
)


TEMPLATE_FIELD_NAMES = tuple(name for name, _ in _FIELDS)


def template_fields(new_text: str) -> dict[str, str]:
    """Values after the template's labels (one per line, or all pasted on one line). Two labels at least,
    so a stray "Product:" in prose does not count as the template."""
    text = new_text or ""
    found = []
    for match in _LABEL.finditer(text):
        label = match.group(0)
        name = match.lastgroup
        # A bare word ("details", "product") is a label only when a colon follows it.
        if name in ("details", "product") and not label.rstrip().endswith(":"):
            continue
        if any(name == f for f, _, _ in found):
            continue
        found.append((name, match.start(), match.end()))
    if len(found) < 2:
        return {}
    fields = {}
    for index, (name, _start, end) in enumerate(found):
        stop = found[index + 1][1] if index + 1 < len(found) else len(text)
        value = " ".join(text[end:stop].split()).strip(" :")
        if value:
            fields[name] = value[:2000]
    return fields
