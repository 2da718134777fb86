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


_QUOTE_OPEN = re.compile(r"(?i)<\s*blockquote\b[^>]*>")
_QUOTE_CLOSE = re.compile(r"(?i)<\s*/\s*blockquote\s*>")
_OPEN_MARK, _CLOSE_MARK = "HDQUOTEOPEN7f3a", "HDQUOTECLOSE7f3a"


def html_to_text(html: str) -> str:
    """Readable text; quoted history (``<blockquote>``) comes out as ``>`` lines, like a text reply."""
    html = _QUOTE_OPEN.sub(f"\n{_OPEN_MARK}\n", html[:MAX_HTML_CHARS])
    html = _QUOTE_CLOSE.sub(f"\n{_CLOSE_MARK}\n", html)
    html = _BLOCK_END.sub("\n", html)
    html = _LIST_ITEM.sub("\n- ", html)
    try:
        text = nh3.clean(html, tags=set(), clean_content_tags={"script", "style", "head", "title"})
    except Exception:
        text = re.sub(r"<[^>]*>", " ", html)
    text = html_lib.unescape(text)
    lines, depth = [], 0
    for raw_line in text.splitlines():
        line = " ".join(raw_line.split())
        if line == _OPEN_MARK:
            depth += 1
        elif line == _CLOSE_MARK:
            depth = max(0, depth - 1)
        elif depth:
            lines.append(("> " * depth + line).rstrip() if line else ">" * depth)
        else:
            lines.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
