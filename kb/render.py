"""Markdown to safe HTML: markdown-it-py (CommonMark, raw HTML off) and then nh3, so a tag that slipped
through the renderer (or a ``javascript:`` link) never reaches a page or a mail."""

import html
import re

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table").enable("strikethrough")

ALLOWED_TAGS = {
    *("p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code", "em", "strong"),
    *("del", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td"),
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}


def markdown_html(text: str) -> str:
    rendered = _md.render(text or "")
    return nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def html_text(fragment: str) -> str:
    """The words of an HTML fragment, for search and snippets."""
    # Block ends and line breaks become spaces so words of two paragraphs do not run together.
    spaced = re.sub(r"(</(?:p|li|h[1-6]|td|th|tr|blockquote|pre)>|<br\s*/?>)", r" \1", fragment)
    text = nh3.clean(spaced, tags=set())
    return " ".join(html.unescape(text).split())
