"""Filters mail templates use to say amounts in the reader's language (the language is chosen when the
mail is rendered, ``notifications.services.notification_render``, so contexts carry numbers, not words)."""

from django import template
from django.utils.translation import ngettext

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
