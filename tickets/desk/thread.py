"""The ticket page's thread as the page shows it: each message's words worked out once, in Python.

As with the queue's rows (``rows.py``), the template only places them (``ticket_detail.html``). Per
message it had asked ``attachments.all`` up to three times (a related manager built each time), tested
membership in ``newer`` three times, reversed a URL, ran a ``{% blocktranslate %}`` and two ``date``
filters: for a thread of fifty messages, a fifth of the ticket page.
"""

from __future__ import annotations

from typing import TypedDict

from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import filesizeformat, linebreaks_filter
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from ..models import Channel, Message
from ..reasons import message_body
from .rows import url_for_ids


class MessageWords(TypedDict):
    """One message's words (a dict: the template's first lookup)."""

    pk: int
    kind: str
    staff: bool
    newer: bool
    kind_label: str
    author: str
    iso: str
    when: str
    channel: str  # "" for the web portal
    minutes: str  # "" when no time was logged
    body: str  # HTML (line breaks), "" when empty
    no_text: bool
    kb_url: str  # "" when the message cannot become an article
    attachments: list[tuple[str, str, str]]  # (download URL, file name, size)


def thread_words(messages: list[Message], *, newer=()) -> list[MessageWords]:
    """The thread's messages (author joined, attachments prefetched) as words, in the reader's language
    and time zone (both active for the request); ``newer``: the messages someone added while the reader
    was writing (marked as such)."""
    newer_ids = {m.pk for m in newer}
    kinds = {value: str(label) for value, label in Message.Kind.choices}
    channels = {value: str(label) for value, label in Channel.choices}
    system = _("System")
    minutes = _("%(minutes)s min")
    kb_url = url_for_ids("kb:desk_from_message")
    download = url_for_ids("desk:attachment_download")
    out = []
    for m in messages:
        files = list(m.attachments.all())
        at = localtime(m.created_at)
        out.append(
            MessageWords(
                pk=m.pk,
                kind=m.kind,
                staff=m.from_staff,
                newer=m.pk in newer_ids,
                kind_label=kinds.get(m.kind, m.kind),
                author=(m.author.display_name if m.author_id else "") or system,
                iso=date_filter(at, "c"),
                when=date_filter(at, "D j M H:i"),
                channel="" if m.channel == Channel.WEB else channels.get(m.channel, m.channel),
                minutes="" if m.minutes is None else minutes % {"minutes": m.minutes},
                # what the desk wrote itself (an intake note) in the reader's language; a person's as written
                body=linebreaks_filter(message_body(m), autoescape=True) if m.body else "",
                no_text=not m.body and not files,
                kb_url=kb_url(m.pk) if m.from_staff and m.kind != Message.Kind.SYSTEM and m.body else "",
                attachments=[(download(a.pk), a.filename, filesizeformat(a.size)) for a in files],
            )
        )
    return out
