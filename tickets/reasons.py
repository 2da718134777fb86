"""Reasons that are stored and read later, by people of other languages (issue 22).

A reason a service stores for a later reader (auto-assignment's "round robin in Network", the rule or
macro that changed a ticket, why a mail was held for staff, a rule's refusal) is a marked message and its
values by name, never words already filled in: ``Reason(_("round robin in %(team)s"), team=team.name)``
with ``_`` as ``gettext_lazy`` (``ngettext_lazy`` with the number's name for a plural). A value may be a
Reason itself, or a marked label (``Rule.Event.CREATED.label``): it is worded in the same language.

It is stored twice, side by side: ``english()`` in the row's text column (what the admin, the audit
export, webhooks and older readers read, and the fallback), and ``kept()`` (the message id and its values,
JSON) in ``TicketEvent.data["reason"]`` or ``InboundEmail.notes``. ``reworded(kept)`` words it again for
whoever reads it, in the language active then. ``event_reason`` is the one wording of a ticket event's
reason that the desk's history, "why this deadline", the portal and the API show; ``inbound_detail`` the
one wording of an inbound mail's record (why it was held) on the desk's inbound page.
"""

from __future__ import annotations

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from .models import InboundEmail, TicketEvent


class Reason:
    """A stored reason: a marked message and its values, worded when it is read."""

    __slots__ = ("message", "params")

    def __init__(self, message, /, **params):
        self.message = message
        self.params = params

    def __str__(self) -> str:
        """The reason in the active language (the reader's)."""
        return reworded(self.kept())

    def __repr__(self) -> str:
        return f"Reason({self.english()!r})"

    def english(self) -> str:
        """The reason in the source language: the text a row keeps beside ``kept()``."""
        with translation.override(None):
            return str(self)

    def kept(self) -> dict:
        """The message id and its values, JSON-safe, for ``reworded`` to word again later. A message
        that is not marked (plain text) keeps its text: it then reads as written."""
        with translation.override(None):  # whatever is not marked is kept in the source words
            kept = _marked(self.message) or {"msgid": str(self.message)}
            kept["params"] = {name: _value(v) for name, v in self.params.items()}
        return kept


def _marked(message) -> dict | None:
    """The message id (and plural and number name) of a lazily marked message; None for anything else
    (plain text, a message with a context)."""
    if not isinstance(message, Promise):
        return None
    args, kw = getattr(message, "_args", ()), getattr(message, "_kw", {}) or {}
    if len(args) == 1 and not kw and isinstance(args[0], str):  # gettext_lazy("...")
        return {"msgid": args[0]}
    if not args and isinstance(kw.get("singular"), str) and isinstance(kw.get("plural"), str):
        number = kw.get("number")
        if number is None:  # ngettext_lazy(..., "name"): the name lives in the proxy's pickling recipe
            reduce = getattr(message, "__reduce__", None)
            recipe = reduce() if callable(reduce) else ()
            number = recipe[1][2] if len(recipe) > 1 and len(recipe[1]) > 2 else None
        if isinstance(number, str):
            return {"msgid": kw["singular"], "plural": kw["plural"], "number": number}
    return None


def _value(value):
    if isinstance(value, Reason):
        return value.kept()
    if isinstance(value, Promise):
        return _marked(value) or str(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return value


def is_kept(value) -> bool:
    return isinstance(value, dict) and isinstance(value.get("msgid"), str) and bool(value["msgid"])


def reworded(kept: dict) -> str:
    """A kept reason (``Reason.kept``, or a refusal's ``TicketError.kept``) in the active language. A
    catalogue whose placeholders no longer match the stored values falls back to the source words."""
    msgid = str(kept.get("msgid") or "")
    if not msgid:  # gettext("") is the catalogue's header
        return ""
    raw = kept.get("params") if isinstance(kept.get("params"), dict) else {}
    params = {k: reworded(v) if is_kept(v) else v for k, v in raw.items()}
    plural = kept.get("plural")
    if isinstance(plural, str):
        count = params.get(kept.get("number"))
        count = count if isinstance(count, int) else 0
        text, source = translation.ngettext(msgid, plural, count), (msgid if count == 1 else plural)
    else:
        text, source = translation.gettext(msgid), msgid
    for words in (text, source):
        try:
            return words % params if params else words
        except (KeyError, TypeError, ValueError):
            continue
    return source


def stored(reason: str | Reason | None, data: dict | None = None) -> tuple[str, dict]:
    """What a row keeps of a reason: its English text, and ``data`` with the kept form of a ``Reason``
    under ``"reason"`` (a person's own words are kept as they are, text only)."""
    data = dict(data or {})
    if isinstance(reason, Reason):
        data["reason"] = kept = reason.kept()
        with translation.override(None):  # its English words, from the same kept form
            return reworded(kept), data
    return str(reason or ""), data


def event_reason(event: TicketEvent) -> str:
    """The reason of a ticket event, for the person reading it: a kept reason in their language; a row
    stored before reasons were kept (English text) as it was written; an erased reason stays erased."""
    if not event.reason:
        return ""
    data = event.data if isinstance(event.data, dict) else {}
    if is_kept(data.get("reason")):
        return reworded(data["reason"])
    if event.kind == TicketEvent.Kind.RULE and is_kept(data.get("refusal")):  # kept before the whole reason
        return _("rule “%(rule)s” not applied: %(why)s") % {
            "rule": event.new_value,
            "why": reworded(data["refusal"]),
        }
    return event.reason


def inbound_detail(row: InboundEmail) -> str:
    """What an inbound mail's record says (why it was held), for the staff member reading it: its kept
    notes in their language; a row stored before notes were kept as its English ``detail``."""
    notes = row.notes if isinstance(row.notes, list) else []
    if not notes or not all(is_kept(n) for n in notes):
        return row.detail
    return "; ".join(reworded(n) for n in notes)
