"""HTML from mail: sanitised with nh3 before we store or show it, and turned into text when a message
has no text part."""

from __future__ import annotations

import html as html_lib
import re

import nh3

MAX_HTML_CHARS = 2_000_000

_BLOCK_END = re.compile(r"(?i)<\s*(br|/p|/div|/tr|/li|/h[1-6]|/blockquote|/table|hr)\b[^>]*>")
_LIST_ITEM = re.compile(r"(?i)<\s*li\b[^>]*>")


def html_sanitise(html: str) -> str:
    """Only harmless tags and attributes; scripts, styles, handlers and javascript: links are dropped."""
    try:
        return nh3.clean(html[:MAX_HTML_CHARS], link_rel="noopener noreferrer nofollow")
    except Exception:
        return ""


def html_to_text(html: str) -> str:
    html = _BLOCK_END.sub("\n", html[:MAX_HTML_CHARS])
    html = _LIST_ITEM.sub("\n- ", html)
    try:
        text = nh3.clean(html, tags=set(), clean_content_tags={"script", "style", "head", "title"})
    except Exception:
        text = re.sub(r"<[^>]*>", " ", html)
    text = html_lib.unescape(text)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
