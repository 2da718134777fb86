"""Filters mail templates use to say amounts in the reader's language (the language is chosen when the
mail is rendered, ``notifications.services.notification_render``, so contexts carry numbers, not words)."""

from datetime import UTC, datetime

from django import template
from django.utils.translation import ngettext

from ..timewords import due_words as _due_words

register = template.Library()


@register.filter
def duration_words(seconds) -> str:
    """3 days, 1 day 4 hours, 5 hours, 45 minutes: the two largest units, plural forms per language."""
    try:
        total = max(0, int(seconds))
    except (TypeError, ValueError):
        return ""
    minutes = total // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    if days:
        parts.append(ngettext("%(n)d day", "%(n)d days", days) % {"n": days})
    if hours:
        parts.append(ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours})
    if minutes and not days:
        parts.append(ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes})
    if not parts:
        parts.append(ngettext("%(n)d minute", "%(n)d minutes", 0) % {"n": 0})
    return " ".join(parts[:2])


@register.simple_tag
def due_words(moment, calendar_zone="") -> str:
    """A deadline in the reader's zone, naming the SLA calendar's too where its clock differs:
    ``{% due_words due_at calendar_zone as due %}`` -> "Mon 9 Mar, 10:00 London, 05:00 your time".

    A tag, not a filter: a row queued before the zone was stored has no ``calendar_zone``, which a tag
    reads as empty (the reader's zone alone) where a filter's argument would fail the mail."""
    if not isinstance(moment, datetime):
        return moment or ""  # a row queued before instants were stored carries its words already
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return _due_words(moment, calendar_zone or None)
