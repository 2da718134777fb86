"""The subject line: ``Customer #:{customer ID}: Priority: {level}: {description}`` (voice-platform policy),
a bare Urgent/High/Normal (telephony policy), and the ``[HD-123]`` tag of our own mail."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from sla.models import PriorityLevel

_REPLY_PREFIX = re.compile(r"^\s*((re|fwd?|aw|wg|sv|vs|tr|antw)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
_SYNTAX = re.compile(
    r"^\s*customer\s*#?\s*:?\s*(?P<number>[a-z0-9][a-z0-9._/-]*)\s*:"
    r"(?:\s*priority\s*:?\s*(?P<level>[^:]*?)\s*:)?\s*(?P<description>.*)$",
    re.IGNORECASE | re.DOTALL,
)
_LOOKS_LIKE_SYNTAX = re.compile(r"customer\s*#|priority\s*:", re.IGNORECASE)
BARE_LEVELS = ("urgent", "high", "normal")


@dataclass(frozen=True)
class SubjectInfo:
    description: str
    customer_number: str = ""
    level: str = ""  # as written; matched against configured levels by the caller
    syntax: bool = False  # the customer used the Customer #/Priority syntax
    malformed: bool = False  # tried the syntax but we could not read it


def strip_reply_prefix(subject: str) -> str:
    return _REPLY_PREFIX.sub("", subject or "").strip()


def parse_subject(subject: str) -> SubjectInfo:
    bare = strip_reply_prefix(subject)
    match = _SYNTAX.match(bare)
    if match:
        return SubjectInfo(
            description=match.group("description").strip() or bare,
            customer_number=match.group("number").strip(),
            level=(match.group("level") or "").strip(),
            syntax=True,
        )
    return SubjectInfo(description=bare, malformed=bool(_LOOKS_LIKE_SYNTAX.search(bare)))


def bare_level(subject: str) -> str:
    """ "Urgent", "High" or "Normal" as a word of the subject (telephony policy), else ""."""
    for level in BARE_LEVELS:
        if re.search(rf"(?<![\w-]){level}(?![\w-])", subject or "", re.IGNORECASE):
            return level
    return ""


def ticket_number_tag(subject: str) -> int | None:
    prefix = re.escape(settings.HELPDESK_TICKET_PREFIX)
    match = re.search(rf"\[\s*{prefix}\s*-\s*(\d{{1,18}})\s*\]", subject or "", re.IGNORECASE)
    return int(match.group(1)) if match else None


def level_named(text: str) -> PriorityLevel | None:
    """The priority level a subject names, by slug or name (any case, quotes stripped), or None."""
    text = (text or "").strip().strip("\"'“”").strip()
    if not text:
        return None
    return PriorityLevel.objects.filter(Q(slug__iexact=text) | Q(name__iexact=text)).first()
